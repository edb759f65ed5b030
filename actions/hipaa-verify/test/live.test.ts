/**
 * The bundle against real HTTPS servers started here with openssl-made certificates: a
 * well-configured app, a badly configured one (TLS 1.0/1.1 allowed, weak headers, no 401,
 * unhealthy audit trail), and one with an expired 1024-bit certificate.
 *
 * On this OpenSSL 3 / Node 24 build a server only negotiates TLS 1.0/1.1 (and only serves a
 * 1024-bit key) with `ciphers: 'DEFAULT@SECLEVEL=0'`; the probe uses the same on its side.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCertificate, startHttpsServer, type HttpsServer } from '@white-cross/testkit/tls';
import { runActionBundle, type ActionRun } from '@white-cross/testkit/run-action';
import type { Report } from '../src/report.js';

const GOOD_HEADERS = {
  'strict-transport-security': 'max-age=63072000; includeSubDomains',
  'content-security-policy': "default-src 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
};
const WEAK_HEADERS = {
  'strict-transport-security': 'max-age=3600',
  'content-security-policy': "default-src 'self' 'unsafe-inline'",
  'referrer-policy': 'unsafe-url',
};

function app(options: { weak: boolean }) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const headers = options.weak ? WEAK_HEADERS : GOOD_HEADERS;
    const auth = req.headers.authorization;
    if (req.url === '/') {
      res.writeHead(200, {
        ...headers,
        'content-type': 'text/html',
        'set-cookie': options.weak ? 'sid=1; Path=/' : 'sid=1; Path=/; Secure; HttpOnly; SameSite=Lax',
      });
      res.end('<!doctype html><title>White Cross</title>');
    } else if (req.url === '/api/v1/health/audit-status') {
      res.writeHead(options.weak ? 503 : 200, { ...headers, 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          options.weak
            ? { status: 'degraded' }
            : { status: 'healthy', lastWriteAt: new Date(Date.now() - 30_000).toISOString() },
        ),
      );
    } else if (req.url === '/api/v1/students') {
      const api = {
        ...headers,
        'content-type': 'application/json',
        ...(options.weak ? {} : { 'cache-control': 'no-store' }),
      };
      if (options.weak || auth === 'Bearer nurse-token') {
        res.writeHead(200, api);
        res.end(JSON.stringify([{ id: 7 }]));
      } else if (auth === 'Bearer teacher-token') {
        res.writeHead(403, api);
        res.end('{"error":"forbidden"}');
      } else {
        res.writeHead(401, api);
        res.end('{"error":"unauthorized"}');
      }
    } else if (req.url === '/api/v1/reports') {
      // Refuses everyone with 403 rather than 401: a warning, not a failure.
      res.writeHead(403, { ...headers, 'cache-control': 'no-store' });
      res.end();
    } else {
      res.writeHead(404, headers);
      res.end();
    }
  };
}

let good: HttpsServer;
let bad: HttpsServer;
let expired: HttpsServer;
let caFile: string;

beforeAll(async () => {
  const cert = makeCertificate();
  const weakExpired = makeCertificate({ days: -1, keyBits: 1024 });
  caFile = join(mkdtempSync(join(tmpdir(), 'hv-ca-')), 'ca.pem');
  writeFileSync(caFile, cert.ca + weakExpired.ca);
  good = await startHttpsServer(cert, app({ weak: false }));
  bad = await startHttpsServer(cert, app({ weak: true }), {
    minVersion: 'TLSv1',
    ciphers: 'DEFAULT@SECLEVEL=0',
  });
  expired = await startHttpsServer(weakExpired, app({ weak: false }), { ciphers: 'DEFAULT@SECLEVEL=0' });
});

afterAll(async () => {
  await Promise.all([good?.stop(), bad?.stop(), expired?.stop()]);
});

function workspaceWithDocuments(reviewed: string | undefined): string {
  const dir = mkdtempSync(join(tmpdir(), 'hv-ws-'));
  if (reviewed) {
    mkdirSync(join(dir, 'docs', 'hipaa'), { recursive: true });
    for (const name of ['emergency-access-procedure', 'incident-response-plan']) {
      writeFileSync(
        join(dir, 'docs', 'hipaa', `${name}.md`),
        `---\ntitle: ${name}\nowner: security-officer\nreviewed: ${reviewed}\n---\n# ${name}\n`,
      );
    }
  }
  return dir;
}

const verdicts = (run: ActionRun) =>
  Object.fromEntries(
    (JSON.parse(run.outputs.report ?? '{}') as Report).results.map((r) => [r.id, r.verdict]),
  );
const evidenceOf = (run: ActionRun, id: string) =>
  (JSON.parse(run.outputs.report ?? '{}') as Report).results.find((r) => r.id === id)?.evidence.join('\n') ??
  '';
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

describe('hipaa-verify against live HTTPS servers', () => {
  it('passes a well-configured app and keeps the evidence', async () => {
    const run = await runActionBundle('hipaa-verify', {
      workspace: workspaceWithDocuments(daysAgo(30)),
      env: { NODE_EXTRA_CA_CERTS: caFile },
      inputs: {
        'app-url': good.url,
        'api-url': `${good.url}/`,
        'auth-token': 'nurse-token',
        'role-tokens': 'nurse=nurse-token\nteacher=teacher-token',
        'role-matrix': 'nurse GET /api/v1/students 200\nteacher GET /api/v1/students 403',
      },
    });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    const v = verdicts(run);
    for (const id of ['TLS-001', 'TLS-002', 'TLS-003', 'TLS-004', 'TLS-005', 'ACC-001', 'ACC-002', 'AUD-001'])
      expect([id, v[id]]).toEqual([id, 'PASS']);
    for (const id of ['HDR-001', 'HDR-002', 'HDR-003', 'HDR-004', 'HDR-005', 'HDR-006', 'HDR-007'])
      expect([id, v[id]]).toEqual([id, 'PASS']);
    expect([v['DOC-001'], v['DOC-002']]).toEqual(['MANUAL', 'MANUAL']);
    // Nothing in AWS was named: those checks are skipped, and say why.
    expect(v['BAK-003']).toBe('SKIPPED');
    expect(evidenceOf(run, 'BAK-003')).toBe('no db-instance-identifier given');
    expect(evidenceOf(run, 'TLS-001')).toMatch(
      /^PASS: 127\.0\.0\.1:\d+ refuses TLSv1 \(\S+\) and TLSv1\.1 \(\S+\)$/,
    );
    expect(run.outputs.failed).toBe('0');
    expect(run.outputs.manual).toBe('2');
    expect(run.outputs.passed).toBe('15');
    expect(run.annotations.filter((a) => a.level === 'error')).toEqual([]);
    // The report is the deployment's evidence; the tokens never appear anywhere.
    const file = readFileSync(join(run.evidenceDir, 'hipaa-verify-report.json'), 'utf8');
    expect(JSON.parse(file)).toMatchObject({
      schema: 'white-cross-deploy/hipaa-verify-report@1',
      outcome: 'pass',
    });
    // (::add-mask:: lines are how the runner learns what to mask; they never reach the log.)
    const logged = run.stdout
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n');
    for (const text of [file, logged, run.summary, JSON.stringify(run.outputs), JSON.stringify(run.audit)])
      expect(text).not.toMatch(/nurse-token|teacher-token/);
    const sarif = JSON.parse(run.outputs.sarif ?? '{}') as {
      runs: { results: { ruleId: string; level: string }[] }[];
    };
    expect(sarif.runs[0]?.results.map((r) => [r.ruleId, r.level])).toEqual([
      ['DOC-001', 'note'],
      ['DOC-002', 'note'],
    ]);
    expect(run.summary).toContain('| Safeguard | Check | Title | Verdict | Evidence | Fix |');
    expect(run.summary).toContain(
      '<details><summary>29 check(s) skipped: their inputs were not given</summary>',
    );
    expect(run.summary).toContain(
      '| `BAK-003` | Newest automated snapshot younger than 24 hours | no db-instance-identifier given |',
    );
    expect(run.audit[0]).toMatchObject({
      action: 'hipaa-verify',
      outcome: 'success',
      facts: { outcome: 'pass', failedChecks: [] },
    });
  });

  it('fails a badly configured app with each finding, its evidence and fix', async () => {
    const run = await runActionBundle('hipaa-verify', {
      workspace: workspaceWithDocuments(daysAgo(400)),
      env: { NODE_EXTRA_CA_CERTS: caFile },
      inputs: {
        'app-url': bad.url,
        'api-url': bad.url,
        checks: 'TLS, HDR, ACC-001, ACC-002, AUD-001, DOC',
        'role-tokens': 'teacher=teacher-token',
        'role-matrix': 'teacher GET /api/v1/students 403',
      },
    });
    expect(run.exitCode).toBe(1);
    const v = verdicts(run);
    const failed = [
      'TLS-001',
      'HDR-001',
      'HDR-002',
      'HDR-003',
      'HDR-004',
      'HDR-005',
      'HDR-006',
      'HDR-007',
      'ACC-001',
      'ACC-002',
      'AUD-001',
      'DOC-001',
      'DOC-002',
    ];
    for (const id of failed) expect([id, v[id]]).toEqual([id, 'FAIL']);
    expect(v['TLS-002']).toBe('PASS');
    expect(evidenceOf(run, 'TLS-001')).toMatch(/^FAIL: 127\.0\.0\.1:\d+ accepts TLSv1, TLSv1\.1$/);
    expect(evidenceOf(run, 'ACC-001')).toContain('FAIL: GET /api/v1/students with alg-none token: HTTP 200');
    expect(evidenceOf(run, 'AUD-001')).toMatch(/answered HTTP 503$/);
    expect(evidenceOf(run, 'DOC-001')).toMatch(/last reviewed \d{4}-\d\d-\d\d, 400 days ago \(limit 365\)/);
    const errors = run.annotations.filter((a) => a.level === 'error');
    expect(errors.map((a) => a.message)).toEqual([
      `HIPAA verification failed: 13 check(s) failed (${['TLS-001', 'AUD-001', 'ACC-001', 'ACC-002', 'HDR-001', 'HDR-002', 'HDR-003', 'HDR-004', 'HDR-005', 'HDR-006', 'HDR-007', 'DOC-001', 'DOC-002'].join(', ')}); nothing was changed. See the job summary and hipaa-verify-report.json.`,
    ]);
    // A warning per failure; the document's points at its reviewed: line.
    const docWarning = run.annotations.find(
      (a) => a.level === 'warning' && a.properties.title === 'DOC-001 FAIL',
    );
    expect(docWarning?.properties).toMatchObject({
      file: 'docs/hipaa/emergency-access-procedure.md',
      line: '4',
    });
    // The summary table: failures first, with the fix.
    const rows = run.summary.split('\n').filter((l) => l.startsWith('| §'));
    expect(rows[0]).toContain('❌ FAIL');
    expect(run.summary).toContain(
      'Set the listener/distribution security policy to one that allows TLS 1.2+ only',
    );
    expect(run.outputs.failed).toBe('13');
    const sarif = JSON.parse(run.outputs.sarif ?? '{}') as {
      runs: { results: { ruleId: string; level: string }[] }[];
    };
    expect(sarif.runs[0]?.results.filter((r) => r.level === 'error')).toHaveLength(13);
    expect(run.audit[0]).toMatchObject({ outcome: 'failure', facts: { outcome: 'fail' } });
  });

  it('fails an expired, 1024-bit certificate and a host nobody trusts', async () => {
    const run = await runActionBundle('hipaa-verify', {
      workspace: workspaceWithDocuments(undefined),
      env: { NODE_EXTRA_CA_CERTS: caFile },
      inputs: { 'app-url': expired.url, checks: 'TLS-003, TLS-004, TLS-005' },
    });
    expect(run.exitCode).toBe(1);
    expect(verdicts(run)).toEqual({ 'TLS-003': 'FAIL', 'TLS-004': 'FAIL', 'TLS-005': 'FAIL' });
    expect(evidenceOf(run, 'TLS-003')).toMatch(/not trusted \(CERT_HAS_EXPIRED\)/);
    expect(evidenceOf(run, 'TLS-004')).toMatch(/expired 1 day\(s\) ago/);
    expect(evidenceOf(run, 'TLS-005')).toMatch(/RSA 1024-bit key \(minimum 2048\)/);

    const untrusted = await runActionBundle('hipaa-verify', {
      inputs: { 'app-url': good.url, checks: 'TLS-003' },
    });
    expect(untrusted.exitCode).toBe(1);
    expect(evidenceOf(untrusted, 'TLS-003')).toMatch(
      /not trusted \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|UNABLE_TO_VERIFY_LEAF_SIGNATURE)\)/,
    );
  });

  it('fails on a warning only when fail-on is WARN', async () => {
    const inputs = { 'api-url': good.url, checks: 'ACC-001', 'protected-routes': '/api/v1/reports' };
    const env = { NODE_EXTRA_CA_CERTS: caFile };
    const lenient = await runActionBundle('hipaa-verify', { env, inputs });
    expect(lenient.exitCode).toBe(0);
    expect(lenient.outputs.warned).toBe('1');
    expect(evidenceOf(lenient, 'ACC-001')).toContain(
      'WARN: GET /api/v1/reports with alg-none token: HTTP 403',
    );
    expect(lenient.annotations.map((a) => [a.level, a.properties.title])).toEqual([
      ['warning', 'ACC-001 WARN'],
    ]);
    const strict = await runActionBundle('hipaa-verify', { env, inputs: { ...inputs, 'fail-on': 'WARN' } });
    expect(strict.exitCode).toBe(1);
    expect(strict.annotations.filter((a) => a.level === 'error').map((a) => a.message)).toEqual([
      'HIPAA verification failed: 1 check(s) failed or warned (ACC-001); nothing was changed. See the job summary and hipaa-verify-report.json.',
    ]);
  });

  it('fails closed when a host does not answer', async () => {
    const run = await runActionBundle('hipaa-verify', {
      inputs: { 'api-url': 'https://127.0.0.1:1', checks: 'TLS-001, ACC-001', 'request-timeout': '2s' },
    });
    expect(run.exitCode).toBe(1);
    expect(verdicts(run)).toEqual({ 'TLS-001': 'FAIL', 'ACC-001': 'FAIL' });
    expect(evidenceOf(run, 'TLS-001')).toMatch(/cannot connect \(ECONNREFUSED\)/);
  });

  it('masks credentials inside app-url (userinfo and query) before any use', async () => {
    const url = new URL(good.url);
    const appUrl = `https://nurse:hunter2pw@${url.host}/?token=tok_abc123secret&page=1`;
    const run = await runActionBundle('hipaa-verify', {
      env: { NODE_EXTRA_CA_CERTS: caFile },
      inputs: { 'app-url': appUrl, checks: 'TLS-001, HDR-001' },
    });
    const masks = run.stdout.split('\n').filter((l) => l.startsWith('::add-mask::'));
    expect(masks).toEqual(expect.arrayContaining(['::add-mask::hunter2pw', '::add-mask::tok_abc123secret']));
    // The runner learns each credential before the first line that could carry it.
    const lines = run.stdout.split('\n');
    const firstOther = lines.findIndex((l) => l !== '' && !l.startsWith('::add-mask::'));
    expect(lines.slice(0, firstOther).filter((l) => l.startsWith('::add-mask::')).length).toBe(masks.length);
    const everything = [
      lines.filter((l) => !l.startsWith('::add-mask::')).join('\n'),
      run.summary,
      JSON.stringify(run.outputs),
      JSON.stringify(run.audit),
      readFileSync(join(run.evidenceDir, 'hipaa-verify-report.json'), 'utf8'),
    ].join('\n');
    for (const secret of ['hunter2pw', 'tok_abc123secret']) expect(everything).not.toContain(secret);
    expect(verdicts(run)['TLS-001']).toBe('PASS');

    const refused = await runActionBundle('hipaa-verify', {
      inputs: { 'app-url': 'http://nurse:hunter2pw@app.example.org/?api_key=k3y', checks: 'TLS-001' },
    });
    expect(refused.annotations.map((a) => a.message)).toEqual([
      "Input 'app-url' must be an https:// URL (TLS is what is verified); got 'http://***@app.example.org/?api_key=***'.",
    ]);
    expect(JSON.stringify(refused.audit)).not.toMatch(/hunter2pw|k3y/);
  });

  it('refuses bad input with one error line naming it, before any probe', async () => {
    const run = await runActionBundle('hipaa-verify', {
      inputs: { 'app-url': 'http://app.example.org', 'fail-on': 'WARN' },
    });
    expect(run.exitCode).toBe(1);
    expect(run.annotations).toEqual([
      {
        level: 'error',
        message:
          "Input 'app-url' must be an https:// URL (TLS is what is verified); got 'http://app.example.org'.",
        properties: {},
      },
    ]);
    expect(run.stdout).not.toContain('Probing');
    expect(run.audit[0]).toMatchObject({ outcome: 'invalid-input' });
  });
});
