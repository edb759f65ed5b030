/**
 * configure-aws-credentials' stand-in: GitHub's OIDC claims (the `sub` from the repository's
 * customization template), the role's trust policy evaluated on them, and the session length
 * the role allows, against a real moto.
 */
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  oidcClaims,
  runWorkflow,
  startMoto,
  type MotoServer,
  type RunScenario,
  type WorkflowRunResult,
} from '../src/index.js';
import { makeRepo, workflowRepo } from './workflow-fixtures.js';

const ACCOUNT = '123456789012'; // moto's default account
const PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;

const trust = (sub: string, extra: Record<string, string> = {}) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: PROVIDER },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com', ...extra },
          StringLike: { 'token.actions.githubusercontent.com:sub': sub },
        },
      },
    ],
  });

const job = (r: WorkflowRunResult, id: string) => {
  const found = r.jobs.find((j) => j.id === id);
  if (!found) throw new Error(`no job ${id}`);
  return found;
};

let moto: MotoServer;
beforeAll(async () => {
  moto = await startMoto();
  const iam = new IAMClient({
    region: 'us-east-1',
    endpoint: moto.url,
    credentials: { accessKeyId: 't', secretAccessKey: 't' },
  });
  const role = (RoleName: string, policy: string, MaxSessionDuration?: number) =>
    iam.send(
      new CreateRoleCommand({
        RoleName,
        AssumeRolePolicyDocument: policy,
        ...(MaxSessionDuration ? { MaxSessionDuration } : {}),
      }),
    );
  await role('deploy-production', trust('repo:octo/app:environment:production'));
  await role(
    'deploy-pinned',
    trust(
      'repo:octo/app:environment:production:job_workflow_ref:white-cross/deploy/.github/workflows/deploy.yml@*',
    ),
  );
  await role(
    'custom-claim',
    trust('repo:octo/app:*', {
      'token.actions.githubusercontent.com:job_workflow_ref':
        'octo/app/.github/workflows/w.yml@refs/heads/main',
    }),
  );
  await role('long-session', trust('repo:octo/app:*'), 7200);
});
afterAll(() => moto.stop());

const workflow = (role: string, duration = 3600) => `
on: push
permissions: {}
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment: production
    permissions:
      id-token: write
    steps:
      - uses: aws-actions/configure-aws-credentials@00943011d9042930efac3dcd3a170e4273319bc8
        with:
          role-to-assume: arn:aws:iam::${ACCOUNT}:role/${role}
          aws-region: us-east-1
          role-duration-seconds: ${duration}
      - run: |
          test -n "$AWS_SESSION_TOKEN"
          echo "region=$AWS_REGION"
`;

const scenario = (dir: string, extra: Partial<RunScenario> = {}): RunScenario => ({
  workflow: '.github/workflows/w.yml',
  repository: 'octo/app',
  repositoryDir: dir,
  ref: 'refs/heads/main',
  event: { name: 'push' },
  aws: { endpoint: moto.url },
  ...extra,
});

describe('OIDC and configure-aws-credentials', () => {
  it("builds sub in GitHub's default and customized formats", () => {
    const base = {
      repository: 'octo/app',
      ref: 'refs/tags/v1.2.0',
      sha: 'a'.repeat(40),
      actor: 'octo',
      eventName: 'push',
      jobWorkflowRef: 'white-cross/deploy/.github/workflows/deploy.yml@refs/tags/v1',
      workflowRef: 'octo/app/.github/workflows/production.yml@refs/tags/v1.2.0',
      workflow: 'production',
      runId: '1',
      runAttempt: '1',
    };
    expect(oidcClaims({ ...base, environment: 'production' }, 'sts.amazonaws.com').sub).toBe(
      'repo:octo/app:environment:production',
    );
    expect(oidcClaims(base, 'sts.amazonaws.com').sub).toBe('repo:octo/app:ref:refs/tags/v1.2.0');
    expect(
      oidcClaims(
        { ...base, environment: 'production', subClaimKeys: ['repo', 'context', 'job_workflow_ref'] },
        'x',
      ).sub,
    ).toBe(
      'repo:octo/app:environment:production:job_workflow_ref:white-cross/deploy/.github/workflows/deploy.yml@refs/tags/v1',
    );
  });

  it('assumes the role when the trust policy allows the sub, and exports AWS_* (masked)', async () => {
    const r = await runWorkflow(scenario(workflowRepo(workflow('deploy-production'))));
    expect(job(r, 'deploy').status).toBe('success');
    expect(r.logs.map((l) => l.line)).toContain('region=us-east-1');
    expect(
      r.logs.some(
        (l) => l.line.startsWith('Assumed role') && l.line.endsWith('repo:octo/app:environment:production'),
      ),
    ).toBe(true);
  });

  it('a trust policy pinning job_workflow_ref in sub needs the customization template', async () => {
    const dir = workflowRepo(workflow('deploy-pinned'));
    const plain = await runWorkflow(scenario(dir));
    expect(job(plain, 'deploy').steps[0]?.error).toMatch(
      /Not authorized to perform sts:AssumeRoleWithWebIdentity/,
    );
    // The job is defined in the caller here, so its job_workflow_ref is the caller's file: still refused.
    const customized = await runWorkflow(
      scenario(dir, { oidcSubClaimKeys: ['repo', 'context', 'job_workflow_ref'] }),
    );
    expect(job(customized, 'deploy').steps[0]?.error).toMatch(
      /sub repo:octo\/app:environment:production:job_workflow_ref:octo\/app/,
    );
  });

  it('the customized sub of a job in the suite reusable workflow matches the pinned trust; the caller caps id-token', async () => {
    const suite = makeRepo({
      '.github/workflows/deploy.yml': workflow('deploy-pinned').replace('on: push', 'on: workflow_call'),
    });
    const caller = (permission: string) =>
      workflowRepo(`
on: push
permissions: {}
jobs:
  call:
    uses: white-cross/deploy/.github/workflows/deploy.yml@v1
    permissions:
      id-token: ${permission}
`);
    const pinned = {
      repositories: { 'white-cross/deploy': suite },
      oidcSubClaimKeys: ['repo', 'context', 'job_workflow_ref'],
    };
    const r = await runWorkflow(scenario(caller('write'), pinned));
    expect(job(r, 'call/deploy').status).toBe('success');
    const capped = await runWorkflow(scenario(caller('none'), pinned));
    expect(job(capped, 'call/deploy').steps[0]?.error).toMatch(
      /Did you mean to set the `id-token` permission\?/,
    );
  });

  it('a condition on a custom claim never matches: AWS does not receive custom claims', async () => {
    const r = await runWorkflow(scenario(workflowRepo(workflow('custom-claim'))));
    expect(job(r, 'deploy').steps[0]?.error).toMatch(
      /Not authorized to perform sts:AssumeRoleWithWebIdentity/,
    );
  });

  it('refuses role-duration-seconds beyond the role MaxSessionDuration (default 3600)', async () => {
    const r = await runWorkflow(scenario(workflowRepo(workflow('deploy-production', 7200))));
    expect(job(r, 'deploy').steps[0]?.error).toMatch(/DurationSeconds exceeds the MaxSessionDuration/);
    const allowed = await runWorkflow(scenario(workflowRepo(workflow('long-session', 7200))));
    expect(job(allowed, 'deploy').status).toBe('success');
  });
});
