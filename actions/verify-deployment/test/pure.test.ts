/**
 * The pure parts: the smoke file's parser (every mistake names its line), the load plan's
 * bounds, the load verdict against absolute limits and against blue, the health list, and the
 * judging of a response without quoting it.
 */
import { describe, expect, it } from '@jest/globals';
import { ConfigurationError } from '@white-cross/core';
import { checkResponse, jsonAt } from '../src/assertions.js';
import { judgeBrowser } from '../src/browser.js';
import { urlFor } from '../src/checks.js';
import { parseHeaders, parseHealth } from '../src/inputs.js';
import { judgeLoad, parseLoadPlan, percentile, type LoadSample } from '../src/load-plan.js';
import { parseSmokeFile } from '../src/smoke.js';

const parse = (text: string, hasAuthToken = false) => parseSmokeFile(text, 'smoke.yml', { hasAuthToken });
const errorOf = (fn: () => unknown): ConfigurationError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
};

describe('smoke file', () => {
  it('reads tests with their defaults, bodies as JSON and the assertions in order', () => {
    const tests = parse(
      `version: 1
tests:
  - name: students need credentials
    path: /api/v1/students
    expect:
      status: 401
      json: { error: authentication required }
      headers: { www-authenticate: Bearer }
  - name: create
    method: post
    path: /api/v1/things
    auth: true
    body: { a: 1 }
    expect:
      json-type: { 'items[0].id': number }
      text-not-contains: [secret, ' at ']
      max-ms: 500
`,
      true,
    );
    expect(tests).toEqual([
      {
        name: 'students need credentials',
        method: 'GET',
        path: '/api/v1/students',
        headers: {},
        auth: false,
        line: 3,
        assertions: [
          { kind: 'status', expected: 401 },
          { kind: 'json-equals', path: 'error', expected: 'authentication required' },
          { kind: 'header', name: 'www-authenticate', contains: 'Bearer' },
        ],
      },
      {
        name: 'create',
        method: 'POST',
        path: '/api/v1/things',
        headers: { 'content-type': 'application/json' },
        body: '{"a":1}',
        auth: true,
        line: 9,
        assertions: [
          { kind: 'status', expected: 200 },
          { kind: 'json-type', path: 'items[0].id', type: 'number' },
          { kind: 'text-not-contains', text: 'secret' },
          { kind: 'text-not-contains', text: ' at ' },
          { kind: 'max-ms', ms: 500 },
        ],
      },
    ]);
  });

  it('names the line of an unknown assertion', () => {
    const error = errorOf(() =>
      parse('tests:\n  - name: a\n    path: /health\n    expect:\n      status: 200\n      jsonpath: x\n'),
    );
    expect(error.message).toBe(
      "Input 'smoke-file': smoke.yml line 6: unknown assertion 'jsonpath' (expected one of status, json, json-exists, json-type, text-contains, text-not-contains, headers, max-ms).",
    );
    expect(error.input).toBe('smoke-file');
  });

  it('names the line of malformed YAML', () => {
    const error = errorOf(() => parse('tests:\n  - name: a\n    path: /health\n  expect: [unclosed\n'));
    expect(error.message).toMatch(/^Input 'smoke-file': smoke\.yml line 4: not valid YAML/);
  });

  it('names the line of an unknown test key, a bad status, a bad path and a duplicate name', () => {
    expect(errorOf(() => parse('tests:\n  - name: a\n    url: /x\n')).message).toContain(
      "line 3: unknown test key 'url'",
    );
    expect(
      errorOf(() => parse('tests:\n  - name: a\n    path: /x\n    expect:\n      status: 99\n')).message,
    ).toContain('line 5: status must be an HTTP status from 100 to 599');
    expect(errorOf(() => parse('tests:\n  - name: a\n    path: health\n')).message).toContain(
      'line 3: path must start with /',
    );
    expect(
      errorOf(() => parse('tests:\n  - name: a\n    path: /x\n  - name: a\n    path: /y\n')).message,
    ).toContain("line 4: a second test named 'a'");
    expect(
      errorOf(() => parse('tests:\n  - name: a\n    path: /x\n    expect:\n      json-type: { a: list }\n'))
        .message,
    ).toContain("line 5: json-type 'list' is not one of string, number, boolean, object, array, null");
  });

  it('refuses auth: true without an auth-token, naming the line', () => {
    expect(errorOf(() => parse('tests:\n  - name: a\n    path: /x\n    auth: true\n')).message).toBe(
      "Input 'smoke-file': smoke.yml line 4: test 'a' has auth: true but input 'auth-token' is not set.",
    );
  });

  it('refuses a file without tests', () => {
    expect(errorOf(() => parse('tests: []\n')).message).toContain(
      "line 1: 'tests' must be a list of at least one test",
    );
    expect(errorOf(() => parse('- name: a\n')).message).toContain("expected a mapping with a 'tests' list");
  });
});

describe('load plan', () => {
  it('reads a rate and a duration, and off', () => {
    expect(parseLoadPlan('20/s for 30s')).toEqual({ plan: { rate: 20, durationMs: 30_000 } });
    expect(parseLoadPlan('5 rps for 1m')).toEqual({ plan: { rate: 5, durationMs: 60_000 } });
    expect(parseLoadPlan('off')).toEqual({});
  });

  it('refuses bounds with the limits', () => {
    expect(parseLoadPlan('500/s for 30s').error).toBe(
      'rate must be a whole number from 1 to 100 requests a second; got 500/s',
    );
    expect(parseLoadPlan('20/s for 10m').error).toBe(
      'duration must be from 5 s to 2 min 00 s; got 10 min 00 s',
    );
    expect(parseLoadPlan('20/s for 1s').error).toBe('duration must be from 5 s to 2 min 00 s; got 1 s');
    expect(parseLoadPlan('fast').error).toMatch(/^must be '<rate>\/s for <duration>'/);
  });
});

const sample = (p95: number, errors = 0, requests = 600): LoadSample => ({
  url: 'http://x/',
  requests,
  errors,
  errorRate: errors / requests,
  p50: p95 / 2,
  p95,
  p99: p95 * 1.5,
  statusCounts: {},
  elapsedMs: 30_000,
});
const policy = { maxP95Ms: 200, maxErrorRate: 0.001, baselineTolerance: 0.2 };

describe('load verdict', () => {
  it('passes under the limits and near blue', () => {
    expect(judgeLoad(sample(40), sample(38), policy).map((f) => f.ok)).toEqual([true, true, true]);
  });

  it('fails over the absolute p95 and the error rate', () => {
    const findings = judgeLoad(sample(250, 3), undefined, policy);
    expect(findings.map((f) => [f.check, f.ok])).toEqual([
      ['p95 < 200 ms', false],
      ['error rate < 0.1 %', false],
    ]);
    expect(findings[1]?.detail).toBe('3 of 600 failed (0.5 %)');
  });

  it('fails a regression against blue even under the absolute limit', () => {
    const findings = judgeLoad(sample(90), sample(40), policy);
    expect(findings.map((f) => f.ok)).toEqual([true, true, false]);
    expect(findings[2]?.detail).toBe('p95 90 ms against baseline 40 ms (ratio 2.25, limit 48 ms)');
  });

  it('does not fail a ratio on a few milliseconds of noise', () => {
    expect(judgeLoad(sample(4), sample(1.5), policy)[2]?.ok).toBe(true);
  });

  it('fails closed when blue answered nothing, and when green answered nothing', () => {
    expect(judgeLoad(sample(10), sample(0, 0, 0), policy)[2]).toMatchObject({ ok: false });
    expect(judgeLoad(sample(0, 0, 0), undefined, policy)).toEqual([
      { check: 'requests answered', ok: false, detail: 'no request was sent or answered' },
    ]);
  });

  it('takes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(values, 0.5), percentile(values, 0.95), percentile(values, 0.99)]).toEqual([
      50, 95, 99,
    ]);
    expect(percentile([], 0.95)).toBe(0);
  });
});

describe('health list and headers', () => {
  it('reads path, status and JSON fields, typed', () => {
    expect(
      parseHealth(['/api/v1/health/database 200 status=ok', '/ready 204', '/x count=3 up=true']),
    ).toEqual([
      {
        path: '/api/v1/health/database',
        assertions: [
          { kind: 'status', expected: 200 },
          { kind: 'json-equals', path: 'status', expected: 'ok' },
        ],
      },
      { path: '/ready', assertions: [{ kind: 'status', expected: 204 }] },
      {
        path: '/x',
        assertions: [
          { kind: 'status', expected: 200 },
          { kind: 'json-equals', path: 'count', expected: 3 },
          { kind: 'json-equals', path: 'up', expected: true },
        ],
      },
    ]);
    expect(errorOf(() => parseHealth(['health 200'])).message).toContain(
      "Input 'health' line 1 ('health 200'): the path must start with /",
    );
  });

  it('reads headers and refuses a line without a value, without echoing it', () => {
    expect(parseHeaders(['X-Deploy-Route: abc123'])).toEqual({ 'X-Deploy-Route': 'abc123' });
    const error = errorOf(() => parseHeaders(['X-Deploy-Route abc123']));
    expect(error.message).toBe(
      "Input 'headers' line 1: expected 'Name: value', such as 'X-Deploy-Route: <token>'.",
    );
    expect(error.message).not.toContain('abc123');
  });

  it('joins paths onto a base URL with a path prefix', () => {
    expect(urlFor(new URL('https://h.example/green/'), '/health').href).toBe(
      'https://h.example/green/health',
    );
    expect(urlFor(new URL('http://127.0.0.1:3000'), '/api/v1/students?x=1').href).toBe(
      'http://127.0.0.1:3000/api/v1/students?x=1',
    );
  });
});

describe('response judging', () => {
  const response = (status: number, body: string) => ({
    status,
    headers: { 'www-authenticate': 'Bearer realm="x"' },
    body,
    truncated: false,
    ms: 12,
  });

  it('says what differed without quoting strings of the body', () => {
    const results = checkResponse(response(200, '{"students":[{"last_name":"Zebediah"}]}'), [
      { kind: 'status', expected: 200 },
      { kind: 'json-equals', path: 'students[0].last_name', expected: 'Smith' },
      { kind: 'json-type', path: 'students', type: 'array' },
      { kind: 'text-not-contains', text: 'Zebediah' },
    ]);
    expect(results).toEqual([
      { assertion: 'status 200', ok: true },
      {
        assertion: 'json students[0].last_name = "Smith"',
        ok: false,
        detail: 'students[0].last_name is a string of 8 characters',
      },
      { assertion: 'json students is array', ok: true },
      { assertion: 'text does not contain "Zebediah"', ok: false, detail: 'the text is in the body' },
    ]);
    expect(JSON.stringify(results.map((r) => r.detail))).not.toContain('Zebediah');
  });

  it('shows health strings when asked, and reads paths', () => {
    expect(
      checkResponse(
        response(503, '{"status":"error"}'),
        [{ kind: 'json-equals', path: 'status', expected: 'ok' }],
        { revealStrings: true },
      )[0]?.detail,
    ).toBe('status is "error"');
    expect(checkResponse(response(200, 'not json'), [{ kind: 'json-exists', path: 'a' }])[0]?.detail).toBe(
      'the body is not JSON',
    );
    expect(jsonAt({ a: [{ b: 0 }] }, 'a[0].b')).toBe(0);
  });
});

describe('browser verdict', () => {
  it('fails on each kind of trouble and passes a clean page', () => {
    const check = { rootSelector: '#root', maxPageLoadMs: 3000 };
    const clean = {
      url: 'http://x/',
      rootRendered: true,
      consoleErrors: [],
      failedRequests: [],
      pageLoadMs: 400,
    };
    expect(judgeBrowser(clean, check).every((f) => f.ok)).toBe(true);
    expect(judgeBrowser({ ...clean, pageLoadMs: 3500 }, check).find((f) => !f.ok)?.check).toBe(
      'page load < 3000 ms',
    );
    expect(judgeBrowser({ ...clean, rootRendered: false }, check).find((f) => !f.ok)?.check).toBe(
      '#root renders',
    );
    expect(judgeBrowser({ ...clean, error: 'could not load http://x/' }, check)).toEqual([
      { check: 'page loads', ok: false, detail: 'could not load http://x/' },
    ]);
  });
});
