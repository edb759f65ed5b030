/**
 * db-migrate: back up, migrate, verify — and undo or restore — on PostgreSQL.
 *
 * The steps of every run: connect (once), build the session (tools, report, AWS clients on
 * first use), run the mode from {@link MODES}, and — however it ends — close the connection,
 * delete the scratch folder (staged dumps hold PHI) and write the summary, outputs, audit
 * facts and report.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import {
  describeError,
  formatBytes,
  runAction,
  type ActionContext,
  type ActionDefinition,
} from '@white-cross/core';
import { describeTarget } from './connection.js';
import { ACTION_NAME, ACTION_VERSION, OUTPUT, REPORT_EVIDENCE } from './constants.js';
import { Cancellation, RunCancelled } from './cancellation.js';
import { backendPid, connect, serverInfo, stopRunSessions, type Database } from './database.js';
import { parseInputs, type DbMigrateInputs, type Mode } from './inputs.js';
import { migrateMode } from './modes/migrate.js';
import { restoreMode } from './modes/restore.js';
import { statusMode } from './modes/status.js';
import { undoMode } from './modes/undo.js';
import { pgTools } from './pg-tools.js';
import { newReport, writeSummary, type RunReport } from './report.js';
import { Session } from './session.js';

export { ACTION_NAME, ACTION_VERSION, MIGRATION_TABLE } from './constants.js';

type InputsOf<M extends Mode> = Extract<DbMigrateInputs, { mode: M }>;

/** Each mode's steps, by mode name. */
const MODES: { [M in Mode]: (s: Session, inputs: InputsOf<M>) => Promise<void> } = {
  status: statusMode,
  migrate: migrateMode,
  undo: undoMode,
  restore: restoreMode,
};

function runMode<M extends Mode>(s: Session, inputs: InputsOf<M> & { mode: M }): Promise<void> {
  const mode: (s: Session, inputs: InputsOf<M>) => Promise<void> = MODES[inputs.mode];
  return mode(s, inputs);
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
  const runId = `${ctx.env.GITHUB_RUN_ID ?? 'local'}/${ctx.env.GITHUB_RUN_ATTEMPT ?? '1'}`;
  const applicationName = `white-cross db-migrate run ${runId}`;
  const toolApplicationName = `white-cross-db-migrate-tool-${runId.replace('/', '-')}`;
  const toolsApplicationName = `${applicationName} (pg_dump, pg_restore)`;
  const scratchDir = join(ctx.env.RUNNER_TEMP || tmpdir(), `db-migrate-${process.pid}`);
  const cancellation = new Cancellation(ctx.log).install();
  let db: Database | undefined;
  let session: Session | undefined;
  try {
    const connected = await stepOnce(report, ctx, 'connect', () =>
      connect(inputs.target, {
        connectTimeoutMs: inputs.connectTimeoutMs,
        applicationName,
        sslRootCert: inputs.sslRootCert,
      }),
    );
    db = connected;
    const ownPid = await backendPid(connected);
    // Stop the tool's and pg_dump's statements at once: their transactions roll back.
    cancellation.onCancel(() => {
      stopRunSessions(
        inputs.target,
        {
          connectTimeoutMs: inputs.connectTimeoutMs,
          applicationName: `${applicationName} (cancel)`,
          sslRootCert: inputs.sslRootCert,
        },
        [toolApplicationName, toolsApplicationName],
        ownPid,
      ).catch(() => 0);
    });
    cancellation.check('connect');
    const info = await serverInfo(db);
    report.serverVersion = info.version;
    report.databaseBytes = info.databaseBytes;
    ctx.fact('serverVersion', info.version);
    ctx.log.info(`Connected to ${where}: PostgreSQL ${info.version}, ${formatBytes(info.databaseBytes)}.`);
    const tools = pgTools(inputs.target, {
      binDir: inputs.pgBinDir,
      connectTimeoutMs: inputs.connectTimeoutMs,
      applicationName: toolsApplicationName,
      log: ctx.log,
      sslRootCert: inputs.sslRootCert,
      runner: (command, options) => cancellation.run(command, options),
    });
    session = new Session(
      inputs,
      ctx,
      db,
      tools,
      report,
      info.version,
      where,
      scratchDir,
      cancellation,
      toolApplicationName,
    );
    await runMode(session, inputs);
    cancellation.check('the end of the run');
  } catch (error) {
    if (cancellation.signal)
      throw cancelled(report, cancellation.signal, session?.current ?? 'connect', error);
    if (!report.conclusion) report.conclusion = describeError(error).replace(/^ActionFailure: /, '');
    throw error;
  } finally {
    cancellation.uninstall();
    await db?.end().catch(() => {});
    // Downloaded and staged dumps hold PHI: never leave them on the runner.
    rmSync(scratchDir, { recursive: true, force: true });
    finish(report, ctx, started);
  }
}

/**
 * The ending of a cancelled run: what was done (steps finished, migrations applied), what was
 * stopped, in the report, summary and audit record; the error the runner shows.
 */
function cancelled(report: RunReport, signal: NodeJS.Signals, during: string, error: unknown): RunCancelled {
  const done = report.steps.filter((s) => s.result === 'ok').map((s) => s.name);
  const detail =
    error instanceof RunCancelled && error.message.includes(' — ')
      ? error.message.split(' — ')[1]
      : undefined;
  report.cancelled = { signal, during, done, applied: report.applied };
  report.conclusion =
    `Cancelled by ${signal} during ${during}: the child processes were stopped and no migration lock is left. ` +
    `Done before: ${done.join(', ') || 'nothing'}. ` +
    (detail ?? `Applied by this run: ${report.applied.join(', ') || 'none'}.`);
  return new RunCancelled(signal, report.conclusion);
}

/** The connect step, timed like the session's steps (the session needs the connection). */
async function stepOnce<T>(
  report: RunReport,
  ctx: ActionContext,
  name: string,
  body: () => Promise<T>,
): Promise<T> {
  const at = ctx.clock.now();
  try {
    const value = await body();
    report.steps.push({ name, ms: ctx.clock.now() - at, result: 'ok' });
    return value;
  } catch (error) {
    report.steps.push({ name, ms: ctx.clock.now() - at, result: 'failed', detail: describeError(error) });
    throw error;
  }
}

/** What every ending writes: duration, audit facts, summary and the report evidence. */
function finish(report: RunReport, ctx: ActionContext, started: number): void {
  const seconds = (ctx.clock.now() - started) / 1000;
  ctx.setOutput(OUTPUT.Duration, seconds.toFixed(1));
  ctx.fact('pendingBefore', report.pendingBefore);
  ctx.fact('applied', report.applied);
  ctx.fact('undone', report.undone);
  ctx.fact('backups', report.backups);
  if (report.failure) ctx.fact('failure', report.failure);
  if (report.cancelled) ctx.fact('cancelled', report.cancelled);
  writeSummary(report, ctx.summary);
  ctx.writeEvidence(REPORT_EVIDENCE, `${JSON.stringify(report, null, 2)}\n`);
}
