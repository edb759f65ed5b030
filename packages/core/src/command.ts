/**
 * Running a command (a build, a migration tool, pg_dump) with its output streamed line by
 * line through the redacting logger, and its last lines kept for the error message. Each
 * command runs in its own process group, so that stopping it (a timeout, a cancelled run)
 * stops everything it started: `npm run build` and the bundler under it, a shell and its
 * migration tool.
 */
import { spawn } from 'node:child_process';
import type { Logger } from './logger.js';

export interface CommandOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  log?: Logger;
  /** Lines kept from the end of the output (stdout and stderr interleaved). Default 40. */
  tailLines?: number;
  /** Kill the command after this long. */
  timeoutMs?: number;
  /** Keep all of stdout (up to 16 MiB) in `stdout`. Default false. */
  captureStdout?: boolean;
  /** Data written to the command's standard input. */
  input?: string | Buffer;
  /**
   * Stops the command when aborted (pass `ctx.signal`): SIGTERM to its process group, then
   * SIGKILL to the group after `killGraceMs`.
   */
  signal?: AbortSignal;
  /** How long a stopped command's group gets between SIGTERM and SIGKILL. Default 3 s. */
  killGraceMs?: number;
}

/** The default time between SIGTERM and SIGKILL for a stopped command's process group. */
export const KILL_GRACE_MS = 3000;

export interface CommandResult {
  exitCode: number;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** True when `signal` stopped it. */
  cancelled: boolean;
  /** The command's process group id (its pid), for checking that the group is gone. */
  pid?: number;
  /** The last lines of output, already redacted when a logger was given. */
  tail: string[];
  stdout: string;
  durationMs: number;
}

const STDOUT_CAP = 16 * 1024 * 1024;

/**
 * Runs `command` through `bash -c` (as a workflow `run:` step would), or `file` with `args`
 * when given as an array, in a process group of its own. Never throws for a non-zero exit:
 * the caller decides. With `signal`, an abort stops the whole group (SIGTERM, then SIGKILL
 * after `killGraceMs`) and the result says `cancelled`.
 *
 * @example
 * const result = await runCommand('npm run build', { cwd: dir, log });
 * if (result.exitCode !== 0) throw new ActionFailure(`build failed:\n${result.tail.join('\n')}`);
 * @example
 * // In an action: the build stops with the run.
 * const build = await runCommand('npm run build', { cwd, log: ctx.log, signal: ctx.signal });
 * if (build.cancelled) throw new ActionCancelled('during the build', ctx.signal);
 */
export function runCommand(
  command: string | [string, ...string[]],
  options: CommandOptions = {},
): Promise<CommandResult> {
  const started = Date.now();
  const tailSize = options.tailLines ?? 40;
  const [file, args] =
    typeof command === 'string' ? ['bash', ['-c', command]] : [command[0], command.slice(1)];
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      resolve({
        exitCode: 130,
        signal: null,
        timedOut: false,
        cancelled: true,
        tail: [],
        stdout: '',
        durationMs: 0,
      });
      return;
    }
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      // Its own process group (setsid): a signal to -pid reaches everything it started.
      detached: true,
    });
    const tail: string[] = [];
    let stdout = '';
    let timedOut = false;
    let cancelled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const signalGroup = (signal: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // The group is gone already.
      }
    };
    const stopGroup = () => {
      signalGroup('SIGTERM');
      killTimer ??= setTimeout(() => signalGroup('SIGKILL'), options.killGraceMs ?? KILL_GRACE_MS);
    };
    const onAbort = () => {
      cancelled = true;
      stopGroup();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const pending = { out: '', err: '' };
    const emit = (line: string) => {
      const shown = options.log ? redactLine(options.log, line) : line;
      tail.push(shown);
      if (tail.length > tailSize) tail.shift();
    };
    const feed = (key: 'out' | 'err', chunk: Buffer) => {
      const text = pending[key] + chunk.toString('utf8');
      const lines = text.split(/\r?\n/);
      pending[key] = lines.pop() ?? '';
      for (const line of lines) emit(line);
    };
    child.stdout?.on('data', (chunk: Buffer) => {
      if (options.captureStdout && stdout.length < STDOUT_CAP) stdout += chunk.toString('utf8');
      feed('out', chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => feed('err', chunk));
    if (options.input !== undefined && child.stdin) child.stdin.end(options.input);
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            stopGroup();
          }, options.timeoutMs);
    const finish = () => {
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    };
    child.on('error', (error) => {
      finish();
      if (killTimer) clearTimeout(killTimer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      finish();
      // Whatever the command left running in its group goes with it.
      if (cancelled || timedOut) {
        signalGroup('SIGKILL');
        if (killTimer) clearTimeout(killTimer);
      }
      for (const key of ['out', 'err'] as const) if (pending[key]) emit(pending[key]);
      resolve({
        exitCode: code ?? (signal ? 128 : 1),
        signal,
        timedOut,
        cancelled,
        ...(child.pid === undefined ? {} : { pid: child.pid }),
        tail,
        stdout,
        durationMs: Date.now() - started,
      });
    });
  });
}

function redactLine(log: Logger, line: string): string {
  log.info(line);
  return log.redact(line);
}
