/**
 * mode: migrate — take the lock, list what is pending, back up, run the migration tool, check
 * nothing is pending; on a failure, say exactly what was and was not applied, then undo,
 * restore or leave it as on-failure says.
 */
import { describeError } from '@white-cross/core';
import { MIGRATION_TABLE, OUTPUT } from '../constants.js';
import { migrationLockHolder, recordedMigrations } from '../database.js';
import type { MigrateInputs } from '../inputs.js';
import { describeMigrateRun, migrationStem, parseMigrateOutput } from '../migration-status.js';
import type { MigrationRecord } from '../report.js';
import { cleanupSql, describeChange, diffSchema, readSchema, type SchemaSnapshot } from '../schema.js';
import { transactionsSeen } from '../transactions.js';
import { RunCancelled } from '../cancellation.js';
import { differencesText, toolError, type Session, type TakenRecord } from '../session.js';

export async function migrateMode(s: Session, inputs: MigrateInputs): Promise<void> {
  const { ctx, report } = s;
  if (!inputs.dryRun) await s.takeLock();
  const status = await s.readStatus('list pending migrations');
  s.startOutputs(status.pending);
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
      `Dry run: would back up (${inputs.backup.kind}) and apply ${status.pending.length} migration(s): ${status.pending.join(', ')}. Nothing was changed.` +
      (holder ? ` Note: '${holder.applicationName}' holds the migration lock now.` : '');
    ctx.log.info(report.conclusion);
    return;
  }
  const withoutTransaction = s.withoutTransaction(status.pending);
  if (withoutTransaction.length) {
    ctx.log.warning(
      `Run without a transaction, as PostgreSQL cannot run them inside one: ${withoutTransaction.map((m) => `${m.name} (${m.reason})`).join(', ')}. If one fails half-way, what it did stays.`,
    );
  }
  const backup = await s.backupNow(inputs.backup, 'migration');
  // The schema the backup holds: the lock is held, so only this run changes it from here.
  const schemaBefore = await readSchema(s.db);
  const before = await recordedMigrations(s.db, MIGRATION_TABLE);
  const result = await s.step('run migrations', () =>
    s.runTool('Migrate', inputs.commands.migrate, {
      withoutTransaction: withoutTransaction.map((m) => m.name),
    }),
  );
  const after = await recordedMigrations(s.db, MIGRATION_TABLE);
  const outcome = describeMigrateRun(before, after, status.pending);
  const timings = new Map(parseMigrateOutput(result.stdout).finished.map((t) => [t.name, t.seconds]));
  const statusAfter = s.cancellation.signal
    ? undefined
    : await s.readStatus('check nothing is pending').catch((error: unknown) => {
        ctx.log.warning(`Could not read the status after migrating: ${describeError(error)}`);
        return undefined;
      });
  const mark = (name: string, result: MigrationRecord['result']) =>
    s.markMigration(name, result, timings.get(migrationStem(name)));
  for (const name of outcome.applied) mark(name, 'applied');
  report.applied = outcome.applied;
  ctx.setOutput(OUTPUT.Applied, outcome.applied);
  ctx.fact('applied', outcome.applied);
  const signal = s.cancellation.signal;
  if (signal) {
    const stopped = outcome.failed;
    if (stopped) mark(stopped, 'failed');
    const left = stopped
      ? await whatIsLeft(s, {
          failed: stopped,
          ranInTransaction: transactionsSeen(result.stdout).inTransaction.has(stopped),
          reason: withoutTransaction.find((m) => m.name === stopped)?.reason,
          schemaBefore,
          backupId: backup?.id,
          restored: false,
        })
      : '';
    const notRun = outcome.notApplied.filter((m) => m !== stopped);
    throw new RunCancelled(
      signal,
      `Cancelled by ${signal} during run migrations — Applied by this run: ${outcome.applied.join(', ') || 'none'}` +
        (stopped ? `; stopped: ${stopped}` : '') +
        (notRun.length ? `; not run: ${notRun.join(', ')}` : '') +
        `. ${left ? `${left} ` : ''}${backup ? `Backup ${backup.id} is kept at ${backup.location}.` : 'No backup was taken.'}`,
    );
  }

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
    state = `This run ${appliedText}${notAppliedText}; nothing was undone (on-failure: ${inputs.onFailure}).`;
  }
  const left = failed
    ? await whatIsLeft(s, {
        failed,
        ranInTransaction: transactionsSeen(result.stdout).inTransaction.has(failed),
        reason: withoutTransaction.find((m) => m.name === failed)?.reason,
        schemaBefore,
        backupId: backup?.id,
        restored: inputs.onFailure === 'restore' && report.restore !== undefined,
      })
    : '';
  report.failure = {
    migration: failed,
    error: dbError,
    onFailure: inputs.onFailure,
    state: `${state} ${left}`.trim(),
  };
  report.conclusion = `${head} ${state}${left ? ` ${left}` : ''} ${backupText}`;
  throw s.failureAt(report.conclusion, failed);
}

/**
 * What the failed migration left, said exactly: nothing (it ran in a transaction, rolled back),
 * or the schema's differences from the backup's, with the SQL that removes what it added.
 */
async function whatIsLeft(
  s: Session,
  run: {
    failed: string;
    ranInTransaction: boolean;
    reason: string | undefined;
    schemaBefore: SchemaSnapshot;
    backupId: string | undefined;
    restored: boolean;
  },
): Promise<string> {
  const changes = diffSchema(run.schemaBefore, await readSchema(s.db));
  const compared = `tables, columns, indexes and constraints (${run.schemaBefore.tables.length} tables)`;
  if (run.restored) {
    s.report.halfApplied = {
      migration: run.failed,
      inTransaction: run.ranInTransaction,
      changes: changes.map(describeChange),
      sql: [],
    };
    return changes.length === 0
      ? `The schema matches the backup's: ${compared}.`
      : `The schema still differs from the backup's: ${changes.map(describeChange).join(', ')}.`;
  }
  if (run.ranInTransaction) {
    return `${run.failed} ran in one transaction and was rolled back: nothing of it remains.`;
  }
  const why = run.reason
    ? `PostgreSQL cannot run ${run.reason} inside one`
    : 'the migration command did not run it through the sequelize-cli migrator';
  const restoreText = run.backupId
    ? ` To go back to the backup: mode: restore with restore-from: ${run.backupId}.`
    : '';
  // Only when nothing else this run applied is still applied are the differences the failed migration's own.
  const ownChanges = s.report.applied.length === 0;
  const sql = ownChanges ? cleanupSql(changes) : [];
  s.report.halfApplied = {
    migration: run.failed,
    inTransaction: false,
    changes: changes.map(describeChange),
    sql,
  };
  if (changes.length === 0) {
    return `${run.failed} ran without a transaction (${why}); the schema is as before the run (${compared}), but rows it changed cannot be told apart from the app's writes.${restoreText}`;
  }
  return (
    `${run.failed} ran without a transaction (${why}) and is left half-applied: since the backup the schema has ${changes.map(describeChange).join(', ')}` +
    (ownChanges && sql.length
      ? `. To remove what it added, run: ${sql.join(' ')}`
      : ` (this includes what ${s.report.applied.join(', ') || 'the migration'} changed).`) +
    restoreText
  );
}

async function undoAfterFailure(
  s: Session,
  applied: string[],
  mark: (name: string, result: MigrationRecord['result']) => void,
): Promise<string> {
  const { undone, failed } = await s.undoMigrations([...applied].reverse());
  for (const name of undone) mark(name, 'undone');
  s.report.undone = undone;
  const left = applied.filter((m) => !undone.includes(m));
  s.report.applied = left;
  s.ctx.setOutput(OUTPUT.Applied, left);
  s.ctx.setOutput(OUTPUT.Undone, undone);
  if (failed) {
    return (
      `on-failure: undo reverted ${undone.length ? undone.join(', ') : 'nothing'}, then the down migration of ${failed.name} failed ` +
      `(${failed.error}); still applied by this run: ${left.join(', ')}.`
    );
  }
  return `on-failure: undo reverted what this run applied (${undone.length ? undone.join(', ') : 'nothing'}).`;
}

async function restoreAfterFailure(
  s: Session,
  backup: Extract<TakenRecord, { kind: 'pg_dump' }>,
  mark: (name: string, result: MigrationRecord['result']) => void,
): Promise<string> {
  let restored;
  try {
    restored = await s.restoreAndReport(backup.id, backup.store);
  } catch (error) {
    return `on-failure: restore of backup ${backup.id} failed too — ${describeError(error).replace(/^ActionFailure: /, '')}`;
  }
  for (const name of s.report.applied) mark(name, 'rolled back by restore');
  s.report.applied = [];
  if (restored.differences.length) {
    return `on-failure: restore brought back backup ${backup.id}, but ${restored.differences.length} table(s) have other row counts than the backup: ${differencesText(restored)}.`;
  }
  return `on-failure: restore brought back backup ${backup.id}; every table's row count matches the backup (${Object.keys(restored.rowCounts).length} tables).`;
}
