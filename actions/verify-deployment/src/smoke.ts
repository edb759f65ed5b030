/**
 * The app's smoke file: its own critical paths, declared in YAML and checked before any request
 * is sent. Every mistake (malformed YAML, an unknown key or assertion, a wrong type) is a
 * ConfigurationError naming the file and the line.
 *
 * ```yaml
 * tests:
 *   - name: the student list needs credentials
 *     path: /api/v1/students
 *     expect:
 *       status: 401
 *       json: { error: authentication required }
 * ```
 */
import { ConfigurationError } from '@white-cross/core';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair, type YAMLMap } from 'yaml';
import { Input } from './constants.js';
import { isJsonPath, JSON_TYPES, type Assertion, type JsonType } from './assertions.js';

export interface SmokeTest {
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Sends `Authorization: Bearer <auth-token>`. */
  readonly auth: boolean;
  readonly assertions: readonly Assertion[];
  /** The line the test starts on, for messages. */
  readonly line: number;
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const TEST_KEYS = ['name', 'method', 'path', 'headers', 'body', 'auth', 'expect'];
const EXPECT_KEYS = [
  'status',
  'json',
  'json-exists',
  'json-type',
  'text-contains',
  'text-not-contains',
  'headers',
  'max-ms',
];
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Parses and checks a smoke file.
 *
 * @example
 * parseSmokeFile('tests:\n  - name: root\n    path: /health\n', 'smoke.yml', { hasAuthToken: false });
 * // [{ name: 'root', method: 'GET', path: '/health', auth: false, assertions: [{ kind: 'status', expected: 200 }], ... }]
 */
export function parseSmokeFile(text: string, file: string, options: { hasAuthToken: boolean }): SmokeTest[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const lineOf = (node: { range?: [number, number, number] | null } | null | undefined): number =>
    node?.range ? lineCounter.linePos(node.range[0]).line : 1;
  const fail = (line: number, what: string): never => {
    throw new ConfigurationError(
      `Input '${Input.smokeFile}': ${file} line ${line}: ${what}.`,
      Input.smokeFile,
    );
  };
  const [syntax] = doc.errors;
  if (syntax) {
    const line = syntax.linePos?.[0].line ?? lineCounter.linePos(syntax.pos[0]).line;
    fail(
      line,
      `not valid YAML (${syntax.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')})`,
    );
  }
  const root = doc.contents;
  if (!isMap(root)) fail(lineOf(root as Node | null), "expected a mapping with a 'tests' list");
  const rootMap = root as YAMLMap;
  for (const pair of rootMap.items) {
    const key = keyText(pair);
    if (key !== 'tests' && key !== 'version')
      fail(lineOf(pair.key as Node), `unknown key '${key}' (expected tests)`);
  }
  const version = rootMap.get('version', true);
  if (version !== undefined && !(isScalar(version) && version.value === 1)) {
    fail(lineOf(version as Node), 'version must be 1');
  }
  const tests = rootMap.get('tests', true);
  if (!isSeq(tests) || tests.items.length === 0) {
    fail(lineOf((tests as Node | undefined) ?? rootMap), "'tests' must be a list of at least one test");
  }
  const seen = new Set<string>();
  const parsed: SmokeTest[] = [];
  for (const item of (tests as unknown as { items: unknown[] }).items) {
    const node = item as Node;
    const line = lineOf(node);
    if (!isMap(node)) fail(line, 'each test must be a mapping (name, path, expect, ...)');
    const map = node as YAMLMap;
    for (const pair of map.items) {
      const key = keyText(pair);
      if (!TEST_KEYS.includes(key)) {
        fail(lineOf(pair.key as Node), `unknown test key '${key}' (expected one of ${TEST_KEYS.join(', ')})`);
      }
    }
    const name = stringAt(map, 'name', fail, lineOf) ?? fail(line, "a test needs a 'name'");
    if (seen.has(name)) fail(line, `a second test named '${name}'`);
    seen.add(name);
    const path = stringAt(map, 'path', fail, lineOf) ?? fail(line, `test '${name}' needs a 'path'`);
    if (!path.startsWith('/') || /\s/.test(path)) {
      fail(lineOf(map.get('path', true) as Node), `path must start with / and have no spaces; got '${path}'`);
    }
    const method = (stringAt(map, 'method', fail, lineOf) ?? 'GET').toUpperCase();
    if (!METHODS.includes(method)) {
      fail(
        lineOf(map.get('method', true) as Node),
        `method must be one of ${METHODS.join(', ')}; got '${method}'`,
      );
    }
    const headers = headerMap(map.get('headers', true) as Node | undefined, 'headers', fail, lineOf);
    const bodyNode = map.get('body', true) as Node | undefined;
    let body: string | undefined;
    if (bodyNode !== undefined) {
      if (isScalar(bodyNode) && typeof bodyNode.value === 'string') body = bodyNode.value;
      else if (isMap(bodyNode) || isSeq(bodyNode)) {
        body = JSON.stringify(bodyNode.toJSON());
        if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
          headers['content-type'] = 'application/json';
        }
      } else fail(lineOf(bodyNode), 'body must be a string, or a mapping or list (sent as JSON)');
    }
    const authNode = map.get('auth', true) as Node | undefined;
    let auth = false;
    if (authNode !== undefined) {
      if (!isScalar(authNode) || typeof authNode.value !== 'boolean')
        fail(lineOf(authNode), 'auth must be true or false');
      auth = (authNode as { value: boolean }).value;
      if (auth && !options.hasAuthToken) {
        fail(lineOf(authNode), `test '${name}' has auth: true but input '${Input.authToken}' is not set`);
      }
    }
    const expectNode = map.get('expect', true) as Node | undefined;
    const assertions = expectations(expectNode, fail, lineOf);
    parsed.push({
      name,
      method,
      path,
      headers,
      ...(body === undefined ? {} : { body }),
      auth,
      assertions,
      line,
    });
  }
  return parsed;
}

type Fail = (line: number, what: string) => never;
type LineOf = (node: Node | null | undefined) => number;

function keyText(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

function scalarString(node: Node | undefined, what: string, fail: Fail, lineOf: LineOf): string {
  if (!isScalar(node) || node.value === null || typeof node.value === 'object') {
    return fail(lineOf(node), `${what} must be text`);
  }
  return String(node.value);
}

function stringAt(map: YAMLMap, key: string, fail: Fail, lineOf: LineOf): string | undefined {
  const node = map.get(key, true) as Node | undefined;
  return node === undefined ? undefined : scalarString(node, key, fail, lineOf);
}

function headerMap(node: Node | undefined, what: string, fail: Fail, lineOf: LineOf): Record<string, string> {
  const out: Record<string, string> = {};
  if (node === undefined) return out;
  if (!isMap(node)) return fail(lineOf(node), `${what} must be a mapping of header name to value`);
  for (const pair of node.items) {
    const name = keyText(pair);
    if (!HEADER_NAME.test(name)) fail(lineOf(pair.key as Node), `'${name}' is not a header name`);
    out[name] = scalarString(pair.value as Node, `header ${name}`, fail, lineOf);
  }
  return out;
}

function textList(node: Node, what: string, fail: Fail, lineOf: LineOf): string[] {
  if (isSeq(node)) return node.items.map((i) => scalarString(i as Node, what, fail, lineOf));
  return [scalarString(node, what, fail, lineOf)];
}

function jsonPath(node: Node, fail: Fail, lineOf: LineOf, text: string): string {
  if (!isJsonPath(text)) fail(lineOf(node), `'${text}' is not a JSON path such as students[0].id`);
  return text;
}

function expectations(node: Node | undefined, fail: Fail, lineOf: LineOf): Assertion[] {
  if (node === undefined) return [{ kind: 'status', expected: 200 }];
  if (!isMap(node)) return fail(lineOf(node), 'expect must be a mapping of assertions');
  const out: Assertion[] = [];
  let status: number | undefined;
  for (const pair of node.items) {
    const key = keyText(pair);
    const value = pair.value as Node;
    const at = lineOf(pair.key as Node);
    switch (key) {
      case 'status': {
        const n = isScalar(value) ? Number(value.value) : NaN;
        if (!Number.isInteger(n) || n < 100 || n > 599)
          fail(lineOf(value), 'status must be an HTTP status from 100 to 599');
        status = n;
        break;
      }
      case 'json':
        if (!isMap(value)) fail(lineOf(value), 'json must be a mapping of JSON path to expected value');
        for (const p of (value as YAMLMap).items) {
          const path = jsonPath(p.key as Node, fail, lineOf, keyText(p));
          const expected =
            isScalar(p.value) || isMap(p.value) || isSeq(p.value) ? (p.value as Node).toJSON() : null;
          out.push({ kind: 'json-equals', path, expected });
        }
        break;
      case 'json-exists':
        for (const path of textList(value, key, fail, lineOf))
          out.push({ kind: 'json-exists', path: jsonPath(value, fail, lineOf, path) });
        break;
      case 'json-type':
        if (!isMap(value))
          fail(lineOf(value), `json-type must be a mapping of JSON path to one of ${JSON_TYPES.join(', ')}`);
        for (const p of (value as YAMLMap).items) {
          const path = jsonPath(p.key as Node, fail, lineOf, keyText(p));
          const type = scalarString(p.value as Node, 'json-type', fail, lineOf);
          if (!(JSON_TYPES as readonly string[]).includes(type)) {
            fail(lineOf(p.value as Node), `json-type '${type}' is not one of ${JSON_TYPES.join(', ')}`);
          }
          out.push({ kind: 'json-type', path, type: type as JsonType });
        }
        break;
      case 'text-contains':
      case 'text-not-contains':
        for (const text of textList(value, key, fail, lineOf)) out.push({ kind: key, text });
        break;
      case 'headers':
        for (const [name, contains] of Object.entries(headerMap(value, 'expect headers', fail, lineOf))) {
          out.push({ kind: 'header', name, contains });
        }
        break;
      case 'max-ms': {
        const n = isScalar(value) ? Number(value.value) : NaN;
        if (!Number.isFinite(n) || n <= 0 || n > 60_000)
          fail(lineOf(value), 'max-ms must be a number of milliseconds from 1 to 60000');
        out.push({ kind: 'max-ms', ms: n });
        break;
      }
      default:
        fail(at, `unknown assertion '${key}' (expected one of ${EXPECT_KEYS.join(', ')})`);
    }
  }
  return [{ kind: 'status', expected: status ?? 200 }, ...out];
}
