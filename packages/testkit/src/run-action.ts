/**
 * Runs an action's committed bundle exactly as the runner does: `node actions/<name>/dist/index.js`
 * with `INPUT_*` variables and the runner's files (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY,
 * GITHUB_STATE, GITHUB_ENV), then reads back what it wrote.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is packages/testkit/src/run-action.ts). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface Annotation {
  level: 'error' | 'warning' | 'notice' | 'debug';
  message: string;
  properties: Record<string, string>;
}

export interface ActionRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  annotations: Annotation[];
  state: Record<string, string>;
  exportedEnv: Record<string, string>;
  /** The audit records this run appended (parsed JSON lines). */
  audit: Record<string, unknown>[];
  /** The folder evidence was written to. */
  evidenceDir: string;
  durationMs: number;
}

export interface RunActionOptions {
  inputs?: Record<string, string | number | boolean | undefined>;
  env?: Record<string, string | undefined>;
  /** GITHUB_WORKSPACE and the working directory; default a new temp dir. */
  workspace?: string;
  /** State saved by an earlier step (for post steps). */
  state?: Record<string, string>;
  timeoutMs?: number;
  /**
   * Called with each stdout line as it arrives (to watch progress); `signal` sends the action a
   * signal, as a cancelled workflow does (SIGINT, then SIGTERM).
   */
  onLine?: (line: string, signal: (name: NodeJS.Signals) => void) => void;
}

function unescapeData(s: string): string {
  return s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

function unescapeProperty(s: string): string {
  return unescapeData(s).replace(/%3A/g, ':').replace(/%2C/g, ',');
}

/** Reads workflow-command annotations (`::error file=a,line=3::message`) from stdout. */
export function parseAnnotations(stdout: string): Annotation[] {
  const out: Annotation[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^::(error|warning|notice|debug)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!m) continue;
    const properties: Record<string, string> = {};
    for (const pair of (m[2] ?? '').split(',').filter(Boolean)) {
      const i = pair.indexOf('=');
      properties[pair.slice(0, i)] = unescapeProperty(pair.slice(i + 1));
    }
    out.push({ level: m[1] as Annotation['level'], message: unescapeData(m[3] ?? ''), properties });
  }
  return out;
}

/** Reads a runner file command file (GITHUB_OUTPUT and friends): `k<<DELIM … DELIM` or `k=v`. */
export function parseFileCommand(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, key, delimiter] = heredoc as unknown as [string, string, string];
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] ?? '');
      out[key] = value.join('\n');
    } else if (line.includes('=')) {
      const j = line.indexOf('=');
      out[line.slice(0, j)] = line.slice(j + 1);
    }
  }
  return out;
}

const readIfExists = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');

/**
 * Runs `actions/<action>/dist/index.js` and returns what it did.
 *
 * @example
 * const run = await runActionBundle('build-validate', { inputs: { budgets: 'nonsense' } });
 * expect(run.exitCode).toBe(1);
 */
export async function runActionBundle(action: string, options: RunActionOptions = {}): Promise<ActionRun> {
  const bundle = join(repoRoot, 'actions', action, 'dist', 'index.js');
  if (!existsSync(bundle)) throw new Error(`no bundle at ${bundle}: run npm run bundle`);
  const files = mkdtempSync(join(tmpdir(), `wcd-run-${action}-`));
  const workspace = options.workspace ?? join(files, 'workspace');
  mkdirSync(workspace, { recursive: true });
  const runnerTemp = join(files, 'runner-temp');
  mkdirSync(runnerTemp, { recursive: true });
  const paths = {
    GITHUB_OUTPUT: join(files, 'output'),
    GITHUB_STEP_SUMMARY: join(files, 'summary.md'),
    GITHUB_STATE: join(files, 'state'),
    GITHUB_ENV: join(files, 'env'),
    GITHUB_PATH: join(files, 'path'),
  };
  for (const file of Object.values(paths)) writeFileSync(file, '');
  const evidenceDir = options.env?.WCD_EVIDENCE_DIR ?? join(runnerTemp, 'white-cross-evidence');
  const auditFile = options.env?.WCD_AUDIT_FILE ?? join(evidenceDir, 'audit.jsonl');
  const auditBefore = readIfExists(auditFile).length;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? files,
    LANG: process.env.LANG ?? 'C.UTF-8',
    TMPDIR: process.env.TMPDIR ?? tmpdir(),
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_REPOSITORY: 'white-cross/school-health',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_REF: 'refs/heads/develop',
    GITHUB_ACTOR: 'octo-devops',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_WORKFLOW: 'deploy',
    GITHUB_JOB: action,
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    RUNNER_TEMP: runnerTemp,
    RUNNER_OS: 'Linux',
    ...paths,
  };
  for (const [name, value] of Object.entries(options.state ?? {})) env[`STATE_${name}`] = value;
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  for (const [name, value] of Object.entries(options.inputs ?? {})) {
    if (value !== undefined) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = String(value);
  }
  const started = Date.now();
  const { exitCode, stdout, stderr } = await new Promise<{
    exitCode: number;
    stdout: string;
    stderr: string;
  }>((resolvePromise, reject) => {
    const child = spawn(process.execPath, [bundle], {
      cwd: workspace,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let partial = '';
    child.stdout.on('data', (d: Buffer) => {
      const text = d.toString('utf8');
      out += text;
      if (options.onLine) {
        const lines = (partial + text).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) options.onLine(line, (signal) => child.kill(signal));
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ exitCode: code ?? 137, stdout: out, stderr: err });
    });
  });
  const auditText = readIfExists(auditFile).slice(auditBefore);
  return {
    exitCode,
    stdout,
    stderr,
    outputs: parseFileCommand(readIfExists(paths.GITHUB_OUTPUT)),
    summary: readIfExists(paths.GITHUB_STEP_SUMMARY),
    annotations: parseAnnotations(stdout),
    state: parseFileCommand(readIfExists(paths.GITHUB_STATE)),
    exportedEnv: parseFileCommand(readIfExists(paths.GITHUB_ENV)),
    audit: auditText
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>),
    evidenceDir,
    durationMs: Date.now() - started,
  };
}

export interface SignalledRun extends ActionRun {
  /** The signal sent. */
  signal: NodeJS.Signals;
  /** Milliseconds from the signal to the end of the process (and reading back its files). */
  exitedAfterMs: number;
}

/**
 * Runs the bundle as {@link runActionBundle} does and sends it `signal` (default SIGTERM, what
 * a cancelled workflow sends) once, at the first stdout line `when` accepts. Fails the test
 * when no line did, so a test of cancellation never passes on a run that simply ended.
 *
 * @example
 * const run = await runActionBundleAndSignal('canary-gate', {
 *   inputs,
 *   when: (line) => line.includes('looking again'),
 * });
 * expect(run.audit[0]).toMatchObject({ outcome: 'cancelled', cancellation: { signal: 'SIGTERM' } });
 */
export async function runActionBundleAndSignal(
  action: string,
  options: RunActionOptions & { when: (line: string) => boolean; signal?: NodeJS.Signals },
): Promise<SignalledRun> {
  const { when, signal = 'SIGTERM', onLine, ...rest } = options;
  let signalledAt: number | undefined;
  const run = await runActionBundle(action, {
    ...rest,
    onLine: (line, send) => {
      onLine?.(line, send);
      if (signalledAt !== undefined || !when(line)) return;
      signalledAt = Date.now();
      send(signal);
    },
  });
  if (signalledAt === undefined) {
    throw new Error(
      `${action} ended (exit ${run.exitCode}) before the line to send ${signal} at; its last lines:\n${run.stdout.split('\n').slice(-15).join('\n')}\n${run.stderr.slice(-2000)}`,
    );
  }
  return { ...run, signal, exitedAfterMs: Date.now() - signalledAt };
}
