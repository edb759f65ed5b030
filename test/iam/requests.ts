/**
 * The AWS requests each role makes in production, read from the actions' sources (every
 * `new …Command(` in actions/X/src, and what IAM authorizes for it), with the resource ARN and
 * the condition keys IAM sees. The roles are the ones deploy.yml, rollback.yml, cleanup.yml and
 * verify.yml assume (examples/iam/<role>-role-policy.json), for the infrastructure of
 * examples/workflows/production.yml.
 *
 * Where one SDK call needs more than its own action, the line says which AWS documentation
 * says so:
 * - HeadObject is authorized as s3:GetObject; on a key that does not exist it answers 404 only
 *   with s3:ListBucket on the bucket, else 403 (Amazon S3 API Reference, HeadObject,
 *   "Permissions").
 * - Objects encrypted with SSE-KMS: PutObject needs kms:GenerateDataKey and GetObject/HeadObject
 *   kms:Decrypt on the key, called by S3 on the principal's behalf (kms:ViaService
 *   s3.<region>.amazonaws.com) (Amazon S3 User Guide, "Using server-side encryption with AWS KMS
 *   keys", permissions).
 * - A multipart upload that fails is aborted (lib-storage's leavePartsOnError: false):
 *   s3:AbortMultipartUpload (Amazon S3 API Reference, AbortMultipartUpload).
 * - PutObject with Object Lock retention headers also needs s3:PutObjectRetention (Amazon S3
 *   User Guide, "Configuring S3 Object Lock", required permissions).
 * - RegisterTaskDefinition with tags needs ecs:TagResource with ecs:CreateAction
 *   RegisterTaskDefinition (Amazon ECS Developer Guide, "Grant permission to tag resources on
 *   creation"); the task and execution roles are passed: iam:PassRole with
 *   iam:PassedToService ecs-tasks.amazonaws.com.
 * - CreateDBSnapshot is authorized on both the instance and the new snapshot; its Tags need
 *   rds:AddTagsToResource on the snapshot (Amazon RDS User Guide, "Tagging on creation").
 */
import type { AwsRequest } from '@white-cross/testkit/iam/index';

const A = '111122223333';
const R = 'us-east-1';
const CLUSTER = 'school-health-production';
const SERVICES = ['blue', 'green'].map(
  (c) => `arn:aws:ecs:${R}:${A}:service/${CLUSTER}/school-health-api-${c}`,
);
const TASK_DEFINITION = `arn:aws:ecs:${R}:${A}:task-definition/school-health-api:42`;
const TASK = `arn:aws:ecs:${R}:${A}:task/${CLUSTER}/0123456789abcdef0123456789abcdef`;
const LISTENER = `arn:aws:elasticloadbalancing:${R}:${A}:listener/app/school-health-alb/50dc6c495c0c9188/f2f7dc8efc522ab2`;
const ROLES = ['school-health-api-task', 'school-health-api-execution'].map(
  (r) => `arn:aws:iam::${A}:role/${r}`,
);
const DB = `arn:aws:rds:${R}:${A}:db:${CLUSTER}`;
const MIGRATE_SNAPSHOT = `arn:aws:rds:${R}:${A}:snapshot:${CLUSTER}-db-migrate-20261202t031500z`;
const ROLLBACK_SNAPSHOT = `arn:aws:rds:${R}:${A}:snapshot:${CLUSTER}-rollback-123456789-1`;
const WEB = 'arn:aws:s3:::school-health-production-web';
const WEB_KEY = `arn:aws:kms:${R}:${A}:key/22222222-3333-4444-5555-666666666666`;
const DISTRIBUTION = `arn:aws:cloudfront::${A}:distribution/E1PRODUCTIONEXAMPLE`;
const AUDIT = 'arn:aws:s3:::school-health-audit-evidence';
const AUDIT_KEY = `arn:aws:kms:${R}:${A}:key/33333333-4444-5555-6666-777777777777`;
const BUNDLE = `${AUDIT}/evidence/production/evidence-bundle-school-health-123456789-1.json`;
const RDS_KEY = `arn:aws:kms:${R}:${A}:key/11111111-2222-3333-4444-555555555555`;
const LOG_KEY = `arn:aws:kms:${R}:${A}:key/44444444-5555-6666-7777-888888888888`;
const LOG_GROUPS = ['/ecs/school-health-production/api', '/school-health-production/audit'].map(
  (g) => `arn:aws:logs:${R}:${A}:log-group:${g}`,
);
const VIA_S3 = { 'kms:ViaService': `s3.${R}.amazonaws.com` };

const req = (
  source: string,
  action: string,
  resource: string,
  context?: AwsRequest['context'],
): AwsRequest => ({
  source,
  action,
  resource,
  ...(context ? { context } : {}),
});

/** ecs-bluegreen's reads of the pair (src/aws.ts): the services, the listener, the targets. */
const ecsReads = (mode: string): AwsRequest[] => [
  ...SERVICES.map((s) => req(`ecs-bluegreen ${mode}: DescribeServices`, 'ecs:DescribeServices', s)),
  // DescribeTaskDefinition has no resource types (Service Authorization Reference): `*`.
  req(`ecs-bluegreen ${mode}: DescribeTaskDefinition`, 'ecs:DescribeTaskDefinition', '*'),
  req(`ecs-bluegreen ${mode}: DescribeListeners`, 'elasticloadbalancing:DescribeListeners', '*'),
  req(`ecs-bluegreen ${mode}: DescribeTargetHealth`, 'elasticloadbalancing:DescribeTargetHealth', '*'),
];

/** Moving the weights and recording the colors' roles (src/traffic.ts, src/aws.ts tagResource). */
const ecsShift = (mode: string): AwsRequest[] => [
  req(`ecs-bluegreen ${mode}: ModifyListener`, 'elasticloadbalancing:ModifyListener', LISTENER),
  ...SERVICES.map((s) => req(`ecs-bluegreen ${mode}: TagResource`, 'ecs:TagResource', s)),
  // The run's lock (a tag on the blue service) is released when the run ends (src/executor.ts, state.ts).
  req(`ecs-bluegreen ${mode}: UntagResource (lock released)`, 'ecs:UntagResource', SERVICES[0] ?? ''),
];

/**
 * Before any change but a rollback, every listener and rule of the pair's load balancers is read,
 * so that one still forwarding to a color is refused (src/aws.ts). Describe* of ELBv2 have no
 * resource types (Service Authorization Reference): `*`.
 */
const ecsRoutingScan = (mode: string): AwsRequest[] => [
  req(`ecs-bluegreen ${mode}: DescribeTargetGroups`, 'elasticloadbalancing:DescribeTargetGroups', '*'),
  req(`ecs-bluegreen ${mode}: DescribeRules`, 'elasticloadbalancing:DescribeRules', '*'),
];

const TEST_RULE = `arn:aws:elasticloadbalancing:${R}:${A}:listener-rule/app/school-health-alb/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee`;

/**
 * The test route (src/test-route.ts): the production listener's rules and their tags are read
 * (before any change, and in a rollback, which removes the route); deploy creates the rule,
 * promote and rollback delete it. CreateRule is authorized on the listener, DeleteRule on the
 * rule (Service Authorization Reference). The rule carries no Tags, which would also need
 * elasticloadbalancing:AddTags. DescribeLoadBalancers has no resource types: `*`.
 */
const ecsTestRouteRead = (mode: string): AwsRequest[] => [
  req(`ecs-bluegreen ${mode}: DescribeRules (test route)`, 'elasticloadbalancing:DescribeRules', '*'),
];
const ecsTestRouteOpen: AwsRequest[] = [
  req('ecs-bluegreen deploy: CreateRule (test route)', 'elasticloadbalancing:CreateRule', LISTENER),
  req(
    'ecs-bluegreen deploy: DescribeLoadBalancers (test URL)',
    'elasticloadbalancing:DescribeLoadBalancers',
    '*',
  ),
];
const ecsTestRouteClose = (mode: string): AwsRequest[] => [
  req(`ecs-bluegreen ${mode}: DeleteRule (test route)`, 'elasticloadbalancing:DeleteRule', TEST_RULE),
];

/** Registering a task definition from a file (src/task-definition.ts, src/aws.ts). */
const ecsRegister = (mode: string): AwsRequest[] => [
  req(`ecs-bluegreen ${mode}: RegisterTaskDefinition`, 'ecs:RegisterTaskDefinition', TASK_DEFINITION),
  req(`ecs-bluegreen ${mode}: RegisterTaskDefinition tags`, 'ecs:TagResource', TASK_DEFINITION, {
    'ecs:CreateAction': 'RegisterTaskDefinition',
  }),
  ...ROLES.map((r) =>
    req(`ecs-bluegreen ${mode}: RegisterTaskDefinition passes ${r.split('/').pop()}`, 'iam:PassRole', r, {
      'iam:PassedToService': 'ecs-tasks.amazonaws.com',
    }),
  ),
];

/** Starting the new tasks and waiting for them (src/wait.ts, src/readiness.ts). */
const ecsStart = (mode: string): AwsRequest[] => [
  req(`ecs-bluegreen ${mode}: UpdateService`, 'ecs:UpdateService', SERVICES[1] ?? ''),
  req(`ecs-bluegreen ${mode}: ListTasks`, 'ecs:ListTasks', '*', {
    'ecs:cluster': `arn:aws:ecs:${R}:${A}:cluster/${CLUSTER}`,
  }),
  req(`ecs-bluegreen ${mode}: DescribeTasks`, 'ecs:DescribeTasks', TASK),
];

/**
 * Strategy ecs-native (src/native/): the one service and its service deployments. The
 * deployment ARN is `service-deployment/<cluster>/<service>/<id>` (Service Authorization
 * Reference, Amazon ECS, resource type service-deployment); ListServiceDeployments is
 * authorized on the service. UpdateService sends no loadBalancers, so it passes no role: ECS
 * changes the listener rules with the service's own advancedConfiguration.roleArn, set when
 * the service was made (ECS Developer Guide, "Amazon ECS infrastructure IAM role for load
 * balancers").
 */
const NATIVE_SERVICE = `arn:aws:ecs:${R}:${A}:service/${CLUSTER}/school-health-api`;
const NATIVE_DEPLOYMENT = `arn:aws:ecs:${R}:${A}:service-deployment/${CLUSTER}/school-health-api/Ab3x9Kq2Lm`;
const ecsNativeHooks = (mode: string): AwsRequest[] => [
  req(
    `ecs-bluegreen ecs-native ${mode}: ListServiceDeployments`,
    'ecs:ListServiceDeployments',
    NATIVE_SERVICE,
  ),
  req(
    `ecs-bluegreen ecs-native ${mode}: DescribeServiceDeployments`,
    'ecs:DescribeServiceDeployments',
    NATIVE_DEPLOYMENT,
  ),
  req(
    `ecs-bluegreen ecs-native ${mode}: ContinueServiceDeployment`,
    'ecs:ContinueServiceDeployment',
    NATIVE_DEPLOYMENT,
  ),
  req(
    `ecs-bluegreen ecs-native ${mode}: StopServiceDeployment`,
    'ecs:StopServiceDeployment',
    NATIVE_DEPLOYMENT,
  ),
];
const ecsNativeDeploy: AwsRequest[] = [
  req('ecs-bluegreen ecs-native deploy: DescribeServices', 'ecs:DescribeServices', NATIVE_SERVICE),
  req(
    'ecs-bluegreen ecs-native deploy: DescribeRules (production rule weights)',
    'elasticloadbalancing:DescribeRules',
    '*',
  ),
  req('ecs-bluegreen ecs-native deploy: UpdateService', 'ecs:UpdateService', NATIVE_SERVICE),
  ...ecsNativeHooks('deploy, continue'),
];

export const ROLE_REQUESTS: Record<string, AwsRequest[]> = {
  // deploy.yml: migrate, rollout (deploy, gates, shifts, promote) and frontend.
  deploy: [
    req('db-migrate rds-snapshot: DescribeDBInstances', 'rds:DescribeDBInstances', DB),
    req('db-migrate rds-snapshot: CreateDBSnapshot (instance)', 'rds:CreateDBSnapshot', DB),
    req('db-migrate rds-snapshot: CreateDBSnapshot (snapshot)', 'rds:CreateDBSnapshot', MIGRATE_SNAPSHOT),
    req('db-migrate rds-snapshot: CreateDBSnapshot Tags', 'rds:AddTagsToResource', MIGRATE_SNAPSHOT),
    req('db-migrate rds-snapshot: DescribeDBSnapshots', 'rds:DescribeDBSnapshots', MIGRATE_SNAPSHOT),
    // Pruning lists the instance's manual snapshots (DescribeDBSnapshots with
    // DBInstanceIdentifier): authorized on the db resource (Service Authorization Reference,
    // DescribeDBSnapshots: resource types db and snapshot). Found by the e2e's IAM check.
    req('db-migrate rds-snapshot: DescribeDBSnapshots (of the instance)', 'rds:DescribeDBSnapshots', DB),
    // Pruning by snapshot-retention: only manual snapshots db-migrate itself made (its tag),
    // which IAM can hold it to (aws:ResourceTag on the snapshot; Amazon RDS User Guide,
    // "Controlling access with tags").
    req('db-migrate rds-snapshot: DeleteDBSnapshot (pruning)', 'rds:DeleteDBSnapshot', MIGRATE_SNAPSHOT, {
      'aws:ResourceTag/white-cross:action': 'db-migrate',
    }),
    ...ecsReads('deploy'),
    ...ecsRoutingScan('deploy'),
    ...ecsRegister('deploy'),
    ...ecsStart('deploy'),
    ...ecsShift('deploy'),
    req('canary-gate: GetMetricData', 'cloudwatch:GetMetricData', '*'),
    ...ecsShift('shift'),
    ...ecsShift('promote'),
    ...ecsTestRouteRead('deploy'),
    ...ecsTestRouteOpen,
    ...ecsTestRouteClose('deploy'),
    ...ecsTestRouteClose('promote'),
    ...ecsNativeDeploy,
    req('s3-deploy: GetBucketEncryption', 's3:GetEncryptionConfiguration', WEB),
    req('s3-deploy: GetPublicAccessBlock', 's3:GetBucketPublicAccessBlock', WEB),
    // Only when the bucket's own Block Public Access is absent or partial (S3 Control).
    req('s3-deploy: GetPublicAccessBlock of the account', 's3:GetAccountPublicAccessBlock', '*'),
    req('s3-deploy: ListObjectsV2', 's3:ListBucket', WEB),
    req('s3-deploy: HeadObject (checksum)', 's3:GetObject', `${WEB}/index.html`),
    req('s3-deploy: HeadObject of an SSE-KMS object', 'kms:Decrypt', WEB_KEY, VIA_S3),
    req('s3-deploy: GetObject (manifest)', 's3:GetObject', `${WEB}/.white-cross/manifest.json`),
    req('s3-deploy: PutObject', 's3:PutObject', `${WEB}/assets/app.3f2a9c.js`, {
      's3:x-amz-server-side-encryption': 'aws:kms',
    }),
    req('s3-deploy: PutObject with SSE-KMS', 'kms:GenerateDataKey', WEB_KEY, VIA_S3),
    req(
      's3-deploy: Upload aborted (leavePartsOnError: false)',
      's3:AbortMultipartUpload',
      `${WEB}/assets/big.bin`,
    ),
    req('s3-deploy: DeleteObjects', 's3:DeleteObject', `${WEB}/assets/app.1b2c3d.js`),
    // s3-deploy checks the distribution exists before its first write (issue: a wrong
    // distribution-id must fail before the site changes).
    req('s3-deploy: GetDistribution', 'cloudfront:GetDistribution', DISTRIBUTION),
    req('s3-deploy: CreateInvalidation', 'cloudfront:CreateInvalidation', DISTRIBUTION),
    req('s3-deploy: GetInvalidation', 'cloudfront:GetInvalidation', DISTRIBUTION),
    req('s3-deploy: ListInvalidations', 'cloudfront:ListInvalidations', DISTRIBUTION),
  ],
  // deploy.yml's rollback job (to: previous) and rollback.yml (a snapshot first; previous, an
  // ARN, or a release tag rebuilt from its own task definition file).
  rollback: [
    req('rollback.yml: aws rds create-db-snapshot (instance)', 'rds:CreateDBSnapshot', DB),
    req('rollback.yml: aws rds create-db-snapshot (snapshot)', 'rds:CreateDBSnapshot', ROLLBACK_SNAPSHOT),
    req('rollback.yml: aws rds create-db-snapshot --tags', 'rds:AddTagsToResource', ROLLBACK_SNAPSHOT),
    req('rollback.yml: aws rds wait db-snapshot-available', 'rds:DescribeDBSnapshots', ROLLBACK_SNAPSHOT),
    ...ecsReads('rollback'),
    req('ecs-bluegreen rollback to a tag: ListTaskDefinitions', 'ecs:ListTaskDefinitions', '*'),
    ...ecsRegister('rollback to a tag'),
    ...ecsStart('rollback (previous color scaled up)'),
    ...ecsShift('rollback'),
    ...ecsTestRouteRead('rollback'),
    ...ecsTestRouteClose('rollback'),
    ...ecsNativeHooks('rollback'),
  ],
  // cleanup.yml: scale the old color down, deregister revisions beyond keep-revisions.
  cleanup: [
    ...SERVICES.map((s) => req('ecs-bluegreen cleanup: DescribeServices', 'ecs:DescribeServices', s)),
    req('ecs-bluegreen cleanup: DescribeListeners', 'elasticloadbalancing:DescribeListeners', '*'),
    req('ecs-bluegreen cleanup: DescribeTaskDefinition', 'ecs:DescribeTaskDefinition', '*'),
    req('ecs-bluegreen cleanup: UpdateService (scale down)', 'ecs:UpdateService', SERVICES[0] ?? ''),
    req('ecs-bluegreen cleanup: TagResource', 'ecs:TagResource', SERVICES[0] ?? ''),
    req('ecs-bluegreen cleanup: UntagResource (lock released)', 'ecs:UntagResource', SERVICES[0] ?? ''),
    ...ecsRoutingScan('cleanup'),
    req('ecs-bluegreen cleanup: ListTaskDefinitions', 'ecs:ListTaskDefinitions', '*'),
    // DeregisterTaskDefinition has no resource types and no condition keys (Service
    // Authorization Reference): it cannot be scoped to the app's families in IAM. Only the
    // cleanup role has it; ecs-bluegreen deregisters only revisions of the services' own family.
    req('ecs-bluegreen cleanup: DeregisterTaskDefinition', 'ecs:DeregisterTaskDefinition', '*'),
  ],
  // hipaa-verify in deploy.yml and verify.yml (src/probes/aws-probes.ts).
  verify: [
    req('hipaa-verify: DescribeListeners', 'elasticloadbalancing:DescribeListeners', '*'),
    req('hipaa-verify: DescribeSSLPolicies', 'elasticloadbalancing:DescribeSSLPolicies', '*'),
    req(
      'hipaa-verify: DescribeLoadBalancerAttributes',
      'elasticloadbalancing:DescribeLoadBalancerAttributes',
      '*',
    ),
    req('hipaa-verify: GetDistributionConfig', 'cloudfront:GetDistributionConfig', DISTRIBUTION),
    req('hipaa-verify: DescribeDBInstances', 'rds:DescribeDBInstances', DB),
    req(
      'hipaa-verify: DescribeDBParameters',
      'rds:DescribeDBParameters',
      `arn:aws:rds:${R}:${A}:pg:school-health-production-postgres15`,
    ),
    req('hipaa-verify: DescribeDBSnapshots (of the instance)', 'rds:DescribeDBSnapshots', DB),
    req('hipaa-verify: DescribeDBSnapshots (the snapshots)', 'rds:DescribeDBSnapshots', MIGRATE_SNAPSHOT),
    req('hipaa-verify: GetBucketEncryption', 's3:GetEncryptionConfiguration', WEB),
    req('hipaa-verify: GetPublicAccessBlock', 's3:GetBucketPublicAccessBlock', WEB),
    // Only when a bucket's own Block Public Access is absent or partial (S3 Control; the action
    // has no resource type: Service Authorization Reference, Amazon S3).
    req('hipaa-verify: GetPublicAccessBlock of the account', 's3:GetAccountPublicAccessBlock', '*'),
    req('hipaa-verify: GetBucketPolicy', 's3:GetBucketPolicy', WEB),
    req('hipaa-verify: DescribeLogGroups', 'logs:DescribeLogGroups', '*'),
    ...LOG_GROUPS.map((g) =>
      req('hipaa-verify: FilterLogEvents (PHI scan, audit marker)', 'logs:FilterLogEvents', g),
    ),
    ...[RDS_KEY, WEB_KEY, LOG_KEY].flatMap((k) => [
      req('hipaa-verify: DescribeKey', 'kms:DescribeKey', k),
      req('hipaa-verify: GetKeyRotationStatus', 'kms:GetKeyRotationStatus', k),
    ]),
    req('hipaa-verify: DescribeTrails', 'cloudtrail:DescribeTrails', '*'),
    req(
      'hipaa-verify: GetTrailStatus',
      'cloudtrail:GetTrailStatus',
      `arn:aws:cloudtrail:${R}:${A}:trail/organization-trail`,
    ),
    ...SERVICES.map((s) => req('hipaa-verify: DescribeServices', 'ecs:DescribeServices', s)),
    req('hipaa-verify: DescribeTaskDefinition', 'ecs:DescribeTaskDefinition', '*'),
  ],
  // deploy.yml's evidence job (actions/evidence-bundle/src/store.ts), with the audit bucket's KMS key.
  evidence: [
    req('evidence-bundle: GetObjectLockConfiguration', 's3:GetBucketObjectLockConfiguration', AUDIT),
    req('evidence-bundle: HeadObject of the new key', 's3:GetObject', BUNDLE),
    req('evidence-bundle: HeadObject answers 404, not 403, for a new key', 's3:ListBucket', AUDIT),
    req('evidence-bundle: PutObject with Object Lock', 's3:PutObject', BUNDLE, {
      's3:object-lock-mode': 'COMPLIANCE',
      's3:x-amz-server-side-encryption': 'aws:kms',
    }),
    req('evidence-bundle: PutObject with retention', 's3:PutObjectRetention', BUNDLE, {
      's3:object-lock-mode': 'COMPLIANCE',
    }),
    req('evidence-bundle: PutObject with SSE-KMS', 'kms:GenerateDataKey', AUDIT_KEY, VIA_S3),
    req('evidence-bundle: HeadObject (checksum) of the SSE-KMS bundle', 'kms:Decrypt', AUDIT_KEY, VIA_S3),
  ],
};

/** Requests a role must NOT be allowed to make: the narrowing the examples promise. */
export const ROLE_REFUSALS: Record<string, AwsRequest[]> = {
  deploy: [
    req(
      'a listener of another load balancer',
      'elasticloadbalancing:ModifyListener',
      `arn:aws:elasticloadbalancing:${R}:${A}:listener/app/billing-alb/1111111111111111/2222222222222222`,
    ),
    req('passing a task role to another service', 'iam:PassRole', ROLES[0] ?? '', {
      'iam:PassedToService': 'lambda.amazonaws.com',
    }),
    req('passing another role', 'iam:PassRole', `arn:aws:iam::${A}:role/admin`, {
      'iam:PassedToService': 'ecs-tasks.amazonaws.com',
    }),
    req('deregistering task definitions', 'ecs:DeregisterTaskDefinition', '*'),
    req('listing the tasks of another cluster', 'ecs:ListTasks', '*', {
      'ecs:cluster': `arn:aws:ecs:${R}:${A}:cluster/billing`,
    }),
    req('reading PHI logs', 'logs:FilterLogEvents', LOG_GROUPS[0] ?? ''),
  ],
  cleanup: [
    req(
      'changing another service',
      'ecs:UpdateService',
      `arn:aws:ecs:${R}:${A}:service/${CLUSTER}/billing-api`,
    ),
    req('moving traffic', 'elasticloadbalancing:ModifyListener', LISTENER),
    req('registering a task definition', 'ecs:RegisterTaskDefinition', TASK_DEFINITION),
  ],
  verify: [
    req(
      'reading another log group',
      'logs:FilterLogEvents',
      `arn:aws:logs:${R}:${A}:log-group:/ecs/billing/api`,
    ),
    req('changing a service', 'ecs:UpdateService', SERVICES[0] ?? ''),
  ],
  evidence: [
    req('a bundle without COMPLIANCE retention', 's3:PutObject', BUNDLE, {
      's3:object-lock-mode': 'GOVERNANCE',
    }),
    req('the key used outside S3', 'kms:Decrypt', AUDIT_KEY, {
      'kms:ViaService': `lambda.${R}.amazonaws.com`,
    }),
  ],
  rollback: [
    req(
      'a listener of another load balancer',
      'elasticloadbalancing:ModifyListener',
      `arn:aws:elasticloadbalancing:${R}:${A}:listener/app/billing-alb/1111111111111111/2222222222222222`,
    ),
  ],
};
