/**
 * Running a command (a build, a migration tool, pg_dump) with its output streamed line by
 * line through the redacting logger, and its last lines kept for the error message.
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
}

export interface CommandResult {
  exitCode: number;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** The last lines of output, already redacted when a logger was given. */
  tail: string[];
  stdout: string;
  durationMs: number;
}

const STDOUT_CAP = 16 * 1024 * 1024;

/**
 * Runs `command` through `bash -c` (as a workflow `run:` step would), or `file` with `args`
 * when given as an array. Never throws for a non-zero exit: the caller decides.
 *
 * @example
 * const result = await runCommand('npm run build', { cwd: dir, log });
 * if (result.exitCode !== 0) throw new ActionFailure(`build failed:\n${result.tail.join('\n')}`);
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
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const tail: string[] = [];
    let stdout = '';
    let timedOut = false;
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
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 5000).unref();
          }, options.timeoutMs);
    child.on('error', (error) => {
      if (timer) clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      for (const key of ['out', 'err'] as const) if (pending[key]) emit(pending[key]);
      resolve({
        exitCode: code ?? (signal ? 128 : 1),
        signal,
        timedOut,
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
