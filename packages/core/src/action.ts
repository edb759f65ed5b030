/**
 * The `run()` wrapper every action's `main.ts` uses. It reads and checks the inputs first
 * (nothing else happens when they are wrong), runs the action with a context of redacting
 * logger, outputs, summary, state and audit facts, and ends the run the right way for each
 * kind of failure: a ConfigurationError or ActionFailure as one `::error::` line, a bug with
 * its stack. The summary and the audit record are written however the run ends, a
 * cancellation (SIGINT/SIGTERM from the runner) included.
 */
import { ConfigurationError, ActionCancelled, ActionFailure, describeError } from './errors.js';
import { formatDuration } from './inputs.js';
import { Inputs, type Env } from './inputs.js';
import { RedactingLogger, type Logger } from './logger.js';
import { Redactor } from './redact.js';
import { realSleep, systemClock, type Clock, type Sleep } from './retry.js';
import { SummaryBuilder } from './summary.js';
import {
  AUDIT_SCHEMA,
  appendAuditRecord,
  auditFile,
  boundInputValue,
  runIdentity,
  writeEvidence,
  type Cancellation,
  type Outcome,
} from './audit.js';
import { actionsRuntime, type Runtime } from './runtime.js';

export type OutputValue = string | number | boolean | object;

export interface ActionContext {
  log: Logger;
  /** Sets an output (objects as JSON); redacted like every log line. */
  setOutput(name: string, value: OutputValue): void;
  /** The job summary being built; written when the run ends, however it ends. */
  summary: SummaryBuilder;
  /** Records a key fact in the audit record. */
  fact(key: string, value: unknown): void;
  /** Writes a named evidence file (report, manifest) beside the audit record; returns its path. */
  writeEvidence(name: string, content: string): string;
  /** Registers a value derived from a secret (e.g. a password inside a URL) for masking. */
  addSecret(value: string): void;
  saveState(name: string, value: string): void;
  getState(name: string): string;
  env: Env;
  clock: Clock;
  /** Sleeps; rejects with {@link ActionCancelled} at once when the run is cancelled. */
  sleep: Sleep;
  /**
   * Aborted when the run is cancelled (its reason is the signal's name, e.g. `SIGTERM`).
   * Pass it to `runCommand` and to AWS SDK calls (`abortSignal`), check it between steps.
   */
  signal: AbortSignal;
  /** `GITHUB_WORKSPACE`, else the current directory. */
  workspace: string;
}

export interface ActionDefinition<I> {
  /** The action's folder name, e.g. `build-validate`. */
  name: string;
  version: string;
  /** Reads and checks every input; throws ConfigurationError. Must not touch anything. */
  parseInputs(inputs: Inputs, env: Env): I;
  run(inputs: I, context: ActionContext): Promise<void>;
}

export interface RunOptions {
  runtime?: Runtime;
  clock?: Clock;
  sleep?: Sleep;
  /**
   * Listen for SIGINT and SIGTERM and cancel the run on the first. Default: true for a real
   * run (no `runtime` given), false in tests, which cancel through `cancel` instead.
   */
  handleSignals?: boolean;
  /** Cancels the run when aborted (its reason, a string, names the cause). For tests. */
  cancel?: AbortSignal;
  /**
   * How long a cancelled run's work may take to stop before the summary and audit record are
   * written without it. Default {@link CANCEL_GRACE_MS}.
   */
  cancelGraceMs?: number;
  /** Ends the process when cancelled work did not stop in time. Default `process.exit`. */
  exit?: (code: number) => void;
}

/**
 * The default time cancelled work gets to stop. The runner sends SIGINT, then SIGTERM 7.5 s
 * later, then kills the process tree 2.5 s after that
 * (https://docs.github.com/en/actions/reference/workflow-cancellation-reference): 5 s leaves
 * time to write the summary and the audit record before the SIGTERM.
 */
export const CANCEL_GRACE_MS = 5000;

const CANCEL_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** A sleep that ends early, rejecting with ActionCancelled, when `signal` is aborted. */
function cancellableSleep(sleep: Sleep, signal: AbortSignal): Sleep {
  return (ms) =>
    new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(new ActionCancelled('while waiting', signal));
      const onAbort = () => reject(new ActionCancelled('while waiting', signal));
      signal.addEventListener('abort', onAbort, { once: true });
      // The underlying sleep gets the signal too: the real one then clears its timer.
      sleep(ms, signal).then(
        () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
}

/**
 * Runs an action definition as the runner's entry point; sets `process.exitCode`.
 *
 * Cancellation: on SIGINT or SIGTERM, `ctx.signal` is aborted (reason: the signal's name),
 * `ctx.sleep` rejects, and commands started with `runCommand(…, { signal: ctx.signal })`
 * have their process group stopped. The run's work gets {@link CANCEL_GRACE_MS} to return;
 * then (or at once on a second signal) the summary and the audit record are written with
 * outcome `cancelled`, the facts recorded so far and whether the work stopped in time, and
 * the process exits non-zero.
 *
 * @example
 * // src/main.ts
 * export const run = () => runAction(buildValidate);
 * // src/index.ts
 * await run();
 * @example
 * // In run(): stop between steps, and let children be stopped with the run.
 * for (const step of plan) {
 *   if (ctx.signal.aborted) throw new ActionCancelled(`before ${step.name}`, ctx.signal);
 *   await runCommand(step.command, { log: ctx.log, signal: ctx.signal });
 * }
 */
export async function runAction<I>(
  definition: ActionDefinition<I>,
  options: RunOptions = {},
): Promise<Outcome> {
  const runtime = options.runtime ?? actionsRuntime();
  const clock = options.clock ?? systemClock;
  const env = runtime.env;
  const redactor = new Redactor();
  const masked = new Set<string>();
  const addSecret = (value: string) => {
    redactor.addSecret(value);
    // Tell the runner about each form once (it masks what it was told for the rest of the job).
    for (const form of redactor.registered) {
      if (masked.has(form)) continue;
      masked.add(form);
      runtime.registerSecret(form);
    }
  };
  const log = new RedactingLogger(runtime.sink, redactor);
  const inputs = new Inputs(env, addSecret);
  const summary = new SummaryBuilder();
  const facts: Record<string, unknown> = {};
  const started = clock.now();
  let outcome: Outcome = 'success';
  let errorText: string | undefined;
  const controller = new AbortController();
  const grace = options.cancelGraceMs ?? CANCEL_GRACE_MS;
  let cancellation: Cancellation | undefined;
  let cutOff: (() => void) | undefined;
  const cutOffPromise = new Promise<'cut-off'>((resolve) => {
    cutOff = () => resolve('cut-off');
  });
  let graceTimer: NodeJS.Timeout | undefined;
  const cancelRun = (signal: string) => {
    if (cancellation) {
      // A second signal: stop waiting for the work.
      cutOff?.();
      return;
    }
    cancellation = { signal, at: new Date(clock.now()).toISOString(), stoppedInTime: true };
    log.warning(
      `${definition.name} was cancelled (${signal}): stopping its work, waiting at most ${formatDuration(grace)} for it.`,
    );
    controller.abort(signal);
    graceTimer = setTimeout(() => cutOff?.(), grace);
  };
  const handleSignals = options.handleSignals ?? options.runtime === undefined;
  const onSignal = (signal: NodeJS.Signals) => cancelRun(signal);
  if (handleSignals) for (const signal of CANCEL_SIGNALS) process.on(signal, onSignal);
  const onExternalCancel = () => cancelRun(String(options.cancel?.reason ?? 'cancelled'));
  if (options.cancel?.aborted) onExternalCancel();
  else options.cancel?.addEventListener('abort', onExternalCancel, { once: true });

  const context: ActionContext = {
    log,
    setOutput: (name, value) => {
      const text =
        typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
      runtime.setOutput(name, redactor.redact(text));
    },
    summary,
    fact: (key, value) => {
      facts[key] = value;
    },
    writeEvidence: (name, content) => writeEvidence(env, name, redactor.redact(content)),
    addSecret,
    saveState: (name, value) => runtime.saveState(name, redactor.redact(value)),
    getState: (name) => runtime.getState(name),
    env,
    clock,
    sleep: cancellableSleep(options.sleep ?? realSleep, controller.signal),
    signal: controller.signal,
    workspace: env.GITHUB_WORKSPACE || process.cwd(),
  };

  try {
    const parsed = definition.parseInputs(inputs, env);
    const work = definition.run(parsed, context);
    // Work cut off after a cancellation may still end later: its result no longer matters.
    work.catch(() => {});
    if ((await Promise.race([work, cutOffPromise])) === 'cut-off' && cancellation) {
      cancellation.stoppedInTime = false;
    }
    if (cancellation) throw new ActionCancelled('while running', controller.signal);
  } catch (error) {
    errorText = describeError(error);
    if (cancellation) {
      outcome = 'cancelled';
      const ran = formatDuration(clock.now() - started);
      const how = cancellation.stoppedInTime
        ? 'its work stopped'
        : `its work did not stop within ${formatDuration(grace)} and was left`;
      // An action that stopped in time with its own account of the cancellation (what it had
      // done, what it left) says that; otherwise the generic line.
      const account =
        cancellation.stoppedInTime && error instanceof ActionFailure ? error.message : undefined;
      log.error(account ?? `${definition.name} was cancelled (${cancellation.signal}) after ${ran}; ${how}.`);
      summary
        .heading(`${definition.name} was cancelled`, 3)
        .paragraph(
          `Cancelled by ${cancellation.signal} after ${ran}; ${how}. What was done before is in the audit record's facts${Object.keys(facts).length ? `: ${Object.keys(facts).join(', ')}` : ' (none recorded)'}.`,
        );
      if (account) summary.paragraph(account);
    } else if (error instanceof ConfigurationError) {
      outcome = 'invalid-input';
      log.error(error.message);
    } else if (error instanceof ActionFailure) {
      outcome = 'failure';
      const { file, line } = error.details;
      log.error(error.message, file ? { file, startLine: line } : undefined);
    } else {
      outcome = 'error';
      log.error(`${definition.name} failed unexpectedly: ${errorText}`);
      if (error instanceof Error && error.stack) log.info(error.stack);
    }
  } finally {
    if (!summary.isEmpty()) {
      try {
        runtime.appendSummary(redactor.redact(summary.toString()));
      } catch (error) {
        log.warning(`Could not write the job summary: ${describeError(error)}`);
      }
    }
    const ended = clock.now();
    try {
      appendAuditRecord(
        auditFile(env),
        redactor.redactValue({
          schema: AUDIT_SCHEMA,
          action: definition.name,
          version: definition.version,
          outcome,
          ...(errorText === undefined ? {} : { error: errorText }),
          startedAt: new Date(started).toISOString(),
          endedAt: new Date(ended).toISOString(),
          durationMs: ended - started,
          ...runIdentity(env),
          inputs: Object.fromEntries(
            Object.entries(inputs.recorded()).map(([name, value]) => [
              name,
              boundInputValue(value, (text) => redactor.redact(text)),
            ]),
          ),
          facts,
          ...(cancellation ? { cancellation } : {}),
        }),
      );
    } catch (error) {
      log.warning(`Could not write the audit record: ${describeError(error)}`);
    }
    if (graceTimer) clearTimeout(graceTimer);
    if (handleSignals) for (const signal of CANCEL_SIGNALS) process.off(signal, onSignal);
    options.cancel?.removeEventListener('abort', onExternalCancel);
  }
  if (outcome !== 'success') process.exitCode = 1;
  // Work that did not stop would keep the process alive: end it, the records being written.
  if (cancellation && !cancellation.stoppedInTime) (options.exit ?? ((code) => process.exit(code)))(1);
  return outcome;
}
