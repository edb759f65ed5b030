/**
 * The demo's two scenarios under jest, end to end on the local stack: every action's committed
 * bundle, real moto, real PostgreSQL, the sample backend as real processes behind the HTTPS ALB
 * stand-in, real traffic. Asserts what a person would check afterwards: where traffic goes,
 * which version answers, what the gate said and what the evidence holds.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:https';
import { parse } from 'yaml';
import { DescribeListenersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { repoRoot } from '@white-cross/testkit';
import { AUDIT_BUCKET } from '../local-stack/aws-setup.js';
import { startLocalStack, type LocalStack } from '../local-stack/stack.js';
import { runPipeline, type PipelineResult, type StepResult } from '../demo/pipeline.js';
import { scenarios } from '../demo/scenarios.js';

/** The actions the scenarios cannot do without; the others are checked when their bundles exist. */
const CORE = ['deploy-window', 'ecs-bluegreen', 'canary-gate', 'evidence-bundle'];

let stack: LocalStack;
let outputDir: string;
const lines: string[] = [];
const [good, faulty] = scenarios({
  canaryWindow: '1m',
  canaryInterval: '1m',
  requestsPerSecond: 60,
  rollout: [10, 100],
});

function getVersion(url: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const u = new URL('/health', url);
    request({ host: u.hostname, port: u.port, path: u.pathname, ca }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve((JSON.parse(body) as { version: string }).version));
    })
      .on('error', reject)
      .end();
  });
}

async function weights(): Promise<{ blue: number; green: number }> {
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

/** The demo runs deploy.yml's jobs and rollout steps, not an order of its own. */
function expectDeployYmlShape(result: PipelineResult): void {
  const workflow = parse(readFileSync(join(repoRoot, '.github', 'workflows', 'deploy.yml'), 'utf8')) as {
    jobs: Record<string, { steps?: { id?: string }[] }>;
  };
  const jobs = Object.keys(workflow.jobs);
  const ran = result.steps.map((s) => s.job);
  expect(ran.every((j) => jobs.includes(j))).toBe(true);
  expect(ran.filter((j, i) => j !== ran[i - 1])).toEqual(jobs.filter((j) => ran.includes(j)));
  for (const s of result.steps)
    expect((workflow.jobs[s.job]?.steps ?? []).map((x) => x.id)).toContain(s.step);
}

function expectSteps(result: PipelineResult, expected: Record<string, StepResult['status']>): void {
  expectDeployYmlShape(result);
  for (const s of result.steps) {
    if (CORE.includes(s.action)) expect(s.status).not.toBe('missing');
    if (s.status === 'missing') console.log(`note: ${s.job}/${s.step} not run: ${s.note}`);
  }
  const seen = Object.fromEntries(
    result.steps.filter((s) => s.status !== 'missing').map((s) => [`${s.job}/${s.step}`, s.status]),
  );
  const wanted = Object.fromEntries(Object.entries(expected).filter(([k]) => k in seen || CORE.includes(k)));
  expect(seen).toEqual(expect.objectContaining(wanted));
}

async function storedBundle(result: PipelineResult) {
  const run = result.steps.find((s) => s.action === 'evidence-bundle')?.run;
  expect(run?.exitCode).toBe(0);
  const key = (run?.outputs['s3-uri'] ?? '').replace(`s3://${AUDIT_BUCKET}/`, '');
  const head = await stack.aws.s3.send(new HeadObjectCommand({ Bucket: AUDIT_BUCKET, Key: key }));
  const body = await stack.aws.s3.send(new GetObjectCommand({ Bucket: AUDIT_BUCKET, Key: key }));
  const bundle = JSON.parse(await body.Body!.transformToString()) as {
    outcome: string;
    failedActions: string[];
    timeline: { action: string; outcome: string }[];
    auditRecords: { action: string; facts: Record<string, unknown>; inputs: Record<string, string> }[];
  };
  expect(readFileSync(run!.outputs.path!, 'utf8')).toBe(JSON.stringify(bundle, null, 2) + '\n');
  return { head, bundle };
}

beforeAll(async () => {
  // demo-output/ is git-ignored, so a fresh clone does not have it yet.
  mkdirSync(join(repoRoot, 'demo-output'), { recursive: true });
  outputDir = mkdtempSync(join(repoRoot, 'demo-output', 'e2e-'));
  stack = await startLocalStack({ log: (l) => lines.push(l) });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  if (outputDir) rmSync(outputDir, { recursive: true, force: true });
}, 60_000);

describe('the deploy pipeline on the local stack', () => {
  it('promotes a good release: traffic on green, v1.1.0 answering, evidence locked in S3', async () => {
    const result = await runPipeline(stack, good!, { log: (l) => lines.push(l), outputDir });
    expect(result.outcome).toBe('promoted');
    expectSteps(result, {
      'window/window': 'success',
      'build/build': 'success',
      'migrate/migrate': 'success',
      'frontend/s3': 'success',
      'rollout/deploy': 'success',
      'rollout/gate-1': 'success',
      'rollout/promote': 'success',
      'verify/verify': 'success',
      'evidence/bundle': 'success',
    });
    expect(result.steps.find((s) => s.step === 'gate-1')?.run?.outputs.verdict).toBe('pass');
    expect(await weights()).toEqual({ blue: 0, green: 100 });
    expect(await getVersion(stack.alb.url, stack.ca)).toBe('v1.1.0');
    expect(result.load?.byStatus['500'] ?? 0).toBe(0);
    const { head, bundle } = await storedBundle(result);
    expect(head.ObjectLockMode).toBe('COMPLIANCE');
    expect(bundle.outcome).toBe('success');
    expect(bundle.timeline.map((t) => t.action)).toEqual(
      expect.arrayContaining(CORE.filter((a) => a !== 'evidence-bundle')),
    );
    // Every read of student records through the ALB was audited in the database.
    expect(Number(stack.postgres.psql('SELECT count(*) FROM audit_log', 'school_health'))).toBeGreaterThan(0);
  }, 330_000);

  it('catches a release with a 10 % error rate at the gate and returns all traffic to blue', async () => {
    await stack.reset();
    const result = await runPipeline(stack, faulty!, { log: (l) => lines.push(l), outputDir });
    expect(result.outcome).toBe('rolled-back');
    expectSteps(result, {
      'window/window': 'success',
      'rollout/deploy': 'success',
      'rollout/gate-1': 'failure',
      'rollback/rollback': 'success',
      'evidence/bundle': 'success',
    });
    const gate = result.steps.find((s) => s.step === 'gate-1');
    expect(gate?.run?.outputs.verdict).toBe('fail');
    expect(gate?.error).toMatch(/^Canary targetgroup\/school-health-green\/\w+ failed: /);
    expect(result.steps.some((s) => s.step === 'promote' || s.step === 'verify')).toBe(false);
    expect(await weights()).toEqual({ blue: 100, green: 0 });
    expect(await getVersion(stack.alb.url, stack.ca)).toBe('v1.0.0');
    const { bundle } = await storedBundle(result);
    expect(bundle.outcome).toBe('failure');
    expect(bundle.failedActions).toEqual(['canary-gate']);
    const rollback = bundle.auditRecords.find(
      (r) => r.action === 'ecs-bluegreen' && r.inputs.mode === 'rollback',
    );
    expect(rollback?.inputs.reason).toBe('Automatic rollback of v1.2.0: rollout/gate-1 failed');
  }, 330_000);
});
