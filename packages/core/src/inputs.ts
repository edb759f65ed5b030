/**
 * Typed reading of action inputs. Each action parses all of its inputs once, in its
 * `inputs.ts`, through an {@link Inputs} reader, before anything touches AWS, git or a
 * database; every mistake is a {@link ConfigurationError} that names the input and says what
 * would be accepted.
 */
import { ConfigurationError } from './errors.js';

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
    const n = Number(value);
    const kind = options.integer ? 'a whole number' : 'a number';
    if (!Number.isFinite(n) || (options.integer && !Number.isInteger(n))) {
      throw new ConfigurationError(
        `Input '${name}' must be ${kind}${rangeText(options)}; got '${value}'.`,
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

function rangeText(options: NumberOptions): string {
  if (options.min !== undefined && options.max !== undefined) return ` from ${options.min} to ${options.max}`;
  if (options.min !== undefined) return ` of at least ${options.min}`;
  if (options.max !== undefined) return ` of at most ${options.max}`;
  return '';
}
