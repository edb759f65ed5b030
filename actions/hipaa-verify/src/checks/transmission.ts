/**
 * Transmission security (§164.312(e)(1)): live TLS of each hostname, and the TLS settings of
 * the ALB, CloudFront, RDS and S3 that decide what a client may negotiate.
 */
import { DAY_MS, combine, type Check, type Judgement, type Verdict } from '../model.js';

const TRANSMISSION = '§164.312(e)(1) Transmission security';
const INTEGRITY = '§164.312(e)(2)(i) Integrity controls';

/** Days before expiry at which a certificate fails. */
export const CERTIFICATE_MIN_DAYS = 30;

/** CloudFront minimum protocol versions that allow nothing below TLS 1.2. */
export const CLOUDFRONT_TLS12_POLICIES = [
  'TLSv1.2_2018',
  'TLSv1.2_2019',
  'TLSv1.2_2021',
  'TLSv1.2_2025',
  'TLSv1.3_2025',
];

function noEndpoints(): Judgement {
  return { verdict: 'SKIPPED', evidence: ['no app-url or api-url given'] };
}

export const legacyTlsRefused: Check<'tls'> = {
  id: 'TLS-001',
  title: 'TLS 1.0 and 1.1 refused',
  safeguard: TRANSMISSION,
  group: 'TLS',
  probe:
    'Handshake with each hostname forcing exactly TLS 1.0, then exactly TLS 1.1 (legacy ciphers allowed on our side).',
  fix: 'Set the listener/distribution security policy to one that allows TLS 1.2+ only (ELBSecurityPolicy-TLS13-1-2-2021-06, TLSv1.2_2021).',
  source: 'tls',
  judge(endpoints) {
    if (endpoints.length === 0) return noEndpoints();
    return combine(
      endpoints.map((e) => {
        if (e.error) return { verdict: 'FAIL', line: `${e.endpoint}: ${e.error}` };
        const accepted = (['TLSv1', 'TLSv1.1'] as const).filter((v) => e.protocols[v].accepted);
        return accepted.length
          ? { verdict: 'FAIL', line: `${e.endpoint} accepts ${accepted.join(', ')}` }
          : {
              verdict: 'PASS',
              line: `${e.endpoint} refuses TLSv1 (${e.protocols.TLSv1.detail}) and TLSv1.1 (${e.protocols['TLSv1.1'].detail})`,
            };
      }),
    );
  },
};

export const modernTlsAccepted: Check<'tls'> = {
  id: 'TLS-002',
  title: 'TLS 1.2 or 1.3 accepted',
  safeguard: TRANSMISSION,
  group: 'TLS',
  probe: 'Handshake with each hostname forcing exactly TLS 1.2, then exactly TLS 1.3.',
  fix: 'Serve TLS 1.2 and TLS 1.3 on every public hostname.',
  source: 'tls',
  judge(endpoints) {
    if (endpoints.length === 0) return noEndpoints();
    return combine(
      endpoints.map((e) => {
        if (e.error) return { verdict: 'FAIL', line: `${e.endpoint}: ${e.error}` };
        const ok = (['TLSv1.2', 'TLSv1.3'] as const).filter((v) => e.protocols[v].accepted);
        if (ok.length === 0)
          return { verdict: 'FAIL', line: `${e.endpoint} accepts neither TLSv1.2 nor TLSv1.3` };
        return { verdict: ok.length === 2 ? 'PASS' : 'WARN', line: `${e.endpoint} accepts ${ok.join(', ')}` };
      }),
    );
  },
};

export const certificateTrusted: Check<'tls'> = {
  id: 'TLS-003',
  title: 'Certificate trusted',
  safeguard: TRANSMISSION,
  group: 'TLS',
  probe: "Verifies each hostname's certificate chain and name against the runner's trust store.",
  fix: 'Serve a certificate from a public CA (ACM) that names the hostname, with its full chain.',
  source: 'tls',
  judge(endpoints) {
    if (endpoints.length === 0) return noEndpoints();
    return combine(
      endpoints.map((e) => {
        const c = e.certificate;
        if (!c)
          return {
            verdict: 'FAIL',
            line: `${e.endpoint}: no certificate seen (${e.error ?? 'handshake failed'})`,
          };
        return c.trusted
          ? { verdict: 'PASS', line: `${e.endpoint}: ${c.subject} verified` }
          : {
              verdict: 'FAIL',
              line: `${e.endpoint}: ${c.subject} not trusted (${c.trustError ?? 'unknown reason'})`,
            };
      }),
    );
  },
};

export const certificateNotExpiring: Check<'tls'> = {
  id: 'TLS-004',
  title: `Certificate valid for at least ${CERTIFICATE_MIN_DAYS} more days`,
  safeguard: TRANSMISSION,
  group: 'TLS',
  probe: "Reads each hostname's certificate notAfter.",
  fix: 'Renew the certificate (ACM renews DNS-validated certificates itself: check the validation records).',
  source: 'tls',
  judge(endpoints, { now }) {
    if (endpoints.length === 0) return noEndpoints();
    return combine(
      endpoints.map((e) => {
        const c = e.certificate;
        if (!c) return { verdict: 'FAIL', line: `${e.endpoint}: no certificate seen` };
        const left = Date.parse(c.validTo) - now;
        if (left < 0) {
          const ago = Math.floor(-left / DAY_MS);
          return {
            verdict: 'FAIL',
            line: `${e.endpoint}: expired ${ago ? `${ago} day(s) ago` : 'less than a day ago'} (${c.validTo})`,
          };
        }
        const days = Math.floor(left / DAY_MS);
        const verdict: Verdict = days < CERTIFICATE_MIN_DAYS ? 'FAIL' : 'PASS';
        return { verdict, line: `${e.endpoint}: expires in ${days} day(s) (${c.validTo})` };
      }),
    );
  },
};

export const certificateKeySize: Check<'tls'> = {
  id: 'TLS-005',
  title: 'Certificate key at least 2048-bit RSA or 256-bit EC',
  safeguard: TRANSMISSION,
  group: 'TLS',
  probe: "Reads each hostname's certificate public key type and size.",
  fix: 'Reissue the certificate with an RSA 2048+ or ECDSA P-256+ key.',
  source: 'tls',
  judge(endpoints) {
    if (endpoints.length === 0) return noEndpoints();
    return combine(
      endpoints.map((e) => {
        const c = e.certificate;
        if (!c) return { verdict: 'FAIL', line: `${e.endpoint}: no certificate seen` };
        const minimum = c.keyType === 'EC' ? 256 : 2048;
        return {
          verdict: c.keyBits >= minimum ? 'PASS' : 'FAIL',
          line: `${e.endpoint}: ${c.keyType} ${c.keyBits}-bit key (minimum ${minimum})`,
        };
      }),
    );
  },
};

export const albTlsPolicy: Check<'alb'> = {
  id: 'TLS-006',
  title: 'ALB HTTPS listener allows TLS 1.2+ only',
  safeguard: TRANSMISSION,
  group: 'TLS',
  probe: 'elbv2 DescribeListeners and DescribeSslPolicies for the listener.',
  fix: 'aws elbv2 modify-listener --ssl-policy ELBSecurityPolicy-TLS13-1-2-2021-06',
  source: 'alb',
  judge(alb) {
    if (alb.protocol !== 'HTTPS' && alb.protocol !== 'TLS') {
      return {
        verdict: 'FAIL',
        evidence: [`listener protocol is ${alb.protocol}, not HTTPS`],
        resource: alb.listenerArn,
      };
    }
    const protocols = alb.policyProtocols ?? [];
    const legacy = protocols.filter((p) => !['TLSv1.2', 'TLSv1.3'].includes(p));
    if (protocols.length === 0) {
      return {
        verdict: 'FAIL',
        evidence: [`policy ${alb.sslPolicy ?? '(none)'}: protocols unknown`],
        resource: alb.listenerArn,
      };
    }
    return {
      verdict: legacy.length ? 'FAIL' : 'PASS',
      evidence: [`policy ${alb.sslPolicy} allows ${protocols.join(', ')}`],
      resource: alb.listenerArn,
    };
  },
};

export const albHttpRedirect: Check<'alb'> = {
  id: 'TLS-007',
  title: 'ALB redirects HTTP to HTTPS',
  safeguard: TRANSMISSION,
  group: 'TLS',
  probe: "elbv2 DescribeListeners on the listener's load balancer: every HTTP listener's default action.",
  fix: "Make the port 80 listener's default action `redirect` to protocol HTTPS, port 443, HTTP_301.",
  source: 'alb',
  judge(alb) {
    if (alb.httpListeners.length === 0) {
      return {
        verdict: 'PASS',
        evidence: ['no plain HTTP listener on the load balancer'],
        resource: alb.listenerArn,
      };
    }
    return combine(
      alb.httpListeners.map((l) => ({
        verdict: l.redirectsToHttps ? 'PASS' : 'FAIL',
        line: `HTTP :${l.port} ${l.redirectsToHttps ? 'redirects to HTTPS' : `default action ${l.action}`}`,
      })),
      alb.listenerArn,
    );
  },
};

export const cloudfrontViewerPolicy: Check<'cloudfront'> = {
  id: 'TLS-008',
  title: 'CloudFront viewers use HTTPS (https-only or redirect-to-https)',
  safeguard: TRANSMISSION,
  group: 'TLS',
  probe: 'cloudfront GetDistributionConfig: ViewerProtocolPolicy of every cache behavior.',
  fix: 'Set ViewerProtocolPolicy to redirect-to-https (or https-only) on the default and every cache behavior.',
  source: 'cloudfront',
  judge(cf) {
    return combine(
      cf.viewerPolicies.map((b) => ({
        verdict: b.policy === 'https-only' || b.policy === 'redirect-to-https' ? 'PASS' : 'FAIL',
        line: `${b.pathPattern}: ${b.policy}`,
      })),
      cf.distributionId,
    );
  },
};

export const cloudfrontMinimumTls: Check<'cloudfront'> = {
  id: 'TLS-009',
  title: 'CloudFront viewer minimum TLSv1.2_2021',
  safeguard: TRANSMISSION,
  group: 'TLS',
  probe: 'cloudfront GetDistributionConfig: ViewerCertificate.MinimumProtocolVersion.',
  fix: 'Use an ACM certificate with MinimumProtocolVersion TLSv1.2_2021 (the default *.cloudfront.net certificate allows TLSv1).',
  source: 'cloudfront',
  judge(cf) {
    if (!cf.customCertificate) {
      return {
        verdict: 'FAIL',
        evidence: ['default CloudFront certificate: viewers may negotiate TLSv1'],
        resource: cf.distributionId,
      };
    }
    const v = cf.minimumProtocolVersion ?? '(none)';
    const verdict: Verdict = CLOUDFRONT_TLS12_POLICIES.includes(v)
      ? v === 'TLSv1.2_2018' || v === 'TLSv1.2_2019'
        ? 'WARN'
        : 'PASS'
      : 'FAIL';
    return { verdict, evidence: [`MinimumProtocolVersion ${v}`], resource: cf.distributionId };
  },
};

export const cloudfrontOriginHttps: Check<'cloudfront'> = {
  id: 'TLS-010',
  title: 'CloudFront reaches custom origins over HTTPS only',
  safeguard: TRANSMISSION,
  group: 'TLS',
  probe: 'cloudfront GetDistributionConfig: OriginProtocolPolicy of every custom origin.',
  fix: 'Set OriginProtocolPolicy to https-only on every custom origin (the ALB).',
  source: 'cloudfront',
  judge(cf) {
    const custom = cf.origins.filter((o) => o.kind === 'custom');
    if (custom.length === 0)
      return {
        verdict: 'PASS',
        evidence: ['no custom origins (S3 origins are reached over HTTPS)'],
        resource: cf.distributionId,
      };
    return combine(
      custom.map((o) => ({
        verdict: o.originProtocolPolicy === 'https-only' ? 'PASS' : 'FAIL',
        line: `origin ${o.id} (${o.domain}): ${o.originProtocolPolicy ?? 'unknown'}`,
      })),
      cf.distributionId,
    );
  },
};

export const rdsForceSsl: Check<'rds'> = {
  id: 'TLS-011',
  title: 'RDS requires TLS (rds.force_ssl = 1)',
  safeguard: TRANSMISSION,
  group: 'TLS',
  probe:
    "rds DescribeDBParameters of the instance's parameter group(s); for an Aurora instance, DescribeDBClusterParameters of its cluster's DB cluster parameter group.",
  fix: 'Set rds.force_ssl = 1 in a custom DB parameter group (PostgreSQL 15 defaults to 0; for Aurora, in the DB cluster parameter group) and attach it.',
  source: 'rds',
  judge(rds) {
    const groups = rds.parameterGroups.join(', ') || '(none)';
    if (rds.forceSsl === '1')
      return { verdict: 'PASS', evidence: [`rds.force_ssl = 1 in ${groups}`], resource: rds.identifier };
    return {
      verdict: 'FAIL',
      evidence: [
        rds.forceSsl === undefined
          ? `rds.force_ssl not set in ${groups} (engine default)`
          : `rds.force_ssl = ${rds.forceSsl} in ${groups}`,
      ],
      resource: rds.identifier,
    };
  },
};

/**
 * True when a bucket policy denies every request made without TLS (`aws:SecureTransport`
 * false) to everyone, for the objects (and, ideally, the bucket).
 *
 * @example
 * deniesInsecureTransport({ Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:*',
 *   Resource: ['arn:aws:s3:::b', 'arn:aws:s3:::b/*'], Condition: { Bool: { 'aws:SecureTransport': 'false' } } }] }, 'b'); // true
 */
export function deniesInsecureTransport(policy: unknown, bucket: string): boolean {
  const statements = asArray((policy as { Statement?: unknown } | undefined)?.Statement);
  return statements.some((s) => {
    const st = s as {
      Effect?: string;
      Principal?: unknown;
      Action?: unknown;
      Resource?: unknown;
      Condition?: Record<string, Record<string, unknown>>;
    };
    if (st.Effect !== 'Deny') return false;
    const principal =
      st.Principal === '*' || asArray((st.Principal as { AWS?: unknown } | undefined)?.AWS).includes('*');
    const actions = asArray(st.Action).map(String);
    const allActions = actions.some((a) => a === '*' || a === 's3:*');
    const resources = asArray(st.Resource).map(String);
    const objects = resources.some(
      (r) => r === '*' || r === `arn:aws:s3:::${bucket}/*` || r === 'arn:aws:s3:::*',
    );
    const condition =
      st.Condition?.Bool?.['aws:SecureTransport'] ?? st.Condition?.BoolIfExists?.['aws:SecureTransport'];
    return principal && allActions && objects && String(asArray(condition)[0]).toLowerCase() === 'false';
  });
}

function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

export const s3DenyInsecureTransport: Check<'buckets'> = {
  id: 'TLS-012',
  title: 'S3 bucket policies deny requests without TLS',
  safeguard: INTEGRITY,
  group: 'TLS',
  probe: 's3 GetBucketPolicy: a Deny for everyone on s3:* when aws:SecureTransport is false.',
  fix: 'Add the statement {"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::BUCKET","arn:aws:s3:::BUCKET/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}.',
  source: 'buckets',
  judge(buckets) {
    if (buckets.length === 0) return { verdict: 'SKIPPED', evidence: ['no buckets given'] };
    return combine(
      buckets.map((b) => {
        if (b.error) return { verdict: 'FAIL', line: `${b.bucket}: ${b.error}` };
        if (b.policy === undefined) return { verdict: 'FAIL', line: `${b.bucket}: no bucket policy` };
        return deniesInsecureTransport(b.policy, b.bucket)
          ? { verdict: 'PASS', line: `${b.bucket}: denies aws:SecureTransport=false` }
          : { verdict: 'FAIL', line: `${b.bucket}: policy has no Deny on aws:SecureTransport=false` };
      }),
    );
  },
};

export const transmissionChecks = [
  legacyTlsRefused,
  modernTlsAccepted,
  certificateTrusted,
  certificateNotExpiring,
  certificateKeySize,
  albTlsPolicy,
  albHttpRedirect,
  cloudfrontViewerPolicy,
  cloudfrontMinimumTls,
  cloudfrontOriginHttps,
  rdsForceSsl,
  s3DenyInsecureTransport,
] as const;
