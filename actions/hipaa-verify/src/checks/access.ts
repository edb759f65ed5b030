/**
 * Access control (§164.312(a)(1)) and person or entity authentication (§164.312(d)): every
 * protected route refuses bad credentials, roles see what they should, and nothing that holds
 * PHI is reachable from the internet or carries plain-text secrets.
 */
import { combine, type BadCredential, type Check, type Verdict } from '../model.js';

const ACCESS = '§164.312(a)(1) Access control';
const AUTHENTICATION = '§164.312(d) Person or entity authentication';

export const BAD_CREDENTIALS: readonly BadCredential[] = ['none', 'invalid', 'expired', 'alg-none'];

export const unauthenticatedRefused: Check<'http'> = {
  id: 'ACC-001',
  title: 'Protected routes answer 401 to missing, invalid, expired and alg:none tokens',
  safeguard: AUTHENTICATION,
  group: 'ACC',
  probe:
    'GET each protected route with no token, a malformed token, an expired JWT and an unsigned (alg: none) JWT.',
  fix: 'Authenticate in middleware ahead of every route; verify the signature with a fixed algorithm list (never none) and check exp.',
  source: 'http',
  judge(http) {
    if (http.unauthenticated.length === 0) return { verdict: 'SKIPPED', evidence: ['no api-url given'] };
    const items: { verdict: Verdict; line: string }[] = [];
    for (const { route, answers } of http.unauthenticated) {
      for (const kind of BAD_CREDENTIALS) {
        const a = answers[kind];
        const seen = a.error ? a.error : `HTTP ${a.status}`;
        const verdict: Verdict = a.status === 401 ? 'PASS' : a.status === 403 ? 'WARN' : 'FAIL';
        items.push({
          verdict,
          line: `GET ${route} with ${kind === 'none' ? 'no token' : `${kind} token`}: ${seen}`,
        });
      }
    }
    return combine(items);
  },
};

export const roleMatrix: Check<'http'> = {
  id: 'ACC-002',
  title: 'Role-based access matches the role matrix',
  safeguard: ACCESS,
  group: 'ACC',
  probe: "Requests each role-matrix row with that role's test token and compares the status.",
  fix: 'Fix the authorization rule of the route so that the role gets the expected answer.',
  source: 'http',
  judge(http) {
    if (!http.roleMatrix) return { verdict: 'SKIPPED', evidence: ['no role-matrix and role-tokens given'] };
    return combine(
      http.roleMatrix.map((r) => ({
        verdict: r.actual === r.expected ? 'PASS' : 'FAIL',
        line: `${r.role} ${r.method} ${r.route}: expected ${r.expected}, got ${r.actual}`,
      })),
    );
  },
};

export const rdsNotPublic: Check<'rds'> = {
  id: 'ACC-003',
  title: 'RDS not publicly accessible',
  safeguard: ACCESS,
  group: 'ACC',
  probe: 'rds DescribeDBInstances: PubliclyAccessible.',
  fix: 'aws rds modify-db-instance --no-publicly-accessible --apply-immediately',
  source: 'rds',
  judge(rds) {
    return {
      verdict: rds.publiclyAccessible ? 'FAIL' : 'PASS',
      evidence: [`PubliclyAccessible ${rds.publiclyAccessible}`],
      resource: rds.identifier,
    };
  },
};

export const ecsNoPublicIp: Check<'ecs'> = {
  id: 'ACC-004',
  title: 'ECS tasks get no public IP',
  safeguard: ACCESS,
  group: 'ACC',
  probe: 'ecs DescribeServices: networkConfiguration.awsvpcConfiguration.assignPublicIp.',
  fix: 'Run the services in private subnets with assignPublicIp DISABLED; reach the internet through NAT or VPC endpoints.',
  source: 'ecs',
  judge(ecs) {
    if (ecs.services.length === 0) return { verdict: 'SKIPPED', evidence: ['no ecs-services given'] };
    return combine(
      ecs.services.map((s) => {
        if (!s.found) return { verdict: 'FAIL', line: `${ecs.cluster}/${s.name}: not found` };
        return {
          verdict: s.assignPublicIp === 'ENABLED' ? 'FAIL' : 'PASS',
          line: `${ecs.cluster}/${s.name}: assignPublicIp ${s.assignPublicIp ?? 'not set'}`,
        };
      }),
    );
  },
};

export const s3PublicAccessBlock: Check<'buckets'> = {
  id: 'ACC-005',
  title: 'S3 public access block fully on',
  safeguard: ACCESS,
  group: 'ACC',
  probe:
    "s3 GetPublicAccessBlock: all four settings true; where the bucket's own are absent or partial, with the account's (s3control GetPublicAccessBlock), as S3 applies the most restrictive combination.",
  fix: 'aws s3api put-public-access-block --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true (or the same at account level: aws s3control put-public-access-block)',
  source: 'buckets',
  judge(buckets) {
    if (buckets.length === 0) return { verdict: 'SKIPPED', evidence: ['no buckets given'] };
    return combine(
      buckets.map((b) => {
        if (b.error) return { verdict: 'FAIL', line: `${b.bucket}: ${b.error}` };
        const own = b.publicAccessBlock;
        const account = b.accountPublicAccessBlock;
        if (!own && !account)
          return { verdict: 'FAIL', line: `${b.bucket}: no public access block (bucket or account)` };
        const keys = Object.keys(own ?? account ?? {}) as (keyof NonNullable<typeof own>)[];
        const off = keys.filter((k) => !own?.[k] && !account?.[k]);
        const byAccount = keys.filter((k) => !own?.[k] && account?.[k]);
        const note = byAccount.length ? ` (${byAccount.join(', ')} from the account's setting)` : '';
        return off.length
          ? { verdict: 'FAIL', line: `${b.bucket}: ${off.join(', ')} off at bucket and account level` }
          : { verdict: 'PASS', line: `${b.bucket}: all four on${note}` };
      }),
    );
  },
};

export const cloudfrontOriginAccessControl: Check<'cloudfront'> = {
  id: 'ACC-006',
  title: 'CloudFront reaches S3 origins through origin access control',
  safeguard: ACCESS,
  group: 'ACC',
  probe:
    'cloudfront GetDistributionConfig: OriginAccessControlId (or a legacy origin access identity) of every S3 origin.',
  fix: 'Create an origin access control (sigv4, always) for the S3 origin and allow only the distribution in the bucket policy.',
  source: 'cloudfront',
  judge(cf) {
    const s3 = cf.origins.filter((o) => o.kind === 's3');
    if (s3.length === 0) return { verdict: 'PASS', evidence: ['no S3 origins'], resource: cf.distributionId };
    return combine(
      s3.map((o) => {
        if (o.originAccessControlId)
          return { verdict: 'PASS', line: `origin ${o.id}: OAC ${o.originAccessControlId}` };
        if (o.originAccessIdentity)
          return { verdict: 'WARN', line: `origin ${o.id}: legacy origin access identity (move to OAC)` };
        return { verdict: 'FAIL', line: `origin ${o.id} (${o.domain}): neither OAC nor OAI` };
      }),
      cf.distributionId,
    );
  },
};

const SECRET_NAME =
  /(PASSWORD|PASSWD|PWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL|AUTH_?KEY|SIGNING_?KEY)/i;
const REFERENCE_NAME = /(_ARN|_FILE|_PATH|_NAME|_ID|_URL_PARAM|_SECRET_ID)$/i;
const SECRET_VALUES: [RegExp, string][] = [
  [/\bAKIA[0-9A-Z]{16}\b/, 'value is an AWS access key id'],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'value is a private key'],
  [/^[a-z][a-z0-9+.-]*:\/\/[^/:@\s]+:[^/@\s]+@/i, 'value is a URL with a password'],
  [/^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]*$/, 'value is a JWT'],
];

/**
 * Why an ECS environment variable looks like a secret, or undefined when it does not. Names
 * of references (…_ARN, …_FILE) and values that are ARNs are fine: those point at a secret.
 *
 * @example
 * secretLikeReason('DB_PASSWORD', 'hunter2'); // 'name looks like a secret'
 * secretLikeReason('DB_PASSWORD_ARN', 'arn:aws:secretsmanager:…'); // undefined
 */
export function secretLikeReason(name: string, value: string): string | undefined {
  for (const [pattern, reason] of SECRET_VALUES) if (pattern.test(value)) return reason;
  if (value === '' || value.startsWith('arn:') || REFERENCE_NAME.test(name)) return undefined;
  if (SECRET_NAME.test(name)) return 'name looks like a secret';
  return undefined;
}

export const ecsNoSecretsInEnvironment: Check<'ecs'> = {
  id: 'ACC-007',
  title: 'No secrets in ECS task definition environment variables',
  safeguard: ACCESS,
  group: 'ACC',
  probe:
    "ecs DescribeTaskDefinition of each service's task definition: container environment names and value shapes (values are never reported).",
  fix: 'Move the value to Secrets Manager or SSM Parameter Store and reference it under `secrets` (valueFrom), then rotate it: it was exposed.',
  source: 'ecs',
  judge(ecs) {
    if (ecs.taskDefinitions.length === 0) return { verdict: 'SKIPPED', evidence: ['no ecs-services given'] };
    if (ecs.secretLikeEnvironment.length === 0) {
      return {
        verdict: 'PASS',
        evidence: [`no secret-like environment variables in ${ecs.taskDefinitions.join(', ')}`],
      };
    }
    return {
      verdict: 'FAIL',
      evidence: ecs.secretLikeEnvironment.map(
        (s) => `${s.taskDefinition} ${s.container}: ${s.variable} (${s.reason})`,
      ),
      resource: ecs.secretLikeEnvironment[0]?.taskDefinition,
    };
  },
};

export const accessChecks = [
  unauthenticatedRefused,
  roleMatrix,
  rdsNotPublic,
  ecsNoPublicIp,
  s3PublicAccessBlock,
  cloudfrontOriginAccessControl,
  ecsNoSecretsInEnvironment,
] as const;
