/**
 * The audit record: one JSON line per action run, appended to the job's evidence file, which
 * the pipeline gathers into the deployment's evidence bundle. It says what ran, for whom, on
 * which commit, with which (non-secret) inputs, how it ended and the key facts, and passes
 * through the redactor like everything else.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DEFAULT_TEXT_LIMIT, type Env } from './inputs.js';

export const AUDIT_SCHEMA = 'white-cross-deploy/audit@1';

export type Outcome = 'success' | 'failure' | 'invalid-input' | 'error' | 'cancelled';

export interface AuditRecord {
  schema: typeof AUDIT_SCHEMA;
  action: string;
  version: string;
  outcome: Outcome;
  error?: string;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  repository?: string;
  commit?: string;
  ref?: string;
  actor?: string;
  event?: string;
  workflow?: string;
  job?: string;
  runId?: string;
  runAttempt?: string;
  environment?: string;
  inputs: Record<string, string>;
  facts: Record<string, unknown>;
  /** When the run was cancelled: the signal, when it came, and whether the work stopped in time. */
  cancellation?: Cancellation;
}

export interface Cancellation {
  signal: string;
  at: string;
  /** True when the action's work returned within the grace period; false when it was cut off. */
  stoppedInTime: boolean;
}

/**
 * The folder the job's evidence goes to: `WCD_EVIDENCE_DIR`, else
 * `$RUNNER_TEMP/white-cross-evidence` (the workflows upload it as an artifact).
 */
export function evidenceDir(env: Env): string {
  return env.WCD_EVIDENCE_DIR || join(env.RUNNER_TEMP || tmpdir(), 'white-cross-evidence');
}

/** The audit file: `WCD_AUDIT_FILE`, else `audit.jsonl` in the evidence folder. */
export function auditFile(env: Env): string {
  return env.WCD_AUDIT_FILE || join(evidenceDir(env), 'audit.jsonl');
}

/** The run's identity as the runner describes it. */
export function runIdentity(env: Env): Partial<AuditRecord> {
  return {
    repository: env.GITHUB_REPOSITORY,
    commit: env.GITHUB_SHA,
    ref: env.GITHUB_REF,
    actor: env.GITHUB_ACTOR,
    event: env.GITHUB_EVENT_NAME,
    workflow: env.GITHUB_WORKFLOW,
    job: env.GITHUB_JOB,
    runId: env.GITHUB_RUN_ID,
    runAttempt: env.GITHUB_RUN_ATTEMPT,
    environment: env.WCD_ENVIRONMENT,
  };
}

/**
 * The most characters of one input value the audit record keeps: the bound `Inputs.text`
 * puts on free text by default. Some actions bound an input with their own check (and refuse
 * it), but the record is written however the run ended, a refused 100 kB `reason` included:
 * it keeps the value's start and its length.
 */
export const AUDIT_INPUT_LIMIT = DEFAULT_TEXT_LIMIT;

/**
 * An input value as the audit record keeps it: whole (after `redact`) when it is at most
 * `limit` characters, else the first `limit` characters of its redacted form and how long the
 * value given was. Redacting before the cut keeps a cut from splitting a secret or a PHI
 * pattern into a part the redactor would no longer recognise.
 *
 * @example
 * boundInputValue('x'.repeat(100_000)); // 'xx…x… [elided: 100000 characters given, the first 1000 kept]'
 */
export function boundInputValue(
  value: string,
  redact: (text: string) => string = (text) => text,
  limit = AUDIT_INPUT_LIMIT,
): string {
  const kept = redact(value);
  if (kept.length <= limit) return kept;
  return `${kept.slice(0, limit)}… [elided: ${value.length} characters given, the first ${limit} kept]`;
}

/** Appends one record as a JSON line. */
export function appendAuditRecord(file: string, record: AuditRecord): void {
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, `${JSON.stringify(record)}\n`);
}

/** Reads the records of an audit file (for the evidence bundle and tests). */
export function parseAuditRecords(text: string): AuditRecord[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as AuditRecord);
}

/** Writes a named piece of evidence (a report, a manifest) beside the audit file. */
export function writeEvidence(env: Env, name: string, content: string): string {
  if (!/^[\w.-]+$/.test(name)) throw new Error(`evidence name '${name}' must be a plain file name`);
  const dir = evidenceDir(env);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}
