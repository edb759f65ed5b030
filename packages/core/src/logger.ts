/**
 * The logger actions write through. Logic depends on this interface, not on
 * `@actions/core`, so it can be driven by tests; every implementation redacts.
 */
import type { Redactor } from './redact.js';
import { commandSafeLines } from './workflow-commands.js';

/** Where an annotation points: the runner shows it on that line of that file. */
export interface AnnotationProperties {
  title?: string;
  file?: string;
  startLine?: number;
  endLine?: number;
  startColumn?: number;
  endColumn?: number;
}

export interface Logger {
  /** What this logger would write for `text` (secrets masked, PHI redacted). */
  redact(text: string): string;
  debug(message: string): void;
  info(message: string): void;
  notice(message: string, properties?: AnnotationProperties): void;
  warning(message: string, properties?: AnnotationProperties): void;
  error(message: string, properties?: AnnotationProperties): void;
  /** Runs `body` inside a collapsible log group. */
  group<T>(title: string, body: () => Promise<T>): Promise<T>;
}

/**
 * The runner-facing primitives a {@link Logger} writes to (see `runtime.ts`). `info` prints
 * its text as it is; every other method writes a workflow command and escapes its data and
 * properties as `@actions/core` does.
 */
export interface LogSink {
  debug(message: string): void;
  info(message: string): void;
  notice(message: string, properties?: AnnotationProperties): void;
  warning(message: string, properties?: AnnotationProperties): void;
  error(message: string, properties?: AnnotationProperties): void;
  startGroup(title: string): void;
  endGroup(): void;
}

function redactProperties(redactor: Redactor, p?: AnnotationProperties): AnnotationProperties | undefined {
  if (!p) return undefined;
  return { ...p, title: p.title === undefined ? undefined : redactor.redact(p.title) };
}

/**
 * A logger that redacts secrets and PHI from every message before the sink sees it, and
 * never lets a message become a workflow command: a plain line that the runner could read as
 * one (`::add-mask::…`, `##[error]…`, after any line break a user put in) is printed inside a
 * stop-commands block (see `workflow-commands.ts`).
 *
 * @example
 * const log = new RedactingLogger(sink, redactor);
 * log.info('student DOB: 2012-03-04'); // the sink receives 'student DOB: [REDACTED-DOB]'
 */
export class RedactingLogger implements Logger {
  constructor(
    private readonly sink: LogSink,
    private readonly redactor: Redactor,
  ) {}

  redact(text: string): string {
    return this.redactor.redact(text);
  }
  debug(message: string): void {
    this.sink.debug(this.redactor.redact(message));
  }
  info(message: string): void {
    this.sink.info(commandSafeLines(this.redactor.redact(message)).join('\n'));
  }
  notice(message: string, properties?: AnnotationProperties): void {
    this.sink.notice(this.redactor.redact(message), redactProperties(this.redactor, properties));
  }
  warning(message: string, properties?: AnnotationProperties): void {
    this.sink.warning(this.redactor.redact(message), redactProperties(this.redactor, properties));
  }
  error(message: string, properties?: AnnotationProperties): void {
    this.sink.error(this.redactor.redact(message), redactProperties(this.redactor, properties));
  }
  async group<T>(title: string, body: () => Promise<T>): Promise<T> {
    this.sink.startGroup(this.redactor.redact(title));
    try {
      return await body();
    } finally {
      this.sink.endGroup();
    }
  }
}

/** A logger that keeps what it is told, for tests of logic. */
export class MemoryLogger implements Logger {
  readonly lines: { level: string; message: string; properties?: AnnotationProperties }[] = [];
  constructor(private readonly redactor?: Redactor) {}
  redact(text: string): string {
    return this.redactor ? this.redactor.redact(text) : text;
  }
  debug(message: string): void {
    this.lines.push({ level: 'debug', message: this.redact(message) });
  }
  info(message: string): void {
    this.lines.push({ level: 'info', message: this.redact(message) });
  }
  notice(message: string, properties?: AnnotationProperties): void {
    this.lines.push({ level: 'notice', message: this.redact(message), properties });
  }
  warning(message: string, properties?: AnnotationProperties): void {
    this.lines.push({ level: 'warning', message: this.redact(message), properties });
  }
  error(message: string, properties?: AnnotationProperties): void {
    this.lines.push({ level: 'error', message: this.redact(message), properties });
  }
  async group<T>(title: string, body: () => Promise<T>): Promise<T> {
    this.lines.push({ level: 'group', message: title });
    return body();
  }
  /** All messages, one string, for assertions. */
  text(): string {
    return this.lines.map((l) => `${l.level}: ${l.message}`).join('\n');
  }
}
