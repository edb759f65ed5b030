/**
 * What every mode shares, built once per run: the database connection, the PostgreSQL tools,
 * the AWS clients (created on first use, once), the report, and the steps the modes are made
 * of — running the migration tool, reading the status, taking the lock, taking a backup,
 * undoing migrations, restoring a backup and saying what the restore brought back.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { ActionFailure, describeError, type ActionContext, type CommandResult } from '@white-cross/core';
import { awsCaller, createAwsClient } from '@white-cross/aws';
import { RunCancelled, type Cancellation } from './cancellation.js';
import { directoryStore, s3Store, type BackupStore } from './backup-store.js';
import { restoreDumpBackup, takeDumpBackup, type RestoredBackup } from './backup.js';
import { ACTION_NAME, ACTION_VERSION, MANIFEST_EVIDENCE, MIGRATION_TABLE, OUTPUT } from './constants.js';
import { lockBlockedMessage, recordedMigrations, tryMigrationLock, type Database } from './database.js';
import type { BackupLocation, BackupPlan, DbMigrateInputs, RdsSnapshotBackup } from './inputs.js';
import {
  parseMigrateOutput,
  parseMigrationStatus,
  stripAnsi,
  type MigrationStatus,
} from './migration-status.js';
import type { PgTools } from './pg-tools.js';
import { takeRdsSnapshot } from './rds-snapshot.js';
import { scrubServerText } from './server-errors.js';
import {
  serverErrorFields,
  NO_TRANSACTION_ENV,
  nonTransactionalReason,
  withPreload,
  writeTransactionPreload,
} from './transactions.js';
import type { BackupRecord, MigrationRecord, RunReport } from './report.js';

/** Polls often enough for a short timeout, never more than every 15 s. */
const snapshotPollMs = (timeoutMs: number) => Math.min(15_000, Math.max(1000, Math.floor(timeoutMs / 30)));

/** A backup this run took, with where a pg_dump one is kept (to restore it). */
export type TakenRecord =
  (BackupRecord & { kind: 'pg_dump'; store: BackupStore }) | (BackupRecord & { kind: 'rds-snapshot' });

/** Everything a mode needs, built once per run. */
export class Session {
  private s3: S3Client | undefined;
  private rds: RDSClient | undefined;
  private preload: string | undefined;
  /** The step running now (or last). */
  current = 'connect';

  constructor(
    readonly inputs: DbMigrateInputs,
    readonly ctx: ActionContext,
    readonly db: Database,
    readonly tools: PgTools,
    readonly report: RunReport,
    readonly serverVersion: string,
    readonly where: string,
    readonly scratchDir: string,
    readonly cancellation: Cancellation,
    /** The application_name the migration tool's sessions carry, to stop them on a cancellation. */
    readonly toolApplicationName: string,
  ) {}

  /** Times a step and records it in the report (and so in the audit facts). */
  async step<T>(name: string, body: () => Promise<T>, detail?: (value: T) => string): Promise<T> {
    this.cancellation.check(name);
    this.current = name;
    const at = this.ctx.clock.now();
    try {
      const value = await body();
      if (this.cancellation.signal) {
        this.report.steps.push({ name, ms: this.ctx.clock.now() - at, result: 'cancelled' });
        return value;
      }
      this.report.steps.push({ name, ms: this.ctx.clock.now() - at, result: 'ok', detail: detail?.(value) });
      return value;
    } catch (error) {
      this.report.steps.push({
        name,
        ms: this.ctx.clock.now() - at,
        result: this.cancellation.signal ? 'cancelled' : 'failed',
        detail: describeError(error),
      });
      if (this.cancellation.signal && !(error instanceof RunCancelled)) {
        throw new RunCancelled(
          this.cancellation.signal,
          `Cancelled by ${this.cancellation.signal} during ${name}.`,
        );
      }
      throw error;
    }
  }

  /**
   * Runs one of the migration commands in the working directory, output streamed and redacted.
   * A command that changes the schema runs each migration in a transaction (see transactions.ts),
   * except those listed in `withoutTransaction`.
   */
  runTool(what: string, command: string, changes?: { withoutTransaction: string[] }): Promise<CommandResult> {
    const env = toolEnv(this.inputs, this.ctx.env, this.toolApplicationName);
    if (changes) {
      this.preload ??= writeTransactionPreload(this.scratchDir);
      env.NODE_OPTIONS = withPreload(env.NODE_OPTIONS, this.preload);
      env[NO_TRANSACTION_ENV] = JSON.stringify(changes.withoutTransaction);
    }
    return this.ctx.log.group(`${what}: ${command}`, () =>
      this.cancellation.run(command, {
        cwd: this.inputs.workingDirectory,
        scrub: scrubServerText,
        env,
        log: this.ctx.log,
        captureStdout: true,
        tailLines: 80,
      }),
    );
  }

  async readStatus(label: string): Promise<MigrationStatus> {
    const command = this.inputs.commands.status;
    const result = await this.step(label, () => this.runTool('Migration status', command));
    if (result.exitCode !== 0) {
      throw new ActionFailure(
        `The status command '${command}' failed (exit ${result.exitCode}) in ${this.inputs.workingDirectory}: ${toolError(result)}. Nothing was changed by this step.`,
      );
    }
    return parseMigrationStatus(result.stdout);
  }

  async takeLock(): Promise<void> {
    const holder = await this.step('take the migration lock', () => tryMigrationLock(this.db));
    if (holder) throw new ActionFailure(lockBlockedMessage(this.inputs.target, holder));
  }

  /** Sets the applied/pending outputs every mode reports, before anything can fail. */
  startOutputs(pending: string[]): void {
    this.report.pendingBefore = pending;
    this.ctx.setOutput(OUTPUT.PendingBefore, pending);
    this.ctx.setOutput(OUTPUT.Applied, []);
  }

  markMigration(name: string, result: MigrationRecord['result'], seconds?: number): void {
    const row = this.report.migrations.find((m) => m.name === name);
    if (!row) return;
    row.result = result;
    if (seconds !== undefined) row.seconds = seconds;
  }

  storeFor(location: BackupLocation): BackupStore {
    if (location.kind === 'directory') return directoryStore(location.path);
    this.s3 ??= createAwsClient(S3Client, this.awsSettings());
    return s3Store(
      location,
      this.s3,
      this.scratchDir,
      awsCaller({ log: this.ctx.log, sleep: this.ctx.sleep }),
    );
  }

  private awsSettings() {
    return { region: this.inputs.region, action: ACTION_NAME, version: ACTION_VERSION, env: this.ctx.env };
  }

  /** Takes the backup the inputs ask for and records it; undefined for backup: none. */
  async backupNow(plan: BackupPlan, purpose: string): Promise<TakenRecord | undefined> {
    const { ctx } = this;
    if (plan.kind === 'none') {
      ctx.log.warning(`No backup taken before the ${purpose} (backup: none, allow-no-backup: true).`);
      return undefined;
    }
    const record =
      plan.kind === 'rds-snapshot'
        ? await this.rdsSnapshot(plan, purpose)
        : await this.dump(plan.location, purpose);
    if (record.kind === 'pg_dump') {
      const { store: _store, ...kept } = record;
      this.report.backups.push(kept);
    } else {
      this.report.backups.push(record);
    }
    ctx.setOutput(OUTPUT.BackupId, record.id);
    ctx.setOutput(OUTPUT.BackupLocation, record.location);
    ctx.log.info(`Backup ${record.id} kept at ${record.location}.`);
    return record;
  }

  private async rdsSnapshot(plan: RdsSnapshotBackup, purpose: string): Promise<TakenRecord> {
    const { instance } = plan;
    const { ctx } = this;
    this.rds ??= createAwsClient(RDSClient, this.awsSettings());
    const rds = this.rds;
    const snapshot = await this.step('RDS snapshot', () =>
      takeRdsSnapshot(rds, {
        instance,
        tags: {
          'white-cross:action': ACTION_NAME,
          'white-cross:purpose': purpose,
          'white-cross:database': this.inputs.target.database,
          ...(ctx.env.GITHUB_RUN_ID ? { 'white-cross:run-id': ctx.env.GITHUB_RUN_ID } : {}),
          ...(ctx.env.GITHUB_SHA ? { 'white-cross:commit': ctx.env.GITHUB_SHA } : {}),
        },
        log: ctx.log,
        clock: ctx.clock,
        sleep: ctx.sleep,
        timeoutMs: plan.timeoutMs,
        pollMs: snapshotPollMs(plan.timeoutMs),
        retention: plan.retention,
        cancelled: () => this.cancellation.signal,
      }),
    );
    if (!snapshot.encrypted) {
      ctx.log.warning(
        `RDS snapshot ${snapshot.id} is not encrypted: the instance ${instance} stores PHI without encryption at rest.`,
      );
    }
    return {
      kind: 'rds-snapshot',
      id: snapshot.id,
      location: snapshot.arn,
      encrypted: snapshot.encrypted,
      purpose,
    };
  }

  private async dump(location: BackupLocation, purpose: string): Promise<TakenRecord> {
    const store = this.storeFor(location);
    const taken = await this.step(
      'pg_dump backup and verify',
      () =>
        takeDumpBackup({
          db: this.db,
          tools: this.tools,
          store,
          target: this.inputs.target,
          serverVersion: this.serverVersion,
          migrationTable: MIGRATION_TABLE,
          lockTimeoutMs: this.inputs.lockTimeoutMs,
          log: this.ctx.log,
          clock: this.ctx.clock,
        }),
      (t) => `dump ${t.timings.dumpMs} ms, verify ${t.timings.verifyMs} ms, store ${t.timings.storeMs} ms`,
    );
    this.ctx.writeEvidence(MANIFEST_EVIDENCE, `${JSON.stringify(taken.manifest, null, 2)}\n`);
    return {
      kind: 'pg_dump',
      id: taken.id,
      location: taken.uri,
      bytes: taken.manifest.bytes,
      sha256: taken.manifest.sha256,
      tables: Object.keys(taken.manifest.rowCounts).length,
      rows: Object.values(taken.manifest.rowCounts).reduce((a, b) => a + b, 0),
      purpose,
      store,
    };
  }

  /**
   * Runs the undo command once per migration in `plan` (newest first), checking the migration
   * table after each. Returns what was undone, and the migration whose undo failed with why.
   */
  async undoMigrations(
    plan: string[],
  ): Promise<{ undone: string[]; failed?: { name: string; error: string; stillApplied: string[] } }> {
    const undone: string[] = [];
    for (const name of plan) {
      const result = await this.step(`undo ${name}`, () =>
        this.runTool(`Undo ${name}`, this.inputs.commands.undo, {
          withoutTransaction: this.withoutTransaction([name]).map((m) => m.name),
        }),
      );
      const now = await recordedMigrations(this.db, MIGRATION_TABLE);
      if (result.exitCode !== 0 || now.includes(name)) {
        this.markMigration(name, 'failed');
        const error =
          result.exitCode !== 0
            ? toolError(result)
            : 'the undo command did not remove it from the migration table';
        return { undone, failed: { name, error, stillApplied: now } };
      }
      undone.push(name);
      this.markMigration(name, 'undone', parseMigrateOutput(result.stdout).finished[0]?.seconds);
    }
    return { undone };
  }

  /**
   * Restores backup `id` from `store` and records what came back in the report. Returns the
   * restore, or the ActionFailure that stopped it.
   */
  async restoreAndReport(id: string, store: BackupStore): Promise<RestoredBackup> {
    const restored = await this.step('restore the backup', () =>
      restoreDumpBackup(id, {
        db: this.db,
        tools: this.tools,
        store,
        target: this.inputs.target,
        lockTimeoutMs: this.inputs.lockTimeoutMs,
        scratchDir: this.scratchDir,
        log: this.ctx.log,
        clock: this.ctx.clock,
      }),
    );
    this.report.restore = {
      id: restored.id,
      location: restored.uri,
      dropped: restored.dropped.map((d) => `${d.kind} ${d.name}`),
      tables: Object.keys(restored.rowCounts).length,
      rows: Object.values(restored.rowCounts).reduce((a, b) => a + b, 0),
      differences: restored.differences,
    };
    this.ctx.setOutput(OUTPUT.Applied, []);
    return restored;
  }

  /** The migrations among `names` PostgreSQL cannot run in a transaction, and why (from their source). */
  withoutTransaction(names: string[]): { name: string; reason: string }[] {
    return names.flatMap((name) => {
      const file = findMigrationFile(this.inputs.workingDirectory, name);
      const reason = file
        ? nonTransactionalReason(readFileSync(file.path, 'utf8'), this.serverVersion)
        : undefined;
      return reason ? [{ name, reason }] : [];
    });
  }

  /** A failure annotated on the migration's file, when it can be found under the working directory. */
  failureAt(message: string, migration: string | undefined): ActionFailure {
    const file = migration ? findMigrationFile(this.inputs.workingDirectory, migration) : undefined;
    return new ActionFailure(
      message,
      file ? { file: relative(this.ctx.workspace, file.path), line: file.line } : {},
    );
  }
}

/** The row-count differences of a restore, as one phrase. */
export function differencesText(restored: RestoredBackup): string {
  return restored.differences
    .map((d) => `${d.table} ${d.expected ?? 'absent'} → ${d.actual ?? 'absent'}`)
    .join(', ');
}

/** The environment of the migration tool: the URL and TLS mode, the session timeouts, no INPUT_* variables. */
export function toolEnv(
  inputs: DbMigrateInputs,
  env: NodeJS.ProcessEnv,
  applicationName: string,
): NodeJS.ProcessEnv {
  const kept = Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('INPUT_')));
  return {
    ...kept,
    DATABASE_URL: inputs.url,
    NODE_ENV: inputs.nodeEnv,
    PGSSLMODE: inputs.target.ssl,
    PGOPTIONS: `-c lock_timeout=${inputs.lockTimeoutMs} -c statement_timeout=${inputs.statementTimeoutMs} -c application_name=${applicationName}`,
    // The pg driver (Node) and libpq tools each read their own CA setting.
    ...(inputs.sslRootCert
      ? { NODE_EXTRA_CA_CERTS: inputs.sslRootCert, PGSSLROOTCERT: inputs.sslRootCert }
      : {}),
  };
}

/**
 * The database's error from a tool's last lines (or its last line), with the SQLSTATE,
 * constraint and table the preload reports (sequelize-cli says only `Validation error`).
 */
export function toolError(result: CommandResult): string {
  const errors = parseMigrateOutput(result.tail.join('\n')).errors.filter((e) => !/^ERROR DETAIL\b/.test(e));
  const last = stripAnsi(result.tail.filter((l) => l.trim() !== '').slice(-1)[0] ?? 'no output');
  const where = serverErrorFields(result.tail);
  return `${(errors[0] ?? last).trim()}${where ? ` (${where})` : ''}`;
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
