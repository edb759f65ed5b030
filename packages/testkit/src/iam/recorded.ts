/**
 * Requests recorded by the testkit's AWS proxy, as IAM authorizes them: for each HTTP request
 * the IAM actions, resource ARNs and condition keys AWS evaluates (the Service Authorization
 * Reference's resource types and condition keys per action), and the role whose credentials
 * signed it; then each role's requests evaluated against its policy with
 * {@link evaluateRequests}.
 *
 * A request of an operation this table does not know is authorized as `<service>:<Operation>`
 * on `*`, so that an example policy only allows it with a statement written for it: a new call
 * of an action fails the e2e until the table and the policy both say what it needs.
 */
import type { RecordedRequest } from '../aws-proxy.js';
import { evaluateRequests, type AwsRequest, type PolicyDocument, type RequestsEvaluation } from './index.js';

interface Where {
  region: string;
  accountId: string;
}

/** The IAM prefix of each SigV4 signing name. */
const PREFIX: Record<string, string> = { monitoring: 'cloudwatch' };

function parameters(r: RecordedRequest): Record<string, unknown> {
  const body = r.body ?? '';
  if (body.startsWith('{')) {
    try {
      return JSON.parse(body) as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  const query = new URLSearchParams(body.includes('=') ? body : '');
  for (const [k, v] of new URL(r.path, 'http://proxy').searchParams) if (!query.has(k)) query.set(k, v);
  return Object.fromEntries(query);
}

/** Query-protocol list members (`Tags.member.1.Key`, `Tags.Tag.1.Key`), as key → value. */
function queryTags(p: Record<string, unknown>): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(p)) {
    const m = /^Tags\.(?:member|Tag)\.(\d+)\.Key$/.exec(k);
    if (m) tags[String(v)] = String(p[`Tags.${k.split('.')[1]}.${m[1]}.Value`] ?? '');
  }
  return tags;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function ecs(op: string, p: Record<string, unknown>, w: Where, answer: string): AwsRequest[] {
  const arn = (type: string, cluster: string, name: string) =>
    name.startsWith('arn:') ? name : `arn:aws:ecs:${w.region}:${w.accountId}:${type}/${cluster}/${name}`;
  const cluster = str(p.cluster).split('/').pop() || 'default';
  const action = `ecs:${op}`;
  switch (op) {
    case 'DescribeServices':
      return ((p.services as string[] | undefined) ?? []).map((s) => ({
        action,
        resource: arn('service', cluster, s),
      }));
    case 'UpdateService':
    case 'ListServiceDeployments':
      return [{ action, resource: arn('service', cluster, str(p.service)) }];
    case 'DescribeTasks':
      return ((p.tasks as string[] | undefined) ?? []).map((t) => ({
        action,
        resource: arn('task', cluster, t),
      }));
    case 'ListTasks':
      return [
        {
          action,
          resource: '*',
          context: { 'ecs:cluster': `arn:aws:ecs:${w.region}:${w.accountId}:cluster/${cluster}` },
        },
      ];
    case 'TagResource':
    case 'UntagResource':
      return [{ action, resource: str(p.resourceArn) }];
    case 'RegisterTaskDefinition': {
      // The new revision's ARN is in the answer; tags on creation need ecs:TagResource with
      // ecs:CreateAction, and each role in it iam:PassRole to ECS tasks (Amazon ECS Developer
      // Guide, "Grant permission to tag resources on creation"; "Task IAM role").
      const created =
        /"taskDefinitionArn"\s*:\s*"([^"]+)"/.exec(answer)?.[1] ??
        `arn:aws:ecs:${w.region}:${w.accountId}:task-definition/${str(p.family)}:*`;
      const tags = (p.tags as unknown[] | undefined) ?? [];
      return [
        { action, resource: created },
        ...(tags.length
          ? [{ action: 'ecs:TagResource', resource: created, context: { 'ecs:CreateAction': op } }]
          : []),
        ...[p.taskRoleArn, p.executionRoleArn]
          .filter((r): r is string => typeof r === 'string' && r !== '')
          .map((role) => ({
            action: 'iam:PassRole',
            resource: role,
            context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
          })),
      ];
    }
    default:
      // DescribeTaskDefinition, ListTaskDefinitions, DeregisterTaskDefinition: no resource types.
      return [{ action, resource: '*' }];
  }
}

function elb(op: string, p: Record<string, unknown>): AwsRequest[] {
  const action = `elasticloadbalancing:${op}`;
  if (op === 'ModifyListener') return [{ action, resource: str(p.ListenerArn) }];
  if (op === 'ModifyRule') return [{ action, resource: str(p.RuleArn) }];
  // Describe* have no resource types (Service Authorization Reference).
  return [{ action, resource: '*' }];
}

function rds(
  op: string,
  p: Record<string, unknown>,
  w: Where,
  snapshotTags: Map<string, Record<string, string>>,
): AwsRequest[] {
  const action = `rds:${op}`;
  const db = (id: unknown) => `arn:aws:rds:${w.region}:${w.accountId}:db:${str(id)}`;
  const snapshot = (id: unknown) => `arn:aws:rds:${w.region}:${w.accountId}:snapshot:${str(id)}`;
  switch (op) {
    case 'DescribeDBInstances':
      return [{ action, resource: p.DBInstanceIdentifier ? db(p.DBInstanceIdentifier) : '*' }];
    case 'CreateDBSnapshot': {
      // Authorized on the instance and on the new snapshot; its Tags need rds:AddTagsToResource
      // (Amazon RDS User Guide, "Tagging on creation").
      const tags = queryTags(p);
      snapshotTags.set(str(p.DBSnapshotIdentifier), tags);
      return [
        { action, resource: db(p.DBInstanceIdentifier) },
        { action, resource: snapshot(p.DBSnapshotIdentifier) },
        ...(Object.keys(tags).length
          ? [{ action: 'rds:AddTagsToResource', resource: snapshot(p.DBSnapshotIdentifier) }]
          : []),
      ];
    }
    case 'DescribeDBSnapshots':
      return [
        {
          action,
          resource: p.DBSnapshotIdentifier
            ? snapshot(p.DBSnapshotIdentifier)
            : p.DBInstanceIdentifier
              ? db(p.DBInstanceIdentifier)
              : '*',
        },
      ];
    case 'DeleteDBSnapshot': {
      const tags = snapshotTags.get(str(p.DBSnapshotIdentifier)) ?? {};
      return [
        {
          action,
          resource: snapshot(p.DBSnapshotIdentifier),
          context: Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:ResourceTag/${k}`, v])),
        },
      ];
    }
    case 'DescribeDBParameters':
      return [
        { action, resource: `arn:aws:rds:${w.region}:${w.accountId}:pg:${str(p.DBParameterGroupName)}` },
      ];
    default:
      return [{ action, resource: '*' }];
  }
}

/** S3 in path style (`/bucket/key?sub-resource`), as the SDK addresses a local endpoint. */
function s3(r: RecordedRequest): AwsRequest[] {
  const url = new URL(r.path, 'http://proxy');
  const [bucket = '', ...rest] = decodeURIComponent(url.pathname).split('/').filter(Boolean);
  const key = rest.join('/');
  const q = url.searchParams;
  const bucketArn = `arn:aws:s3:::${bucket}`;
  const objectArn = `${bucketArn}/${key}`;
  const header = (name: string) => str(r.headers[name]);
  if (!key) {
    const sub: [string, string][] = [
      ['encryption', 'GetEncryptionConfiguration'],
      ['publicAccessBlock', 'GetBucketPublicAccessBlock'],
      ['object-lock', 'GetBucketObjectLockConfiguration'],
      ['policy', 'GetBucketPolicy'],
    ];
    if (r.method === 'POST' && q.has('delete')) {
      // DeleteObjects is authorized as s3:DeleteObject on each key.
      return [...(r.body ?? '').matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => ({
        action: 's3:DeleteObject',
        resource: `${bucketArn}/${m[1]}`,
      }));
    }
    const named = sub.find(([s]) => q.has(s));
    if (named && r.method === 'GET') return [{ action: `s3:${named[1]}`, resource: bucketArn }];
    // ListObjectsV2, ListObjects, HeadBucket.
    if (r.method === 'GET' || r.method === 'HEAD') return [{ action: 's3:ListBucket', resource: bucketArn }];
    return [{ action: `s3:${r.method} bucket`, resource: bucketArn }];
  }
  if (r.method === 'GET' || r.method === 'HEAD') {
    // A missing key answers 404 only to a caller with s3:ListBucket, else 403 (Amazon S3 API
    // Reference, HeadObject, "Permissions"): a 404 the caller relies on needs both.
    return [
      { action: 's3:GetObject', resource: objectArn },
      ...(r.status === 404 ? [{ action: 's3:ListBucket', resource: bucketArn }] : []),
    ];
  }
  if (r.method === 'DELETE')
    return [
      { action: q.has('uploadId') ? 's3:AbortMultipartUpload' : 's3:DeleteObject', resource: objectArn },
    ];
  if (r.method === 'PUT' || r.method === 'POST') {
    const context: Record<string, string> = {};
    if (header('x-amz-server-side-encryption'))
      context['s3:x-amz-server-side-encryption'] = header('x-amz-server-side-encryption');
    if (header('x-amz-object-lock-mode')) context['s3:object-lock-mode'] = header('x-amz-object-lock-mode');
    const requests: AwsRequest[] = [{ action: 's3:PutObject', resource: objectArn, context }];
    // Retention headers on a PutObject also need s3:PutObjectRetention (Amazon S3 User Guide,
    // "Configuring S3 Object Lock").
    if (header('x-amz-object-lock-retain-until-date')) {
      requests.push({
        action: 's3:PutObjectRetention',
        resource: objectArn,
        context: context['s3:object-lock-mode']
          ? { 's3:object-lock-mode': context['s3:object-lock-mode'] }
          : {},
      });
    }
    const key = header('x-amz-server-side-encryption-aws-kms-key-id');
    if (key) {
      requests.push({
        action: 'kms:GenerateDataKey',
        resource: key,
        context: { 'kms:ViaService': `s3.${r.region ?? 'us-east-1'}.amazonaws.com` },
      });
    }
    return requests;
  }
  return [{ action: `s3:${r.method} object`, resource: objectArn }];
}

/** CloudFront's REST paths (`/2020-05-31/distribution/<id>[/config|/invalidation[/<id>]]`). */
function cloudfront(r: RecordedRequest, w: Where): AwsRequest[] {
  const m = /\/distribution\/([^/?]+)(?:\/([a-z]+))?(?:\/([^/?]+))?/.exec(r.path);
  const resource = `arn:aws:cloudfront::${w.accountId}:distribution/${m?.[1] ?? ''}`;
  const action =
    m?.[2] === 'config'
      ? 'GetDistributionConfig'
      : m?.[2] === 'invalidation'
        ? r.method === 'POST'
          ? 'CreateInvalidation'
          : m[3]
            ? 'GetInvalidation'
            : 'ListInvalidations'
        : r.method === 'GET'
          ? 'GetDistribution'
          : `${r.method} distribution`;
  return [{ action: `cloudfront:${action}`, resource }];
}

function byName(prefix: string, op: string, p: Record<string, unknown>, w: Where): AwsRequest[] {
  const action = `${prefix}:${op}`;
  if (prefix === 'logs' && op === 'FilterLogEvents') {
    const group = str(p.logGroupIdentifier) || str(p.logGroupName);
    return [
      {
        action,
        resource: group.startsWith('arn:')
          ? group
          : `arn:aws:logs:${w.region}:${w.accountId}:log-group:${group}`,
      },
    ];
  }
  if (prefix === 'kms' && p.KeyId) {
    const key = str(p.KeyId);
    return [
      {
        action,
        resource: key.startsWith('arn:') ? key : `arn:aws:kms:${w.region}:${w.accountId}:key/${key}`,
      },
    ];
  }
  if (prefix === 'cloudtrail' && op === 'GetTrailStatus') {
    const name = str(p.Name);
    return [
      {
        action,
        resource: name.startsWith('arn:')
          ? name
          : `arn:aws:cloudtrail:${w.region}:${w.accountId}:trail/${name}`,
      },
    ];
  }
  return [{ action, resource: '*' }];
}

/**
 * The IAM authorizations one recorded request needs, each with its `source` set to the request
 * (`ecs UpdateService`). `snapshotTags` carries the tags of snapshots created earlier in the
 * recording, for conditions on aws:ResourceTag.
 */
export function authorizationsOf(
  r: RecordedRequest,
  accountId: string,
  snapshotTags: Map<string, Record<string, string>> = new Map(),
): AwsRequest[] {
  const service = r.service ?? '';
  const w = { region: r.region ?? 'us-east-1', accountId };
  const p = service === 's3' || service === 'cloudfront' ? {} : parameters(r);
  let found: AwsRequest[];
  if (service === 's3') found = s3(r);
  else if (service === 'cloudfront') found = cloudfront(r, w);
  else if (service === 'ecs') found = ecs(r.operation, p, w, r.responseBody ?? '');
  else if (service === 'elasticloadbalancing') found = elb(r.operation, p);
  else if (service === 'rds') found = rds(r.operation, p, w, snapshotTags);
  // GetCallerIdentity needs no permission (AWS STS API Reference, GetCallerIdentity).
  else if (service === 'sts' && r.operation === 'GetCallerIdentity') found = [];
  else found = byName(PREFIX[service] ?? service, r.operation, p, w);
  return found.map((a) => ({ ...a, source: `${service} ${r.operation}` }));
}

export interface RoleEvaluation extends RequestsEvaluation {
  role: string;
  /** Distinct authorizations evaluated (a poll's repeats count once). */
  requests: number;
}

export interface RecordingEvaluation {
  /** Per role that made requests (and per role given a policy, with 0 requests). */
  roles: RoleEvaluation[];
  /** Requests signed with a key no assumed role issued: the harness's own (admin) requests. */
  unattributed: number;
}

/**
 * Evaluates recorded requests, each against the policy of the role its credentials belong to
 * (`roles`: access key id → role ARN, as the proxy learned them). `policies` is by role ARN.
 * A request of a role without a policy is a denial.
 */
export async function evaluateRecording(
  requests: readonly RecordedRequest[],
  roles: ReadonlyMap<string, string>,
  policies: Record<string, PolicyDocument>,
  snapshotTags: Map<string, Record<string, string>> = new Map(),
): Promise<RecordingEvaluation> {
  const byRole = new Map<string, AwsRequest[]>(Object.keys(policies).map((arn) => [arn, []]));
  let unattributed = 0;
  for (const r of requests) {
    const role = r.accessKeyId ? roles.get(r.accessKeyId) : undefined;
    const accountId = /^arn:aws:iam::(\d{12}):/.exec(role ?? '')?.[1];
    if (!role || !accountId) {
      // The AssumeRole* exchange itself is unsigned (or signed by the harness).
      unattributed++;
      continue;
    }
    const list = byRole.get(role) ?? [];
    byRole.set(role, list);
    list.push(...authorizationsOf(r, accountId, snapshotTags));
  }
  // A poll repeats the same authorization many times: each distinct one is evaluated once.
  for (const [role, list] of byRole) {
    const seen = new Set<string>();
    byRole.set(
      role,
      list.filter((a) => {
        const key = JSON.stringify([a.source, a.action, a.resource, a.context ?? {}]);
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      }),
    );
  }
  const evaluations: RoleEvaluation[] = [];
  for (const [role, list] of byRole) {
    const accountId = /^arn:aws:iam::(\d{12}):/.exec(role)?.[1] ?? '';
    const policy = policies[role];
    if (!policy) {
      evaluations.push({
        role,
        requests: list.length,
        denied: list.map((request) => ({
          request,
          decision: 'ImplicitlyDenied',
          message: `${request.source}: ${request.action} on ${request.resource} by ${role}, a role with no policy given`,
        })),
        unusedStatements: [],
        unusedActions: [],
      });
      continue;
    }
    const result = await evaluateRequests(policy, list, {
      accountId,
      principal: `arn:aws:sts::${accountId}:assumed-role/${role.split('/').pop()}/session`,
    });
    evaluations.push({ role, requests: list.length, ...result });
  }
  return { roles: evaluations, unattributed };
}
