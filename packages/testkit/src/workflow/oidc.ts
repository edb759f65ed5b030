/**
 * GitHub's OIDC token for a job, and the exchange configure-aws-credentials makes with it.
 *
 * Claims and the subject format follow GitHub's OIDC reference
 * (https://docs.github.com/en/actions/reference/security/oidc): the default `sub` is
 * `repo:<owner>/<repo>:environment:<name>` for a job with an environment, else
 * `repo:<owner>/<repo>:ref:<ref>`; a repository's customization template
 * (`PUT /repos/{owner}/{repo}/actions/oidc/customization/sub` with `include_claim_keys`)
 * builds it from the listed claims instead, `context` standing for the default's last part.
 *
 * AWS reads only `aud` and `sub` (plus `amr`) from GitHub's token: "AWS does not support custom
 * claims for OIDC" (https://docs.github.com/en/actions/how-tos/secure-your-work/security-harden-deployments/oidc-in-aws),
 * so the trust policy is evaluated with those keys only: a condition on any other claim key
 * finds the key missing, as in AWS.
 */
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { runUnsafeSimulation } from '@cloud-copilot/iam-simulate';

export const OIDC_ISSUER = 'token.actions.githubusercontent.com';

/** What GitHub knows about a job when it mints its token. */
export interface OidcJob {
  repository: string;
  ref: string;
  sha: string;
  actor: string;
  eventName: string;
  environment?: string;
  /** The workflow file the job is defined in, e.g. white-cross/deploy/.github/workflows/deploy.yml@refs/tags/v1. */
  jobWorkflowRef: string;
  /** The top-level (caller) workflow. */
  workflowRef: string;
  workflow: string;
  runId: string;
  runAttempt: string;
  /** The repository's `sub` customization (include_claim_keys); default GitHub's format. */
  subClaimKeys?: string[];
}

export type OidcClaims = Record<string, string>;

/**
 * The claims GitHub puts in the job's token for an audience.
 *
 * @example
 * oidcClaims({ repository: 'o/r', ref: 'refs/heads/main', environment: 'prod', ... }, 'sts.amazonaws.com').sub;
 * // 'repo:o/r:environment:prod'
 */
export function oidcClaims(job: OidcJob, audience: string): OidcClaims {
  const [owner = ''] = job.repository.split('/');
  const refType = job.ref.startsWith('refs/tags/') ? 'tag' : 'branch';
  const claims: OidcClaims = {
    iss: `https://${OIDC_ISSUER}`,
    aud: audience,
    repository: job.repository,
    repository_owner: owner,
    ref: job.ref,
    ref_type: refType,
    sha: job.sha,
    actor: job.actor,
    event_name: job.eventName,
    workflow: job.workflow,
    workflow_ref: job.workflowRef,
    job_workflow_ref: job.jobWorkflowRef,
    run_id: job.runId,
    run_attempt: job.runAttempt,
    runner_environment: 'github-hosted',
    ...(job.environment ? { environment: job.environment } : {}),
  };
  const context = job.environment ? `environment:${job.environment}` : `ref:${job.ref}`;
  const keys = job.subClaimKeys ?? ['repo', 'context'];
  claims.sub = keys
    .map((key) => {
      if (key === 'repo') return `repo:${job.repository}`;
      if (key === 'context') return context;
      return `${key}:${claims[key] ?? ''}`;
    })
    .join(':');
  return claims;
}

/** An unsigned JWT carrying the claims (moto does not verify signatures). */
export function encodeToken(claims: OidcClaims): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ ...claims, iat: now, nbf: now, exp: now + 300 })}.local`;
}

interface TrustStatement {
  Effect?: string;
  Principal?: { Federated?: string | string[] } | string;
  Action?: string | string[];
  Condition?: unknown;
}

/** A refused AssumeRoleWithWebIdentity, worded as STS words it. */
export class AssumeRoleRefused extends Error {}

/**
 * Evaluates a role's trust policy for a web-identity assumption by GitHub's provider: the
 * principal must name the account's provider for the issuer, the action and conditions are
 * evaluated by @cloud-copilot/iam-simulate against the token's `aud` and `sub`.
 */
export function trustAllows(
  trustPolicy: { Statement?: TrustStatement[] | TrustStatement },
  accountId: string,
  claims: OidcClaims,
): boolean {
  const provider = `arn:aws:iam::${accountId}:oidc-provider/${OIDC_ISSUER}`;
  const statements = Array.isArray(trustPolicy.Statement)
    ? trustPolicy.Statement
    : [trustPolicy.Statement ?? {}];
  const forProvider = statements.filter((s) => {
    if (typeof s.Principal !== 'object') return s.Principal === '*';
    const federated = s.Principal.Federated;
    return (Array.isArray(federated) ? federated : [federated]).includes(provider);
  });
  // The principal is matched above; the simulator evaluates the rest of each statement as
  // AWS does (Deny wins over Allow, a condition on a missing key does not match).
  const policy = {
    Version: '2012-10-17',
    Statement: forProvider.map(({ Principal: _principal, ...rest }) => ({ ...rest, Resource: '*' })),
  };
  if (policy.Statement.length === 0) return false;
  const result = runUnsafeSimulation(
    {
      request: {
        principal: provider,
        action: 'sts:AssumeRoleWithWebIdentity',
        resource: { resource: `arn:aws:iam::${accountId}:role/trust`, accountId },
        contextVariables: {
          [`${OIDC_ISSUER}:aud`]: claims.aud ?? '',
          [`${OIDC_ISSUER}:sub`]: claims.sub ?? '',
        },
      },
      identityPolicies: [{ name: 'trust-policy', policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  return result === 'Allowed';
}

export interface AssumedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  accountId: string;
  subject: string;
}

/** configure-aws-credentials' OIDC path against moto, with AWS's checks moto leaves out. */
export async function assumeRoleByOidc(options: {
  endpoint: string;
  region: string;
  roleArn: string;
  sessionName: string;
  durationSeconds: number;
  audience: string;
  job: OidcJob;
}): Promise<AssumedCredentials> {
  const claims = oidcClaims(options.job, options.audience);
  const client = {
    region: options.region,
    endpoint: options.endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
  const match = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(options.roleArn);
  if (!match)
    throw new AssumeRoleRefused(
      `Could not assume role with OIDC: Request ARN is invalid (${options.roleArn})`,
    );
  const [, accountId = '', roleName = ''] = match;
  const iam = new IAMClient(client);
  let role;
  try {
    role = (await iam.send(new GetRoleCommand({ RoleName: roleName }))).Role;
  } catch {
    role = undefined;
  }
  const refused = 'Could not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity';
  if (!role?.AssumeRolePolicyDocument) throw new AssumeRoleRefused(refused);
  const trust = JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument)) as {
    Statement?: TrustStatement[];
  };
  if (!trustAllows(trust, accountId, claims)) throw new AssumeRoleRefused(`${refused} (sub ${claims.sub})`);
  // IAM's default MaxSessionDuration is 3600 s; STS refuses a longer DurationSeconds
  // (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html).
  const max = role.MaxSessionDuration ?? 3600;
  if (options.durationSeconds > max) {
    throw new AssumeRoleRefused(
      `Could not assume role with OIDC: The requested DurationSeconds exceeds the MaxSessionDuration set for this role.`,
    );
  }
  const sts = new STSClient(client);
  const answer = await sts.send(
    new AssumeRoleWithWebIdentityCommand({
      RoleArn: options.roleArn,
      RoleSessionName: options.sessionName,
      WebIdentityToken: encodeToken(claims),
      DurationSeconds: options.durationSeconds,
    }),
  );
  const c = answer.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) throw new AssumeRoleRefused(refused);
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    accountId,
    subject: claims.sub ?? '',
  };
}
