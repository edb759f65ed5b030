/**
 * The bundle, run as the runner runs it, against the sample app for real: each check kind
 * passes on a good release and fails on a faulty one, bad input fails before any request, and
 * no token, header value or student record reaches the log, the summary or the report.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  makeCertificate,
  runActionBundle,
  runActionBundleAndSignal,
  startHttpsServer,
  type ActionRun,
  type HttpsServer,
} from '@white-cross/testkit';
import { SMOKE_FILE, startRedis, startSampleStack, type SampleStack } from './sample-app.js';

const TOKEN = 'nurse-token-for-verify-tests-77';
const ROUTE_SECRET = 'route-secret-5f0c1e9a7b';
let stack: SampleStack;
let good: string;
let goodBaseline: string;
let noDatabaseHealth: string;
let slow: string;
let erroring: string;

/** A server that only counts requests: bad input must leave it at zero. */
let counter: Server;
let counted = 0;
let counterUrl: string;

beforeAll(async () => {
  stack = await startSampleStack();
  [good, goodBaseline, noDatabaseHealth, slow, erroring] = await Promise.all([
    stack.backend({ API_TOKENS: TOKEN, APP_VERSION: 'v2.0.0' }),
    stack.backend({ API_TOKENS: TOKEN, APP_VERSION: 'v1.9.0' }),
    stack.backend({ FAULT_DATABASE_HEALTH: 'fail', APP_VERSION: 'v2.0.1' }),
    stack.backend({ FAULT_LATENCY_MS: '400', APP_VERSION: 'v2.0.2' }),
    stack.backend({ FAULT_ERROR_RATE: '0.1', APP_VERSION: 'v2.0.3' }),
  ]);
  counter = createServer((req, res) => {
    counted++;
    res.end('{}');
  });
  await new Promise<void>((r) => counter.listen(0, '127.0.0.1', r));
  const address = counter.address();
  counterUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}, 120_000);

afterAll(async () => {
  await new Promise((r) => counter?.close(r));
  await stack?.stop();
});

function workspaceWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'wcd-verify-ws-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const verify = (inputs: Record<string, string>, workspace?: string) =>
  runActionBundle('verify-deployment', {
    inputs: { load: 'off', 'browser-url': 'off', ...inputs },
    ...(workspace ? { workspace } : {}),
    timeoutMs: 120_000,
  });

function report(run: ActionRun): Record<string, unknown> {
  return JSON.parse(readFileSync(run.outputs.report ?? '', 'utf8')) as Record<string, unknown>;
}

function errorLine(run: ActionRun): string {
  return run.annotations.find((a) => a.level === 'error')?.message ?? '';
}

/** Nothing secret or PHI anywhere the run wrote. */
function expectNoLeaks(run: ActionRun): void {
  // The runner is told the secrets to mask (::add-mask::); every other line must be free of them.
  const everything = [
    run.stdout
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n'),
    run.stderr,
    run.summary,
    JSON.stringify(run.outputs),
    JSON.stringify(run.audit),
    run.outputs.report && existsSync(run.outputs.report) ? readFileSync(run.outputs.report, 'utf8') : '',
  ].join('\n');
  for (const secret of [TOKEN, ROUTE_SECRET, 'Zebediah', 'Quillfeather'])
    expect(everything).not.toContain(secret);
}

describe('health', () => {
  it('passes the three health endpoints of a good release, with a real Redis behind it', async () => {
    const run = await verify({ 'base-url': good });
    expect(run.exitCode).toBe(0);
    expect(run.outputs.verdict).toBe('pass');
    expect(run.outputs.reason).toBe('All passed: 3 health check(s).');
    expect(
      (report(run).health as { path: string; ok: boolean; status: number }[]).map((h) => [
        h.path,
        h.ok,
        h.status,
      ]),
    ).toEqual([
      ['/health', true, 200],
      ['/api/v1/health/database', true, 200],
      ['/api/v1/health/redis', true, 200],
    ]);
    expect(run.summary).toContain('| /api/v1/health/redis | ✅ pass | 200 |');
  });

  it('refuses a release whose database health fails, and tests it no further', async () => {
    const smokeWorkspace = workspaceWith({ 'smoke.yml': readFileSync(SMOKE_FILE, 'utf8') });
    const run = await verify(
      {
        'base-url': noDatabaseHealth,
        'health-timeout': '3s',
        'smoke-file': 'smoke.yml',
        load: '5/s for 5s',
        'browser-url': '',
      },
      smokeWorkspace,
    );
    expect(run.exitCode).toBe(1);
    expect(run.outputs.verdict).toBe('fail');
    expect(run.outputs.reason).toMatch(
      /^health \/api\/v1\/health\/database: status 200: status was 503; json status = "ok": status is "error" \(still failing after \d+ attempt\(s\) in 3 s\)$/,
    );
    expect(errorLine(run)).toMatch(
      /^Verification of http:\/\/127\.0\.0\.1:\d+ failed: health \/api\/v1\/health\/database: .* verify-deployment changed nothing; the workflow must not shift traffic to this release \(or must roll it back\)\.$/,
    );
    const r = report(run);
    expect(r.skipped).toEqual([
      { kind: 'smoke', why: 'the health checks failed: a release that is not healthy is not tested further' },
      { kind: 'load', why: 'the health checks failed: a release that is not healthy is not tested further' },
      {
        kind: 'browser',
        why: 'the health checks failed: a release that is not healthy is not tested further',
      },
    ]);
    expect(r.load).toBeUndefined();
    expect(run.outputs['p95-ms']).toBeUndefined();
  });

  it('fails the redis check when Redis is down', async () => {
    // A Redis of its own, stopped once the backend is up: the backend's check must notice.
    const redis = await startRedis();
    const release = await stack.backend({ REDIS_URL: redis.url });
    await redis.stop();
    const run = await verify({ 'base-url': release, 'health-timeout': '2s' });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.reason).toMatch(
      /^health \/api\/v1\/health\/redis: status 200: status was 503; json status = "ok": status is "error"/,
    );
    expect((report(run).health as { path: string; ok: boolean }[]).map((h) => [h.path, h.ok])).toEqual([
      ['/health', true],
      ['/api/v1/health/database', true],
      ['/api/v1/health/redis', false],
    ]);
  });

  it('checks an https endpoint against the CA file, and refuses it without', async () => {
    const certificate = makeCertificate();
    const server: HttpsServer = await startHttpsServer(certificate, (req, res) => {
      res.setHeader('content-type', req.url === '/' ? 'text/html' : 'application/json');
      res.end(
        req.url === '/'
          ? '<!doctype html><title>t</title><main id="root">signed in</main>'
          : '{"status":"ok"}',
      );
    });
    try {
      const workspace = workspaceWith({ 'ca.pem': certificate.ca });
      const trusted = await verify(
        { 'base-url': server.url, health: '/health 200 status=ok', 'ca-file': 'ca.pem', 'browser-url': '' },
        workspace,
      );
      expect(trusted.outputs.reason).toBe('All passed: 1 health check(s), the browser check.');
      expect(trusted.exitCode).toBe(0);
      const untrusted = await verify(
        { 'base-url': server.url, health: '/health', 'health-timeout': '1s' },
        workspace,
      );
      expect(untrusted.exitCode).toBe(1);
      expect(untrusted.outputs.reason).toMatch(
        /^health \/health: no answer: (SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)/,
      );
    } finally {
      await server.stop();
    }
  });
});

describe('smoke', () => {
  it("passes the sample app's smoke file, including 401 on the student list without credentials", async () => {
    const workspace = workspaceWith({ 'smoke.yml': readFileSync(SMOKE_FILE, 'utf8') });
    const run = await verify({ 'base-url': good, 'smoke-file': 'smoke.yml' }, workspace);
    expect(run.exitCode).toBe(0);
    const tests = (report(run).smoke as { tests: { name: string; ok: boolean; status: number }[] }).tests;
    expect(tests.find((t) => t.name === 'the student list needs credentials')).toMatchObject({
      ok: true,
      status: 401,
    });
    expect(tests.every((t) => t.ok)).toBe(true);
    expect(run.summary).toContain(
      '| the student list needs credentials | GET /api/v1/students | ✅ pass | 401 |',
    );
  });

  it('fails a test whose expectation the release does not meet, naming it, without printing the records', async () => {
    const workspace = workspaceWith({
      'smoke.yml': `tests:
  - name: a nurse can list students
    path: /api/v1/students
    auth: true
    expect:
      status: 200
      json: { 'students[0].last_name': Smith }
      json-type: { students: array }
  - name: students are never anonymous
    path: /api/v1/students
    expect:
      status: 200
`,
    });
    const run = await verify({ 'base-url': good, 'smoke-file': 'smoke.yml', 'auth-token': TOKEN }, workspace);
    expect(run.exitCode).toBe(1);
    expect(run.outputs.reason).toBe(
      "smoke 'a nurse can list students': json students[0].last_name = \"Smith\": students[0].last_name is a string of 12 characters | smoke 'students are never anonymous': status 200: status was 401",
    );
    expectNoLeaks(run);
  });

  it('fails before any request on a malformed smoke file, naming the line', async () => {
    counted = 0;
    const workspace = workspaceWith({
      'smoke.yml':
        'tests:\n  - name: a\n    path: /health\n    expect:\n      status: 200\n      jsonpath: status\n',
    });
    const run = await verify({ 'base-url': counterUrl, 'smoke-file': 'smoke.yml' }, workspace);
    expect(run.exitCode).toBe(1);
    expect(errorLine(run)).toBe(
      "Input 'smoke-file': smoke.yml line 6: unknown assertion 'jsonpath' (expected one of status, json, json-exists, json-type, text-contains, text-not-contains, headers, max-ms).",
    );
    const broken = workspaceWith({ 'smoke.yml': 'tests:\n  - name: a\n    path: [/health\n' });
    const run2 = await verify({ 'base-url': counterUrl, 'smoke-file': 'smoke.yml' }, broken);
    expect(errorLine(run2)).toMatch(/^Input 'smoke-file': smoke\.yml line \d: not valid YAML/);
    expect(counted).toBe(0);
  });
});

describe('load', () => {
  it('passes a good release against a good blue, with the figures as outputs and a chart', async () => {
    const run = await verify({
      'base-url': good,
      health: '/health',
      load: '5/s for 5s',
      'baseline-url': goodBaseline,
      'max-p95-latency': '1s',
      'baseline-tolerance': '1000%',
    });
    expect(run.exitCode).toBe(0);
    for (const name of [
      'p50-ms',
      'p95-ms',
      'p99-ms',
      'baseline-p50-ms',
      'baseline-p95-ms',
      'baseline-p99-ms',
    ]) {
      expect(Number(run.outputs[name])).toBeGreaterThan(0);
    }
    expect(run.outputs['error-rate']).toBe('0');
    const load = report(run).load as {
      green: { requests: number; statusCounts: Record<string, number> };
      baseline: { requests: number };
    };
    // 5/s for 5 s: autocannon keeps the rate, so about 25 each (never more than a second's worth over).
    expect(load.green.requests).toBeGreaterThanOrEqual(15);
    expect(load.green.requests).toBeLessThanOrEqual(35);
    expect(load.green.statusCounts).toEqual({ '200': load.green.requests });
    expect(load.baseline.requests).toBeGreaterThanOrEqual(15);
    expect(run.summary).toContain('```mermaid\nxychart-beta\n  title "Latency under load (ms)"');
    expect(run.summary).toContain('_Lines, in order: green (this release), baseline (blue)._');
  }, 90_000);

  it('fails a release with errors under load, against the absolute error-rate target', async () => {
    const run = await verify({
      'base-url': erroring,
      health: '/health',
      load: '10/s for 5s',
      'load-path': '/api/v1/health/database',
      'max-p95-latency': '1s',
    });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.reason).toMatch(/^load error rate < 0\.1 %: \d+ of \d+ failed \(\d+(\.\d+)? %\)$/);
    expect(Number(run.outputs['error-rate'])).toBeGreaterThan(0.05);
  }, 90_000);

  it('fails a release slower than blue beyond the tolerance, though under the absolute limit', async () => {
    const run = await verify({
      'base-url': slow,
      health: '/health',
      load: '5/s for 5s',
      'baseline-url': goodBaseline,
      'max-p95-latency': '10s',
      'baseline-tolerance': '20%',
    });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.reason).toMatch(
      /^load p95 within 20 % of baseline: p95 [\d.]+ ms against baseline [\d.]+ ms \(ratio [\d.]+, limit [\d.]+ ms\)$/,
    );
    expect(Number(run.outputs['p95-ms'])).toBeGreaterThan(Number(run.outputs['baseline-p95-ms']));
  }, 90_000);

  it("sends the test route's header to green only, never to the baseline", async () => {
    const green = await startSlowPage(0);
    const blue = await startSlowPage(0);
    try {
      const run = await verify({
        'base-url': green.url,
        health: '/health',
        load: '5/s for 5s',
        'load-path': '/',
        'baseline-url': blue.url,
        'max-p95-latency': '2s',
        'baseline-tolerance': '1000%',
        headers: `X-Deploy-Route: ${ROUTE_SECRET}`,
      });
      // The verdict is not the point here (two idle servers' p95s are scheduler noise): the headers are.
      expect((report(run).load as { green: { requests: number } }).green.requests).toBeGreaterThan(10);
      expect(green.seen.length).toBeGreaterThan(10);
      expect(green.seen.every((s) => s.endsWith(' with header'))).toBe(true);
      expect(blue.seen.length).toBeGreaterThan(10);
      expect(blue.seen.every((s) => s.endsWith(' without header'))).toBe(true);
      expectNoLeaks(run);
    } finally {
      await green.close();
      await blue.close();
    }
  }, 90_000);

  it('refuses a rate out of bounds before any request, with the limits', async () => {
    counted = 0;
    const run = await verify({ 'base-url': counterUrl, load: '500/s for 30s' });
    expect(run.exitCode).toBe(1);
    expect(errorLine(run)).toBe(
      "Input 'load' rate must be a whole number from 1 to 100 requests a second; got 500/s.",
    );
    expect(counted).toBe(0);
  });
});

/** A page whose script takes `delayMs` to arrive; records the route header each request carried. */
async function startSlowPage(
  delayMs: number,
): Promise<{ url: string; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.url ?? ''} ${req.headers['x-deploy-route'] ? 'with' : 'without'} header`);
    if (req.url === '/health') {
      res.setHeader('content-type', 'application/json');
      res.end('{"status":"ok"}');
    } else if (req.url === '/slow.js') {
      setTimeout(() => {
        res.setHeader('content-type', 'text/javascript');
        res.end("document.getElementById('root').textContent = 'ready';");
      }, delayMs);
    } else {
      res.setHeader('content-type', 'text/html');
      res.end(
        '<!doctype html><link rel="icon" href="data:,"><main id="root"></main><script src="/slow.js"></script>',
      );
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    seen,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('browser', () => {
  it('loads the frontend in headless Chromium: root rendered, no errors, a screenshot in the evidence', async () => {
    const run = await verify({
      'base-url': good,
      health: '/health',
      'browser-url': '',
      headers: `X-Deploy-Route: ${ROUTE_SECRET}`,
    });
    expect(run.exitCode).toBe(0);
    const browser = report(run).browser as {
      rootRendered: boolean;
      consoleErrors: string[];
      failedRequests: string[];
      pageLoadMs: number;
      screenshot: string;
    };
    expect(browser).toMatchObject({
      rootRendered: true,
      consoleErrors: [],
      failedRequests: [],
      screenshot: 'verify-deployment-screenshot.png',
    });
    expect(browser.pageLoadMs).toBeGreaterThan(0);
    const png = readFileSync(run.outputs.screenshot ?? '');
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(run.summary).toContain('Screenshot: verify-deployment-screenshot.png (in the evidence).');
    expectNoLeaks(run);
  }, 90_000);

  it("fails when the page's own requests fail: console errors and failed requests, named", async () => {
    // The page probes the health endpoints; this release's database health answers 503.
    const run = await verify({ 'base-url': noDatabaseHealth, health: '/health', 'browser-url': '' });
    expect(run.exitCode).toBe(1);
    const browser = report(run).browser as {
      rootRendered: boolean;
      consoleErrors: string[];
      failedRequests: string[];
    };
    expect(browser.rootRendered).toBe(true);
    expect(browser.failedRequests).toEqual([`${noDatabaseHealth}/api/v1/health/database (503)`]);
    expect(browser.consoleErrors).toEqual([
      expect.stringMatching(/^console: Failed to load resource: the server responded with a status of 503/),
    ]);
    expect(run.outputs.reason).toContain('browser no console errors: 1: console: Failed to load resource');
  }, 90_000);

  it('fails when the root element never renders', async () => {
    const run = await verify({
      'base-url': good,
      health: '/health',
      'browser-url': '',
      'browser-root': '#app-that-is-not-there',
    });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.reason).toBe(
      'browser #app-that-is-not-there renders: missing, hidden or empty after load',
    );
  }, 90_000);

  it('fails a page whose load takes longer than max-page-load, by Navigation Timing', async () => {
    const page = await startSlowPage(600);
    try {
      const run = await verify({
        'base-url': page.url,
        health: '/health',
        'browser-url': '',
        'max-page-load': '300ms',
        headers: `X-Deploy-Route: ${ROUTE_SECRET}`,
      });
      expect(run.exitCode).toBe(1);
      const browser = report(run).browser as { rootRendered: boolean; pageLoadMs: number };
      expect(browser.rootRendered).toBe(true);
      expect(browser.pageLoadMs).toBeGreaterThanOrEqual(600);
      expect(run.outputs.reason).toMatch(/^browser page load < 300 ms: \d+ ms \(loadEventEnd\)$/);
      // The route header went with every request the browser made to base-url's origin.
      expect(page.seen.filter((s) => !s.startsWith('/health'))).toEqual([
        '/ with header',
        '/slow.js with header',
      ]);
      expectNoLeaks(run);
    } finally {
      await page.close();
    }
  }, 90_000);
});

// A cancelled workflow run sends SIGINT, then SIGTERM, and stops the job's processes after a
// grace period ("Workflow cancellation reference",
// https://docs.github.com/en/actions/reference/workflow-cancellation-reference). A verification
// cut short gives no verdict (no `verdict` output, so no `if:` can read it as a pass), and
// stops what it started: the load at once, Chromium at once.
describe('cancellation', () => {
  it('SIGTERM during the load test: the load stops at once, no verdict, the cancellation in the audit record', async () => {
    counted = 0;
    const run = await runActionBundleAndSignal('verify-deployment', {
      inputs: { 'base-url': counterUrl, health: '/health', load: '20/s for 60s', 'browser-url': 'off' },
      when: (line) => line.startsWith('::group::Load'),
      timeoutMs: 60_000,
    });
    const atExit = counted;

    expect(run.exitCode).toBe(1);
    expect(errorLine(run)).toBe(
      'Cancelled (SIGTERM) while load testing green: verify-deployment changed nothing and gave no verdict; the release is not verified, so the workflow must not shift traffic to it on this run.',
    );
    expect(run.audit[0]).toMatchObject({
      outcome: 'cancelled',
      cancellation: { signal: 'SIGTERM', stoppedInTime: true },
      facts: { cancelled: { during: 'load testing green' } },
    });
    expect(run.outputs.verdict).toBeUndefined();
    // Nothing keeps sending once the action has ended.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(counted).toBe(atExit);
  }, 90_000);

  it('SIGTERM while Chromium waits for a page: Chromium is closed at once, no verdict', async () => {
    // A page that never answers: Chromium would wait out its 30 s navigation timeout.
    const held: { closed: boolean }[] = [];
    let sendSignal: ((signal: NodeJS.Signals) => void) | undefined;
    const hold = createServer((req) => {
      const request = { closed: false };
      held.push(request);
      req.socket.on('close', () => (request.closed = true));
      sendSignal?.('SIGTERM');
    });
    await new Promise<void>((r) => hold.listen(0, '127.0.0.1', r));
    const address = hold.address();
    const holdUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
    try {
      const run = await runActionBundle('verify-deployment', {
        inputs: { 'base-url': good, health: '/health', load: 'off', 'browser-url': holdUrl },
        onLine: (line, send) => {
          if (line.startsWith('::group::Browser')) sendSignal = send;
        },
        timeoutMs: 60_000,
      });

      expect(held.length).toBeGreaterThan(0);
      expect(run.exitCode).toBe(1);
      expect(errorLine(run)).toBe(
        'Cancelled (SIGTERM) while checking the frontend in Chromium: verify-deployment changed nothing and gave no verdict; the release is not verified, so the workflow must not shift traffic to it on this run.',
      );
      expect(run.audit[0]).toMatchObject({
        outcome: 'cancelled',
        cancellation: { signal: 'SIGTERM', stoppedInTime: true },
        facts: { cancelled: { during: 'checking the frontend in Chromium' } },
      });
      expect(run.outputs.verdict).toBeUndefined();
      // Chromium's connection to the page is gone: the browser was closed, not left behind.
      expect(held.every((r) => r.closed)).toBe(true);
    } finally {
      hold.closeAllConnections();
      await new Promise((r) => hold.close(r));
    }
  }, 90_000);
});
