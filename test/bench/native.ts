/**
 * Benchmark: decision-to-rollback with strategy ecs-native beside two-services, in one run,
 * each run as the runner runs it (the committed bundle of ecs-bluegreen).
 *
 * The decision is canary-gate's fail verdict with 10 % of production on the canary; the
 * measure is the `rollback` step that follows: its own wall time (audit record), the process's
 * wall time, and its AWS calls, until production is back on the old version.
 * - two-services: `mode: rollback, to: previous` moves the listener weights back (moto, the
 *   test harness playing the ECS agent); AWS calls counted by the recording proxy.
 * - ecs-native: `mode: rollback` answers the PAUSE with ContinueServiceDeployment ROLLBACK and
 *   waits for ECS's ROLLBACK_SUCCESSFUL (moto behind the testkit's ECS native stand-in, whose
 *   clock runs 120 times faster than the wall clock); AWS calls counted by the action itself.
 *   On AWS, ECS's own rollback (its listener-rule change and the scale-down) adds its time on
 *   top; the stand-in moves the weights at once.
 *
 * Usage: npm run bench:native [-- --runs 5]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  awsEnv,
  buildNativeService,
  NATIVE_CLUSTER,
  NATIVE_SERVICE,
  runActionBundle,
  scaledClock,
  startAwsProxy,
  startEcsNativeStandIn,
  startMoto,
  type ActionRun,
} from '@white-cross/testkit';
import {
  CLUSTER,
  registerRelease,
  SERVICE,
  startAgent,
  startStack,
} from '../../actions/ecs-bluegreen/test/harness.js';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg >= 0 ? Number(process.argv[runsArg + 1]) : 5;
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error('--runs must be a positive whole number');

interface Measure {
  actionMs: number;
  processMs: number;
  calls: number;
  byOperation: Record<string, number>;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

function succeeded(run: ActionRun, what: string): ActionRun {
  if (run.exitCode !== 0) throw new Error(`${what} failed:\n${run.stdout}\n${run.stderr}`);
  return run;
}

function measureOf(run: ActionRun, byOperation: Record<string, number>): Measure {
  const record = run.audit[0] as { durationMs: number };
  const calls = Object.values(byOperation).reduce((a, b) => a + b, 0);
  return { actionMs: record.durationMs, processMs: run.durationMs, calls, byOperation };
}

async function twoServices(): Promise<Measure[]> {
  const stack = await startStack();
  const agent = startAgent(stack);
  const run = (inputs: Record<string, string>) =>
    runActionBundle('ecs-bluegreen', {
      inputs: {
        cluster: CLUSTER,
        service: SERVICE,
        'listener-arn': stack.listenerArn,
        'wait-timeout': '30s',
        'poll-interval': '100ms',
        ...inputs,
      },
      env: stack.env,
    });
  const measures: Measure[] = [];
  try {
    const release = await registerRelease(stack, 'v1.1.0');
    for (let i = 0; i < RUNS; i++) {
      succeeded(await run({ mode: 'deploy', 'task-definition-arn': release, traffic: '10' }), 'deploy');
      stack.proxy.reset();
      const rollback = succeeded(
        await run({ mode: 'rollback', to: 'previous', reason: 'canary-gate: fail' }),
        'rollback',
      );
      const byOperation: Record<string, number> = {};
      for (const r of stack.proxy.requests) byOperation[r.operation] = (byOperation[r.operation] ?? 0) + 1;
      measures.push(measureOf(rollback, byOperation));
    }
  } finally {
    await agent.stop();
    await stack.stop();
  }
  return measures;
}

async function ecsNative(): Promise<Measure[]> {
  const moto = await startMoto();
  const proxy = await startAwsProxy(moto.url);
  const measures: Measure[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      await moto.reset();
      const standIn = await startEcsNativeStandIn({ upstream: proxy.url, clock: scaledClock(120) });
      const fx = await buildNativeService({ ecsEndpoint: standIn.url, elbEndpoint: moto.url });
      const run = (inputs: Record<string, string>) =>
        runActionBundle('ecs-bluegreen', {
          inputs: {
            strategy: 'ecs-native',
            cluster: NATIVE_CLUSTER,
            service: NATIVE_SERVICE,
            'wait-timeout': '60s',
            'poll-interval': '100ms',
            ...inputs,
          },
          env: awsEnv(standIn.url),
        });
      try {
        succeeded(
          await run({
            mode: 'deploy',
            'task-definition-arn': fx.taskDefinitions.v2,
            'hook-timeout': '60m',
            'job-timeout': '3h',
          }),
          'deploy',
        );
        const canary = succeeded(await run({ mode: 'continue' }), 'continue');
        if (canary.outputs['native-traffic'] !== '10') throw new Error('the canary is not at 10 %');
        const rollback = succeeded(await run({ mode: 'rollback', reason: 'canary-gate: fail' }), 'rollback');
        if (rollback.outputs['native-status'] !== 'ROLLBACK_SUCCESSFUL') throw new Error('not rolled back');
        const evidence = JSON.parse(
          readFileSync(join(rollback.evidenceDir, 'ecs-bluegreen-report.json'), 'utf8'),
        ) as { awsCalls: Record<string, number> };
        measures.push(measureOf(rollback, evidence.awsCalls));
      } finally {
        fx.destroy();
        await standIn.stop();
      }
    }
  } finally {
    await proxy.stop();
    await moto.stop();
  }
  return measures;
}

function report(title: string, measures: Measure[]): void {
  const action = measures.map((m) => m.actionMs);
  const processMs = measures.map((m) => m.processMs);
  const last = measures[measures.length - 1]!;
  console.log(`\n${title} (${measures.length} runs)`);
  console.log(`  action wall time: median ${median(action)} ms, max ${Math.max(...action)} ms`);
  console.log(`  process wall time: median ${median(processMs)} ms, max ${Math.max(...processMs)} ms`);
  const ops = Object.entries(last.byOperation)
    .sort()
    .map(([op, n]) => `${op} ${n}`)
    .join(', ');
  console.log(`  AWS calls: ${last.calls} (${ops})`);
}

const two = await twoServices();
const native = await ecsNative();
console.log('decision-to-rollback (canary-gate fail at 10 %), ecs-bluegreen bundle on moto');
report('two-services: rollback to previous', two);
report('ecs-native: rollback at the PAUSE (ContinueServiceDeployment ROLLBACK)', native);
const ratio = (a: number, b: number) => (b === 0 ? 'n/a' : (a / b).toFixed(2));
console.log(
  `\necs-native / two-services: action wall time ${ratio(median(native.map((m) => m.actionMs)), median(two.map((m) => m.actionMs)))}×, AWS calls ${ratio(native.at(-1)!.calls, two.at(-1)!.calls)}×`,
);
