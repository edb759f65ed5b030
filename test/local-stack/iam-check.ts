/**
 * IAM as AWS would evaluate it, on the local stack: every AWS request a job of the workflows
 * makes goes through a recording proxy (in front of moto, and of the CloudWatch stand-in), is
 * attributed to the role whose credentials signed it (the proxy learns access key → role from
 * the AssumeRoleWithWebIdentity answers of configure-aws-credentials' stand-in), and is
 * evaluated against that role's example policy from examples/iam (with the stack's names).
 * The harness's own requests (set-up, the ECS agent, the ALB stand-in) go to moto directly,
 * with admin credentials, and are not seen here.
 *
 * The e2e and the demo fail on any denial, and on a statement (or an action of a statement)
 * no request used — except those in {@link NOT_ON_THE_LOCAL_STACK}, the paths the local stack
 * does not take, each of which test/iam/requests.ts covers (test/iam/iam.test.ts checks that).
 */
import { startAwsProxy, type AwsProxy } from '@white-cross/testkit';
import type { PolicyDocument } from '@white-cross/testkit/iam/index';
import { evaluateRecording } from '@white-cross/testkit/iam/recorded';
import type { Environment } from './aws-setup.js';
import { PURPOSES, stackPolicy, type RoleArns, type RolePurpose } from './iam-setup.js';
import type { LocalStack } from './stack.js';

/**
 * What the example policies allow that the local stack never asks for, by role: a statement's
 * Sid (the whole statement) or `Sid: action` (one action of a statement that is used). The one
 * list of exceptions; each entry says why the local stack does not take that path.
 */
export const NOT_ON_THE_LOCAL_STACK: Record<RolePurpose, Record<string, string>> = {
  deploy: {
    // moto makes a snapshot `available` at once, so db-migrate's wait never reads it again.
    'DbMigrateTheSnapshot: rds:DescribeDBSnapshots': 'the snapshot wait (moto: available at once)',
    // Each scenario starts on a fresh database instance with one or two snapshots, fewer than
    // snapshot-retention keeps.
    DbMigratePruneItsOwnSnapshots: 'snapshot pruning (fewer snapshots than snapshot-retention)',
    // Every scenario deploys onto an empty bucket (stack.reset), so no object is stale.
    'S3DeployTheFrontendObjects: s3:DeleteObject': 'stale objects removed (each scenario starts empty)',
    'S3DeployTheFrontendObjects: s3:AbortMultipartUpload': 'a failed multipart upload (no upload fails)',
    // The local buckets are encrypted with SSE-S3: no KMS key (moto's KMS is not wired in).
    S3DeployTheFrontendKeyThroughS3: 'SSE-KMS objects (the local bucket uses SSE-S3)',
    // The local web bucket blocks all four itself, so the account's setting is never asked
    // (s3-deploy's test covers that path, on moto through S3 Control).
    S3DeployTheAccountsBlockPublicAccess: "the account's Block Public Access (the bucket has its own)",
    // moto completes an invalidation on creation: the wait never polls it.
    'S3DeployInvalidate: cloudfront:GetInvalidation': 'the invalidation wait (moto: Completed at once)',
    // Stopped tasks are read only when the new color's tasks fail to become healthy.
    EcsBlueGreenTheTasks: "stopped tasks' reasons (the local tasks start)",
    EcsBlueGreenListTheClustersTasks: "stopped tasks' reasons (the local tasks start)",
    // production.yml deploys with strategy two-services; ecs-native runs on moto in
    // actions/ecs-bluegreen/test/native-bundle.test.ts (moto has no ListServiceDeployments: the
    // ECS native stand-in answers those).
    EcsBlueGreenNativeTheService: 'strategy ecs-native (the example caller uses two-services)',
    EcsBlueGreenNativeItsServiceDeployments: 'strategy ecs-native (the example caller uses two-services)',
  },
  verify: {
    // The local stack runs hipaa-verify's probes of the app (actionTuning in
    // test/demo/workflow-demo.ts): the checks of AWS settings it does not model are left out.
    HipaaVerifyTheAccountsBlockPublicAccess: "the account's Block Public Access (the bucket has its own)",
    HipaaVerifyTheDatabaseSnapshots: 'the backup check (AWS checks not run locally)',
    HipaaVerifyTheKeys: 'the KMS rotation checks (no KMS keys locally)',
    HipaaVerifyTheTrail: 'the CloudTrail check (moto has no trail here)',
    'HipaaVerifyWithoutResourceTypes: elasticloadbalancing:DescribeListeners':
      'the listener TLS policy check',
    'HipaaVerifyWithoutResourceTypes: elasticloadbalancing:DescribeLoadBalancerAttributes':
      'the ALB access-log check',
    'HipaaVerifyWithoutResourceTypes: elasticloadbalancing:DescribeSSLPolicies':
      'the listener TLS policy check',
    'HipaaVerifyWithoutResourceTypes: logs:DescribeLogGroups': 'the log retention check',
    'HipaaVerifyWithoutResourceTypes: cloudtrail:DescribeTrails': 'the CloudTrail check',
  },
  evidence: {
    // audit-kms-key-id is empty on the local stack (SSE-S3 audit bucket).
    EvidenceBundleTheAuditKeyThroughS3: 'a KMS-encrypted evidence bundle (SSE-S3 locally)',
  },
  rollback: {
    // rollback.yml (a snapshot first; to a release tag, its task definition rebuilt) is not
    // run on the local stack yet: the rollbacks here are deploy.yml's, to `previous` while the
    // old color still runs (a weight change only).
    SnapshotBeforeTheRollback: "rollback.yml's database snapshot (not run locally yet)",
    TheRollbackSnapshot: "rollback.yml's database snapshot (not run locally yet)",
    'EcsBlueGreenTheServices: ecs:UpdateService': 'a rollback to a color scaled down (not run locally)',
    EcsBlueGreenTheTasks: "stopped tasks' reasons (the local tasks start)",
    EcsBlueGreenTheTaskDefinitions: 'a rollback to a release tag (not run locally yet)',
    EcsBlueGreenTagTheRebuiltTaskDefinition: 'a rollback to a release tag (not run locally yet)',
    EcsBlueGreenPassTheTaskRolesToEcsOnly: 'a rollback to a release tag (not run locally yet)',
    'EcsBlueGreenWithoutResourceTypes: ecs:ListTaskDefinitions':
      'a rollback to a release tag (not run locally yet)',
    'EcsBlueGreenWithoutResourceTypes: elasticloadbalancing:DescribeTargetHealth':
      'a rollback to a color scaled down (not run locally)',
    'EcsBlueGreenWithoutResourceTypes: ecs:DescribeTaskDefinition':
      'a rollback to an ARN or a tag (not run locally)',
    EcsBlueGreenListTheClustersTasks: "stopped tasks' reasons (the local tasks start)",
    EcsBlueGreenNativeTheService: 'strategy ecs-native (the example caller uses two-services)',
    EcsBlueGreenNativeItsServiceDeployments: 'strategy ecs-native (the example caller uses two-services)',
  },
  cleanup: {
    // The e2e's cleanup runs minutes after a promotion: nothing is 24 h old, so it only reads.
    'EcsBlueGreenScaleTheOldColor: ecs:UpdateService': 'the scale-down (nothing promoted 24 h ago)',
    'EcsBlueGreenScaleTheOldColor: ecs:TagResource': 'the scale-down (nothing promoted 24 h ago)',
    'EcsBlueGreenScaleTheOldColor: ecs:UntagResource': 'the scale-down (nothing promoted 24 h ago)',
    EcsBlueGreenTaskDefinitionCallsWithoutResourceTypes: 'deregistering old revisions (nothing to clean)',
  },
};

export interface IamFindings {
  /** Each denied request: the role, the action, the resource and the evaluator's reason. */
  denied: string[];
  /** `<role>: <Sid>` or `<role>: <Sid>: <action>` that no request used and the list does not excuse. */
  unused: string[];
  /** Entries of NOT_ON_THE_LOCAL_STACK that a request did use: the list is stale. */
  listedButUsed: string[];
  /** Distinct authorizations evaluated, per role. */
  requests: Record<string, number>;
  /** Requests through the proxy that no assumed role signed. */
  unattributed: number;
}

export interface IamRecorder {
  /** AWS_ENDPOINT_URL (moto through the proxy), for the jobs and configure-aws-credentials. */
  endpoint: string;
  /** AWS_ENDPOINT_URL_CLOUDWATCH (the metrics stand-in through a proxy). */
  env: Record<string, string>;
  /** Evaluates the requests recorded since the last check, against the environment's policies. */
  check(environment: Environment, roles: RoleArns): Promise<IamFindings>;
  /** Everything checked so far: denials, and what no request used. */
  findings(): IamFindings;
  stop(): Promise<void>;
}

const actionsOf = (s: PolicyDocument['Statement'][number]) => [s.Action].flat();

export async function startIamRecorder(stack: LocalStack): Promise<IamRecorder> {
  const proxies: AwsProxy[] = [await startAwsProxy(stack.moto.url), await startAwsProxy(stack.metrics.url)];
  const [aws, metrics] = proxies as [AwsProxy, AwsProxy];
  const checked = proxies.map(() => 0);
  const snapshotTags = new Map<string, Record<string, string>>();
  const denied: string[] = [];
  const used = new Set<string>();
  const requests: Record<string, number> = {};
  let unattributed = 0;
  let last: PolicyDocument[] = [];

  const everything = (policies: PolicyDocument[]) =>
    PURPOSES.flatMap((purpose, i) =>
      (policies[i]?.Statement ?? []).flatMap((s) => [
        `${purpose}: ${s.Sid}`,
        ...actionsOf(s).map((a) => `${purpose}: ${s.Sid}: ${a}`),
      ]),
    );

  const findings = (): IamFindings => {
    const listed = PURPOSES.flatMap((p) => Object.keys(NOT_ON_THE_LOCAL_STACK[p]).map((k) => `${p}: ${k}`));
    const excused = (key: string) => listed.some((l) => key === l || key.startsWith(`${l}: `));
    const all = everything(last);
    return {
      denied: [...denied],
      unused: all.filter((k) => !used.has(k) && !excused(k)),
      listedButUsed: listed.filter((l) => used.has(l)),
      requests: { ...requests },
      unattributed,
    };
  };

  return {
    endpoint: aws.url,
    env: { AWS_ENDPOINT_URL_CLOUDWATCH: metrics.url },
    check: async (environment, roles) => {
      const recorded = proxies.flatMap((p, i) => p.requests.slice(checked[i]));
      proxies.forEach((p, i) => (checked[i] = p.requests.length));
      recorded.sort((a, b) => a.at - b.at);
      const credentials = new Map([...aws.roles, ...metrics.roles]);
      last = PURPOSES.map((p) => stackPolicy(p, environment));
      const policies = Object.fromEntries(PURPOSES.map((p, i) => [roles[p], last[i] as PolicyDocument]));
      const result = await evaluateRecording(recorded, credentials, policies, snapshotTags);
      unattributed += result.unattributed;
      for (const r of result.roles) {
        const i = PURPOSES.findIndex((p) => roles[p] === r.role);
        const purpose = PURPOSES[i] ?? r.role;
        requests[purpose] = (requests[purpose] ?? 0) + r.requests;
        denied.push(...r.denied.map((d) => `${purpose} role: ${d.message}`));
        const unusedStatements = new Set(r.unusedStatements);
        const unusedActions = new Set(r.unusedActions);
        for (const s of last[i]?.Statement ?? []) {
          if (unusedStatements.has(s.Sid ?? '')) continue;
          used.add(`${purpose}: ${s.Sid}`);
          for (const a of actionsOf(s))
            if (!unusedActions.has(`${s.Sid}: ${a}`)) used.add(`${purpose}: ${s.Sid}: ${a}`);
        }
      }
      return findings();
    },
    findings,
    stop: async () => {
      await Promise.all(proxies.map((p) => p.stop()));
    },
  };
}

/** The findings as report lines (the demo report and the e2e's message). */
export function iamReport(f: IamFindings): string[] {
  const counts = Object.entries(f.requests)
    .map(([role, n]) => `${role} ${n}`)
    .join(', ');
  return [
    `IAM: the jobs' AWS requests evaluated against examples/iam (distinct authorizations per role: ${counts || 'none'}; ${f.unattributed} unsigned or harness requests not attributed): ${f.denied.length} denied, ${f.unused.length} unused.`,
    ...f.denied.map((d) => `- denied: ${d}`),
    ...f.unused.map((u) => `- unused: ${u}`),
    ...f.listedButUsed.map((u) => `- listed as not on the local stack, but used: ${u}`),
  ];
}
