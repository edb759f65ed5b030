/**
 * The `run()` wrapper every action's `main.ts` uses. It reads and checks the inputs first
 * (nothing else happens when they are wrong), runs the action with a context of redacting
 * logger, outputs, summary, state and audit facts, and ends the run the right way for each
 * kind of failure: a ConfigurationError or ActionFailure as one `::error::` line, a bug with
 * its stack. The summary and the audit record are written however the run ends.
 */
import { ConfigurationError, ActionFailure, describeError } from './errors.js';
import { Inputs, type Env } from './inputs.js';
import { RedactingLogger, type Logger } from './logger.js';
import { Redactor } from './redact.js';
import { realSleep, systemClock, type Clock, type Sleep } from './retry.js';
import { SummaryBuilder } from './summary.js';
import {
  AUDIT_SCHEMA,
  appendAuditRecord,
  auditFile,
  runIdentity,
  writeEvidence,
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
  sleep: Sleep;
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
}

/**
 * Runs an action definition as the runner's entry point; sets `process.exitCode`.
 *
 * @example
 * // src/main.ts
 * export const run = () => runAction(buildValidate);
 * // src/index.ts
 * await run();
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
    sleep: options.sleep ?? realSleep,
    workspace: env.GITHUB_WORKSPACE || process.cwd(),
  };

  try {
    const parsed = definition.parseInputs(inputs, env);
    await definition.run(parsed, context);
  } catch (error) {
    errorText = describeError(error);
    if (error instanceof ConfigurationError) {
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
          inputs: inputs.recorded(),
          facts,
        }),
      );
    } catch (error) {
      log.warning(`Could not write the audit record: ${describeError(error)}`);
    }
  }
  if (outcome !== 'success') process.exitCode = 1;
  return outcome;
}
