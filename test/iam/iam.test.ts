/**
 * examples/iam proven exact with a maintained IAM evaluator (@cloud-copilot/iam-simulate):
 * (a) each role's trust policy against the OIDC claims GitHub issues once the app repository's
 *     subject template is customized to repo, context, job_workflow_ref (the `sub` then reads
 *     `repo:<owner/repo>:environment:<env>:job_workflow_ref:<owner/repo>/<path>@<ref>`, GitHub's
 *     "OpenID Connect reference", customizing the subject claims) with `aud` sts.amazonaws.com
 *     (what aws-actions/configure-aws-credentials asks for): allowed for its environment and
 *     workflow; denied for a fork, another environment, another workflow, a pull request;
 * (b) each role's permission policy against the requests its actions make (requests.ts): every
 *     request allowed, no statement and no action of a statement unused, and the narrowings
 *     (listener, PassRole, log groups, task definition families) refusing what they should.
 */
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@white-cross/testkit';
import {
  customizedSubject,
  evaluateRequests,
  evaluateTrust,
  iamActionOf,
  type PolicyDocument,
} from '@white-cross/testkit/iam/index';
import { NOT_ON_THE_LOCAL_STACK } from '../local-stack/iam-check.js';
import { ROLE_REFUSALS, ROLE_REQUESTS } from './requests.js';

const dir = join(repoRoot, 'examples', 'iam');
const file = (name: string) => join(dir, name);
const ROLES = ['deploy', 'rollback', 'cleanup', 'verify', 'evidence'];
const PROVIDER = 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com';
const APP = 'white-cross/school-health';
const SUITE = 'white-cross/deploy/.github/workflows';
const AUD = 'sts.amazonaws.com';

const trusts = (role: string, claims: { sub: string; aud?: string }) =>
  evaluateTrust(
    file(`${role}-role-trust.json`),
    { aud: AUD, ...claims },
    {
      roleArn: `arn:aws:iam::111122223333:role/school-health-production-${role}`,
      providerArn: PROVIDER,
    },
  ).allowed;
const sub = (
  environment: string | undefined,
  workflow: string,
  over: { repository?: string; ref?: string; pullRequest?: boolean } = {},
) =>
  customizedSubject({
    repository: over.repository ?? APP,
    ...(environment ? { environment } : {}),
    ...(over.ref ? { ref: over.ref } : {}),
    ...(over.pullRequest ? { pullRequest: true } : {}),
    jobWorkflowRef: workflow.includes('/') ? workflow : `${SUITE}/${workflow}@refs/tags/v1`,
  });

describe('the files', () => {
  it('one trust and one permission policy per purpose, and the subject customization', () => {
    expect(readdirSync(dir).sort()).toEqual(
      [
        ...ROLES.flatMap((r) => [`${r}-role-policy.json`, `${r}-role-trust.json`]),
        'github-oidc-sub-customization.json',
      ].sort(),
    );
    expect(JSON.parse(readFileSync(file('github-oidc-sub-customization.json'), 'utf8'))).toEqual({
      use_default: false,
      include_claim_keys: ['repo', 'context', 'job_workflow_ref'],
    });
  });

  it('no trust policy conditions on a claim AWS is not documented to receive from GitHub (only sub and aud)', () => {
    for (const role of ROLES) {
      const trust = JSON.parse(readFileSync(file(`${role}-role-trust.json`), 'utf8')) as PolicyDocument;
      for (const s of trust.Statement) {
        const keys = Object.values(s.Condition ?? {}).flatMap((c) => Object.keys(c));
        expect([role, keys.sort()]).toEqual([
          role,
          ['token.actions.githubusercontent.com:aud', 'token.actions.githubusercontent.com:sub'],
        ]);
        expect(Object.keys(s.Condition ?? {}).sort()).toEqual(['StringEquals', 'StringLike']);
      }
    }
  });
});

describe('(a) trust: the customized sub claim, StringLike', () => {
  it('the deploy role: production-deploy jobs of deploy.yml only', () => {
    expect(trusts('deploy', { sub: sub('production-deploy', 'deploy.yml') })).toBe(true);
    expect(trusts('deploy', { sub: sub('production-deploy', `${SUITE}/deploy.yml@refs/tags/v1.4.0`) })).toBe(
      true,
    );
    // The environment with the reviewers holds no role: the approval job assumes none.
    expect(trusts('deploy', { sub: sub('production', 'deploy.yml') })).toBe(false);
    expect(trusts('deploy', { sub: sub('staging-deploy', 'deploy.yml') })).toBe(false);
    expect(trusts('deploy', { sub: sub('production-rollback', 'deploy.yml') })).toBe(false);
    // A fork (another repository), another workflow, a branch of the suite, a pull request.
    expect(
      trusts('deploy', {
        sub: sub('production-deploy', 'deploy.yml', { repository: 'mallory/school-health' }),
      }),
    ).toBe(false);
    expect(
      trusts('deploy', {
        sub: sub('production-deploy', `${APP}/.github/workflows/evil.yml@refs/heads/main`),
      }),
    ).toBe(false);
    expect(
      trusts('deploy', { sub: sub('production-deploy', `${SUITE}/deploy.yml@refs/heads/feature`) }),
    ).toBe(false);
    expect(trusts('deploy', { sub: sub(undefined, 'deploy.yml', { pullRequest: true }) })).toBe(false);
    expect(trusts('deploy', { sub: sub(undefined, 'deploy.yml', { ref: 'refs/tags/v1.4.0' }) })).toBe(false);
    // A token for another audience.
    expect(
      trusts('deploy', {
        sub: sub('production-deploy', 'deploy.yml'),
        aud: 'https://github.com/white-cross',
      }),
    ).toBe(false);
    // The default (uncustomized) subject never matches: the customization is required.
    expect(trusts('deploy', { sub: `repo:${APP}:environment:production-deploy` })).toBe(false);
  });

  it('the rollback role: production-rollback jobs of deploy.yml and rollback.yml', () => {
    expect(trusts('rollback', { sub: sub('production-rollback', 'deploy.yml') })).toBe(true);
    expect(trusts('rollback', { sub: sub('production-rollback', 'rollback.yml') })).toBe(true);
    expect(trusts('rollback', { sub: sub('production-deploy', 'deploy.yml') })).toBe(false);
    expect(trusts('rollback', { sub: sub('production-rollback', 'cleanup.yml') })).toBe(false);
    expect(
      trusts('rollback', {
        sub: sub('production-rollback', 'rollback.yml', { repository: 'mallory/school-health' }),
      }),
    ).toBe(false);
  });

  it('the cleanup role: production-maintenance jobs of cleanup.yml', () => {
    expect(trusts('cleanup', { sub: sub('production-maintenance', 'cleanup.yml') })).toBe(true);
    expect(trusts('cleanup', { sub: sub('production-maintenance', 'deploy.yml') })).toBe(false);
    expect(trusts('cleanup', { sub: sub('production-deploy', 'cleanup.yml') })).toBe(false);
  });

  it('the verify role: after a deploy (production-deploy, deploy.yml) and daily (production-audit, verify.yml)', () => {
    expect(trusts('verify', { sub: sub('production-deploy', 'deploy.yml') })).toBe(true);
    expect(trusts('verify', { sub: sub('production-audit', 'verify.yml') })).toBe(true);
    expect(trusts('verify', { sub: sub('production-audit', 'deploy.yml') })).toBe(false);
    expect(trusts('verify', { sub: sub('production-maintenance', 'verify.yml') })).toBe(false);
  });

  it('the evidence role: production-deploy jobs of deploy.yml', () => {
    expect(trusts('evidence', { sub: sub('production-deploy', 'deploy.yml') })).toBe(true);
    expect(trusts('evidence', { sub: sub('production-rollback', 'deploy.yml') })).toBe(false);
    expect(trusts('evidence', { sub: sub('production-deploy', 'verify.yml') })).toBe(false);
  });
});

describe('(b) permissions: exactly what the actions call', () => {
  it.each(ROLES)(
    'the %s role allows every request its jobs make, and nothing in it is unused',
    async (role) => {
      const result = await evaluateRequests(file(`${role}-role-policy.json`), ROLE_REQUESTS[role] ?? []);
      expect(result.denied.map((d) => d.message)).toEqual([]);
      expect(result.unusedStatements).toEqual([]);
      expect(result.unusedActions).toEqual([]);
    },
  );

  it.each(ROLES)('the %s role refuses what it must not do', async (role) => {
    const refusals = ROLE_REFUSALS[role] ?? [];
    expect(refusals.length).toBeGreaterThan(0);
    const result = await evaluateRequests(file(`${role}-role-policy.json`), refusals);
    expect(result.denied.map((d) => d.request.source)).toEqual(refusals.map((r) => r.source));
  });

  it('evaluateRequests names the action, the resource and the statement that did not match', async () => {
    const result = await evaluateRequests(file('deploy-role-policy.json'), [
      {
        source: 'test',
        action: 'iam:PassRole',
        resource: 'arn:aws:iam::111122223333:role/school-health-api-task',
        context: { 'iam:PassedToService': 'lambda.amazonaws.com' },
      },
    ]);
    expect(result.denied[0]?.message).toBe(
      'test: iam:PassRole on arn:aws:iam::111122223333:role/school-health-api-task is ImplicitlyDenied; statements with this action: EcsBlueGreenPassTheTaskRolesToEcsOnly (condition does not match)',
    );
    // Every statement is unused when nothing was requested.
    expect((await evaluateRequests(file('cleanup-role-policy.json'), [])).unusedStatements).toHaveLength(3);
  });
});

describe('the paths the local stack does not take are covered here', () => {
  it.each(ROLES)(
    "each statement (or action) of the %s role the e2e is excused from is in the policy and used by this table's requests",
    async (role) => {
      const listed = Object.keys(NOT_ON_THE_LOCAL_STACK[role as keyof typeof NOT_ON_THE_LOCAL_STACK]);
      const policy = JSON.parse(readFileSync(file(`${role}-role-policy.json`), 'utf8')) as PolicyDocument;
      const result = await evaluateRequests(policy, ROLE_REQUESTS[role] ?? []);
      for (const entry of listed) {
        const [sid, action] = entry.split(': ');
        const statement = policy.Statement.find((s) => s.Sid === sid);
        expect([entry, statement ? 'in the policy' : 'not in the policy']).toEqual([entry, 'in the policy']);
        if (action)
          expect([entry, [statement?.Action].flat()]).toEqual([entry, expect.arrayContaining([action])]);
        expect(result.unusedStatements).not.toContain(sid);
        if (action) expect(result.unusedActions).not.toContain(entry);
      }
    },
  );
});

describe('iamActionOf: recorded SDK operations to IAM actions', () => {
  it('maps the S3 operations IAM authorizes under another name, and the rest by prefix', () => {
    expect(iamActionOf('S3', 'HeadObject')).toBe('s3:GetObject');
    expect(iamActionOf('S3', 'ListObjectsV2')).toBe('s3:ListBucket');
    expect(iamActionOf('S3', 'GetBucketEncryption')).toBe('s3:GetEncryptionConfiguration');
    expect(iamActionOf('ElasticLoadBalancingV2', 'ModifyListener')).toBe(
      'elasticloadbalancing:ModifyListener',
    );
    expect(iamActionOf('CloudWatch Logs', 'FilterLogEvents')).toBe('logs:FilterLogEvents');
    expect(iamActionOf('S3 Control', 'GetPublicAccessBlock')).toBe('s3:GetAccountPublicAccessBlock');
    expect(() => iamActionOf('Lambda', 'Invoke')).toThrow("no IAM prefix known for the service 'Lambda'");
  });
});

describe('the request table follows the sources', () => {
  const CLIENTS: Record<string, string> = {
    'client-s3': 'S3',
    'client-ecs': 'ECS',
    'client-elastic-load-balancing-v2': 'ElasticLoadBalancingV2',
    'client-rds': 'RDS',
    'client-cloudfront': 'CloudFront',
    'client-cloudwatch': 'CloudWatch',
    'client-cloudwatch-logs': 'CloudWatch Logs',
    'client-kms': 'KMS',
    'client-cloudtrail': 'CloudTrail',
    'client-s3-control': 'S3 Control',
    'client-sts': 'STS',
  };
  // Calls IAM does not authorize: "No permissions are required to perform this operation" (AWS
  // STS API Reference, GetCallerIdentity).
  const NO_PERMISSION = new Set(['hipaa-verify sts:GetCallerIdentity', 's3-deploy sts:GetCallerIdentity']);
  // Calls no production role makes with examples/workflows/production.yml's settings.
  const NOT_IN_PRODUCTION: Record<string, string> = {
    'ecs-bluegreen elasticloadbalancing:ModifyRule': 'only with rule-arn (production gives listener-arn)',
    'db-migrate s3:PutObject': 'pg_dump backups to S3 (staging); production takes RDS snapshots',
    'db-migrate s3:GetObject': 'pg_dump backups to S3 (staging); production takes RDS snapshots',
    // Aurora: production.yml's database is an RDS PostgreSQL instance, not an Aurora cluster.
    'db-migrate rds:DescribeDBClusters': 'Aurora clusters only (production uses an RDS instance)',
    'db-migrate rds:CreateDBClusterSnapshot': 'Aurora clusters only (production uses an RDS instance)',
    'db-migrate rds:DescribeDBClusterSnapshots': 'Aurora clusters only (production uses an RDS instance)',
    'db-migrate rds:DeleteDBClusterSnapshot': 'Aurora clusters only (production uses an RDS instance)',
    'hipaa-verify rds:DescribeDBClusters': 'Aurora clusters only (production uses an RDS instance)',
    'hipaa-verify rds:DescribeDBClusterParameters': 'Aurora clusters only (production uses an RDS instance)',
  };

  /** Every `new XCommand(` of an action's sources, as the IAM action it is authorized as. */
  function commandsOf(action: string): string[] {
    const found = new Set<string>();
    const walk = (d: string) => {
      for (const entry of readdirSync(d, { withFileTypes: true })) {
        const path = join(d, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith('.ts')) {
          const text = readFileSync(path, 'utf8');
          const imports = [
            ...text.matchAll(/import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/(client-[a-z0-9-]+)'/g),
          ];
          for (const m of text.matchAll(/new ([A-Z][A-Za-z0-9]+)Command\(/g)) {
            const client = imports.find((i) => (i[1] ?? '').includes(`${m[1]}Command`))?.[2] ?? '';
            const service = CLIENTS[client];
            if (!service) throw new Error(`${path}: ${m[1]}Command from an unknown client '${client}'`);
            found.add(iamActionOf(service, m[1] ?? ''));
          }
        }
      }
    };
    walk(join(repoRoot, 'actions', action, 'src'));
    return [...found].sort();
  }

  it.each(['db-migrate', 'ecs-bluegreen', 'canary-gate', 's3-deploy', 'hipaa-verify', 'evidence-bundle'])(
    'every AWS call of %s is in the table (or said why not)',
    (action) => {
      const tabled = new Set(
        Object.values(ROLE_REQUESTS)
          .flat()
          .filter((r) => r.source?.startsWith(action))
          .map((r) => r.action),
      );
      const missing = commandsOf(action).filter(
        (a) => !tabled.has(a) && !NOT_IN_PRODUCTION[`${action} ${a}`] && !NO_PERMISSION.has(`${action} ${a}`),
      );
      expect(missing).toEqual([]);
    },
  );
});
