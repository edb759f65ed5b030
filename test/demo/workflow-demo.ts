/**
 * Runs a release through the example production caller on the local stack, with the testkit
 * workflow runner: the workflow files are the pipeline; this module only gives the run what
 * GitHub would (the tag push, the environments with their reviewers and secrets, the
 * approval), starts the traffic, and reads back what happened.
 */
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeListenersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  LOCAL_GITHUB_TOKEN,
  LocalGitHub,
  repoRoot,
  startGitApi,
  startGitServer,
  type GitServer,
  startNoticeReceiver,
  type ApprovalAnswer,
  type CancelPlan,
  type GitApiStandIn,
  type LogLine,
  type NoticeReceiver,
  type ReceivedNotice,
  type RunScenario,
  type WorkflowRunResult,
} from '@white-cross/testkit';
import { startIamRecorder, type IamFindings, type IamRecorder } from '../local-stack/iam-check.js';
import { provisionRoles, type RoleArns } from '../local-stack/iam-setup.js';
import { startLoad, type LoadStats } from '../local-stack/load.js';
import type { LocalStack } from '../local-stack/stack.js';
import { APP_REPOSITORY, buildAppRepository, type DemoTuning, type Release } from './app-repo.js';

export interface DemoScenario {
  name: string;
  title: string;
  release: Release;
  /** The production reviewers' answer to the one approval. */
  approval: ApprovalAnswer;
  cancel?: CancelPlan;
}

/** A dispatch of the example rollback.yml caller (scenario 5). */
export interface RollbackScenario {
  name: string;
  title: string;
  /** previous, a task definition ARN, or a release tag. */
  target: string;
  reason: string;
}

export interface DemoContext {
  stack: LocalStack;
  roles: RoleArns;
  appDir: string;
  github: LocalGitHub;
  api: GitApiStandIn;
  /** The app repository's git hosting: pushes to it start the workflows they trigger. */
  git: GitServer;
  notices: NoticeReceiver;
  /** Every AWS request of the jobs, evaluated against the role's example policy. */
  iam: IamRecorder;
  tuning: DemoTuning;
  requestsPerSecond: number;
  releases: Release[];
  log: (line: string) => void;
  /** How the production reviewers answer a run a push started. */
  pushedRunApproval?: ApprovalAnswer;
  close(): Promise<void>;
}

export interface DemoRun {
  /** What ran: a release's production run, or a dispatch (its target in `release.tag`). */
  scenario: Pick<DemoScenario, 'name' | 'title' | 'release'>;
  result: WorkflowRunResult;
  load: LoadStats;
  slack: ReceivedNotice[];
  pagerDuty: ReceivedNotice[];
  /** The version the build job built (from its log). */
  builtVersion?: string;
  /** The evidence bundle's folder (an artifact of the run). */
  evidenceDir?: string;
  weights: { blue: number; green: number };
  /** IAM so far (this run's requests and the runs' before it). */
  iam: IamFindings;
  /** Requests the ALB stand-in's targets answered during the run: by the weights (production) and through a listener rule (the test route). */
  served: { production: { blue: number; green: number }; testRoute: { blue: number; green: number } };
  durationMs: number;
}

/** The local stack's tuning of the suite's action inputs the workflow leaves at their defaults. */
/**
 * RELEASE_TOKEN, the `release` environment's secret: a GitHub App installation token with
 * contents: write (a stand-in value). Its pushes trigger workflows; GITHUB_TOKEN's do not.
 */
export const RELEASE_TOKEN = 'ghs_demoreleaseapp000000000000000000000';
export const RELEASE_APP = 'white-cross-release[bot]';

export function actionTuning(stack: LocalStack): Record<string, Record<string, string>> {
  return {
    // The app's dependencies are installed already (a symlink in the app repository).
    'build-validate': { 'install-command': 'none', 'audit-level': 'off' },
    // The local PostgreSQL has no TLS; its own pg_dump.
    'db-migrate': { ssl: 'disable', 'pg-bin-dir': stack.postgres.binDir },
    // The ECS agent player reconciles every few hundred milliseconds.
    'ecs-bluegreen': { 'poll-interval': '1s' },
    // ALB publishes once a minute, so canary-gate looks in whole minutes; the local metrics
    // stand-in publishes at once (AWS takes 1–3 minutes), so the demo waits for no lag.
    'canary-gate': { interval: '1m', 'metrics-delay': '0s' },
    // A release whose health fails is refused after 10 s of retries, not a minute.
    'verify-deployment': { 'health-timeout': '10s' },
    // The probes of the app (TLS, headers, access control, the audit round trip). Left out: the
    // checks of AWS settings the local stack does not model (moto's listener is HTTP because
    // the ALB stand-in terminates TLS; no CloudFront origin access control or viewer policy; no
    // TLS-only bucket policy) — they would fail here and pass on a configured account.
    'hipaa-verify': {
      checks: 'TLS, HDR, ACC, AUD-001, !TLS-006, !TLS-007, !TLS-009, !TLS-012, !ACC-006',
      'audit-wait': '20s',
    },
  };
}

/** Starts what every scenario shares: the roles, the app repository, the receivers, the API. */
export async function prepareDemo(
  stack: LocalStack,
  releases: Release[],
  options: { tuning: DemoTuning; requestsPerSecond: number; log: (line: string) => void },
): Promise<DemoContext> {
  const github = new LocalGitHub();
  const notices = await startNoticeReceiver();
  const git = await startGitServer({
    repositories: {},
    tokens: { [RELEASE_TOKEN]: RELEASE_APP },
    githubToken: LOCAL_GITHUB_TOKEN,
  });
  const ctx: DemoContext = {
    stack,
    roles: await provisionRoles(stack.moto.url, stack.environment),
    appDir: '',
    github,
    api: undefined as unknown as GitApiStandIn,
    git,
    notices,
    iam: await startIamRecorder(stack),
    tuning: options.tuning,
    requestsPerSecond: options.requestsPerSecond,
    releases,
    log: options.log,
    close: async () => {
      await ctx.api.close();
      await git.close();
      await notices.close();
      await ctx.iam.stop();
    },
  };
  await appRepository(ctx);
  // A tag push starts production.yml, as on GitHub: with this stack's settings, the reviewers
  // answering as the scenario that pushed asked (reject unless told).
  github.triggerOnPush(git, APP_REPOSITORY, (_workflow, push) =>
    productionRun(ctx, {
      name: 'pushed',
      title: 'pushed',
      release: { tag: push.ref.replace(/^refs\/tags\//, '') },
      approval: ctx.pushedRunApproval ?? 'reject',
    }),
  );
  return ctx;
}

/** The app repository for the stack as it is now (its names are in the callers), and its API. */
async function appRepository(ctx: DemoContext): Promise<void> {
  await ctx.api?.close();
  ctx.appDir = buildAppRepository(ctx.stack, ctx.releases, ctx.tuning);
  ctx.git.repositories[APP_REPOSITORY] = ctx.appDir;
  ctx.api = await startGitApi({
    repository: APP_REPOSITORY,
    dir: ctx.appDir,
    token: LOCAL_GITHUB_TOKEN,
    tokens: { [RELEASE_TOKEN]: { identity: RELEASE_APP, contents: 'write' } },
    approvals: (id) => ctx.github.approvalsOf(id),
  });
}

/** After stack.reset(): the roles again (moto forgot them) and the callers with the new names. */
export async function afterReset(ctx: DemoContext): Promise<void> {
  ctx.roles = await provisionRoles(ctx.stack.moto.url, ctx.stack.environment);
  await appRepository(ctx);
}

/** A line of the run's log as the progress log shows it: job ▸ step ▸ line. */
export function progressLine(entry: LogLine): string | undefined {
  let line = entry.line.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');
  if (line.startsWith('::error')) line = `ERROR ${line.slice(line.indexOf('::', 2) + 2)}`;
  else if (line.startsWith('::warning')) line = `warning ${line.slice(line.indexOf('::', 2) + 2)}`;
  else if (line.startsWith('::') || line.trim() === '') return undefined;
  line = line.replace(/%0A/g, ' ').replace(/%0D/g, '').replace(/%25/g, '%');
  if (line.length > 160) line = `${line.slice(0, 159)}…`;
  return [entry.job || 'run', entry.step, line].filter(Boolean).join(' ▸ ');
}

/** The production scenario GitHub would start for a push of the release's tag. */
export function productionRun(ctx: DemoContext, scenario: DemoScenario): RunScenario {
  const { stack, roles, notices } = ctx;
  const deploySecrets = {
    AWS_DEPLOY_ROLE_ARN: roles.deploy,
    AWS_VERIFY_ROLE_ARN: roles.verify,
    AWS_EVIDENCE_ROLE_ARN: roles.evidence,
    DATABASE_URL: stack.databaseUrl,
    HIPAA_AUTH_TOKEN: stack.apiToken,
    SLACK_WEBHOOK_URL: notices.slackWebhookUrl,
    PAGERDUTY_ROUTING_KEY: 'demo-routing-key-0123456789abcdef',
  };
  return {
    workflow: '.github/workflows/production.yml',
    repository: APP_REPOSITORY,
    repositoryDir: ctx.appDir,
    serverUrl: ctx.git.url,
    // The suite at this working tree: what `@v1` and `$/` resolve to.
    repositories: { 'white-cross/deploy': repoRoot },
    ref: `refs/tags/${scenario.release.tag}`,
    actor: 'octo-release-manager',
    event: { name: 'push' },
    environments: {
      production: { reviewers: ['octo-lead'], tags: ['v*'] },
      'production-deploy': { tags: ['v*'], secrets: deploySecrets },
      // Its deployment policy admits main, where rollback.yml is dispatched, and the release tags.
      'production-rollback': {
        branches: ['main'],
        tags: ['v*'],
        secrets: {
          AWS_ROLLBACK_ROLE_ARN: roles.rollback,
          SLACK_WEBHOOK_URL: notices.slackWebhookUrl,
          PAGERDUTY_ROUTING_KEY: 'demo-routing-key-0123456789abcdef',
        },
      },
      'production-maintenance': { secrets: { AWS_CLEANUP_ROLE_ARN: roles.cleanup } },
    },
    approvals: { production: scenario.approval },
    ...(scenario.cancel ? { cancel: scenario.cancel } : {}),
    env: {
      // Through the IAM recorder: every request a job makes is evaluated against its role.
      AWS_ENDPOINT_URL: ctx.iam.endpoint,
      AWS_EC2_METADATA_DISABLED: 'true',
      ...ctx.iam.env,
      NODE_EXTRA_CA_CERTS: stack.caFile,
      GITHUB_API_URL: ctx.api.url,
    },
    // The app repository's sub customization (examples/iam/github-oidc-sub-customization.json).
    oidcSubClaimKeys: ['repo', 'context', 'job_workflow_ref'],
    aws: { endpoint: ctx.iam.endpoint },
    redirects: { 'https://events.pagerduty.com': `${notices.url}/pagerduty` },
    actionDefaults: actionTuning(stack),
    signals: { sigintMs: 7_500, sigtermMs: 2_500 },
    onLine: (entry) => {
      const shown = progressLine(entry);
      if (shown) ctx.log(shown);
    },
  };
}

/** The hourly cleanup.yml caller as GitHub starts it on its schedule (on the default branch). */
export function cleanupRun(ctx: DemoContext): RunScenario {
  const production = productionRun(ctx, {
    name: 'cleanup',
    title: 'cleanup',
    release: { tag: 'main' },
    approval: 'never',
  });
  return {
    ...production,
    workflow: '.github/workflows/cleanup.yml',
    ref: 'refs/heads/main',
    event: { name: 'schedule' },
    approvals: {},
  };
}

/** The example rollback.yml caller as a person dispatches it on main (Actions ▸ rollback ▸ Run workflow). */
export function rollbackRun(ctx: DemoContext, scenario: RollbackScenario): RunScenario {
  const production = productionRun(ctx, {
    name: scenario.name,
    title: scenario.title,
    release: { tag: 'main' },
    approval: 'never',
  });
  return {
    ...production,
    workflow: '.github/workflows/rollback.yml',
    ref: 'refs/heads/main',
    actor: 'octo-oncall',
    event: {
      name: 'workflow_dispatch',
      inputs: { environment: 'production', target: scenario.target, reason: scenario.reason },
    },
    // The production reviewers are never asked: a rollback runs under production-rollback only.
    approvals: {},
  };
}

/**
 * The example release.yml caller dispatched on main: its job runs under the `release`
 * environment (main only), whose RELEASE_TOKEN pushes the release commit and tag.
 */
export function releaseRun(ctx: DemoContext, inputs: Record<string, string | boolean> = {}): RunScenario {
  return {
    workflow: '.github/workflows/release.yml',
    repository: APP_REPOSITORY,
    repositoryDir: ctx.appDir,
    serverUrl: ctx.git.url,
    repositories: { 'white-cross/deploy': repoRoot },
    ref: 'refs/heads/main',
    actor: 'octo-release-manager',
    event: { name: 'workflow_dispatch', inputs },
    environments: { release: { branches: ['main'], secrets: { RELEASE_TOKEN } } },
    env: { GITHUB_API_URL: ctx.api.url },
    onLine: (entry) => {
      const shown = progressLine(entry);
      if (shown) ctx.log(shown);
    },
  };
}

export async function listenerWeights(stack: LocalStack): Promise<{ blue: number; green: number }> {
  const out = await stack.aws.elb.send(
    new DescribeListenersCommand({ ListenerArns: [stack.environment.listenerArn] }),
  );
  const groups = out.Listeners?.[0]?.DefaultActions?.[0]?.ForwardConfig?.TargetGroups ?? [];
  const weightOf = (arn: string) => groups.find((g) => g.TargetGroupArn === arn)?.Weight ?? 0;
  return {
    blue: weightOf(stack.environment.targetGroups.blue),
    green: weightOf(stack.environment.targetGroups.green),
  };
}

/** Runs one scenario and copies its evidence bundle to outputDir/<name>/. */
export function runDemoScenario(
  ctx: DemoContext,
  scenario: DemoScenario,
  outputDir?: string,
): Promise<DemoRun> {
  return observeRun(ctx, scenario, productionRun(ctx, scenario), outputDir);
}

/** Dispatches rollback.yml (scenario 5) and copies its evidence to outputDir/<name>/. */
export function runRollbackScenario(
  ctx: DemoContext,
  scenario: RollbackScenario,
  outputDir?: string,
): Promise<DemoRun> {
  return observeRun(
    ctx,
    { name: scenario.name, title: scenario.title, release: { tag: scenario.target } },
    rollbackRun(ctx, scenario),
    outputDir,
  );
}

/** Runs a workflow under the load, and reads back where traffic went and what was sent. */
async function observeRun(
  ctx: DemoContext,
  scenario: DemoRun['scenario'],
  runScenario: RunScenario,
  outputDir?: string,
): Promise<DemoRun> {
  const started = Date.now();
  const servedBefore = {
    production: { ...ctx.stack.alb.counts },
    testRoute: { ...ctx.stack.alb.ruleCounts },
  };
  const slackBefore = ctx.notices.slack().length;
  const pagesBefore = ctx.notices.pagerDuty().length;
  const load = startLoad({
    url: ctx.stack.alb.url,
    ca: ctx.stack.ca,
    requestsPerSecond: ctx.requestsPerSecond,
    maxDurationMs: 240_000,
    maxRequests: ctx.requestsPerSecond * 240,
    paths: ['/api/v1/students', '/api/v1/health/database', '/api/v1/health/audit-status'],
    token: ctx.stack.apiToken,
  });
  ctx.log(`load: ${ctx.requestsPerSecond} requests/s through ${ctx.stack.alb.url}`);
  let result: WorkflowRunResult;
  let stats: LoadStats;
  try {
    result = await ctx.github.start(runScenario).result;
  } finally {
    stats = await load.stop();
  }
  ctx.log(
    `load: ${stats.sent} requests, ${JSON.stringify(stats.byStatus)}; failures by path ${JSON.stringify(stats.failuresByPath)}`,
  );
  const buildLines = result.logs.filter((l) => l.job.endsWith('/build')).map((l) => l.line);
  const builtVersion = buildLines
    .map((l) => /\(version (\d+\.\d+\.\d+[^)]*)\)/.exec(l)?.[1] ?? /built \S+ (\d+\.\d+\.\d+)/.exec(l)?.[1])
    .find(Boolean);
  const bundleName = Object.keys(result.artifacts).find((n) =>
    /^(deployment-evidence|evidence-bundle|evidence-rollback)-/.test(n),
  );
  let evidenceDir: string | undefined;
  if (bundleName && outputDir) {
    evidenceDir = join(outputDir, scenario.name, 'evidence');
    mkdirSync(evidenceDir, { recursive: true });
    cpSync(result.artifacts[bundleName] ?? '', evidenceDir, { recursive: true });
  } else if (bundleName) evidenceDir = result.artifacts[bundleName];
  return {
    scenario,
    result,
    load: stats,
    slack: ctx.notices.slack().slice(slackBefore),
    pagerDuty: ctx.notices.pagerDuty().slice(pagesBefore),
    ...(builtVersion ? { builtVersion } : {}),
    ...(evidenceDir ? { evidenceDir } : {}),
    weights: await listenerWeights(ctx.stack),
    iam: await ctx.iam.check(ctx.stack.environment, ctx.roles),
    served: {
      production: {
        blue: ctx.stack.alb.counts.blue - servedBefore.production.blue,
        green: ctx.stack.alb.counts.green - servedBefore.production.green,
      },
      testRoute: {
        blue: ctx.stack.alb.ruleCounts.blue - servedBefore.testRoute.blue,
        green: ctx.stack.alb.ruleCounts.green - servedBefore.testRoute.green,
      },
    },
    durationMs: Date.now() - started,
  };
}
