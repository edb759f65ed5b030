/**
 * The example roles of `examples/iam` in moto, one per purpose, as an app team creates them:
 * each trust policy (the customized OIDC `sub`) and permission policy with the example account
 * id replaced by the stack's. configure-aws-credentials' stand-in evaluates the trust policies
 * on each job's token; moto itself does not enforce the permission policies.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { repoRoot } from '@white-cross/testkit';

/** moto's account. */
export const ACCOUNT_ID = '123456789012';
const EXAMPLE_ACCOUNT = '111122223333';

export type RolePurpose = 'deploy' | 'verify' | 'evidence' | 'rollback' | 'cleanup';
export const PURPOSES: RolePurpose[] = ['deploy', 'verify', 'evidence', 'rollback', 'cleanup'];

export type RoleArns = Record<RolePurpose, string>;

const example = (file: string) =>
  readFileSync(join(repoRoot, 'examples', 'iam', file), 'utf8').replaceAll(EXAMPLE_ACCOUNT, ACCOUNT_ID);

/** Creates the roles; returns their ARNs by purpose. */
export async function provisionRoles(motoUrl: string): Promise<RoleArns> {
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
        new CreateRoleCommand({ RoleName, AssumeRolePolicyDocument: example(`${purpose}-role-trust.json`) }),
      );
      await iam.send(
        new PutRolePolicyCommand({
          RoleName,
          PolicyName: `${purpose}-permissions`,
          PolicyDocument: example(`${purpose}-role-policy.json`),
        }),
      );
      arns[purpose] = role.Role?.Arn ?? `arn:aws:iam::${ACCOUNT_ID}:role/${RoleName}`;
    }
  } finally {
    iam.destroy();
  }
  return arns;
}
