import { describe, expect, it } from '@jest/globals';
import { CATALOGUE, evaluate, selectChecks } from '../src/catalogue.js';
import { secretLikeReason } from '../src/checks/access.js';
import { readAuditStatus } from '../src/checks/audit.js';
import { readReviewDate } from '../src/checks/documents.js';
import { cookieProblems, judgeCsp, judgeHsts, noStoreOnPhi, parseCsp } from '../src/checks/headers.js';
import { deniesInsecureTransport } from '../src/checks/transmission.js';
import { worst, type CheckResult, type HttpAnswer } from '../src/model.js';
import { badCredentials, routeUrl } from '../src/probes/http-probe.js';
import { tlsEndpoints } from '../src/gather.js';
import { blockingResults, buildReport, countVerdicts, orderForReading, toSarif } from '../src/report.js';

describe('selectChecks', () => {
  it('selects everything by default and by all', () => {
    expect(selectChecks([])).toHaveLength(CATALOGUE.length);
    expect(selectChecks(['all'])).toHaveLength(CATALOGUE.length);
  });
  it('includes groups and ids and excludes with !', () => {
    expect(selectChecks(['BAK', 'tls-001']).map((c) => c.id)).toEqual([
      'TLS-001',
      'BAK-001',
      'BAK-002',
      'BAK-003',
      'BAK-004',
      'BAK-005',
    ]);
    expect(selectChecks(['BAK', '!BAK-005']).map((c) => c.id)).not.toContain('BAK-005');
    expect(selectChecks(['!DOC', '!LOG'])).toHaveLength(CATALOGUE.length - 4);
  });
  it('names the input and the accepted forms for an unknown name', () => {
    expect(() => selectChecks(['TLS-999'])).toThrow(
      "Input 'checks' names 'TLS-999', which is neither a check id (such as TLS-001) nor a group (TLS, ENC, AUD, ACC, HDR, BAK, LOG, DOC) nor all; prefix with ! to exclude.",
    );
    expect(() => selectChecks(['BAK', '!BAK'])).toThrow("Input 'checks' selects no check at all");
  });
});

describe('evaluate', () => {
  const checks = selectChecks(['BAK-004']);
  it('skips checks whose inputs were not given', () => {
    const [r] = evaluate(checks, {}, { rds: { skipped: 'no db-instance-identifier given' } }, { now: 0 });
    expect(r).toMatchObject({
      id: 'BAK-004',
      verdict: 'SKIPPED',
      evidence: ['no db-instance-identifier given'],
    });
  });
  it('fails closed when the evidence could not be read', () => {
    const [r] = evaluate(checks, {}, { rds: { failed: 'AccessDenied (HTTP 403): not allowed' } }, { now: 0 });
    expect(r).toMatchObject({
      verdict: 'FAIL',
      evidence: ['could not be verified: AccessDenied (HTTP 403): not allowed'],
    });
  });
});

describe('header helpers', () => {
  it('parses CSP directives', () => {
    expect(parseCsp("default-src 'self'; Script-Src 'self' 'unsafe-inline'")).toEqual({
      'default-src': ["'self'"],
      'script-src': ["'self'", "'unsafe-inline'"],
    });
  });
  it('judges HSTS', () => {
    expect(judgeHsts('max-age=31536000; includeSubDomains').ok).toBe(true);
    expect(judgeHsts('max-age=31536000').reason).toBe('no includeSubDomains');
    expect(judgeHsts(undefined).reason).toBe('no Strict-Transport-Security');
  });
  it('judges CSP', () => {
    expect(judgeCsp("default-src 'self'; style-src 'self' 'unsafe-inline'").verdict).toBe('WARN');
    expect(judgeCsp("default-src 'self' 'unsafe-inline'").verdict).toBe('FAIL');
    expect(judgeCsp(undefined).verdict).toBe('FAIL');
  });
  it('lists what a cookie lacks', () => {
    expect(cookieProblems('sid=1; Secure; HttpOnly; SameSite=Strict')).toEqual([]);
    expect(cookieProblems('sid=1; Secure; HttpOnly; SameSite=None')).toEqual(['SameSite']);
    expect(cookieProblems('sid=1; Path=/; HttpOnly')).toEqual(['Secure', 'SameSite']);
  });
});

describe('deniesInsecureTransport', () => {
  const statement = {
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: ['s3:*'],
    Resource: 'arn:aws:s3:::site/*',
    Condition: { Bool: { 'aws:SecureTransport': false } },
  };
  it('accepts the standard statement in its variants', () => {
    expect(deniesInsecureTransport({ Statement: [statement] }, 'site')).toBe(true);
    expect(deniesInsecureTransport({ Statement: statement }, 'site')).toBe(true);
  });
  it('refuses a statement that spares someone, some actions or other buckets', () => {
    expect(
      deniesInsecureTransport(
        { Statement: [{ ...statement, Principal: { AWS: 'arn:aws:iam::1:root' } }] },
        'site',
      ),
    ).toBe(false);
    expect(deniesInsecureTransport({ Statement: [{ ...statement, Action: 's3:PutObject' }] }, 'site')).toBe(
      false,
    );
    expect(deniesInsecureTransport({ Statement: [statement] }, 'other')).toBe(false);
    expect(deniesInsecureTransport({ Statement: [{ ...statement, Effect: 'Allow' }] }, 'site')).toBe(false);
  });
});

describe('secretLikeReason', () => {
  it('flags secret names and secret-shaped values, never references', () => {
    expect(secretLikeReason('DB_PASSWORD', 'hunter2')).toBe('name looks like a secret');
    expect(secretLikeReason('JWT_SECRET', 'abc')).toBe('name looks like a secret');
    expect(secretLikeReason('DATABASE_URL', 'postgres://app:pw@db:5432/app')).toBe(
      'value is a URL with a password',
    );
    expect(secretLikeReason('AWS_KEY', 'AKIAABCDEFGHIJKLMNOP')).toBe('value is an AWS access key id');
    expect(
      secretLikeReason('DB_PASSWORD_ARN', 'arn:aws:secretsmanager:us-east-1:1:secret:x'),
    ).toBeUndefined();
    expect(secretLikeReason('JWT_SECRET', 'arn:aws:ssm:us-east-1:1:parameter/jwt')).toBeUndefined();
    expect(secretLikeReason('NODE_ENV', 'production')).toBeUndefined();
    expect(secretLikeReason('DATABASE_URL', 'postgres://db:5432/app')).toBeUndefined();
  });
});

describe('readReviewDate', () => {
  it('reads the date and the line of its key', () => {
    expect(readReviewDate('---\ntitle: Plan\nlast_reviewed: 2026-05-01\n---\n# Plan\n')).toEqual({
      reviewed: '2026-05-01',
      line: 3,
    });
  });
  it('says what is missing', () => {
    expect(readReviewDate('# Plan').problem).toBe('no YAML front matter');
    expect(readReviewDate('---\ntitle: Plan\n---\n').problem).toBe(
      'front matter has no reviewed or last_reviewed date',
    );
  });
});

describe('readAuditStatus', () => {
  it('reads flat and nested shapes', () => {
    expect(readAuditStatus({ status: 'OK', lastEntryAt: '2026-11-21T10:00:00Z' })).toEqual({
      healthy: true,
      lastWrite: '2026-11-21T10:00:00Z',
    });
    expect(readAuditStatus({ audit: { healthy: false } })).toEqual({ healthy: false, lastWrite: undefined });
    expect(readAuditStatus('nope')).toEqual({ healthy: undefined });
  });
});

describe('probe helpers', () => {
  it('forges the bad credentials', () => {
    const c = badCredentials(Date.parse('2026-11-21T12:00:00Z'));
    expect(c.none).toBeUndefined();
    const [header, payload, signature] = (c['alg-none'] as string).slice('Bearer '.length).split('.');
    expect(JSON.parse(Buffer.from(header as string, 'base64url').toString())).toEqual({
      alg: 'none',
      typ: 'JWT',
    });
    expect(JSON.parse(Buffer.from(payload as string, 'base64url').toString()).role).toBe('admin');
    expect(signature).toBe('');
    const expired = JSON.parse(
      Buffer.from((c.expired as string).split('.')[1] as string, 'base64url').toString(),
    );
    expect(expired.exp).toBeLessThan(Date.parse('2026-11-21T12:00:00Z') / 1000);
  });
  it('joins routes onto a base path', () => {
    expect(routeUrl(new URL('https://api.example.org/v2/'), '/students?limit=1').toString()).toBe(
      'https://api.example.org/v2/students?limit=1',
    );
  });
  it('probes each host and port once', () => {
    expect(
      tlsEndpoints([
        new URL('https://a.example.org'),
        new URL('https://a.example.org/api'),
        new URL('https://a.example.org:8443'),
      ]),
    ).toEqual([
      { host: 'a.example.org', port: 443 },
      { host: 'a.example.org', port: 8443 },
    ]);
  });
  it('takes the worst verdict, ignoring skipped ones', () => {
    expect(worst(['PASS', 'SKIPPED', 'MANUAL'])).toBe('MANUAL');
    expect(worst(['SKIPPED'])).toBe('SKIPPED');
  });
});

describe('report', () => {
  const result = (
    id: string,
    verdict: CheckResult['verdict'],
    safeguard: string,
    extra: Partial<CheckResult> = {},
  ): CheckResult => ({
    id,
    verdict,
    safeguard,
    title: `${id} title`,
    group: id.slice(0, 3) as CheckResult['group'],
    probe: 'probe',
    fix: 'fix it',
    evidence: [`${id} seen`],
    ...extra,
  });
  const results = [
    result('BAK-001', 'PASS', '§164.308(a)(7)(ii)(A) Data backup plan'),
    result('TLS-002', 'PASS', '§164.312(e)(1) Transmission security'),
    result('TLS-001', 'FAIL', '§164.312(e)(1) Transmission security', { resource: 'app.example.org:443' }),
    result('DOC-001', 'MANUAL', '§164.312(a)(2)(ii) Emergency access procedure', {
      file: 'docs/hipaa/ea.md',
      line: 3,
    }),
    result('HDR-003', 'WARN', '§164.312(c)(1) Integrity'),
  ];

  it('puts the safeguards with failures first, then by verdict', () => {
    expect(orderForReading(results).map((r) => r.id)).toEqual([
      'TLS-001',
      'TLS-002',
      'HDR-003',
      'DOC-001',
      'BAK-001',
    ]);
  });

  it('blocks on FAIL, and on WARN when asked', () => {
    expect(blockingResults(results, 'FAIL').map((r) => r.id)).toEqual(['TLS-001']);
    expect(blockingResults(results, 'WARN').map((r) => r.id)).toEqual(['TLS-001', 'HDR-003']);
    expect(countVerdicts(results)).toEqual({ passed: 2, failed: 1, warned: 1, manual: 1, skipped: 0 });
    expect(buildReport(results, 'FAIL', {}, 0).outcome).toBe('fail');
  });

  it('writes SARIF 2.1.0 with a rule per check and a result per finding', () => {
    const sarif = toSarif(results, '0.1.0', '.github/workflows/production.yml') as {
      version: string;
      runs: {
        tool: { driver: { rules: { id: string }[] } };
        results: {
          ruleId: string;
          level: string;
          ruleIndex: number;
          locations: {
            physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } };
            logicalLocations?: { fullyQualifiedName: string }[];
          }[];
        }[];
      }[];
    };
    expect(sarif.version).toBe('2.1.0');
    const run = sarif.runs[0]!;
    expect(run.tool.driver.rules.map((r) => r.id)).toEqual(results.map((r) => r.id));
    expect(run.results.map((r) => [r.ruleId, r.level])).toEqual([
      ['TLS-001', 'error'],
      ['DOC-001', 'note'],
      ['HDR-003', 'warning'],
    ]);
    const tlsResult = run.results[0]!;
    expect(run.tool.driver.rules[tlsResult.ruleIndex]!.id).toBe('TLS-001');
    expect(tlsResult.locations[0]!.physicalLocation.artifactLocation.uri).toBe(
      '.github/workflows/production.yml',
    );
    expect(tlsResult.locations[0]!.logicalLocations?.[0]?.fullyQualifiedName).toBe('app.example.org:443');
    expect(run.results[1]!.locations[0]!.physicalLocation).toEqual({
      artifactLocation: { uri: 'docs/hipaa/ea.md' },
      region: { startLine: 3 },
    });
  });
});

describe('HDR-007 without a test token', () => {
  const answer = (status: number, cacheControl?: string): HttpAnswer => ({
    url: 'https://api.example.org/api/v1/students',
    status,
    headers: cacheControl ? { 'cache-control': cacheControl } : {},
    setCookies: [],
  });
  const judge = (a: HttpAnswer) =>
    noStoreOnPhi.judge(
      {
        pages: [],
        authenticated: [],
        unauthenticated: [
          { route: '/api/v1/students', answers: { none: a, invalid: a, expired: a, 'alg-none': a } },
        ],
      },
      { now: 0 },
    );

  it('fails data served without credentials and without no-store', () => {
    expect(judge(answer(200)).verdict).toBe('FAIL');
  });
  it('only warns about a 401 without no-store, and that no PHI answer was seen', () => {
    expect(judge(answer(401))).toMatchObject({
      verdict: 'WARN',
      evidence: [
        expect.stringContaining('(HTTP 401): Cache-Control missing'),
        'WARN: no PHI answer seen: give auth-token to check one',
      ],
    });
    expect(judge(answer(401, 'no-store')).verdict).toBe('WARN');
  });
});
