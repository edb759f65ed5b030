/**
 * Audit controls (§164.312(b)): the application's audit trail healthy and written to, a read
 * that demonstrably lands in it, logs kept seven years, and the AWS-side trails switched on.
 */
import { combine, type Check, type Verdict } from '../model.js';

const AUDIT = '§164.312(b) Audit controls';

/** 7 years: HIPAA keeps documentation 6 years; the platform's policy is 7. */
export const AUDIT_RETENTION_DAYS = 2557;

const HEALTHY = ['ok', 'healthy', 'up', 'pass', 'green'];
const WRITE_TIME_KEYS = [
  'lastWriteAt',
  'lastWrittenAt',
  'lastEntryAt',
  'latestEntryAt',
  'lastAuditAt',
  'lastEventAt',
  'lastWrite',
];

/**
 * Reads the health and the last write time out of an audit-status body such as
 * `{ "status": "healthy", "lastWriteAt": "2026-11-21T10:00:00Z" }` (also nested under `audit`).
 *
 * @example
 * readAuditStatus({ status: 'ok', lastEntryAt: '2026-11-21T10:00:00Z' }); // { healthy: true, lastWrite: '2026-11-21T10:00:00Z' }
 */
export function readAuditStatus(body: unknown): { healthy: boolean | undefined; lastWrite?: string } {
  if (!body || typeof body !== 'object') return { healthy: undefined };
  const b = body as Record<string, unknown>;
  const inner = b.audit && typeof b.audit === 'object' ? (b.audit as Record<string, unknown>) : {};
  const all = { ...b, ...inner };
  let healthy: boolean | undefined;
  if (typeof all.healthy === 'boolean') healthy = all.healthy;
  else if (typeof all.status === 'string') healthy = HEALTHY.includes(all.status.toLowerCase());
  const key = WRITE_TIME_KEYS.find(
    (k) => typeof all[k] === 'string' && !Number.isNaN(Date.parse(all[k] as string)),
  );
  return { healthy, lastWrite: key ? (all[key] as string) : undefined };
}

export const auditStatusHealthy: Check<'audit'> = {
  id: 'AUD-001',
  title: 'Audit trail healthy and recently written',
  safeguard: AUDIT,
  group: 'AUD',
  probe: 'GET {api-url}/api/v1/health/audit-status: 200, a healthy status and a last write time.',
  fix: 'Check the audit writer (its queue, its database table or log group) and the audit-status endpoint.',
  source: 'audit',
  judge(audit, { now }) {
    if (!audit.status) return { verdict: 'SKIPPED', evidence: ['no api-url given'] };
    const { answer, body } = audit.status;
    if (answer.error)
      return { verdict: 'FAIL', evidence: [`${answer.url}: ${answer.error}`], resource: answer.url };
    if (answer.status !== 200)
      return {
        verdict: 'FAIL',
        evidence: [`${answer.url} answered HTTP ${answer.status}`],
        resource: answer.url,
      };
    const { healthy, lastWrite } = readAuditStatus(body);
    if (healthy === false)
      return {
        verdict: 'FAIL',
        evidence: [`status reports unhealthy: ${JSON.stringify(body).slice(0, 200)}`],
        resource: answer.url,
      };
    if (healthy === undefined)
      return { verdict: 'FAIL', evidence: ['answer has no status/healthy field'], resource: answer.url };
    if (!lastWrite)
      return {
        verdict: 'WARN',
        evidence: ['healthy, but no last write time reported'],
        resource: answer.url,
      };
    const age = now - Date.parse(lastWrite);
    const verdict: Verdict = age <= audit.maxAgeMs ? 'PASS' : 'FAIL';
    return {
      verdict,
      evidence: [
        `healthy; last write ${lastWrite} (${Math.round(age / 1000)} s ago, limit ${Math.round(audit.maxAgeMs / 1000)} s)`,
      ],
      resource: answer.url,
    };
  },
};

export const auditRoundTrip: Check<'audit'> = {
  id: 'AUD-002',
  title: 'A PHI read shows up in the audit log',
  safeguard: AUDIT,
  group: 'AUD',
  probe:
    'GET the first protected route with the test token and a unique X-Request-Id, then search the audit log group for it.',
  fix: 'Make sure every PHI route writes an audit entry carrying the request id before it answers.',
  source: 'audit',
  judge(audit) {
    const rt = audit.roundTrip;
    if (!rt) return { verdict: 'SKIPPED', evidence: ['no api-url given'] };
    if ('skipped' in rt) return { verdict: 'SKIPPED', evidence: [rt.skipped] };
    if (rt.error)
      return { verdict: 'FAIL', evidence: [`marked read failed: ${rt.error}`], resource: rt.logGroup };
    return {
      verdict: rt.found ? 'PASS' : 'FAIL',
      evidence: [
        rt.found
          ? `marker ${rt.marker} found in ${rt.logGroup} after ${(rt.waitedMs / 1000).toFixed(1)} s`
          : `marker ${rt.marker} not in ${rt.logGroup} after ${(rt.waitedMs / 1000).toFixed(1)} s`,
      ],
      resource: rt.logGroup,
    };
  },
};

export const logRetention: Check<'logGroups'> = {
  id: 'AUD-003',
  title: `Log retention at least ${AUDIT_RETENTION_DAYS} days (7 years) or never expire`,
  safeguard: AUDIT,
  group: 'AUD',
  probe: 'logs DescribeLogGroups: retentionInDays (absent means never expire).',
  fix: `aws logs put-retention-policy --log-group-name NAME --retention-in-days 2557 (or delete-retention-policy).`,
  source: 'logGroups',
  judge(groups) {
    if (groups.length === 0)
      return { verdict: 'SKIPPED', evidence: ['no log-groups or audit-log-group given'] };
    return combine(
      groups.map((g) => {
        if (!g.found) return { verdict: 'FAIL', line: `${g.name}: not found` };
        if (g.retentionDays === undefined) return { verdict: 'PASS', line: `${g.name}: never expire` };
        return {
          verdict: g.retentionDays >= AUDIT_RETENTION_DAYS ? 'PASS' : 'FAIL',
          line: `${g.name}: ${g.retentionDays} day(s)`,
        };
      }),
    );
  },
};

export const albAccessLogs: Check<'alb'> = {
  id: 'AUD-004',
  title: 'ALB access logs on',
  safeguard: AUDIT,
  group: 'AUD',
  probe: 'elbv2 DescribeLoadBalancerAttributes: access_logs.s3.enabled.',
  fix: 'Set access_logs.s3.enabled=true and access_logs.s3.bucket on the load balancer.',
  source: 'alb',
  judge(alb) {
    return {
      verdict: alb.accessLogs.enabled ? 'PASS' : 'FAIL',
      evidence: [
        alb.accessLogs.enabled
          ? `access logs to ${alb.accessLogs.bucket ?? '?'}`
          : 'access_logs.s3.enabled is false',
      ],
      resource: alb.listenerArn,
    };
  },
};

export const cloudfrontAccessLogs: Check<'cloudfront'> = {
  id: 'AUD-005',
  title: 'CloudFront access logs on',
  safeguard: AUDIT,
  group: 'AUD',
  probe: 'cloudfront GetDistributionConfig: Logging.Enabled.',
  fix: 'Enable standard logging on the distribution to a log bucket.',
  source: 'cloudfront',
  judge(cf) {
    return {
      verdict: cf.logging.enabled ? 'PASS' : 'FAIL',
      evidence: [cf.logging.enabled ? `logging to ${cf.logging.bucket ?? '?'}` : 'Logging.Enabled is false'],
      resource: cf.distributionId,
    };
  },
};

export const cloudTrailOn: Check<'trails'> = {
  id: 'AUD-006',
  title: 'CloudTrail logging, multi-region, with log file validation',
  safeguard: AUDIT,
  group: 'AUD',
  probe: 'cloudtrail DescribeTrails and GetTrailStatus.',
  fix: 'Create a multi-region trail with log file validation and start logging (aws cloudtrail start-logging).',
  source: 'trails',
  judge(trails) {
    const logging = trails.filter((t) => t.isLogging);
    if (logging.length === 0) {
      return {
        verdict: 'FAIL',
        evidence: [trails.length ? `${trails.map((t) => t.name).join(', ')}: not logging` : 'no trails'],
      };
    }
    const complete = logging.find((t) => t.multiRegion && t.logFileValidation);
    return {
      verdict: complete ? 'PASS' : 'WARN',
      evidence: logging.map(
        (t) =>
          `${t.name}: logging, ${t.multiRegion ? 'multi-region' : 'single region'}, log file validation ${t.logFileValidation ? 'on' : 'off'}`,
      ),
      resource: (complete ?? logging[0])?.name,
    };
  },
};

export const auditChecks = [
  auditStatusHealthy,
  auditRoundTrip,
  logRetention,
  albAccessLogs,
  cloudfrontAccessLogs,
  cloudTrailOn,
] as const;
