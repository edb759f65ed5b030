/**
 * Typed reading of action inputs. Each action parses all of its inputs once, in its
 * `inputs.ts`, through an {@link Inputs} reader, before anything touches AWS, git or a
 * database; every mistake is a {@link ConfigurationError} that names the input and says what
 * would be accepted.
 */
import { existsSync } from 'node:fs';
import { ConfigurationError } from './errors.js';
import {
  parseCalendarDate,
  parseDecimal,
  parseInstant,
  resolveInWorkspace,
  type CalendarDate,
} from './values.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** The environment variable the runner sets for an input (as `@actions/core` reads it). */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

const TRUE_VALUES = ['true', 'True', 'TRUE'];
const FALSE_VALUES = ['false', 'False', 'FALSE'];

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hrs: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
};

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/**
 * Parses a duration such as `90s`, `5m`, `15 min`, `1h`, `500ms`; a bare number is seconds.
 * Returns milliseconds, or undefined when the text is not a duration.
 *
 * @example
 * parseDuration('5m'); // 300000
 */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = (m[2] ?? '').toLowerCase();
  const factor = unit === '' ? 1000 : DURATION_UNITS[unit];
  return factor === undefined ? undefined : Math.round(Number(m[1]) * factor);
}

/**
 * Parses a size such as `250 kB`, `1.5MB`, `100 KiB` or a bare number of bytes.
 *
 * @example
 * parseSize('250 kB'); // 250000
 */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = (m[2] ?? '').toLowerCase() || 'b';
  const factor = SIZE_UNITS[unit];
  return factor === undefined ? undefined : Math.round(Number(m[1]) * factor);
}

/**
 * Formats a byte count for people: `1.2 MB`, `312 kB`, `87 B`.
 *
 * @example
 * formatBytes(312_400); // '312.4 kB'
 */
export function formatBytes(bytes: number): string {
  const abs = Math.abs(bytes);
  if (abs < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let i = 0;
  while (Math.abs(value) >= 1000 && i < units.length - 1) {
    value /= 1000;
    i++;
  }
  return `${Number(value.toFixed(1))} ${units[i]}`;
}

/**
 * Formats milliseconds for people: `850 ms`, `12.3 s`, `4 min 05 s`, `25 h 10 min`.
 *
 * @example
 * formatDuration(245_000); // '4 min 05 s'
 */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))} s`;
  const totalSeconds = Math.round(ms / 1000);
  if (totalSeconds < 3600) {
    return `${Math.floor(totalSeconds / 60)} min ${String(totalSeconds % 60).padStart(2, '0')} s`;
  }
  const minutes = Math.round(ms / 60_000);
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

export interface StringOptions {
  required?: boolean;
  default?: string;
}

export interface TextOptions {
  required?: boolean;
  default?: string;
  /** The most characters accepted. Default {@link DEFAULT_TEXT_LIMIT}. */
  maxLength?: number;
  /** Accept line breaks (written back as `\n`). Default false: one line. */
  multiline?: boolean;
}

/** The default bound on a free-text input (a reason, a title, an environment name). */
export const DEFAULT_TEXT_LIMIT = 1000;

export interface UrlOptions {
  required?: boolean;
  /** The accepted schemes, with their colon. Default `https:` only. */
  protocols?: readonly string[];
}

export interface PathOptions {
  required?: boolean;
  default?: string;
  /** What relative paths are relative to. Default: the workspace. */
  from?: string;
  /** The folder paths must stay in. Default `GITHUB_WORKSPACE`, else the current directory. */
  workspace?: string;
  /** Refuse a path that does not exist (default false). */
  mustExist?: boolean;
}

// Query parameters whose values are credentials (API keys, signed-URL signatures, tokens).
const SECRET_QUERY_PARAMETER =
  /(token|secret|passw|pwd|pass$|key|auth|credential|signature|^sig$|session|^code$|jwt|bearer)/i;

export interface NumberOptions {
  default?: number;
  min?: number;
  max?: number;
  integer?: boolean;
}

/**
 * Reads inputs from the runner's `INPUT_*` variables. Remembers what it read, so the audit
 * record can list the non-secret inputs; secrets are handed to `onSecret` (to be masked)
 * before anything else sees them.
 *
 * @example
 * const inputs = new Inputs(process.env, (s) => redactor.addSecret(s));
 * const concurrency = inputs.number('concurrency', { default: 16, min: 1, max: 64, integer: true });
 */
export class Inputs {
  private readonly read = new Map<string, string>();

  constructor(
    private readonly env: Env,
    private readonly onSecret: (value: string) => void = () => {},
  ) {}

  /** The non-secret inputs read so far, as given (secrets appear as `***`). */
  recorded(): Record<string, string> {
    return Object.fromEntries(this.read);
  }

  private raw(name: string): string {
    return (this.env[inputVariable(name)] ?? '').trim();
  }

  private remember(name: string, value: string): void {
    if (value !== '') this.read.set(name, value);
  }

  /** True when the input was given a non-empty value. */
  has(name: string): boolean {
    return this.raw(name) !== '';
  }

  /** A string input; `required` makes an empty one an error. */
  string(name: string, options: StringOptions & { required: true }): string;
  string(name: string, options: StringOptions & { default: string }): string;
  string(name: string, options?: StringOptions): string | undefined;
  string(name: string, options: StringOptions = {}): string | undefined {
    const value = this.raw(name);
    if (value === '') {
      if (options.required) {
        throw new ConfigurationError(`Input '${name}' is required but was not given.`, name);
      }
      return options.default;
    }
    this.remember(name, value);
    return value;
  }

  /** A secret input: masked everywhere from the moment it is read, never recorded. */
  secret(name: string, options: { required: true }): string;
  secret(name: string, options?: { required?: boolean }): string | undefined;
  secret(name: string, options: { required?: boolean } = {}): string | undefined {
    const value = this.raw(name);
    if (value === '') {
      if (options.required) {
        throw new ConfigurationError(`Input '${name}' is required but was not given.`, name);
      }
      return undefined;
    }
    this.onSecret(value);
    this.read.set(name, '***');
    return value;
  }

  /** A strict boolean: `true`/`True`/`TRUE` or `false`/`False`/`FALSE`, nothing else. */
  boolean(name: string, defaultValue: boolean): boolean {
    const value = this.raw(name);
    if (value === '') return defaultValue;
    this.remember(name, value);
    if (TRUE_VALUES.includes(value)) return true;
    if (FALSE_VALUES.includes(value)) return false;
    throw new ConfigurationError(`Input '${name}' must be true or false; got '${value}'.`, name);
  }

  /** A number, optionally an integer within bounds. */
  number(name: string, options: NumberOptions & { default: number }): number;
  number(name: string, options?: NumberOptions): number | undefined;
  number(name: string, options: NumberOptions = {}): number | undefined {
    const value = this.raw(name);
    if (value === '') return options.default;
    this.remember(name, value);
    const n = parseDecimal(value) ?? NaN;
    const kind = options.integer ? 'a whole number' : 'a number';
    if (!Number.isFinite(n) || (options.integer && !Number.isInteger(n))) {
      throw new ConfigurationError(
        `Input '${name}' must be ${kind}${rangeText(options)}; got '${shown(value)}'.`,
        name,
      );
    }
    if ((options.min !== undefined && n < options.min) || (options.max !== undefined && n > options.max)) {
      throw new ConfigurationError(`Input '${name}' must be ${kind}${rangeText(options)}; got ${n}.`, name);
    }
    return n;
  }

  /** One of a fixed set of values (compared exactly). */
  choice<T extends string>(name: string, allowed: readonly T[], defaultValue: T): T;
  choice<T extends string>(name: string, allowed: readonly T[]): T | undefined;
  choice<T extends string>(name: string, allowed: readonly T[], defaultValue?: T): T | undefined {
    const value = this.raw(name);
    if (value === '') return defaultValue;
    this.remember(name, value);
    if (!(allowed as readonly string[]).includes(value)) {
      throw new ConfigurationError(
        `Input '${name}' must be one of ${allowed.join(', ')}; got '${value}'.`,
        name,
      );
    }
    return value as T;
  }

  /**
   * A list: one item a line (and, with `commas`, also comma-separated). Blank lines and
   * lines starting with `#` are ignored; items are trimmed.
   */
  list(name: string, options: { commas?: boolean } = {}): string[] {
    const value = this.raw(name);
    if (value === '') return [];
    this.remember(name, value);
    return value
      .split(/\r?\n/)
      .flatMap((line) => (options.commas ? line.split(',') : [line]))
      .map((item) => item.trim())
      .filter((item) => item !== '' && !item.startsWith('#'));
  }

  /** A duration (`90s`, `5m`, `15 min`, `1h`; a bare number is seconds), in milliseconds. */
  duration(name: string, options: { default: string; min?: number; max?: number }): number {
    const given = this.raw(name);
    const text = given === '' ? options.default : given;
    if (given !== '') this.remember(name, given);
    const ms = parseDuration(text);
    if (ms === undefined) {
      throw new ConfigurationError(
        `Input '${name}' must be a duration such as 90s, 5m or 1h; got '${text}'.`,
        name,
      );
    }
    if ((options.min !== undefined && ms < options.min) || (options.max !== undefined && ms > options.max)) {
      const bounds = [
        options.min !== undefined ? `at least ${formatDuration(options.min)}` : '',
        options.max !== undefined ? `at most ${formatDuration(options.max)}` : '',
      ].filter(Boolean);
      throw new ConfigurationError(`Input '${name}' must be ${bounds.join(' and ')}; got '${text}'.`, name);
    }
    return ms;
  }

  /**
   * Free text (a reason, a title): one line unless `multiline`, at most `maxLength`
   * characters (default {@link DEFAULT_TEXT_LIMIT}), no control characters. The error says
   * the limit and never repeats the text.
   *
   * @example
   * const reason = inputs.text('reason', { maxLength: 500 });
   */
  text(name: string, options: TextOptions & { required: true }): string;
  text(name: string, options: TextOptions & { default: string }): string;
  text(name: string, options?: TextOptions): string | undefined;
  text(name: string, options: TextOptions = {}): string | undefined {
    const raw = this.raw(name);
    if (raw === '') return this.string(name, options);
    const value = options.multiline ? raw.replace(/\r\n?/g, '\n') : raw;
    const limit = options.maxLength ?? DEFAULT_TEXT_LIMIT;
    if (value.length > limit) {
      throw new ConfigurationError(
        `Input '${name}' must be at most ${limit} characters; got ${value.length}.`,
        name,
      );
    }
    if (!options.multiline && /[\r\n\u2028\u2029]/.test(value)) {
      throw new ConfigurationError(`Input '${name}' must be one line; it has a line break.`, name);
    }
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(value)) {
      throw new ConfigurationError(
        `Input '${name}' must be plain text; it has a control character (such as an escape code).`,
        name,
      );
    }
    this.remember(name, value);
    return value;
  }

  /**
   * A URL (https only unless `protocols` says otherwise). Its credentials are masked the
   * moment it is read: a user name and password in it, and the value of every query parameter
   * named like a credential (`token`, `api_key`, `X-Amz-Signature`, `sig`, …). The audit record
   * keeps the URL with those parts masked.
   *
   * @example
   * const url = inputs.url('app-url', { required: true }); // a URL object
   */
  url(name: string, options: UrlOptions & { required: true }): URL;
  url(name: string, options?: UrlOptions): URL | undefined;
  url(name: string, options: UrlOptions = {}): URL | undefined {
    const value = this.raw(name);
    if (value === '') {
      if (options.required) {
        throw new ConfigurationError(`Input '${name}' is required but was not given.`, name);
      }
      return undefined;
    }
    const protocols = options.protocols ?? ['https:'];
    const example = `${protocols[0] ?? 'https:'}//app.example.org/health`;
    // Mask what looks like a user's credentials first: the value may be refused below.
    const userinfo = /^[a-z][a-z0-9+.-]*:\/\/([^/?#\s]*)@/i.exec(value)?.[1];
    if (userinfo) for (const part of userinfo.split(':')) this.maskAll(part);
    // new URL() drops tabs and line breaks silently: refuse them instead.
    // eslint-disable-next-line no-control-regex
    if (/[\s\u0000-\u001f\u007f]/.test(value)) {
      throw new ConfigurationError(
        `Input '${name}' must be a URL such as ${example}, on one line without spaces.`,
        name,
      );
    }
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new ConfigurationError(
        `Input '${name}' must be a URL such as ${example}; got '${shown(maskUserinfo(value))}'.`,
        name,
      );
    }
    this.maskAll(url.username);
    this.maskAll(url.password);
    const masked = new URL(url.href);
    if (masked.username) masked.username = '***';
    if (masked.password) masked.password = '***';
    for (const [key, v] of url.searchParams) {
      if (!SECRET_QUERY_PARAMETER.test(key)) continue;
      this.maskAll(v);
      masked.searchParams.set(key, '***');
    }
    this.read.set(name, masked.href);
    if (!protocols.includes(url.protocol)) {
      throw new ConfigurationError(
        `Input '${name}' must be a ${protocols.map((p) => p.replace(/:$/, '')).join(' or ')} URL such as ${example}; got a ${url.protocol.replace(/:$/, '')} URL.`,
        name,
      );
    }
    return url;
  }

  /**
   * A path inside the workspace: resolved against `from` (default the workspace), through
   * every symlink, and refused when it ends up outside `GITHUB_WORKSPACE` or (with
   * `mustExist`) does not exist. Returns the real absolute path. The error names the input
   * and the path as given, never anything read from it.
   *
   * @example
   * const budgets = inputs.path('budgets-file', { from: workingDirectory, mustExist: true });
   */
  path(name: string, options: PathOptions & { required: true }): string;
  path(name: string, options: PathOptions & { default: string }): string;
  path(name: string, options?: PathOptions): string | undefined;
  path(name: string, options: PathOptions = {}): string | undefined {
    const given = this.string(name, options);
    if (given === undefined) return undefined;
    const workspace = options.workspace ?? (this.env.GITHUB_WORKSPACE || process.cwd());
    const resolved = resolveInWorkspace(given, {
      workspace,
      ...(options.from ? { from: options.from } : {}),
    });
    if ('problem' in resolved) {
      throw new ConfigurationError(
        `Input '${name}' must be a path inside the workspace (the repository checkout); '${shown(given)}' ${resolved.problem}.`,
        name,
      );
    }
    if (options.mustExist && !existsSync(resolved.path)) {
      throw new ConfigurationError(
        `Input '${name}' names '${shown(given)}', which does not exist in the workspace.`,
        name,
      );
    }
    return resolved.path;
  }

  /**
   * A calendar date, `YYYY-MM-DD`, that exists (`2026-02-31` is refused, not rolled over).
   *
   * @example
   * inputs.date('freeze-from'); // { year: 2026, month: 12, day: 21 }
   */
  date(name: string, options: { required?: boolean } = {}): CalendarDate | undefined {
    const value = this.string(name, options);
    if (value === undefined) return undefined;
    const date = parseCalendarDate(value);
    if (!date) {
      throw new ConfigurationError(
        `Input '${name}' must be a date that exists, written YYYY-MM-DD such as 2026-11-24; got '${shown(value)}'.`,
        name,
      );
    }
    return date;
  }

  /**
   * An instant: ISO 8601 with a zone, such as `2026-11-24T07:30:00Z`, on a date that exists.
   * Returns epoch milliseconds.
   *
   * @example
   * inputs.instant('at'); // 1795505400000
   */
  instant(name: string, options: { required?: boolean } = {}): number | undefined {
    const value = this.string(name, options);
    if (value === undefined) return undefined;
    const ms = parseInstant(value);
    if (ms === undefined) {
      throw new ConfigurationError(
        `Input '${name}' must be an ISO 8601 instant with a zone on a date that exists, such as 2026-11-24T07:30:00Z; got '${shown(value)}'.`,
        name,
      );
    }
    return ms;
  }

  /**
   * Masks a value derived from a secret input while the inputs are read (each value of a
   * `KEY=VALUE` secret, say), before anything can print it.
   *
   * @example
   * for (const value of Object.values(parsedEnv)) inputs.maskDerived(value);
   */
  maskDerived(value: string): void {
    if (value.trim() !== '') this.onSecret(value);
  }

  private maskAll(value: string): void {
    if (value === '') return;
    this.onSecret(value);
    try {
      const decoded = decodeURIComponent(value);
      if (decoded !== value) this.onSecret(decoded);
    } catch {
      // Not percent-encoded text: the raw form is masked already.
    }
  }

  /**
   * A percentage, written `5%` or `5` (meaning 5 %), returned as a fraction (0.05).
   */
  percent(name: string, options: { default: number; min?: number; max?: number }): number {
    const value = this.raw(name);
    if (value === '') return options.default;
    this.remember(name, value);
    const m = /^(\d+(?:\.\d+)?)\s*%?$/.exec(value);
    const fraction = m ? Number(m[1]) / 100 : NaN;
    const min = options.min ?? 0;
    const max = options.max ?? 1;
    if (!Number.isFinite(fraction) || fraction < min || fraction > max) {
      throw new ConfigurationError(
        `Input '${name}' must be a percentage from ${min * 100}% to ${max * 100}%, such as 5%; got '${value}'.`,
        name,
      );
    }
    return fraction;
  }
}

/** A value as shown in an error: one line, at most 80 characters. */
function shown(value: string): string {
  const line = value.replace(/[\r\n]+/g, ' ');
  return line.length > 80 ? `${line.slice(0, 77)}...` : line;
}

function maskUserinfo(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#\s]*@/i, '$1***@');
}

function rangeText(options: NumberOptions): string {
  if (options.min !== undefined && options.max !== undefined) return ` from ${options.min} to ${options.max}`;
  if (options.min !== undefined) return ` of at least ${options.min}`;
  if (options.max !== undefined) return ` of at most ${options.max}`;
  return '';
}
