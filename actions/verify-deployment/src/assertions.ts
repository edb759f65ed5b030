/**
 * What a response must satisfy, and the judging of one response against it. Pure: the health
 * and smoke checks build these, send the request, and call {@link checkResponse}. Failure
 * details describe what differed without quoting the response (bodies may hold PHI): numbers,
 * booleans and null are shown, strings only where the caller says the endpoint carries none.
 */
import type { HttpResponse } from './http.js';

export type JsonType = 'string' | 'number' | 'boolean' | 'object' | 'array' | 'null';
export const JSON_TYPES: readonly JsonType[] = ['string', 'number', 'boolean', 'object', 'array', 'null'];

export type Assertion =
  | { readonly kind: 'status'; readonly expected: number }
  | { readonly kind: 'json-equals'; readonly path: string; readonly expected: unknown }
  | { readonly kind: 'json-exists'; readonly path: string }
  | { readonly kind: 'json-type'; readonly path: string; readonly type: JsonType }
  | { readonly kind: 'text-contains'; readonly text: string }
  | { readonly kind: 'text-not-contains'; readonly text: string }
  | { readonly kind: 'header'; readonly name: string; readonly contains: string }
  | { readonly kind: 'max-ms'; readonly ms: number };

export interface AssertionResult {
  readonly assertion: string;
  readonly ok: boolean;
  /** Why it failed, without the response's text. */
  readonly detail?: string;
}

const MISSING = Symbol('missing');

/**
 * Reads a dotted path (`students.0.id`, `students[0].id`) from parsed JSON.
 *
 * @example
 * jsonAt({ a: [{ b: 1 }] }, 'a[0].b'); // 1
 */
export function jsonAt(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const key of splitPath(path)) {
    if (Array.isArray(current) && /^\d+$/.test(key)) current = current[Number(key)];
    else if (current !== null && typeof current === 'object' && Object.hasOwn(current, key)) {
      current = (current as Record<string, unknown>)[key];
    } else return MISSING;
    if (current === undefined) return MISSING;
  }
  return current;
}

/** The keys of a dotted path; `a[0].b` is `['a', '0', 'b']`. */
export function splitPath(path: string): string[] {
  return path
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter((k) => k !== '');
}

/** True for a path {@link jsonAt} can read. */
export function isJsonPath(path: string): boolean {
  return /^[A-Za-z0-9_$-]+(?:\[\d+\])*(?:\.[A-Za-z0-9_$-]+(?:\[\d+\])*)*$/.test(path);
}

function jsonTypeOf(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value as JsonType;
}

function shown(value: unknown, revealStrings: boolean): string {
  if (value === MISSING) return 'missing';
  if (typeof value === 'string') {
    return revealStrings
      ? JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)
      : `a string of ${value.length} characters`;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return JSON.stringify(value);
  return Array.isArray(value) ? `an array of ${value.length}` : 'an object';
}

/** One line naming an assertion, for tables and logs (the expectations are the user's own text). */
export function describeAssertion(a: Assertion): string {
  switch (a.kind) {
    case 'status':
      return `status ${a.expected}`;
    case 'json-equals':
      return `json ${a.path} = ${JSON.stringify(a.expected)}`;
    case 'json-exists':
      return `json ${a.path} exists`;
    case 'json-type':
      return `json ${a.path} is ${a.type}`;
    case 'text-contains':
      return `text contains ${JSON.stringify(a.text)}`;
    case 'text-not-contains':
      return `text does not contain ${JSON.stringify(a.text)}`;
    case 'header':
      return `header ${a.name} contains ${JSON.stringify(a.contains)}`;
    case 'max-ms':
      return `answers within ${a.ms} ms`;
  }
}

/**
 * Judges one response against each assertion.
 *
 * @example
 * checkResponse({ status: 401, headers: {}, body: '{}', truncated: false, ms: 3 }, [{ kind: 'status', expected: 401 }]);
 * // [{ assertion: 'status 401', ok: true }]
 */
export function checkResponse(
  response: HttpResponse,
  assertions: readonly Assertion[],
  options: { revealStrings?: boolean } = {},
): AssertionResult[] {
  const reveal = options.revealStrings ?? false;
  let parsed: { ok: true; value: unknown } | { ok: false } | undefined;
  const json = () => {
    if (!parsed) {
      try {
        parsed = { ok: true, value: JSON.parse(response.body) as unknown };
      } catch {
        parsed = { ok: false };
      }
    }
    return parsed;
  };
  return assertions.map((a): AssertionResult => {
    const assertion = describeAssertion(a);
    const fail = (detail: string): AssertionResult => ({ assertion, ok: false, detail });
    const pass: AssertionResult = { assertion, ok: true };
    switch (a.kind) {
      case 'status':
        return response.status === a.expected ? pass : fail(`status was ${response.status}`);
      case 'json-equals':
      case 'json-exists':
      case 'json-type': {
        const body = json();
        if (!body.ok) return fail(`the body is not JSON${response.truncated ? ' (cut at 1 MB)' : ''}`);
        const actual = jsonAt(body.value, a.path);
        if (a.kind === 'json-exists') return actual === MISSING ? fail(`${a.path} is missing`) : pass;
        if (a.kind === 'json-type') {
          if (actual === MISSING) return fail(`${a.path} is missing`);
          const type = jsonTypeOf(actual);
          return type === a.type ? pass : fail(`${a.path} is ${type}`);
        }
        return actual !== MISSING && JSON.stringify(actual) === JSON.stringify(a.expected)
          ? pass
          : fail(`${a.path} is ${shown(actual, reveal)}`);
      }
      case 'text-contains':
        return response.body.includes(a.text) ? pass : fail('the text is not in the body');
      case 'text-not-contains':
        return response.body.includes(a.text) ? fail('the text is in the body') : pass;
      case 'header': {
        const raw = response.headers[a.name.toLowerCase()];
        const value = Array.isArray(raw) ? raw.join(', ') : raw;
        if (value === undefined) return fail(`no ${a.name} header`);
        return value.includes(a.contains) ? pass : fail(`${a.name} does not contain it`);
      }
      case 'max-ms':
        return response.ms <= a.ms ? pass : fail(`answered in ${Math.round(response.ms)} ms`);
    }
  });
}
