/**
 * db-migrate: back up, migrate, verify — and undo or restore — on PostgreSQL.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tmpdir } from 'node:os';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import {
  ActionFailure,
  describeError,
  formatBytes,
  runAction,
  runCommand,
  type ActionContext,
  type ActionDefinition,
  type CommandResult,
} from '@white-cross/core';
import { createAwsClient } from '@white-cross/aws';
import { directoryStore, s3Store, type BackupStore } from './backup-store.js';
import { restoreDumpBackup, restoreSource, takeDumpBackup } from './backup.js';
import { describeTarget } from './connection.js';
import {
  connect,
  lockBlockedMessage,
  migrationLockHolder,
  recordedMigrations,
  serverInfo,
  tryMigrationLock,
  type Database,
} from './database.js';
import { parseInputs, type BackupLocation, type DbMigrateInputs } from './inputs.js';
import {
  describeMigrateRun,
  migrationStem,
  parseMigrateOutput,
  parseMigrationStatus,
  planUndo,
  stripAnsi,
  type MigrationStatus,
} from './migration-status.js';
import { pgTools, type PgTools } from './pg-tools.js';
import { takeRdsSnapshot } from './rds-snapshot.js';
import {
  newReport,
  writeSummary,
  type BackupRecord,
  type MigrationRecord,
  type RunReport,
} from './report.js';

export const ACTION_NAME = 'db-migrate';
export const ACTION_VERSION = '0.1.0';
/** The table sequelize-cli records applied migrations in (its `migrationStorageTableName` default). */
export const MIGRATION_TABLE = 'SequelizeMeta';
const RDS_SNAPSHOT_TIMEOUT_MS = 60 * 60_000;
const RDS_SNAPSHOT_POLL_MS = 15_000;

/** Everything a mode needs, built once per run. */
interface Session {
  inputs: DbMigrateInputs;
  ctx: ActionContext;
  db: Database;
  tools: PgTools;
  report: RunReport;
  serverVersion: string;
  where: string;
  scratchDir: string;
  /** Times a step and records it in the report and the audit facts. */
  step<T>(name: string, body: () => Promise<T>, detail?: (value: T) => string): Promise<T>;
}

export const definition: ActionDefinition<DbMigrateInputs> = {
  name: ACTION_NAME,
  version: ACTION_VERSION,
  parseInputs,
  run: runDbMigrate,
};

/** The entry point the bundle runs. */
export const run = () => runAction(definition);

async function runDbMigrate(inputs: DbMigrateInputs, ctx: ActionContext): Promise<void> {
  ctx.addSecret(inputs.url);
  if (inputs.target.password) ctx.addSecret(inputs.target.password);
  const started = ctx.clock.now();
  const where = describeTarget(inputs.target);
  const report = newReport(inputs.mode, inputs.dryRun, where);
  ctx.fact('mode', inputs.mode);
  ctx.fact('database', where);
  ctx.fact('dryRun', inputs.dryRun);
  ctx.fact('steps', report.steps);
  if (inputs.target.ssl === 'disable') {
    ctx.log.warning(
      `TLS is off (ssl: disable) for ${where}: allowed only because the database is on this machine.`,
    );
  }
  const step: Session['step'] = async (name, body, detail) => {
    const at = ctx.clock.now();
    try {
      const value = await body();
      report.steps.push({ name, ms: ctx.clock.now() - at, result: 'ok', detail: detail?.(value) });
      return value;
    } catch (error) {
      report.steps.push({ name, ms: ctx.clock.now() - at, result: 'failed', detail: describeError(error) });
      throw error;
    }
  };
  const applicationName = `white-cross db-migrate run ${ctx.env.GITHUB_RUN_ID ?? 'local'}/${ctx.env.GITHUB_RUN_ATTEMPT ?? '1'}`;
  let db: Database | undefined;
  const scratchDir = join(ctx.env.RUNNER_TEMP || tmpdir(), `db-migrate-${process.pid}`);
  try {
    db = await step('connect', () =>
      connect(inputs.target, {
        connectTimeoutMs: inputs.connectTimeoutMs,
        applicationName,
        sslRootCert: inputs.sslRootCert,
      }),
    );
    const info = await serverInfo(db);
    report.serverVersion = info.version;
    report.databaseBytes = info.databaseBytes;
    ctx.fact('serverVersion', info.version);
    ctx.log.info(`Connected to ${where}: PostgreSQL ${info.version}, ${formatBytes(info.databaseBytes)}.`);
    const session: Session = {
      inputs,
      ctx,
      db,
      tools: pgTools(inputs.target, {
        binDir: inputs.pgBinDir,
        connectTimeoutMs: inputs.connectTimeoutMs,
        applicationName,
        log: ctx.log,
        sslRootCert: inputs.sslRootCert,
      }),
      report,
      serverVersion: info.version,
      where,
      scratchDir,
      step,
    };
    if (inputs.mode === 'status') await statusMode(session);
    else if (inputs.mode === 'migrate') await migrateMode(session);
    else if (inputs.mode === 'undo') await undoMode(session);
    else await restoreMode(session);
  } catch (error) {
    if (!report.conclusion) report.conclusion = describeError(error).replace(/^ActionFailure: /, '');
    throw error;
  } finally {
    await db?.end().catch(() => {});
    // Downloaded and staged dumps hold PHI: never leave them on the runner.
    rmSync(scratchDir, { recursive: true, force: true });
    const seconds = (ctx.clock.now() - started) / 1000;
    ctx.setOutput('duration', seconds.toFixed(1));
    ctx.fact('pendingBefore', report.pendingBefore);
    ctx.fact('applied', report.applied);
    ctx.fact('undone', report.undone);
    ctx.fact('backups', report.backups);
    if (report.failure) ctx.fact('failure', report.failure);
    writeSummary(report, ctx.summary);
    ctx.writeEvidence('db-migrate-report.json', `${JSON.stringify(report, null, 2)}\n`);
  }
}

/** The environment of the migration tool: the URL and TLS mode, the session timeouts, no INPUT_* variables. */
function toolEnv(inputs: DbMigrateInputs, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const kept = Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('INPUT_')));
  return {
    ...kept,
    DATABASE_URL: inputs.url,
    NODE_ENV: inputs.nodeEnv,
    PGSSLMODE: inputs.target.ssl,
    PGOPTIONS: `-c lock_timeout=${inputs.lockTimeoutMs} -c statement_timeout=${inputs.statementTimeoutMs}`,
    // The pg driver (Node) and libpq tools each read their own CA setting.
    ...(inputs.sslRootCert
      ? { NODE_EXTRA_CA_CERTS: inputs.sslRootCert, PGSSLROOTCERT: inputs.sslRootCert }
      : {}),
  };
}

async function runTool(s: Session, what: string, command: string): Promise<CommandResult> {
  return s.ctx.log.group(`${what}: ${command}`, () =>
    runCommand(command, {
      cwd: s.inputs.workingDirectory,
      env: toolEnv(s.inputs, process.env),
      log: s.ctx.log,
      captureStdout: true,
      tailLines: 80,
    }),
  );
}

function toolError(result: CommandResult): string {
  const errors = parseMigrateOutput(result.tail.join('\n')).errors;
  const last = stripAnsi(result.tail.filter((l) => l.trim() !== '').slice(-1)[0] ?? 'no output');
  return (errors[0] ?? last).trim();
}

async function readStatus(s: Session, label: string): Promise<MigrationStatus> {
  const result = await s.step(label, () => runTool(s, 'Migration status', s.inputs.statusCommand));
  if (result.exitCode !== 0) {
    throw new ActionFailure(
      `The status command '${s.inputs.statusCommand}' failed (exit ${result.exitCode}) in ${s.inputs.workingDirectory}: ${toolError(result)}. Nothing was changed by this step.`,
    );
  }
  return parseMigrationStatus(result.stdout);
}

async function takeLock(s: Session): Promise<void> {
  const holder = await s.step('take the migration lock', () => tryMigrationLock(s.db));
  if (holder) throw new ActionFailure(lockBlockedMessage(s.inputs.target, holder));
}

function storeFor(s: Session, location: BackupLocation): BackupStore {
  if (location.kind === 'directory') return directoryStore(location.path);
  const s3 = createAwsClient(S3Client, {
    region: s.inputs.region,
    action: ACTION_NAME,
    version: ACTION_VERSION,
    env: s.ctx.env,
  });
  return s3Store(location, s3, s.scratchDir);
}

/** Takes the backup the inputs ask for; records it; returns it (undefined for backup: none). */
async function backupNow(s: Session, purpose: string): Promise<BackupRecord | undefined> {
  const { inputs, ctx } = s;
  if (inputs.backup === 'none') {
    ctx.log.warning(`No backup taken before the ${purpose} (backup: none, allow-no-backup: true).`);
    return undefined;
  }
  let record: BackupRecord;
  if (inputs.backup === 'rds-snapshot') {
    const rds = createAwsClient(RDSClient, {
      region: inputs.region,
      action: ACTION_NAME,
      version: ACTION_VERSION,
      env: ctx.env,
    });
    const snapshot = await s.step('RDS snapshot', () =>
      takeRdsSnapshot(rds, {
        instance: inputs.dbInstanceIdentifier as string,
        tags: {
          'white-cross:action': ACTION_NAME,
          'white-cross:purpose': purpose,
          'white-cross:database': inputs.target.database,
          ...(ctx.env.GITHUB_RUN_ID ? { 'white-cross:run-id': ctx.env.GITHUB_RUN_ID } : {}),
          ...(ctx.env.GITHUB_SHA ? { 'white-cross:commit': ctx.env.GITHUB_SHA } : {}),
        },
        log: ctx.log,
        clock: ctx.clock,
        sleep: ctx.sleep,
        timeoutMs: RDS_SNAPSHOT_TIMEOUT_MS,
        pollMs: RDS_SNAPSHOT_POLL_MS,
      }),
    );
    if (!snapshot.encrypted) {
      ctx.log.warning(
        `RDS snapshot ${snapshot.id} is not encrypted: the instance ${inputs.dbInstanceIdentifier} stores PHI without encryption at rest.`,
      );
    }
    record = {
      kind: 'rds-snapshot',
      id: snapshot.id,
      location: snapshot.arn,
      encrypted: snapshot.encrypted,
      purpose,
    };
  } else {
    const store = storeFor(s, inputs.backupLocation as BackupLocation);
    const taken = await s.step(
      'pg_dump backup and verify',
      () =>
        takeDumpBackup({
          db: s.db,
          tools: s.tools,
          store,
          target: inputs.target,
          serverVersion: s.serverVersion,
          migrationTable: MIGRATION_TABLE,
          lockTimeoutMs: inputs.lockTimeoutMs,
          log: ctx.log,
          clock: ctx.clock,
        }),
      (t) => `dump ${t.timings.dumpMs} ms, verify ${t.timings.verifyMs} ms, store ${t.timings.storeMs} ms`,
    );
    ctx.writeEvidence('db-migrate-backup-manifest.json', `${JSON.stringify(taken.manifest, null, 2)}\n`);
    record = {
      kind: 'pg_dump',
      id: taken.id,
      location: taken.uri,
      bytes: taken.manifest.bytes,
      sha256: taken.manifest.sha256,
      tables: Object.keys(taken.manifest.rowCounts).length,
      rows: Object.values(taken.manifest.rowCounts).reduce((a, b) => a + b, 0),
      purpose,
    };
  }
  s.report.backups.push(record);
  ctx.setOutput('backup-id', record.id);
  ctx.setOutput('backup-location', record.location);
  ctx.log.info(`Backup ${record.id} kept at ${record.location}.`);
  return record;
}

async function statusMode(s: Session): Promise<void> {
  const status = await readStatus(s, 'read migration status');
  const holder = await migrationLockHolder(s.db);
  s.report.pendingBefore = status.pending;
  s.report.migrations = [
    ...status.applied.map((name): MigrationRecord => ({
      name,
      before: 'applied',
      result: 'already applied',
    })),
    ...status.pending.map((name): MigrationRecord => ({ name, before: 'pending', result: 'pending' })),
  ];
  s.ctx.setOutput('pending-before', status.pending);
  s.ctx.setOutput('applied', []);
  s.report.conclusion =
    `${status.applied.length} migration(s) applied, ${status.pending.length} pending` +
    (status.pending.length ? `: ${status.pending.join(', ')}.` : '.') +
    (holder ? ` A migration run holds the lock now ('${holder.applicationName}', pid ${holder.pid}).` : '');
  s.ctx.log.info(s.report.conclusion);
}

async function migrateMode(s: Session): Promise<void> {
  const { inputs, ctx, report } = s;
  if (!inputs.dryRun) await takeLock(s);
  const status = await readStatus(s, 'list pending migrations');
  report.pendingBefore = status.pending;
  ctx.setOutput('pending-before', status.pending);
  ctx.setOutput('applied', []);
  report.migrations = [
    ...status.applied.map((name): MigrationRecord => ({
      name,
      before: 'applied',
      result: 'already applied',
    })),
    ...status.pending.map((name): MigrationRecord => ({ name, before: 'pending', result: 'not run' })),
  ];
  if (status.pending.length === 0) {
    report.conclusion = `Nothing to do: all ${status.applied.length} migration(s) are applied; no backup was taken and nothing was changed.`;
    ctx.log.info(report.conclusion);
    return;
  }
  ctx.log.info(`${status.pending.length} pending migration(s): ${status.pending.join(', ')}`);
  if (inputs.dryRun) {
    const holder = await migrationLockHolder(s.db);
    report.conclusion =
      `Dry run: would back up (${inputs.backup}) and apply ${status.pending.length} migration(s): ${status.pending.join(', ')}. Nothing was changed.` +
      (holder ? ` Note: '${holder.applicationName}' holds the migration lock now.` : '');
    ctx.log.info(report.conclusion);
    return;
  }
  const backup = await backupNow(s, 'migration');
  const before = await recordedMigrations(s.db, MIGRATION_TABLE);
  const result = await s.step('run migrations', () => runTool(s, 'Migrate', inputs.migrateCommand));
  const after = await recordedMigrations(s.db, MIGRATION_TABLE);
  const outcome = describeMigrateRun(before, after, status.pending);
  const timings = new Map(parseMigrateOutput(result.stdout).finished.map((t) => [t.name, t.seconds]));
  const statusAfter = await readStatus(s, 'check nothing is pending').catch((error: unknown) => {
    ctx.log.warning(`Could not read the status after migrating: ${describeError(error)}`);
    return undefined;
  });
  const mark = (name: string, result: MigrationRecord['result']) => {
    const row = report.migrations.find((m) => m.name === name);
    if (row) {
      row.result = result;
      row.seconds = timings.get(migrationStem(name));
    }
  };
  for (const name of outcome.applied) mark(name, 'applied');
  report.applied = outcome.applied;
  ctx.setOutput('applied', outcome.applied);
  ctx.fact('applied', outcome.applied);

  const stillPending = statusAfter?.pending ?? outcome.notApplied;
  if (result.exitCode === 0 && stillPending.length === 0 && outcome.notApplied.length === 0) {
    report.conclusion = `Applied ${outcome.applied.length} migration(s); nothing is pending. Backup ${backup?.id ?? '(none)'} kept.`;
    ctx.log.info(report.conclusion);
    return;
  }

  const failed = outcome.failed ?? stillPending[0];
  if (failed) mark(failed, 'failed');
  const dbError =
    result.exitCode !== 0
      ? toolError(result)
      : `the migration command succeeded but ${stillPending.length} migration(s) are still pending`;
  const notApplied = outcome.notApplied.filter((m) => m !== failed);
  const appliedText = outcome.applied.length ? `applied ${outcome.applied.join(', ')}` : 'applied none';
  const notAppliedText = notApplied.length ? `; not run: ${notApplied.join(', ')}` : '';
  const backupText = backup ? `Backup ${backup.id} is kept at ${backup.location}.` : 'No backup was taken.';
  const head = `Migration ${failed ?? '(unknown)'} failed on ${s.where}: ${dbError}.`;
  let state: string;
  if (inputs.onFailure === 'undo') {
    state = await undoAfterFailure(s, outcome.applied, mark);
  } else if (inputs.onFailure === 'restore' && backup?.kind === 'pg_dump') {
    state = await restoreAfterFailure(s, backup, mark);
  } else {
    state = `This run ${appliedText}${notAppliedText}; nothing was undone (on-failure: none).`;
  }
  report.failure = { migration: failed, error: dbError, onFailure: inputs.onFailure, state };
  report.conclusion = `${head} ${state} ${backupText}`;
  const file = failed ? findMigrationFile(inputs.workingDirectory, failed) : undefined;
  throw new ActionFailure(
    report.conclusion,
    file ? { file: relative(ctx.workspace, file.path), line: file.line } : {},
  );
}

async function undoAfterFailure(
  s: Session,
  applied: string[],
  mark: (name: string, result: MigrationRecord['result']) => void,
): Promise<string> {
  const undone: string[] = [];
  for (const name of [...applied].reverse()) {
    const result = await s.step(`undo ${name}`, () => runTool(s, `Undo ${name}`, s.inputs.undoCommand));
    const now = await recordedMigrations(s.db, MIGRATION_TABLE);
    if (result.exitCode !== 0 || now.includes(name)) {
      s.report.undone = undone;
      s.ctx.setOutput(
        'applied',
        applied.filter((m) => !undone.includes(m)),
      );
      return (
        `on-failure: undo reverted ${undone.length ? undone.join(', ') : 'nothing'}, then the down migration of ${name} failed ` +
        `(${toolError(result)}); still applied by this run: ${applied.filter((m) => !undone.includes(m)).join(', ')}.`
      );
    }
    undone.push(name);
    mark(name, 'undone');
  }
  s.report.undone = undone;
  s.report.applied = [];
  s.ctx.setOutput('applied', []);
  s.ctx.setOutput('undone', undone);
  return (
    `on-failure: undo reverted what this run applied (${undone.length ? undone.join(', ') : 'nothing'}); ` +
    'the failed migration itself may have left partial changes if it did not run in a transaction.'
  );
}

async function restoreAfterFailure(
  s: Session,
  backup: BackupRecord,
  mark: (name: string, result: MigrationRecord['result']) => void,
): Promise<string> {
  const store = storeFor(s, s.inputs.backupLocation as BackupLocation);
  let restored;
  try {
    restored = await s.step('restore the backup', () =>
      restoreDumpBackup(backup.id, {
        db: s.db,
        tools: s.tools,
        store,
        target: s.inputs.target,
        lockTimeoutMs: s.inputs.lockTimeoutMs,
        scratchDir: s.scratchDir,
        log: s.ctx.log,
        clock: s.ctx.clock,
      }),
    );
  } catch (error) {
    return `on-failure: restore of backup ${backup.id} failed too — ${describeError(error).replace(/^ActionFailure: /, '')}`;
  }
  s.report.restore = {
    id: restored.id,
    location: restored.uri,
    dropped: restored.dropped.map((d) => `${d.kind} ${d.name}`),
    tables: Object.keys(restored.rowCounts).length,
    rows: Object.values(restored.rowCounts).reduce((a, b) => a + b, 0),
    differences: restored.differences,
  };
  for (const name of s.report.applied) mark(name, 'rolled back by restore');
  s.report.applied = [];
  s.ctx.setOutput('applied', []);
  if (restored.differences.length) {
    return `on-failure: restore brought back backup ${backup.id}, but ${restored.differences.length} table(s) have other row counts than the backup: ${restored.differences.map((d) => `${d.table} ${d.expected ?? 'absent'} → ${d.actual ?? 'absent'}`).join(', ')}.`;
  }
  return `on-failure: restore brought back backup ${backup.id}; every table's row count matches the backup (${Object.keys(restored.rowCounts).length} tables).`;
}

async function undoMode(s: Session): Promise<void> {
  const { inputs, ctx, report } = s;
  if (!inputs.dryRun) await takeLock(s);
  const status = await readStatus(s, 'read migration status');
  report.pendingBefore = status.pending;
  ctx.setOutput('pending-before', status.pending);
  ctx.setOutput('applied', []);
  let plan: string[];
  try {
    plan = planUndo(status.applied, inputs.undoTo);
  } catch {
    throw new ActionFailure(
      `undo-to '${inputs.undoTo}' is not an applied migration on ${s.where} (applied: ${status.applied.join(', ') || 'none'}). Nothing was changed.`,
    );
  }
  report.migrations = status.applied.map((name): MigrationRecord => ({
    name,
    before: 'applied',
    result: 'already applied',
  }));
  if (plan.length === 0) {
    report.conclusion = `Nothing to undo on ${s.where}${inputs.undoTo ? `: ${inputs.undoTo} is the last applied migration` : ': no migration is applied'}. Nothing was changed.`;
    ctx.log.info(report.conclusion);
    return;
  }
  if (inputs.dryRun) {
    report.conclusion = `Dry run: would back up (${inputs.backup}) and undo ${plan.join(', ')}. Nothing was changed.`;
    ctx.log.info(report.conclusion);
    return;
  }
  const backup = await backupNow(s, 'undo');
  const undone: string[] = [];
  for (const name of plan) {
    const result = await s.step(`undo ${name}`, () => runTool(s, `Undo ${name}`, inputs.undoCommand));
    const now = await recordedMigrations(s.db, MIGRATION_TABLE);
    if (result.exitCode !== 0 || now.includes(name)) {
      report.undone = undone;
      ctx.setOutput('undone', undone);
      const row = report.migrations.find((m) => m.name === name);
      if (row) row.result = 'failed';
      report.failure = {
        migration: name,
        error:
          result.exitCode !== 0
            ? toolError(result)
            : 'the undo command did not remove it from the migration table',
        onFailure: 'none',
        state: `undone: ${undone.join(', ') || 'nothing'}; still applied: ${now.join(', ') || 'nothing'}`,
      };
      report.conclusion =
        `Undo of ${name} failed on ${s.where}: ${report.failure.error}. Undone before it: ${undone.join(', ') || 'nothing'}. ` +
        (backup
          ? `Backup ${backup.id} is kept at ${backup.location} (mode: restore with restore-from: ${backup.id} brings it back).`
          : 'No backup was taken.');
      const file = findMigrationFile(inputs.workingDirectory, name);
      throw new ActionFailure(
        report.conclusion,
        file ? { file: relative(ctx.workspace, file.path), line: file.line } : {},
      );
    }
    undone.push(name);
    const row = report.migrations.find((m) => m.name === name);
    if (row) {
      row.result = 'undone';
      row.seconds = parseMigrateOutput(result.stdout).finished[0]?.seconds;
    }
  }
  report.undone = undone;
  ctx.setOutput('undone', undone);
  const statusAfter = await readStatus(s, 'read status after undo');
  report.conclusion = `Undid ${undone.join(', ')} on ${s.where}; ${statusAfter.applied.length} migration(s) remain applied, ${statusAfter.pending.length} pending. Backup ${backup?.id ?? '(none)'} kept.`;
  ctx.log.info(report.conclusion);
}

async function restoreMode(s: Session): Promise<void> {
  const { inputs, ctx, report } = s;
  if (!inputs.dryRun) await takeLock(s);
  const source = restoreSource(inputs.restoreFrom as string, inputs.backupLocation);
  const store = storeFor(s, source.location);
  if (inputs.dryRun) {
    const manifestText = await store.readText(`${source.id}.manifest.json`);
    report.conclusion = `Dry run: would take a safety backup (${inputs.backup}) and restore ${source.id} from ${store.uri(`${source.id}.dump`)} (${manifestText.length ? 'manifest found' : 'no manifest'}). Nothing was changed.`;
    ctx.log.info(report.conclusion);
    return;
  }
  const safety = await backupNow(s, 'restore (safety)');
  const restored = await s.step('restore the backup', () =>
    restoreDumpBackup(source.id, {
      db: s.db,
      tools: s.tools,
      store,
      target: inputs.target,
      lockTimeoutMs: inputs.lockTimeoutMs,
      scratchDir: s.scratchDir,
      log: ctx.log,
      clock: ctx.clock,
    }),
  );
  report.restore = {
    id: restored.id,
    location: restored.uri,
    dropped: restored.dropped.map((d) => `${d.kind} ${d.name}`),
    tables: Object.keys(restored.rowCounts).length,
    rows: Object.values(restored.rowCounts).reduce((a, b) => a + b, 0),
    differences: restored.differences,
  };
  ctx.setOutput('applied', []);
  ctx.setOutput('pending-before', []);
  ctx.fact('restoredFrom', restored.id);
  const safetyText = safety
    ? `Safety backup ${safety.id} (taken just before) is kept at ${safety.location}.`
    : 'No safety backup was taken.';
  if (restored.differences.length) {
    report.conclusion =
      `Restored backup ${restored.id} over ${s.where}, but ${restored.differences.length} table(s) do not match the backup's row counts: ` +
      `${restored.differences.map((d) => `${d.table} ${d.expected ?? 'absent'} → ${d.actual ?? 'absent'}`).join(', ')}. ${safetyText}`;
    throw new ActionFailure(report.conclusion);
  }
  report.conclusion = `Restored backup ${restored.id} over ${s.where}: all ${report.restore.tables} tables match the backup's row counts (${report.restore.rows} rows). ${safetyText}`;
  ctx.log.info(report.conclusion);
}

/** The file of a migration under the working directory (not node_modules), and the line of its `up`. */
function findMigrationFile(root: string, name: string): { path: string; line: number } | undefined {
  const walk = (dir: string, depth: number): string | undefined => {
    if (depth > 4) return undefined;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return undefined;
    }
    for (const e of entries) if (e.isFile() && e.name === name) return join(dir, e.name);
    for (const e of entries) {
      if (e.isDirectory() && e.name !== 'node_modules' && !e.name.startsWith('.')) {
        const found = walk(join(dir, e.name), depth + 1);
        if (found) return found;
      }
    }
    return undefined;
  };
  const path = walk(root, 0);
  if (!path || !existsSync(path)) return undefined;
  const lines = readFileSync(path, 'utf8').split('\n');
  const index = lines.findIndex((l) => /\bup\s*[:(]|async\s+up\b/.test(l));
  return { path, line: index >= 0 ? index + 1 : 1 };
}
