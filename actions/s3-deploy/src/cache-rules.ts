/**
 * Which Cache-Control each file gets. Content-hashed names (`index-BJx0f2Zk.js`,
 * `main.3f2a9c1b.css`) can be cached for a year and marked immutable: a new build gives them a
 * new name. Everything else, HTML above all, must be revalidated (`no-cache`), or browsers keep
 * an `index.html` whose hashed chunks were deleted — the white screen this action exists to
 * prevent. Users can override both with `glob: value` rules; the first matching rule wins.
 */
import picomatch from 'picomatch';
import { ConfigurationError } from '@white-cross/core';

/** The Cache-Control of content-hashed files when no rule matches. */
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';
/** The Cache-Control of HTML and other unhashed files when no rule matches. */
export const REVALIDATE_CACHE_CONTROL = 'no-cache';

export interface CacheRule {
  glob: string;
  value: string;
  /** The 1-based line of the rule in the input, for messages. */
  line: number;
  matches(path: string): boolean;
}

// A hash token: 8–64 of [A-Za-z0-9_-] right before the extension(s), after `.` or `-`.
const HASH_TOKEN = /[.-]([A-Za-z0-9_-]{8,64})((?:\.[A-Za-z0-9]+)+)$/;
// The response directives of RFC 9111 §5.2.2 (and RFC 5861, RFC 8246), by what argument each takes.
const SECONDS_DIRECTIVES = new Set(['max-age', 's-maxage', 'stale-while-revalidate', 'stale-if-error']);
const FLAG_DIRECTIVES = new Set([
  'no-store',
  'no-transform',
  'must-revalidate',
  'proxy-revalidate',
  'must-understand',
  'public',
  'immutable',
]);
// May stand alone or name header fields: no-cache="set-cookie".
const FIELD_LIST_DIRECTIVES = new Set(['no-cache', 'private']);

/**
 * True when the file name carries a content hash: a token of 8–64 letters, digits, `_` or `-`
 * before the extension that has both a letter and a digit (so `settings.js` or
 * `main-20240101.js` are not mistaken for hashed). HTML is never treated as hashed.
 *
 * @example
 * isContentHashed('assets/index-BJx0f2Zk.js'); // true
 * isContentHashed('assets/settings-panel.js'); // false
 */
export function isContentHashed(path: string): boolean {
  if (isHtml(path)) return false;
  const name = path.slice(path.lastIndexOf('/') + 1);
  const m = HASH_TOKEN.exec(name);
  if (!m) return false;
  const token = m[1] ?? '';
  return /[0-9]/.test(token) && /[A-Za-z]/.test(token);
}

/**
 * True for HTML pages (uploaded after every other file).
 *
 * @example
 * isHtml('docs/index.html'); // true
 */
export function isHtml(path: string): boolean {
  return /\.html?$/i.test(path);
}

/**
 * Checks one Cache-Control value: comma-separated response directives such as `no-cache` or
 * `public, max-age=600`, each one browsers and CloudFront know, with the argument it takes
 * (delta-seconds for `max-age`, `s-maxage`, `stale-*`; none for flags). Returns the normalised
 * value, or the reason it is not one.
 *
 * @example
 * normaliseCacheControl('public,max-age=600'); // 'public, max-age=600'
 * checkCacheControl('max-age=forever'); // { error: "'max-age' takes a number of seconds such as max-age=600; got 'forever'" }
 */
export function normaliseCacheControl(value: string): string | undefined {
  const checked = checkCacheControl(value);
  return 'value' in checked ? checked.value : undefined;
}

export function checkCacheControl(value: string): { value: string } | { error: string } {
  const parts = value.split(',').map((p) => p.trim());
  for (const part of parts) {
    const m = /^([a-z][a-z-]*)(?:=(.*))?$/i.exec(part);
    if (!m) return { error: `'${part}' is not a directive` };
    const name = (m[1] as string).toLowerCase();
    const arg = m[2];
    if (SECONDS_DIRECTIVES.has(name)) {
      if (arg === undefined || !/^\d{1,10}$/.test(arg))
        return { error: `'${name}' takes a number of seconds such as ${name}=600; got '${arg ?? ''}'` };
    } else if (FLAG_DIRECTIVES.has(name)) {
      if (arg !== undefined) return { error: `'${name}' takes no value; got '${part}'` };
    } else if (FIELD_LIST_DIRECTIVES.has(name)) {
      if (arg !== undefined && !/^"[A-Za-z0-9-]+(\s*,\s*[A-Za-z0-9-]+)*"$/.test(arg))
        return {
          error: `'${name}' takes no value or a quoted list of header names such as ${name}="set-cookie"; got '${part}'`,
        };
    } else {
      return { error: `'${name}' is not a Cache-Control response directive` };
    }
  }
  return { value: parts.join(', ') };
}

/**
 * Parses the `cache-control` input: one `glob: value` rule a line, globs relative to
 * `source-dir` (picomatch syntax, `**` crosses folders). Throws ConfigurationError naming the
 * line that is wrong.
 *
 * @example
 * parseCacheRules(['**\/*.html: no-cache', 'assets/**: public, max-age=31536000, immutable']);
 */
export function parseCacheRules(lines: readonly string[], input = 'cache-control'): CacheRule[] {
  return lines.map((text, index) => {
    const line = index + 1;
    // Cache-Control values never contain ':', globs rarely do: split at the last one.
    const colon = text.lastIndexOf(':');
    const glob = colon < 0 ? '' : text.slice(0, colon).trim();
    const rawValue = colon < 0 ? '' : text.slice(colon + 1).trim();
    const expected = "a 'glob: value' rule such as '**/*.html: no-cache'";
    if (glob === '' || rawValue === '') {
      throw new ConfigurationError(
        `Input '${input}' rule ${line} must be ${expected}; got '${text}'.`,
        input,
      );
    }
    const checked = checkCacheControl(rawValue);
    if ('error' in checked) {
      throw new ConfigurationError(
        `Input '${input}' rule ${line} has an invalid Cache-Control value '${rawValue}': ${checked.error}. Use directives such as 'no-cache' or 'public, max-age=600'.`,
        input,
      );
    }
    const value = checked.value;
    let matches: (path: string) => boolean;
    try {
      matches = picomatch(glob, { dot: true, strictBrackets: true });
    } catch (error) {
      throw new ConfigurationError(
        `Input '${input}' rule ${line} has an invalid glob '${glob}': ${(error as Error).message}.`,
        input,
      );
    }
    return { glob, value, line, matches };
  });
}

/**
 * The Cache-Control for a file: the first matching rule, else immutable for content-hashed
 * names and `no-cache` for everything else.
 *
 * @example
 * cacheControlFor('index.html', []); // 'no-cache'
 */
export function cacheControlFor(path: string, rules: readonly CacheRule[]): string {
  const rule = rules.find((r) => r.matches(path));
  if (rule) return rule.value;
  return isContentHashed(path) ? IMMUTABLE_CACHE_CONTROL : REVALIDATE_CACHE_CONTROL;
}
