/**
 * Every check in the catalogue judged on a compliant and a non-compliant piece of evidence
 * (pure: no servers). The live probes that produce such evidence are exercised against real
 * HTTPS servers and moto in the other test files.
 */
import { describe, expect, it } from '@jest/globals';
import { CATALOGUE } from '../src/catalogue.js';
import type {
  AlbEvidence,
  AuditEvidence,
  BucketEvidence,
  CloudFrontEvidence,
  DocumentEvidence,
  EcsEvidence,
  HttpAnswer,
  HttpEvidence,
  KeyEvidence,
  LogGroupEvidence,
  LogScanEvidence,
  RdsEvidence,
  Sources,
  TlsEvidence,
  Verdict,
} from '../src/model.js';

const NOW = Date.parse('2026-11-21T12:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (msAgo: number) => new Date(NOW - msAgo).toISOString();

const tls = (
  o: Partial<TlsEvidence> = {},
  cert: Partial<NonNullable<TlsEvidence['certificate']>> = {},
): TlsEvidence[] => [
  {
    endpoint: 'app.example.org:443',
    protocols: {
      TLSv1: { accepted: false, detail: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' },
      'TLSv1.1': { accepted: false, detail: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' },
      'TLSv1.2': { accepted: true, detail: 'TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256' },
      'TLSv1.3': { accepted: true, detail: 'TLSv1.3 TLS_AES_256_GCM_SHA384' },
    },
    certificate: {
      subject: 'CN=app.example.org',
      validTo: at(-90 * DAY),
      trusted: true,
      keyType: 'RSA',
      keyBits: 2048,
      ...cert,
    },
    ...o,
  },
];

const good: HttpAnswer = {
  url: 'https://app.example.org/',
  status: 200,
  headers: {
    'strict-transport-security': 'max-age=63072000; includeSubDomains; preload',
    'content-security-policy': "default-src 'self'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'strict-origin-when-cross-origin',
    'cache-control': 'no-store',
  },
  setCookies: ['sid=abc; Path=/; Secure; HttpOnly; SameSite=Lax'],
};
const unauth = (status: number, headers = good.headers) => {
  const a = { ...good, url: 'https://api.example.org/api/v1/students', status, headers, setCookies: [] };
  return { route: '/api/v1/students', answers: { none: a, invalid: a, expired: a, 'alg-none': { ...a } } };
};
const http = (o: Partial<HttpEvidence> = {}): HttpEvidence => ({
  pages: [good],
  unauthenticated: [unauth(401)],
  authenticated: [],
  ...o,
});
const withHeader = (name: string, value: string | undefined): HttpEvidence => {
  const headers = { ...good.headers };
  if (value === undefined) delete headers[name];
  else headers[name] = value;
  return http({ pages: [{ ...good, headers }] });
};

const alb = (o: Partial<AlbEvidence> = {}): AlbEvidence => ({
  listenerArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/alb/1/2',
  protocol: 'HTTPS',
  sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
  policyProtocols: ['TLSv1.3', 'TLSv1.2'],
  httpListeners: [{ port: 80, redirectsToHttps: true, action: 'redirect' }],
  accessLogs: { enabled: true, bucket: 'alb-logs' },
  ...o,
});
const cf = (o: Partial<CloudFrontEvidence> = {}): CloudFrontEvidence => ({
  distributionId: 'E2QWRUHEXAMPLE',
  viewerPolicies: [{ pathPattern: 'default (*)', policy: 'redirect-to-https' }],
  customCertificate: true,
  minimumProtocolVersion: 'TLSv1.2_2021',
  origins: [
    { id: 'site', domain: 'site.s3.us-east-1.amazonaws.com', kind: 's3', originAccessControlId: 'E1OAC' },
    { id: 'api', domain: 'alb.example.org', kind: 'custom', originProtocolPolicy: 'https-only' },
  ],
  logging: { enabled: true, bucket: 'cf-logs.s3.amazonaws.com' },
  ...o,
});
const rds = (o: Partial<RdsEvidence> = {}): RdsEvidence => ({
  identifier: 'school-health-db',
  storageEncrypted: true,
  kmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/k',
  publiclyAccessible: false,
  backupRetentionDays: 14,
  latestRestorableTime: at(5 * 60_000),
  deletionProtection: true,
  multiAz: true,
  forceSsl: '1',
  parameterGroups: ['school-health-pg15'],
  snapshots: [
    {
      id: 'rds:school-health-db-2026-11-21-03-00',
      type: 'automated',
      encrypted: true,
      createdAt: at(9 * HOUR),
    },
  ],
  ...o,
});
const bucket = (o: Partial<BucketEvidence> = {}): BucketEvidence[] => [
  {
    bucket: 'site',
    encryption: { algorithm: 'aws:kms', kmsKeyId: 'k' },
    publicAccessBlock: {
      blockPublicAcls: true,
      ignorePublicAcls: true,
      blockPublicPolicy: true,
      restrictPublicBuckets: true,
    },
    policy: {
      Statement: [
        {
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: ['arn:aws:s3:::site', 'arn:aws:s3:::site/*'],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ],
    },
    ...o,
  },
];
const groups = (o: Partial<LogGroupEvidence> = {}): LogGroupEvidence[] => [
  { name: '/ecs/api', found: true, retentionDays: 2557, kmsKeyId: 'arn:k', audit: false, ...o },
];
const keys = (o: Partial<KeyEvidence> = {}): KeyEvidence[] => [
  {
    keyId: 'arn:k',
    usedBy: ['/ecs/api'],
    state: 'Enabled',
    manager: 'CUSTOMER',
    rotationEnabled: true,
    ...o,
  },
];
const ecs = (o: Partial<EcsEvidence> = {}): EcsEvidence => ({
  cluster: 'prod',
  services: [{ name: 'api-blue', found: true, assignPublicIp: 'DISABLED', taskDefinition: 'arn:td/api:3' }],
  taskDefinitions: ['arn:td/api:3'],
  secretLikeEnvironment: [],
  ...o,
});
const audit = (
  o: Partial<AuditEvidence> = {},
  body: unknown = { status: 'healthy', lastWriteAt: at(60_000) },
): AuditEvidence => ({
  status: { answer: { ...good, url: 'https://api.example.org/api/v1/health/audit-status' }, body },
  maxAgeMs: 15 * 60_000,
  roundTrip: { marker: 'hipaa-verify-1', found: true, waitedMs: 2100, logGroup: '/app/audit' },
  ...o,
});
const scan = (findings: LogScanEvidence['findings'] = []): LogScanEvidence => ({
  logGroups: ['/ecs/api'],
  since: at(HOUR),
  eventsScanned: 120,
  truncated: false,
  syntheticValues: 2,
  findings,
});
const finding = (kind: LogScanEvidence['findings'][number]['kind']) => ({
  kind,
  logGroup: '/ecs/api',
  logStream: 'api/1',
  at: at(60_000),
  excerpt: `student [${kind}]`,
});
const doc = (o: Partial<DocumentEvidence> = {}): DocumentEvidence[] => [
  {
    kind: 'emergency-access',
    path: 'docs/hipaa/emergency-access-procedure.md',
    present: true,
    reviewed: '2026-06-01',
    reviewedLine: 3,
    ...o,
  },
  {
    kind: 'incident-response',
    path: 'docs/hipaa/incident-response-plan.md',
    present: true,
    reviewed: '2026-06-01',
    reviewedLine: 3,
    ...o,
  },
];

type Case = { good: Partial<Sources>; bad: Partial<Sources>; goodVerdict?: Verdict; evidence: RegExp };

// For each check: evidence it must PASS on, evidence it must FAIL on, and the FAIL evidence text.
const CASES: Record<string, Case> = {
  'TLS-001': {
    good: { tls: tls() },
    bad: {
      tls: tls({
        protocols: {
          ...tls()[0]!.protocols,
          TLSv1: { accepted: true, detail: 'TLSv1 ECDHE-RSA-AES256-SHA' },
        },
      }),
    },
    evidence: /accepts TLSv1$/,
  },
  'TLS-002': {
    good: { tls: tls() },
    bad: {
      tls: tls({
        protocols: {
          ...tls()[0]!.protocols,
          'TLSv1.2': { accepted: false, detail: 'x' },
          'TLSv1.3': { accepted: false, detail: 'x' },
        },
      }),
    },
    evidence: /accepts neither/,
  },
  'TLS-003': {
    good: { tls: tls() },
    bad: { tls: tls({}, { trusted: false, trustError: 'SELF_SIGNED_CERT_IN_CHAIN' }) },
    evidence: /not trusted \(SELF_SIGNED/,
  },
  'TLS-004': {
    good: { tls: tls() },
    bad: { tls: tls({}, { validTo: at(-10 * DAY) }) },
    evidence: /expires in 10 day/,
  },
  'TLS-005': {
    good: { tls: tls() },
    bad: { tls: tls({}, { keyBits: 1024 }) },
    evidence: /RSA 1024-bit key \(minimum 2048\)/,
  },
  'TLS-006': {
    good: { alb: alb() },
    bad: {
      alb: alb({ sslPolicy: 'ELBSecurityPolicy-2016-08', policyProtocols: ['TLSv1', 'TLSv1.1', 'TLSv1.2'] }),
    },
    evidence: /ELBSecurityPolicy-2016-08 allows TLSv1, TLSv1.1, TLSv1.2/,
  },
  'TLS-007': {
    good: { alb: alb() },
    bad: { alb: alb({ httpListeners: [{ port: 80, redirectsToHttps: false, action: 'forward' }] }) },
    evidence: /HTTP :80 default action forward/,
  },
  'TLS-008': {
    good: { cloudfront: cf() },
    bad: { cloudfront: cf({ viewerPolicies: [{ pathPattern: 'default (*)', policy: 'allow-all' }] }) },
    evidence: /allow-all/,
  },
  'TLS-009': {
    good: { cloudfront: cf() },
    bad: { cloudfront: cf({ minimumProtocolVersion: 'TLSv1_2016' }) },
    evidence: /TLSv1_2016/,
  },
  'TLS-010': {
    good: { cloudfront: cf() },
    bad: {
      cloudfront: cf({
        origins: [
          { id: 'api', domain: 'alb.example.org', kind: 'custom', originProtocolPolicy: 'match-viewer' },
        ],
      }),
    },
    evidence: /match-viewer/,
  },
  'TLS-011': {
    good: { rds: rds() },
    bad: { rds: rds({ forceSsl: undefined }) },
    evidence: /not set in school-health-pg15/,
  },
  'TLS-012': {
    good: { buckets: bucket() },
    bad: {
      buckets: bucket({
        policy: {
          Statement: [
            { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::site/*' },
          ],
        },
      }),
    },
    evidence: /no Deny/,
  },
  'ENC-001': {
    good: { rds: rds() },
    bad: { rds: rds({ storageEncrypted: false }) },
    evidence: /StorageEncrypted false/,
  },
  'ENC-002': {
    good: { rds: rds() },
    bad: {
      rds: rds({ snapshots: [{ id: 'manual-1', type: 'manual', encrypted: false, createdAt: at(DAY) }] }),
    },
    evidence: /manual-1 \(manual\) not encrypted/,
  },
  'ENC-003': {
    good: { buckets: bucket() },
    bad: { buckets: bucket({ encryption: undefined }) },
    evidence: /no default encryption/,
  },
  'ENC-004': {
    good: { logGroups: groups() },
    bad: { logGroups: groups({ kmsKeyId: undefined }) },
    evidence: /no KMS key/,
  },
  'ENC-005': {
    good: { keys: keys() },
    bad: { keys: keys({ rotationEnabled: false }) },
    evidence: /rotation off/,
  },
  'AUD-001': {
    good: { audit: audit() },
    bad: { audit: audit({}, { status: 'healthy', lastWriteAt: at(2 * HOUR) }) },
    evidence: /last write .* \(7200 s ago, limit 900 s\)/,
  },
  'AUD-002': {
    good: { audit: audit() },
    bad: {
      audit: audit({
        roundTrip: { marker: 'hipaa-verify-1', found: false, waitedMs: 60_000, logGroup: '/app/audit' },
      }),
    },
    evidence: /not in \/app\/audit after 60.0 s/,
  },
  'AUD-003': {
    good: { logGroups: groups() },
    bad: { logGroups: groups({ retentionDays: 365 }) },
    evidence: /\/ecs\/api: 365 day/,
  },
  'AUD-004': {
    good: { alb: alb() },
    bad: { alb: alb({ accessLogs: { enabled: false } }) },
    evidence: /access_logs.s3.enabled is false/,
  },
  'AUD-005': {
    good: { cloudfront: cf() },
    bad: { cloudfront: cf({ logging: { enabled: false } }) },
    evidence: /Logging.Enabled is false/,
  },
  'AUD-006': {
    good: { trails: [{ name: 'org', multiRegion: true, logFileValidation: true, isLogging: true }] },
    bad: { trails: [{ name: 'org', multiRegion: true, logFileValidation: true, isLogging: false }] },
    evidence: /org: not logging/,
  },
  'ACC-001': {
    good: { http: http() },
    bad: { http: http({ unauthenticated: [unauth(200)] }) },
    evidence: /GET \/api\/v1\/students with no token: HTTP 200/,
  },
  'ACC-002': {
    good: {
      http: http({
        roleMatrix: [{ role: 'nurse', method: 'GET', route: '/api/v1/students', expected: 200, actual: 200 }],
      }),
    },
    bad: {
      http: http({
        roleMatrix: [
          { role: 'teacher', method: 'GET', route: '/api/v1/students', expected: 403, actual: 200 },
        ],
      }),
    },
    evidence: /teacher GET \/api\/v1\/students: expected 403, got 200/,
  },
  'ACC-003': {
    good: { rds: rds() },
    bad: { rds: rds({ publiclyAccessible: true }) },
    evidence: /PubliclyAccessible true/,
  },
  'ACC-004': {
    good: { ecs: ecs() },
    bad: { ecs: ecs({ services: [{ name: 'api-blue', found: true, assignPublicIp: 'ENABLED' }] }) },
    evidence: /assignPublicIp ENABLED/,
  },
  'ACC-005': {
    good: { buckets: bucket() },
    bad: {
      buckets: bucket({
        publicAccessBlock: {
          blockPublicAcls: true,
          ignorePublicAcls: true,
          blockPublicPolicy: false,
          restrictPublicBuckets: false,
        },
      }),
    },
    evidence: /blockPublicPolicy, restrictPublicBuckets off/,
  },
  'ACC-006': {
    good: { cloudfront: cf() },
    bad: { cloudfront: cf({ origins: [{ id: 'site', domain: 'site.s3.amazonaws.com', kind: 's3' }] }) },
    evidence: /neither OAC nor OAI/,
  },
  'ACC-007': {
    good: { ecs: ecs() },
    bad: {
      ecs: ecs({
        secretLikeEnvironment: [
          {
            taskDefinition: 'api:3',
            container: 'api',
            variable: 'DB_PASSWORD',
            reason: 'name looks like a secret',
          },
        ],
      }),
    },
    evidence: /api:3 api: DB_PASSWORD \(name looks like a secret\)/,
  },
  'HDR-001': {
    good: { http: http() },
    bad: { http: withHeader('strict-transport-security', 'max-age=86400') },
    evidence: /max-age 86400 < 31536000/,
  },
  'HDR-002': {
    good: { http: http() },
    bad: { http: withHeader('content-security-policy', "script-src 'self' 'unsafe-inline'") },
    evidence: /scripts allow 'unsafe-inline'/,
  },
  'HDR-003': {
    good: { http: http() },
    bad: { http: withHeader('x-content-type-options', undefined) },
    evidence: /missing/,
  },
  'HDR-004': {
    good: { http: http() },
    bad: { http: withHeader('content-security-policy', "default-src 'self'") },
    evidence: /neither frame-ancestors nor X-Frame-Options/,
  },
  'HDR-005': {
    good: { http: http() },
    bad: { http: withHeader('referrer-policy', 'unsafe-url') },
    evidence: /unsafe-url/,
  },
  'HDR-006': {
    good: { http: http() },
    bad: { http: http({ pages: [{ ...good, setCookies: ['sid=abc; Path=/'] }] }) },
    evidence: /cookie sid lacks Secure, HttpOnly, SameSite/,
  },
  'HDR-007': {
    good: { http: http({ authenticated: [{ ...good, url: 'https://api.example.org/api/v1/students' }] }) },
    bad: {
      http: http({
        authenticated: [
          {
            ...good,
            url: 'https://api.example.org/api/v1/students',
            headers: { 'cache-control': 'public, max-age=600' },
          },
        ],
      }),
    },
    evidence: /students \(HTTP 200, with the test token\): Cache-Control public, max-age=600/,
  },
  'BAK-001': {
    good: { rds: rds() },
    bad: { rds: rds({ backupRetentionDays: 1 }) },
    evidence: /BackupRetentionPeriod 1 day/,
  },
  'BAK-002': {
    good: { rds: rds() },
    bad: { rds: rds({ latestRestorableTime: at(3 * HOUR) }) },
    evidence: /180 min ago/,
  },
  'BAK-003': {
    good: { rds: rds() },
    bad: {
      rds: rds({
        snapshots: [{ id: 'rds:old', type: 'automated', encrypted: true, createdAt: at(30 * HOUR) }],
      }),
    },
    evidence: /rds:old .* \(30.0 h ago\)/,
  },
  'BAK-004': {
    good: { rds: rds() },
    bad: { rds: rds({ deletionProtection: false }) },
    evidence: /DeletionProtection false/,
  },
  'BAK-005': { good: { rds: rds() }, bad: { rds: rds({ multiAz: false }) }, evidence: /MultiAZ false/ },
  'LOG-001': {
    good: { logScan: scan() },
    bad: { logScan: scan([finding('SYNTHETIC')]) },
    evidence: /SYNTHETIC in \/ecs\/api \/ api\/1 .*: student \[SYNTHETIC\]/,
  },
  'LOG-002': {
    good: { logScan: scan([finding('SYNTHETIC')]) },
    bad: { logScan: scan([finding('SSN')]) },
    evidence: /SSN in \/ecs\/api \/ api\/1/,
  },
  // Documents are at best MANUAL: a person confirms the content; presence and freshness are checked.
  'DOC-001': {
    good: { documents: doc() },
    goodVerdict: 'MANUAL',
    bad: { documents: doc({ reviewed: '2025-06-01' }) },
    evidence: /last reviewed 2025-06-01, 538 days ago/,
  },
  'DOC-002': {
    good: { documents: doc() },
    goodVerdict: 'MANUAL',
    bad: { documents: doc({ present: false }) },
    evidence: /incident-response-plan.md: missing/,
  },
};

describe('the catalogue', () => {
  it('has a compliant and a non-compliant case for every check', () => {
    expect(Object.keys(CASES).sort()).toEqual(CATALOGUE.map((c) => c.id).sort());
  });

  it('gives every check a safeguard under 45 CFR 164.308/164.312, a probe and a fix', () => {
    for (const c of CATALOGUE) {
      expect(c.safeguard).toMatch(/^§164\.3(08|12)\([a-e]\)/);
      expect(c.probe.length).toBeGreaterThan(10);
      expect(c.fix.length).toBeGreaterThan(10);
      expect(c.id.startsWith(c.group)).toBe(true);
    }
  });

  for (const check of CATALOGUE) {
    const kase = CASES[check.id];
    if (!kase) continue;
    it(`${check.id} passes compliant evidence and fails the rest`, () => {
      const judge = check.judge as (
        e: unknown,
        c: { now: number },
      ) => { verdict: Verdict; evidence: string[] };
      const ok = judge(kase.good[check.source], { now: NOW });
      expect(ok.verdict).toBe(kase.goodVerdict ?? 'PASS');
      const bad = judge(kase.bad[check.source], { now: NOW });
      expect(bad.verdict).toBe('FAIL');
      expect(bad.evidence.join('\n')).toMatch(kase.evidence);
    });
  }
});
