/**
 * The deploy pipeline as `.github/workflows/deploy.yml` orders it, run on the local stack:
 * each action's committed bundle executed as the runner would (`runActionBundle`), each step
 * given the outputs of the steps before it, a load generator sending real traffic through the
 * ALB stand-in while traffic shifts, and on a failure after traffic moved, the rollback.
 *
 *   window → build → migrate → frontend → rollout (deploy, gate, [shift, gate]…, promote)
 *   → verify → (rollback on failure) → evidence
 *
 * An action whose bundle is not in the repository yet is reported as missing, not faked.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot, runActionBundle, type ActionRun } from '@white-cross/testkit';
import {
  AUDIT_BUCKET,
  AUDIT_LOG_GROUP,
  API_LOG_GROUP,
  CLUSTER,
  DB_INSTANCE,
  FRONTEND_BUCKET,
  REGISTRY,
  SERVICE,
} from '../local-stack/aws-setup.js';
import { startLoad, type LoadStats } from '../local-stack/load.js';
import type { LocalStack } from '../local-stack/stack.js';

export interface Scenario {
  name: string;
  title: string;
  version: string;
  /** Extra environment of the release's container (the fault switch for a faulty release). */
  containerEnv: Record<string, string>;
  /** Traffic steps, e.g. [10, 100]. */
  rollout: number[];
  canaryWindow: string;
  canaryInterval: string;
  requestsPerSecond: number;
}

export type StepStatus = 'success' | 'failure' | 'skipped' | 'missing';

export interface StepResult {
  job: string;
  step: string;
  action: string;
  status: StepStatus;
  /** Why it was skipped or missing. */
  note?: string;
  run?: ActionRun;
  error?: string;
}

export interface PipelineResult {
  scenario: Scenario;
  steps: StepResult[];
  /** Traffic through the ALB during the rollout. */
  load?: LoadStats;
  outcome: 'promoted' | 'rolled-back' | 'failed' | 'refused';
  evidenceDir: string;
  bundlePath?: string;
  durationMs: number;
}

export interface PipelineOptions {
  /** Progress lines for a person. */
  log: (line: string) => void;
  /** Where the scenario's files go (inside the repository, so actions can read them as workspace paths). */
  outputDir: string;
}

const bundleExists = (action: string) => existsSync(join(repoRoot, 'actions', action, 'dist', 'index.js'));

/** A readable line from an action's stdout (workflow commands other than annotations are dropped). */
function progressLine(line: string): string | undefined {
  const message = () =>
    line
      .slice(line.indexOf('::', 2) + 2)
      .replace(/%0A/g, ' ')
      .replace(/%0D/g, '')
      .replace(/%25/g, '%');
  if (line.startsWith('::error')) return `ERROR ${message()}`;
  if (line.startsWith('::warning')) return `warning ${message()}`;
  if (line.startsWith('::') || line.trim() === '') return undefined;
  return line.length > 180 ? `${line.slice(0, 177)}…` : line;
}

function taskDefinitionFile(scenario: Scenario): object {
  return {
    family: 'school-health-api',
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: '256',
    memory: '512',
    containerDefinitions: [
      {
        name: 'api',
        image: `${REGISTRY}:latest`,
        essential: true,
        portMappings: [{ containerPort: 3000, protocol: 'tcp' }],
        environment: [
          { name: 'NODE_ENV', value: 'production' },
          ...Object.entries(scenario.containerEnv).map(([name, value]) => ({ name, value })),
        ],
      },
    ],
  };
}

const SCHEDULE = `# The district's rules; the demo environment may deploy at any time outside blackouts.
timezone: America/New_York
windows:
  - { days: Tue-Thu, from: "02:00", to: "06:00" }
  - { days: Sat, from: "06:00", to: "10:00" }
blackouts:
  - { name: School hours, days: Mon-Fri, from: "07:00", to: "16:00" }
holidays: us-federal
environments:
  demo:
    windows: always
    blackouts: []
    holidays: none
`;

/** Runs one scenario through the pipeline on a running stack. */
export async function runPipeline(
  stack: LocalStack,
  scenario: Scenario,
  options: PipelineOptions,
): Promise<PipelineResult> {
  const started = Date.now();
  const dir = join(options.outputDir, scenario.name);
  const evidenceDir = join(dir, 'evidence');
  mkdirSync(evidenceDir, { recursive: true });
  mkdirSync(join(dir, 'backups'), { recursive: true });
  const rel = (path: string) => relative(repoRoot, path);
  writeFileSync(join(dir, 'deploy-windows.yml'), SCHEDULE);
  writeFileSync(
    join(dir, 'task-definition.json'),
    `${JSON.stringify(taskDefinitionFile(scenario), null, 2)}\n`,
  );
  const steps: StepResult[] = [];
  const env = {
    ...stack.actionEnv,
    WCD_EVIDENCE_DIR: evidenceDir,
    WCD_ENVIRONMENT: 'demo',
    GITHUB_REF: `refs/tags/${scenario.version}`,
    GITHUB_EVENT_NAME: 'push',
  };
  const log = options.log;

  async function step(
    job: string,
    id: string,
    action: string,
    inputs: Record<string, string | number | boolean>,
  ): Promise<StepResult> {
    if (!bundleExists(action)) {
      const result: StepResult = {
        job,
        step: id,
        action,
        status: 'missing',
        note: `actions/${action}/dist is not in the repository yet`,
      };
      log(`[${job}/${id}] SKIPPED: ${result.note}`);
      steps.push(result);
      return result;
    }
    log(
      `[${job}/${id}] ${action} ${Object.entries(inputs)
        .filter(([k]) => !/url|token|password/i.test(k))
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(' ')}`.slice(0, 200),
    );
    const run = await runActionBundle(action, {
      workspace: repoRoot,
      env: { ...env, GITHUB_JOB: job },
      inputs,
      timeoutMs: 180_000,
      onLine: (line) => {
        const shown = progressLine(line);
        if (shown) log(`  ${action}: ${shown}`);
      },
    });
    const errorLine = run.annotations.find((a) => a.level === 'error')?.message;
    const result: StepResult = {
      job,
      step: id,
      action,
      status: run.exitCode === 0 ? 'success' : 'failure',
      run,
      ...(errorLine ? { error: errorLine } : {}),
    };
    log(`[${job}/${id}] ${result.status} in ${(run.durationMs / 1000).toFixed(1)} s`);
    steps.push(result);
    return result;
  }

  const skip = (job: string, id: string, action: string, note: string) => {
    steps.push({ job, step: id, action, status: 'skipped', note });
  };

  let outcome: PipelineResult['outcome'] = 'failed';
  let load: LoadStats | undefined;
  let trafficMoved = false;
  const failedBefore = () => steps.some((s) => s.status === 'failure');

  const window = await step('window', 'window', 'deploy-window', {
    schedule: rel(join(dir, 'deploy-windows.yml')),
    environment: 'demo',
  });
  if (window.status === 'failure') outcome = 'refused';
  else {
    await step('build', 'build', 'build-validate', {
      'working-directory': 'examples/sample-app',
      'install-command': 'none',
      workspaces: 'frontend, backend',
      'audit-level': 'off',
    });
    if (!failedBefore()) {
      await step('migrate', 'migrate', 'db-migrate', {
        mode: 'migrate',
        'database-url': stack.databaseUrl,
        ssl: 'disable',
        'working-directory': 'examples/sample-app/backend',
        backup: 'pg_dump',
        'backup-location': rel(join(dir, 'backups')),
        'pg-bin-dir': stack.postgres.binDir,
      });
    }
    if (!failedBefore()) {
      await step('frontend', 's3', 's3-deploy', {
        'source-dir': 'examples/sample-app/frontend/dist',
        bucket: FRONTEND_BUCKET,
        'distribution-id': stack.environment.distributionId,
      });
    }
    if (!failedBefore()) {
      const loadGenerator = startLoad({
        url: stack.alb.url,
        ca: stack.ca,
        requestsPerSecond: scenario.requestsPerSecond,
        maxDurationMs: 150_000,
        maxRequests: scenario.requestsPerSecond * 150,
        paths: ['/api/v1/students', '/api/v1/health/database', '/api/v1/health/audit-status'],
        token: stack.apiToken,
      });
      log(`[rollout] load generator: ${scenario.requestsPerSecond} requests/s through ${stack.alb.url}`);
      try {
        trafficMoved = true;
        const deploy = await step('rollout', 'deploy', 'ecs-bluegreen', {
          mode: 'deploy',
          cluster: CLUSTER,
          service: SERVICE,
          'listener-arn': stack.environment.listenerArn,
          'task-definition': rel(join(dir, 'task-definition.json')),
          image: `${REGISTRY}:${scenario.version}`,
          'container-name': 'api',
          version: scenario.version,
          traffic: scenario.rollout[0] ?? 10,
          'wait-timeout': '90s',
          'poll-interval': '1s',
        });
        const dims = deploy.run?.outputs ?? {};
        const gates = scenario.rollout.slice(0, -1);
        for (const [i, weight] of gates.entries()) {
          if (failedBefore()) break;
          if (i > 0) {
            await step('rollout', `shift-${i + 1}`, 'ecs-bluegreen', {
              mode: 'shift',
              cluster: CLUSTER,
              service: SERVICE,
              'listener-arn': stack.environment.listenerArn,
              traffic: weight,
            });
            if (failedBefore()) break;
          }
          await step('rollout', `gate-${i + 1}`, 'canary-gate', {
            'load-balancer': dims['load-balancer'] ?? '',
            'canary-target-group': dims['canary-target-group'] ?? '',
            'baseline-target-group': dims['baseline-target-group'] ?? '',
            window: scenario.canaryWindow,
            interval: scenario.canaryInterval,
            // The local stand-in publishes without CloudWatch's 1-3 minute lag.
            'metrics-delay': '0s',
          });
        }
        if (!failedBefore()) {
          await step('rollout', 'promote', 'ecs-bluegreen', {
            mode: 'promote',
            cluster: CLUSTER,
            service: SERVICE,
            'listener-arn': stack.environment.listenerArn,
          });
        }
      } finally {
        load = await loadGenerator.stop();
        log(`[rollout] load generator stopped: ${load.sent} requests, ${JSON.stringify(load.byStatus)}`);
      }
    }
    if (!failedBefore()) {
      await step('verify', 'verify', 'hipaa-verify', {
        'api-url': stack.alb.url,
        checks: 'TLS, HDR, ACC, AUD-001',
        'auth-token': stack.apiToken,
        'log-groups': API_LOG_GROUP,
        'audit-log-group': AUDIT_LOG_GROUP,
        'db-instance-identifier': DB_INSTANCE,
        'audit-wait': '20s',
      });
    }
    if (failedBefore() && trafficMoved) {
      const failed = steps.find((s) => s.status === 'failure');
      const rollback = await step('rollback', 'rollback', 'ecs-bluegreen', {
        mode: 'rollback',
        cluster: CLUSTER,
        service: SERVICE,
        'listener-arn': stack.environment.listenerArn,
        to: 'previous',
        reason: `Automatic rollback of ${scenario.version}: ${failed?.job}/${failed?.step} failed`,
        'wait-timeout': '60s',
        'poll-interval': '1s',
      });
      outcome = rollback.status === 'success' ? 'rolled-back' : 'failed';
    } else if (!failedBefore()) {
      outcome = 'promoted';
    } else {
      skip('rollback', 'rollback', 'ecs-bluegreen', 'no traffic had moved');
    }
  }
  const evidence = await step('evidence', 'bundle', 'evidence-bundle', {
    path: evidenceDir,
    environment: 'demo',
    version: scenario.version,
    'audit-bucket': AUDIT_BUCKET,
    'deployment-id': `demo-${scenario.name}`,
  });
  return {
    scenario,
    steps,
    ...(load ? { load } : {}),
    outcome,
    evidenceDir,
    ...(evidence.run?.outputs.path ? { bundlePath: evidence.run.outputs.path } : {}),
    durationMs: Date.now() - started,
  };
}
