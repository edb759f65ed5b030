/**
 * IAM as AWS evaluates it, for tests: the example policies of `examples/iam` against the AWS
 * requests the actions make, and the trust policies against the OIDC claims GitHub issues,
 * through a maintained evaluator (@cloud-copilot/iam-simulate: AWS's policy evaluation logic,
 * with the Service Authorization Reference for action names, resource types and condition keys).
 *
 * evaluateRequests(policyFile, requests) → { denied, unusedStatements, unusedActions }
 *   - denied: each request the policy does not allow, with the evaluator's reason (an invalid
 *     action, a resource ARN of the wrong type for the action, or no statement that matches);
 *   - unusedStatements: each statement (by Sid) that allowed none of the requests;
 *   - unusedActions: each `Sid: action` a statement lists that no request used.
 * The same function takes requests recorded from a run (e.g. by the testkit's AWS proxy).
 */
import { readFileSync } from 'node:fs';
import { runSimulation, runUnsafeSimulation, type Simulation } from '@cloud-copilot/iam-simulate';

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: unknown;
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: string;
  Statement: PolicyStatement[];
}

/** One AWS request as IAM authorizes it: the IAM action, the resource ARN, the request's condition keys. */
export interface AwsRequest {
  /** The IAM action, e.g. `ecs:UpdateService` (for S3's HeadObject: `s3:GetObject`). */
  action: string;
  /** The resource ARN the action is authorized on, or `*` for actions without resource types. */
  resource: string;
  /** Condition keys the request carries, e.g. `{ 'iam:PassedToService': 'ecs-tasks.amazonaws.com' }`. */
  context?: Record<string, string | string[]>;
  /** Where the request comes from (e.g. `ecs-bluegreen deploy: RegisterTaskDefinition`), for messages. */
  source?: string;
}

export interface RequestDenial {
  request: AwsRequest;
  /** `ImplicitlyDenied`, `ExplicitlyDenied`, or `Invalid` (the evaluator refused the request). */
  decision: string;
  /** A readable line naming the action, the resource and why. */
  message: string;
}

export interface RequestsEvaluation {
  denied: RequestDenial[];
  unusedStatements: string[];
  unusedActions: string[];
}

export interface EvaluateOptions {
  /** The session that makes the requests. */
  principal?: string;
  /** The account the resources are in (the same account as the principal by default). */
  accountId?: string;
  /**
   * The resource policy of a request's resource, when it has one that matters. KMS keys always
   * have one, and an identity policy grants nothing on a key unless the key policy lets IAM
   * policies of the account decide (AWS KMS Developer Guide, "Default key policy"): by default
   * every kms request is evaluated with that default key policy.
   */
  resourcePolicy?: (request: AwsRequest) => PolicyDocument | undefined;
}

/** AWS KMS's default key policy: the account's IAM policies decide (AWS KMS Developer Guide, "Default key policy"). */
export function defaultKeyPolicy(accountId: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${accountId}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  };
}

const DEFAULT_ACCOUNT = '111122223333';

export function readPolicy(policy: string | PolicyDocument): PolicyDocument {
  return typeof policy === 'string' ? (JSON.parse(readFileSync(policy, 'utf8')) as PolicyDocument) : policy;
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : [v].flat());

/** IAM's action pattern match: case-insensitive, `*` and `?` wildcards. */
export function actionMatches(pattern: string, action: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('')}$`,
    'i',
  );
  return re.test(action);
}

function statementIds(policy: PolicyDocument): string[] {
  return policy.Statement.map((s, i) => s.Sid ?? `#${i + 1}`);
}

/** Evaluates each request against an identity policy; see the module comment. */
export async function evaluateRequests(
  policyOrFile: string | PolicyDocument,
  requests: readonly AwsRequest[],
  options: EvaluateOptions = {},
): Promise<RequestsEvaluation> {
  const policy = readPolicy(policyOrFile);
  const accountId = options.accountId ?? DEFAULT_ACCOUNT;
  const principal = options.principal ?? `arn:aws:sts::${accountId}:assumed-role/white-cross-test/session`;
  const ids = statementIds(policy);
  const named: PolicyDocument = {
    ...policy,
    Statement: policy.Statement.map((s, i) => ({ ...s, Sid: ids[i] })),
  };
  const usedStatements = new Set<string>();
  const usedActions = new Set<string>();
  const denied: RequestDenial[] = [];

  const resourcePolicyOf =
    options.resourcePolicy ??
    ((r: AwsRequest) =>
      r.action.toLowerCase().startsWith('kms:') ? defaultKeyPolicy(accountId) : undefined);

  for (const request of requests) {
    const resourcePolicy = resourcePolicyOf(request);
    const simulation: Simulation = {
      identityPolicies: [{ name: 'policy', policy: named }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resourcePolicy ? { resourcePolicy } : {}),
      request: {
        action: request.action,
        principal,
        resource: { accountId, resource: request.resource },
        contextVariables: request.context ?? {},
      },
    };
    const where = `${request.source ? `${request.source}: ` : ''}${request.action} on ${request.resource}`;
    const response = await runSimulation(simulation, {});
    if (response.resultType === 'error') {
      denied.push({
        request,
        decision: 'Invalid',
        message: `${where}: the evaluator refused the request (${JSON.stringify(response.errors)})`,
      });
      continue;
    }
    // A `*` resource (actions without resource types) comes back as a "wildcard" result.
    const results = response.resultType === 'single' ? [response.result] : response.results;
    const ignored = results.flatMap((r) => (r as { ignoredContextKeys?: string[] }).ignoredContextKeys ?? []);
    if (ignored.length > 0) {
      denied.push({
        request,
        decision: 'Invalid',
        message: `${where}: ${ignored.join(', ')} is not a condition key of ${request.action} (Service Authorization Reference)`,
      });
      continue;
    }
    if (response.overallResult !== 'Allowed') {
      const unmatched = results
        .flatMap((r) => r.analysis?.identityAnalysis?.unmatchedStatements ?? [])
        .filter((s) => s.explain.actionMatch)
        .map((s) => {
          const why = [
            s.explain.resourceMatch === false ? 'resource does not match' : '',
            s.explain.conditionMatch === false ? 'condition does not match' : '',
          ].filter(Boolean);
          return `${s.explain.identifier} (${why.join(', ') || 'no match'})`;
        });
      denied.push({
        request,
        decision: response.overallResult,
        message: `${where} is ${response.overallResult}${unmatched.length ? `; statements with this action: ${unmatched.join('; ')}` : '; no statement has this action'}`,
      });
      continue;
    }
    for (const allow of results.flatMap((r) => r.analysis?.identityAnalysis?.allowStatements ?? [])) {
      const sid = String(allow.explain.identifier);
      usedStatements.add(sid);
      const statement = named.Statement.find((s) => s.Sid === sid);
      for (const pattern of list(statement?.Action)) {
        if (actionMatches(pattern, request.action)) usedActions.add(`${sid}: ${pattern}`);
      }
    }
  }

  const unusedStatements = ids.filter(
    (id, i) => named.Statement[i]?.Effect === 'Allow' && !usedStatements.has(id),
  );
  const unusedActions = named.Statement.flatMap((s) =>
    s.Effect === 'Allow' && usedStatements.has(s.Sid ?? '')
      ? list(s.Action)
          .map((a) => `${s.Sid}: ${a}`)
          .filter((k) => !usedActions.has(k))
      : [],
  );
  return { denied, unusedStatements, unusedActions };
}

/** The claims of a GitHub Actions OIDC token that a trust policy reads. */
export interface GitHubOidcClaims {
  sub: string;
  aud: string;
}

export const GITHUB_OIDC_ISSUER = 'token.actions.githubusercontent.com';

/**
 * The `sub` claim GitHub issues once the repository's subject template is customized to
 * `["repo", "context", "job_workflow_ref"]` (PUT /repos/{owner}/{repo}/actions/oidc/customization/sub):
 * `repo:<owner/repo>:<context>:job_workflow_ref:<workflow ref>`, where context is
 * `environment:<name>` for a job with an environment, else `ref:<ref>` (or `pull_request`).
 * GitHub's "OpenID Connect reference" shows this very example:
 * `repo:octo-org/octo-repo:environment:prod:job_workflow_ref:octo-org/octo-automation/.github/workflows/oidc.yml@refs/heads/main`.
 */
export function customizedSubject(claims: {
  repository: string;
  environment?: string;
  ref?: string;
  pullRequest?: boolean;
  jobWorkflowRef: string;
}): string {
  const context = claims.environment
    ? `environment:${claims.environment}`
    : claims.pullRequest
      ? 'pull_request'
      : `ref:${claims.ref ?? 'refs/heads/main'}`;
  return `repo:${claims.repository}:${context}:job_workflow_ref:${claims.jobWorkflowRef}`;
}

export interface TrustDecision {
  allowed: boolean;
  /** The statements (Sid) whose principal is the OIDC provider and whose action is AssumeRoleWithWebIdentity. */
  decision: string;
}

/**
 * Evaluates a role's trust policy for sts:AssumeRoleWithWebIdentity with a GitHub token's
 * claims. The statements' conditions are evaluated by iam-simulate; the principal (the OIDC
 * provider) is matched here.
 *
 * Why not runSimulation with the trust policy as the resource policy: iam-simulate's service
 * data lists GitHub's claims for AssumeRoleWithWebIdentity but not the `<issuer>:sub` and
 * `<issuer>:aud` keys that AWS documents for every OIDC provider ("Available keys for AWS OIDC
 * federation", IAM User Guide), so its validating entry point drops them as unknown; and its
 * unvalidated entry point (0.1.173) fails on an unnamed resource policy. So each statement that
 * names the provider is evaluated as an identity statement of the same request, unvalidated.
 */
export function evaluateTrust(
  trustOrFile: string | PolicyDocument,
  claims: GitHubOidcClaims,
  options: { roleArn: string; providerArn: string; accountId?: string },
): TrustDecision {
  const trust = readPolicy(trustOrFile);
  const accountId = options.accountId ?? DEFAULT_ACCOUNT;
  const forProvider = trust.Statement.filter((s) => {
    const federated = (s.Principal as { Federated?: string | string[] } | undefined)?.Federated;
    return list(federated).includes(options.providerArn);
  });
  const statements = forProvider.map(({ Principal: _principal, ...rest }) => ({
    ...rest,
    Resource: options.roleArn,
  }));
  if (statements.length === 0) return { allowed: false, decision: 'no statement trusts the provider' };
  const result = runUnsafeSimulation(
    {
      identityPolicies: [{ name: 'trust', policy: { Version: '2012-10-17', Statement: statements } }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: {
        action: 'sts:AssumeRoleWithWebIdentity',
        principal: `arn:aws:sts::${accountId}:assumed-role/web-identity/github`,
        resource: { accountId, resource: options.roleArn },
        contextVariables: {
          [`${GITHUB_OIDC_ISSUER}:sub`]: claims.sub,
          [`${GITHUB_OIDC_ISSUER}:aud`]: claims.aud,
        },
      },
    },
    {},
  ) as unknown;
  const decision = typeof result === 'string' ? result : String((result as { result?: string }).result);
  return { allowed: decision === 'Allowed', decision };
}

/**
 * The IAM action an SDK operation is authorized as, for feeding recorded requests (service as
 * the SDK client names it, e.g. `S3`, `ECS`, `ElasticLoadBalancingV2`, `CloudWatch`). Most are
 * `<prefix>:<Operation>`; the exceptions are S3's (Amazon S3 User Guide, "Actions, resources,
 * and condition keys for Amazon S3": HeadObject is s3:GetObject, ListObjectsV2 s3:ListBucket,
 * DeleteObjects s3:DeleteObject per key, …).
 */
export function iamActionOf(service: string, operation: string): string {
  const prefix: Record<string, string> = {
    s3: 's3',
    ecs: 'ecs',
    elasticloadbalancingv2: 'elasticloadbalancing',
    'elastic load balancing v2': 'elasticloadbalancing',
    elasticloadbalancing: 'elasticloadbalancing',
    rds: 'rds',
    cloudfront: 'cloudfront',
    cloudwatch: 'cloudwatch',
    cloudwatchlogs: 'logs',
    'cloudwatch logs': 'logs',
    logs: 'logs',
    kms: 'kms',
    cloudtrail: 'cloudtrail',
    sts: 'sts',
    iam: 'iam',
    's3 control': 's3',
    'application auto scaling': 'application-autoscaling',
  };
  const p = prefix[service.toLowerCase()];
  if (!p) throw new Error(`iamActionOf: no IAM prefix known for the service '${service}'`);
  const s3: Record<string, string> = {
    HeadObject: 'GetObject',
    HeadBucket: 'ListBucket',
    ListObjectsV2: 'ListBucket',
    ListObjects: 'ListBucket',
    DeleteObjects: 'DeleteObject',
    GetBucketEncryption: 'GetEncryptionConfiguration',
    GetPublicAccessBlock: 'GetBucketPublicAccessBlock',
    GetObjectLockConfiguration: 'GetBucketObjectLockConfiguration',
    CreateMultipartUpload: 'PutObject',
    UploadPart: 'PutObject',
    CompleteMultipartUpload: 'PutObject',
  };
  // S3 Control's GetPublicAccessBlock is the account's: s3:GetAccountPublicAccessBlock.
  if (service.toLowerCase() === 's3 control')
    return `s3:${operation.replace(/^(Get|Put|Delete)PublicAccessBlock$/, '$1AccountPublicAccessBlock')}`;
  return `${p}:${p === 's3' ? (s3[operation] ?? operation) : operation}`;
}
