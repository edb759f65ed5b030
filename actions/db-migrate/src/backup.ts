/**
 * Taking a pg_dump backup and verifying it before it counts, and bringing one back. The dump
 * and the row counts come from one exported snapshot, so the manifest describes exactly what
 * the dump holds; a restore runs in one transaction and ends with every table's row count
 * compared with the manifest.
 */
import { createHash } from 'node:crypto';
import { chmodSync, createReadStream, rmSync, statSync } from 'node:fs';
import {
  ActionFailure,
  countOf,
  formatBytes,
  formatDuration,
  type Clock,
  type Logger,
} from '@white-cross/core';
import {
  MANIFEST_SCHEMA,
  backupId,
  checkBackupContents,
  compareRowCounts,
  parseManifest,
  parseTableOfContents,
  type BackupManifest,
  type RowCountDifference,
  type TableName,
  type TocEntry,
} from './backup-manifest.js';
import { describeTarget, type ConnectionTarget } from './connection.js';
import {
  countRows,
  dropObjectsNotInBackup,
  exportSnapshot,
  listTables,
  recordedMigrations,
  type Database,
  type DroppedObject,
} from './database.js';
import { explainToolFailure, type PgTools } from './pg-tools.js';
import type { BackupStore } from './backup-store.js';

export interface BackupDeps {
  db: Database;
  tools: PgTools;
  store: BackupStore;
  target: ConnectionTarget;
  serverVersion: string;
  migrationTable: string;
  lockTimeoutMs: number;
  log: Logger;
  clock: Clock;
}

export interface TakenBackup {
  id: string;
  /** Where the dump is: a path or an s3:// URI. */
  uri: string;
  manifestUri: string;
  manifest: BackupManifest;
  toc: TocEntry[];
  /** Milliseconds: dump (with the counts beside it), verify, store. */
  timings: { dumpMs: number; verifyMs: number; storeMs: number };
}

const PROGRESS_EVERY_MS = 15_000;

/** Logs a progress line every 15 s while `work` runs, so a long dump or restore is not silent. */
function withProgress<T>(work: Promise<T>, log: Logger, line: () => string): Promise<T> {
  const timer = setInterval(() => log.info(line()), PROGRESS_EVERY_MS);
  return work.finally(() => clearInterval(timer));
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** SHA-256 of a file, streamed. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 }))
    hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Dumps the database (custom format) and counts every table's rows in the same snapshot,
 * checks the dump (non-empty, readable table of contents listing every table with its rows),
 * then stores the dump and its manifest. Nothing is stored unless the dump checks out.
 */
export async function takeDumpBackup(deps: BackupDeps): Promise<TakenBackup> {
  const { db, tools, store, log, clock } = deps;
  const id = backupId(deps.target.database, new Date(clock.now()));
  const dumpName = `${id}.dump`;
  const staged = store.stagingPath(dumpName);
  const started = clock.now();
  log.info(`Backing up ${describeTarget(deps.target)} to ${store.uri(dumpName)} (pg_dump, custom format)…`);
  let tables: TableName[];
  let migrations: string[];
  let rowCounts: Record<TableName, number>;
  let dumpExit;
  const snapshot = await exportSnapshot(db);
  try {
    tables = await listTables(db);
    migrations = await recordedMigrations(db, deps.migrationTable);
    const dumping = withProgress(
      tools.dump(staged, { snapshot, lockWaitTimeoutMs: Math.max(deps.lockTimeoutMs, 1000) }),
      log,
      () => `pg_dump: ${formatBytes(sizeOf(staged))} written in ${formatDuration(clock.now() - started)}…`,
    );
    // Counted while pg_dump runs, in the snapshot it dumps.
    rowCounts = await countRows(db, tables).catch(async (error: unknown) => {
      await dumping.catch(() => undefined);
      throw error;
    });
    dumpExit = await dumping;
  } finally {
    await db.query('COMMIT').catch(() => {});
  }
  const dumpMs = clock.now() - started;
  if (dumpExit.exitCode !== 0) {
    rmSync(staged, { force: true });
    throw new ActionFailure(
      `Backup of ${describeTarget(deps.target)} failed — ${explainToolFailure('pg_dump', dumpExit.tail)}. Nothing was changed.`,
    );
  }

  // The dump holds PHI: owner-only, whatever the umask.
  chmodSync(staged, 0o600);
  const verifyStarted = clock.now();
  const bytes = statSync(staged).size;
  const [listing, sha256] = await Promise.all([tools.list(staged), sha256File(staged)]);
  const toc = listing.exitCode === 0 ? parseTableOfContents(listing.stdout) : [];
  const problems =
    bytes === 0
      ? ['the dump file is empty']
      : listing.exitCode !== 0
        ? [explainToolFailure('pg_restore --list', listing.tail)]
        : checkBackupContents(toc, tables);
  if (problems.length > 0) {
    rmSync(staged, { force: true });
    throw new ActionFailure(
      `The backup of ${describeTarget(deps.target)} did not verify: ${problems.join('; ')}. It was discarded and nothing was changed.`,
    );
  }
  const verifyMs = clock.now() - verifyStarted;
  log.info(
    `Backup verified: ${bytes} bytes, ${countOf(tables.length, 'table')} with ${countOf(
      Object.values(rowCounts).reduce((a, b) => a + b, 0),
      'row',
    )}, sha256 ${sha256.slice(0, 12)}…`,
  );

  const storeStarted = clock.now();
  const manifest: BackupManifest = {
    schema: MANIFEST_SCHEMA,
    id,
    kind: 'pg_dump',
    database: deps.target.database,
    host: deps.target.host,
    serverVersion: deps.serverVersion,
    createdAt: new Date(started).toISOString(),
    file: dumpName,
    bytes,
    sha256,
    rowCounts,
    migrations,
  };
  const manifestName = `${id}.manifest.json`;
  try {
    await store.commit(staged, dumpName, 'application/vnd.postgresql.custom-dump');
    await store.putText(manifestName, `${JSON.stringify(manifest, null, 2)}\n`);
  } finally {
    rmSync(staged, { force: true });
  }
  const storeMs = clock.now() - storeStarted;
  return {
    id,
    uri: store.uri(dumpName),
    manifestUri: store.uri(manifestName),
    manifest,
    toc,
    timings: { dumpMs, verifyMs, storeMs },
  };
}

export interface RestoreDeps {
  db: Database;
  tools: PgTools;
  store: BackupStore;
  target: ConnectionTarget;
  lockTimeoutMs: number;
  scratchDir: string;
  log: Logger;
  clock: Clock;
}

export interface RestoredBackup {
  id: string;
  uri: string;
  manifest: BackupManifest;
  dropped: DroppedObject[];
  rowCounts: Record<TableName, number>;
  differences: RowCountDifference[];
  timings: { fetchMs: number; restoreMs: number; verifyMs: number };
}

/**
 * Restores backup `id` over the database: checks the dump against its manifest's SHA-256,
 * drops what the backup does not have, restores in one transaction, and compares every
 * table's row count with the manifest. Throws ActionFailure when the restore or the check fails.
 */
export async function restoreDumpBackup(id: string, deps: RestoreDeps): Promise<RestoredBackup> {
  const { db, tools, store, log, clock } = deps;
  const where = describeTarget(deps.target);
  const fetchStarted = clock.now();
  let manifest: BackupManifest;
  try {
    manifest = parseManifest(await store.readText(`${id}.manifest.json`));
  } catch (error) {
    if (error instanceof ActionFailure) throw error;
    throw new ActionFailure(
      `The manifest of backup ${id} cannot be read (${String(error)}). Nothing was changed.`,
    );
  }
  const file = await store.fetch(manifest.file, deps.scratchDir);
  // Both read the whole file; side by side they cost one read.
  const [sha256, listing] = await Promise.all([sha256File(file), tools.list(file)]);
  if (sha256 !== manifest.sha256) {
    throw new ActionFailure(
      `Backup ${id} at ${store.uri(manifest.file)} does not match its manifest (SHA-256 ${sha256.slice(0, 12)}… instead of ${manifest.sha256.slice(0, 12)}…). Nothing was changed.`,
    );
  }
  if (listing.exitCode !== 0) {
    throw new ActionFailure(
      `Backup ${id} cannot be read — ${explainToolFailure('pg_restore --list', listing.tail)}. Nothing was changed.`,
    );
  }
  const toc = parseTableOfContents(listing.stdout);
  const fetchMs = clock.now() - fetchStarted;

  const restoreStarted = clock.now();
  log.info(`Restoring backup ${id} over ${where} (one transaction)…`);
  const dropped = await dropObjectsNotInBackup(db, toc);
  if (dropped.length)
    log.info(
      `Dropped what the backup does not have: ${dropped.map((d) => `${d.kind} ${d.name}`).join(', ')}`,
    );
  const restored = await withProgress(
    tools.restore(file, { lockTimeoutMs: Math.max(deps.lockTimeoutMs, 1000) }),
    log,
    () =>
      `pg_restore: still restoring ${id} after ${formatDuration(clock.now() - restoreStarted)} (one transaction)…`,
  );
  if (restored.exitCode !== 0) {
    const droppedText = dropped.length
      ? ` The objects the backup lacks were dropped first (${dropped.map((d) => d.name).join(', ')}).`
      : '';
    throw new ActionFailure(
      `Restore of backup ${id} over ${where} failed — ${explainToolFailure('pg_restore', restored.tail)}. ` +
        `It ran in one transaction, so none of the backup was applied.${droppedText}`,
    );
  }
  const restoreMs = clock.now() - restoreStarted;

  const verifyStarted = clock.now();
  const rowCounts = await countRows(db, await listTables(db));
  const differences = compareRowCounts(manifest.rowCounts, rowCounts);
  const verifyMs = clock.now() - verifyStarted;
  return {
    id,
    uri: store.uri(manifest.file),
    manifest,
    dropped,
    rowCounts,
    differences,
    timings: { fetchMs, restoreMs, verifyMs },
  };
}
