/**
 * The example roles of `examples/iam` in moto, one per purpose, as an app team creates them:
 * each trust policy (the customized OIDC `sub`) and permission policy with the example's names
 * replaced by the stack's (account, cluster, buckets, listener, distribution, database, log
 * groups), the only edits an app team makes. configure-aws-credentials' stand-in evaluates the
 * trust policies on each job's token; moto does not enforce the permission policies, so the
 * requests the jobs make are recorded and evaluated against them (test/local-stack/iam-check.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { repoRoot } from '@white-cross/testkit';
import type { PolicyDocument } from '@white-cross/testkit/iam/index';
import {
  API_LOG_GROUP,
  AUDIT_BUCKET,
  AUDIT_LOG_GROUP,
  CLUSTER,
  DB_INSTANCE,
  FRONTEND_BUCKET,
  type Environment,
} from './aws-setup.js';

/** moto's account. */
export const ACCOUNT_ID = '123456789012';
const EXAMPLE_ACCOUNT = '111122223333';

export type RolePurpose = 'deploy' | 'verify' | 'evidence' | 'rollback' | 'cleanup';
export const PURPOSES: RolePurpose[] = ['deploy', 'verify', 'evidence', 'rollback', 'cleanup'];

export type RoleArns = Record<RolePurpose, string>;

/** The example's production names and the stack's, longest first (one name holds another). */
function stackNames(environment: Environment): [string, string][] {
  const EXAMPLE_LISTENER =
    'arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/app/school-health-alb/50dc6c495c0c9188/f2f7dc8efc522ab2';
  return [
    [EXAMPLE_LISTENER, environment.listenerArn],
    ['distribution/E1PRODUCTIONEXAMPLE', `distribution/${environment.distributionId}`],
    ['school-health-production-web', FRONTEND_BUCKET],
    ['school-health-audit-evidence', AUDIT_BUCKET],
    ['log-group:/ecs/school-health-production/api', `log-group:${API_LOG_GROUP}`],
    ['log-group:/school-health-production/audit', `log-group:${AUDIT_LOG_GROUP}`],
    ['pg:school-health-production-postgres15', 'pg:school-health-postgres15'],
    ['db:school-health-production', `db:${DB_INSTANCE}`],
    ['snapshot:school-health-production-', `snapshot:${DB_INSTANCE}-`],
    ['cluster/school-health-production', `cluster/${CLUSTER}`],
    ['service/school-health-production/', `service/${CLUSTER}/`],
    ['task/school-health-production/', `task/${CLUSTER}/`],
    [EXAMPLE_ACCOUNT, ACCOUNT_ID],
  ];
}

const example = (file: string, environment: Environment) =>
  stackNames(environment).reduce(
    (text, [from, to]) => text.replaceAll(from, to),
    readFileSync(join(repoRoot, 'examples', 'iam', file), 'utf8'),
  );

/** A role's example permission policy with the stack's names, as the stack's role holds it. */
export function stackPolicy(purpose: RolePurpose, environment: Environment): PolicyDocument {
  return JSON.parse(example(`${purpose}-role-policy.json`, environment)) as PolicyDocument;
}

/** Creates the roles; returns their ARNs by purpose. */
export async function provisionRoles(motoUrl: string, environment: Environment): Promise<RoleArns> {
  const iam = new IAMClient({
    region: 'us-east-1',
    endpoint: motoUrl,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  const arns = {} as RoleArns;
  try {
    for (const purpose of PURPOSES) {
      const RoleName = `school-health-${purpose}`;
      const role = await iam.send(
        new CreateRoleCommand({
          RoleName,
          AssumeRolePolicyDocument: example(`${purpose}-role-trust.json`, environment),
        }),
      );
      await iam.send(
        new PutRolePolicyCommand({
          RoleName,
          PolicyName: `${purpose}-permissions`,
          PolicyDocument: example(`${purpose}-role-policy.json`, environment),
        }),
      );
      arns[purpose] = role.Role?.Arn ?? `arn:aws:iam::${ACCOUNT_ID}:role/${RoleName}`;
    }
  } finally {
    iam.destroy();
  }
  return arns;
}
