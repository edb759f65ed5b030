/**
 * Cancellation: what a cancelled workflow does to the action (SIGINT, then SIGTERM) reaches the
 * children too. Every child runs in its own process group (`detached`), so the signal can be
 * forwarded to the whole group — bash, npx, node, sequelize-cli, pg_dump — and, after a
 * bounded grace, SIGKILL follows. The run then stops at the next step boundary, writing its
 * summary and audit record with what was done.
 *
 * Kept apart from the modes so that it can move into core (`runAction`, `runCommand`) as is.
 */
import { spawn } from 'node:child_process';
import { ActionFailure, type CommandOptions, type CommandResult, type Logger } from '@white-cross/core';

/** The run was cancelled by a signal; thrown at the next step boundary. */
export class RunCancelled extends ActionFailure {
  constructor(
    readonly signal: NodeJS.Signals,
    message: string,
  ) {
    super(message);
  }
}

export class Cancellation {
  /** The signal that cancelled the run, once one has. */
  signal: NodeJS.Signals | undefined;
  private readonly groups = new Set<number>();
  private readonly handlers: [NodeJS.Signals, () => void][] = [];
  private readonly listeners: (() => void)[] = [];

  constructor(
    private readonly log: Logger,
    /** How long children get to stop after the signal before SIGKILL. */
    readonly graceMs = 10_000,
  ) {}

  /** Starts listening for SIGTERM and SIGINT (instead of dying at once, which would orphan the children). */
  install(): this {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const handler = () => this.cancel(signal);
      process.on(signal, handler);
      this.handlers.push([signal, handler]);
    }
    return this;
  }

  uninstall(): void {
    for (const [signal, handler] of this.handlers.splice(0)) process.off(signal, handler);
  }

  get requested(): boolean {
    return this.signal !== undefined;
  }

  /** Calls `listener` when the run is cancelled (at once when it already is). */
  onCancel(listener: () => void): void {
    if (this.signal) listener();
    else this.listeners.push(listener);
  }

  /** Forwards the signal to every child's process group; SIGKILL after the grace. */
  cancel(signal: NodeJS.Signals): void {
    if (this.signal) return;
    this.signal = signal;
    this.log.warning(
      `Received ${signal}: stopping ${this.groups.size} child process group(s) (SIGKILL after ${this.graceMs / 1000} s), then writing the summary and audit record.`,
    );
    for (const group of this.groups) signalGroup(group, signal);
    const timer = setTimeout(() => {
      for (const group of this.groups) signalGroup(group, 'SIGKILL');
    }, this.graceMs);
    timer.unref();
    for (const listener of this.listeners.splice(0)) listener();
  }

  /** Throws {@link RunCancelled} when the run has been cancelled. */
  check(during: string): void {
    if (this.signal) throw new RunCancelled(this.signal, `Cancelled by ${this.signal} during ${during}.`);
  }

  /**
   * Runs a command like core's `runCommand`, in its own process group, so that a cancellation
   * stops it and everything it started.
   */
  run(
    command: string | [string, ...string[]],
    options: CommandOptions & { scrub?: (line: string) => string } = {},
  ): Promise<CommandResult> {
    const started = Date.now();
    const [file, args] =
      typeof command === 'string' ? ['bash', ['-c', command]] : [command[0], command.slice(1)];
    return new Promise((resolve, reject) => {
      const child = spawn(file, args, {
        cwd: options.cwd,
        env: options.env ?? process.env,
        stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        detached: true,
      });
      const group = child.pid;
      if (group !== undefined) {
        this.groups.add(group);
        // Started after the signal: stop it at once.
        if (this.signal) signalGroup(group, this.signal);
      }
      const lines = new LineCollector(
        options.tailLines ?? 40,
        options.log,
        options.captureStdout === true,
        options.scrub ?? ((line) => line),
      );
      child.stdout?.on('data', (chunk: Buffer) => lines.feed('out', chunk));
      child.stderr?.on('data', (chunk: Buffer) => lines.feed('err', chunk));
      if (options.input !== undefined) child.stdin?.end(options.input);
      child.on('error', (error) => {
        if (group !== undefined) this.groups.delete(group);
        reject(error);
      });
      child.on('close', (code, signal) => {
        if (group !== undefined) {
          this.groups.delete(group);
          // Whatever the leader left behind in its group goes with it.
          signalGroup(group, 'SIGKILL');
        }
        lines.flush();
        resolve({
          exitCode: code ?? (signal ? 128 : 1),
          signal,
          timedOut: false,
          cancelled: this.signal !== undefined,
          ...(group !== undefined ? { pid: group } : {}),
          tail: lines.tail,
          stdout: lines.stdout,
          durationMs: Date.now() - started,
        });
      });
    });
  }
}

function signalGroup(group: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-group, signal);
  } catch {
    // The group is gone already.
  }
}

/** sequelize-cli's start line, e.g. `Sequelize CLI [Node: 24.21.0, CLI: 6.6.5, ORM: 6.37.8]`. */
const TOOL_BANNER = /^Sequelize CLI \[Node: [^\]]*\]\s*$/;
const bannersShown = new Set<string>();

const STDOUT_CAP = 16 * 1024 * 1024;

/** Splits output into lines, logs each through the redacting logger, keeps the tail (redacted). */
class LineCollector {
  readonly tail: string[] = [];
  stdout = '';
  private readonly pending = { out: '', err: '' };
  constructor(
    private readonly size: number,
    private readonly log: Logger | undefined,
    private readonly capture: boolean,
    private readonly scrub: (line: string) => string,
  ) {}
  feed(stream: 'out' | 'err', chunk: Buffer): void {
    const parts = (this.pending[stream] + chunk.toString('utf8')).split(/\r?\n/);
    this.pending[stream] = parts.pop() ?? '';
    for (const line of parts) this.emit(stream, line);
  }
  flush(): void {
    for (const stream of ['out', 'err'] as const)
      if (this.pending[stream]) this.emit(stream, this.pending[stream]);
  }
  private emit(stream: 'out' | 'err', raw: string): void {
    // Scrubbed before anything keeps it: the log, the tail, the captured stdout.
    const line = this.scrub(raw);
    if (stream === 'out' && this.capture && this.stdout.length < STDOUT_CAP) this.stdout += `${line}\n`;
    // sequelize-cli prints its version banner at every start (status, migrate, status again):
    // the log shows it once.
    if (TOOL_BANNER.test(line)) {
      if (bannersShown.has(line)) return;
      bannersShown.add(line);
    }
    this.log?.info(line);
    this.tail.push(this.log ? this.log.redact(line) : line);
    if (this.tail.length > this.size) this.tail.shift();
  }
}
