/**
 * Benchmark: ecs-bluegreen on moto, run as the runner runs it (the committed bundle).
 *
 * - `rollback to previous` during a canary and after a promotion: the action's own wall time
 *   (from its audit record), the process's wall time, and the AWS calls it makes. The target is
 *   ≤ 3 s; the platform's recovery objective for a rollback is 5 minutes.
 * - `deploy` of a new task definition: the action's time excluding the wait for healthy tasks
 *   (which on AWS is the tasks' start-up, not the action), and its calls outside the wait.
 *
 * AWS calls are counted by a recording proxy between the action and moto. moto does not
 * register ECS tasks in target groups, so the test harness plays the ECS agent.
 *
 * Usage: npm run bench:ecs [-- --runs 5]
 */
import { runActionBundle, type ActionRun } from '@white-cross/testkit';
import {
  CLUSTER,
  registerRelease,
  SERVICE,
  startAgent,
  startStack,
  type Stack,
} from '../../actions/ecs-bluegreen/test/harness.js';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg >= 0 ? Number(process.argv[runsArg + 1]) : 5;
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error('--runs must be a positive whole number');

interface Measure {
  actionMs: number;
  processMs: number;
  calls: Record<string, number>;
  waitMs: number;
  waitCalls: number;
}

async function runAction(
  stack: Stack,
  inputs: Record<string, string>,
): Promise<{ run: ActionRun; measure: Measure }> {
  stack.proxy.reset();
  const run = await runActionBundle('ecs-bluegreen', {
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
  if (run.exitCode !== 0) throw new Error(`${inputs.mode} failed:\n${run.stdout}\n${run.stderr}`);
  const record = run.audit[0] as {
    durationMs: number;
    facts: { steps: { step: string; ms: number; detail?: string }[] };
  };
  const wait = record.facts.steps.find((s) => s.step.startsWith('Wait for'));
  const polls = Number(/^(\d+) poll/.exec(wait?.detail ?? '')?.[1] ?? 0);
  const calls: Record<string, number> = {};
  for (const r of stack.proxy.requests) calls[r.operation] = (calls[r.operation] ?? 0) + 1;
  // Each poll is one DescribeServices and one DescribeTargetHealth.
  return {
    run,
    measure: {
      actionMs: record.durationMs,
      processMs: run.durationMs,
      calls,
      waitMs: wait?.ms ?? 0,
      waitCalls: polls * 2,
    },
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const total = (calls: Record<string, number>) => Object.values(calls).reduce((a, b) => a + b, 0);
const callText = (calls: Record<string, number>) =>
  Object.entries(calls)
    .sort()
    .map(([op, n]) => `${op} ${n}`)
    .join(', ');

function report(title: string, measures: Measure[], excludeWait: boolean): void {
  const action = measures.map((m) => m.actionMs - (excludeWait ? m.waitMs : 0));
  const processMs = measures.map((m) => m.processMs);
  const calls = measures[measures.length - 1]!.calls;
  const counted = total(calls) - (excludeWait ? measures[measures.length - 1]!.waitCalls : 0);
  console.log(`\n${title} (${measures.length} runs)`);
  console.log(
    `  action wall time${excludeWait ? ' excluding the wait' : ''}: median ${median(action)} ms, max ${Math.max(...action)} ms`,
  );
  console.log(
    `  process wall time (node start to exit): median ${median(processMs)} ms, max ${Math.max(...processMs)} ms`,
  );
  if (excludeWait)
    console.log(
      `  wait for healthy tasks: median ${median(measures.map((m) => m.waitMs))} ms (poll interval 100 ms)`,
    );
  console.log(
    `  AWS calls${excludeWait ? ' outside the wait' : ''}: ${counted} (all calls: ${callText(calls)})`,
  );
}

const stack = await startStack();
let agent = startAgent(stack);
/** Builds the pair again, with a fresh agent (it remembers what it placed). */
async function rebuild(): Promise<void> {
  await agent.stop();
  await stack.rebuild();
  agent = startAgent(stack);
}
try {
  const v11 = await registerRelease(stack, 'v1.1.0');
  const previous = { mode: 'rollback', to: 'previous', reason: 'benchmark' };

  const canaryRollbacks: Measure[] = [];
  for (let i = 0; i < RUNS; i++) {
    await runAction(stack, { mode: 'deploy', 'task-definition-arn': v11 });
    canaryRollbacks.push((await runAction(stack, previous)).measure);
  }

  const promotedRollbacks: Measure[] = [];
  for (let i = 0; i < RUNS; i++) {
    await rebuild();
    const release = await registerRelease(stack, 'v1.1.0');
    await runAction(stack, { mode: 'deploy', 'task-definition-arn': release });
    await runAction(stack, { mode: 'promote' });
    promotedRollbacks.push((await runAction(stack, previous)).measure);
  }

  const deploys: Measure[] = [];
  for (let i = 0; i < RUNS; i++) {
    await rebuild();
    const release = await registerRelease(stack, `v1.2.${i}`);
    deploys.push((await runAction(stack, { mode: 'deploy', 'task-definition-arn': release })).measure);
  }

  console.log('ecs-bluegreen on moto 5.2.1');
  report('rollback to previous during a canary', canaryRollbacks, false);
  report('rollback to previous after a promotion (previous color still up)', promotedRollbacks, false);
  report('deploy of a new task definition', deploys, true);
  const worst = Math.max(
    ...canaryRollbacks.map((m) => m.actionMs),
    ...promotedRollbacks.map((m) => m.actionMs),
  );
  console.log(
    `\nrollback target ≤ 3000 ms: ${worst <= 3000 ? 'met' : 'MISSED'} (slowest rollback ${worst} ms)`,
  );
} finally {
  await agent.stop();
  await stack.stop();
}
