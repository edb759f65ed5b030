/**
 * What goes wrong, on a real moto server through the committed bundle: new tasks that never
 * become healthy (the idle color is put back and the reasons shown), throttling (retried), and
 * a listener rule instead of a listener. moto does not register ECS tasks in target groups and
 * records no service events, so the test plays the ECS agent, including a task that crashes
 * (see harness.ts); the formatting of service events is covered in wait.test.ts.
 */
import { describe, expect, test, jest } from '@jest/globals';
import { usePerTest, useStack } from '@white-cross/testkit/use-stack';
import { throttling } from '@white-cross/testkit';
import {
  readPair,
  registerRelease,
  routeThroughRule,
  REGISTRY,
  startAgent,
  startStack,
  runBundle,
} from './harness.js';

// Each test runs the bundle several times against moto; on a loaded machine that takes minutes.
jest.setTimeout(300_000);
const stack = useStack(startStack, { beforeEach: (s) => s.rebuild() });
const agent = usePerTest(() => startAgent(stack));

const run = (inputs: Record<string, string>) => runBundle(stack, inputs);

describe('a deploy whose tasks never become healthy', () => {
  test('fails after wait-timeout, shows why, puts green back as it was, and leaves traffic on blue', async () => {
    const broken = await registerRelease(stack, 'v1.1.0-broken', { awsvpc: false });
    agent.broken.add(`${REGISTRY}:v1.1.0-broken`);
    const before = await readPair(stack);
    const result = await run({ mode: 'deploy', 'task-definition-arn': broken, 'wait-timeout': '2s' });
    expect(result.exitCode).toBe(1);
    expect(result.annotations.filter((a) => a.level === 'error').map((a) => a.message)).toEqual([
      'green service school-health-api-green did not become ready on school-health-api:2: not ready within 2 s (tasks 2/2 running; deployments 1; targets 0/2 healthy (none registered)); it was put back to school-health-api:1 with 0 task(s). Traffic is unchanged (blue 100 % / green 0 %).',
    ]);
    // Progress was shown while waiting, and the stopped task's reason afterwards.
    expect(result.stdout).toMatch(
      /Waiting for school-health-api-green \(.*\): tasks 2\/2 running; deployments 1; targets 0\/2 healthy/,
    );
    expect(result.stdout).toMatch(/stopped task [0-9a-f-]+: Essential container in task exited/);
    expect(result.summary).toContain('### Why the new tasks did not become ready');
    expect(result.summary).toMatch(/- stopped task [0-9a-f-]+: Essential container in task exited/);
    expect(result.audit[0]).toMatchObject({ outcome: 'failure' });
    const after = await readPair(stack);
    expect(after.weights).toEqual({ blue: 100, green: 0 });
    expect(after.green.taskDefinition).toBe(before.green.taskDefinition);
    expect(after.green.desiredCount).toBe(0);
    expect(after.green.tags['white-cross:role']).toBe('rolled-back');
    expect(after.green.tags['white-cross:version']).toBe('v1.0.0');
    // The next deploy of a good version goes ahead on green as usual.
    const good = await registerRelease(stack, 'v1.1.1');
    const next = await run({ mode: 'deploy', 'task-definition-arn': good, 'wait-timeout': '20s' });
    expect(next.exitCode).toBe(0);
    expect((await readPair(stack)).weights).toEqual({ blue: 90, green: 10 });
  });
});

describe('a run killed half-way', () => {
  test('a deploy killed while waiting left traffic alone; running it again finishes without registering again', async () => {
    const file = new URL('./task-definition.json', import.meta.url).pathname;
    const inputs = {
      mode: 'deploy',
      'task-definition': file,
      image: `${REGISTRY}:v1.1.0`,
      'container-name': 'api',
      'wait-timeout': '60s',
    };
    agent.hold = true; // the new tasks are still starting when the job is cancelled
    let waiting = false;
    // Killed (SIGKILL, as a runner that loses the machine) once it waits for green's tasks,
    // not after a fixed time: on a loaded machine it may not have got there in a few seconds.
    const killed = await runBundle(stack, inputs, {
      timeoutMs: 120_000,
      onLine: (line, send) => {
        if (waiting || !line.startsWith('Waiting for school-health-api-green')) return;
        waiting = true;
        send('SIGKILL');
      },
    });
    expect(killed.exitCode).toBe(137);
    expect(waiting).toBe(true);
    let pair = await readPair(stack);
    expect(pair.weights).toEqual({ blue: 100, green: 0 });
    expect(pair.green.tags['white-cross:role']).toBe('canary');
    const registered = pair.green.taskDefinition;

    agent.hold = false;
    stack.proxy.reset();
    const again = await run(inputs);
    expect(again.exitCode).toBe(0);
    expect(stack.proxy.count('RegisterTaskDefinition')).toBe(0);
    expect(stack.proxy.count('UpdateService')).toBe(0);
    pair = await readPair(stack);
    expect(pair.green.taskDefinition).toBe(registered);
    expect(pair.weights).toEqual({ blue: 90, green: 10 });
  });
});

describe('throttling', () => {
  test('throttled ECS and ELBv2 calls are retried and the deploy completes', async () => {
    const release = await registerRelease(stack, 'v1.1.0');
    // ECS speaks JSON 1.1 and ELBv2 the query protocol: each gets throttled in its own wire format.
    stack.proxy.addFault({
      match: (r) => r.operation === 'UpdateService',
      times: 2,
      fault: throttling('json'),
    });
    stack.proxy.addFault({
      match: (r) => r.operation === 'DescribeServices',
      times: 1,
      fault: throttling('json'),
    });
    stack.proxy.addFault({
      match: (r) => r.operation === 'ModifyListener',
      times: 2,
      fault: throttling('query'),
    });
    const result = await run({ mode: 'deploy', 'task-definition-arn': release, 'wait-timeout': '20s' });
    expect(result.exitCode).toBe(0);
    expect(stack.proxy.requests.filter((r) => r.fault).map((r) => `${r.operation} ${r.fault}`)).toEqual([
      'DescribeServices ThrottlingException',
      'UpdateService ThrottlingException',
      'UpdateService ThrottlingException',
      'ModifyListener Throttling',
      'ModifyListener Throttling',
    ]);
    expect(result.stdout).toMatch(
      /UpdateService on service school-health-api-green: ThrottlingException \(HTTP 400\): Rate exceeded; retry 1 in \d+ ms/,
    );
    expect(result.stdout).toMatch(
      /ModifyListener on arn:aws:elasticloadbalancing:.*: Throttling \(HTTP 400\): Rate exceeded; retry 2 in \d+ ms/,
    );
    expect((await readPair(stack)).weights).toEqual({ blue: 90, green: 10 });
  });

  test('throttling that does not stop fails saying which call on which resource, and what state it left', async () => {
    const release = await registerRelease(stack, 'v1.1.0');
    stack.proxy.addFault({ match: (r) => r.operation === 'ModifyListener', fault: throttling('query') });
    const result = await run({ mode: 'deploy', 'task-definition-arn': release, 'wait-timeout': '20s' });
    expect(result.exitCode).toBe(1);
    expect(stack.proxy.count('ModifyListener')).toBe(5);
    expect(result.audit[0]).toMatchObject({ outcome: 'failure' });
    expect(result.annotations.find((a) => a.level === 'error')?.message).toBe(
      `ModifyListener on ${stack.listenerArn} failed: Throttling (HTTP 400): Rate exceeded. State left: traffic blue 100 % / green 0 %; blue runs school-health-api:1 with 2 task(s); green runs school-health-api:2 with 2 task(s). Running the same step again continues from here.`,
    );
  });
});

describe('a listener rule instead of a listener', () => {
  test("deploy and promote move the rule's weights, not the listener's", async () => {
    const release = await registerRelease(stack, 'v1.1.0');
    const { ruleArn, restore } = await routeThroughRule(stack);
    try {
      const inputs = { 'rule-arn': ruleArn, 'listener-arn': '', 'wait-timeout': '20s' };
      const deploy = await run({ ...inputs, mode: 'deploy', 'task-definition-arn': release });
      expect(deploy.exitCode).toBe(0);
      expect(deploy.outputs['load-balancer']).toBe(stack.loadBalancerArn.split('loadbalancer/')[1]);
      let pair = await readPair(stack, ruleArn);
      expect(pair.ruleWeights).toEqual({ blue: 90, green: 10 });
      expect((await run({ ...inputs, mode: 'promote' })).exitCode).toBe(0);
      pair = await readPair(stack, ruleArn);
      expect(pair.ruleWeights).toEqual({ blue: 0, green: 100 });
    } finally {
      await restore();
    }
  });
});
