/**
 * Rollback on a real moto server, through the committed bundle: to the previous color in each
 * phase (canary, shifted canary, promoted, promoted and cleaned up), to a task definition ARN
 * and to a release tag. moto does not register ECS tasks in target groups, so the test plays
 * the ECS agent (see harness.ts).
 */
import { describe, expect, test, jest } from '@jest/globals';
import { usePerTest, useStack } from '@white-cross/testkit/use-stack';
import { DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import {
  readPair,
  registerRelease,
  REGISTRY,
  startAgent,
  startStack,
  tagService,
  runBundle,
} from './harness.js';

// Each test runs the bundle several times against moto; on a loaded machine that takes minutes.
jest.setTimeout(300_000);
const stack = useStack(startStack, { beforeEach: (s) => s.rebuild() });
usePerTest(() => startAgent(stack));

const run = (inputs: Record<string, string>) => runBundle(stack, { 'wait-timeout': '20s', ...inputs });

async function ok(inputs: Record<string, string>) {
  const result = await run(inputs);
  if (result.exitCode !== 0) throw new Error(`${inputs.mode} failed:\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** Blue live on v1.0.0; green a canary on v1.1.0 with 10 %. */
async function canary(): Promise<string> {
  const v11 = await registerRelease(stack, 'v1.1.0');
  await ok({ mode: 'deploy', 'task-definition-arn': v11 });
  return v11;
}

const rollbackPrevious = {
  mode: 'rollback',
  to: 'previous',
  reason: 'canary-gate failed: p95 1.8 s over the 1 s limit',
};

describe('rollback to previous', () => {
  test('during the canary: 100 % back to blue at once; green marked rolled back; a second run changes nothing', async () => {
    await canary();
    stack.proxy.reset();
    const result = await run(rollbackPrevious);
    expect(result.exitCode).toBe(0);
    // The fast path: read the pair, take the lock (no settle wait: a rollback never waits, it
    // takes the lock over), move the weights, mark the canary, give the lock back, and look for
    // a test route left on the listener (none here: DescribeRules only, no DeleteRule).
    expect(stack.proxy.requests.map((r) => r.operation).sort()).toEqual([
      'DescribeListeners',
      'DescribeRules',
      'DescribeServices',
      'DescribeServices',
      'DescribeServices',
      'DescribeServices',
      'ModifyListener',
      'TagResource',
      'TagResource',
      'UntagResource',
    ]);
    const pair = await readPair(stack);
    expect(pair.weights).toEqual({ blue: 100, green: 0 });
    expect(pair.green.tags['white-cross:role']).toBe('rolled-back');
    expect(pair.blue.tags['white-cross:role']).toBe('live');
    expect(result.outputs['live-color']).toBe('blue');
    expect(result.outputs['canary-color']).toBe('');
    expect(result.summary).toContain('Reason given: canary-gate failed: p95 1.8 s over the 1 s limit');
    expect(result.summary).toContain(
      '| green | school-health-api-green | rolled-back | v1.1.0 | school-health-api:2 | 2 | 10 % | 0 % |',
    );
    expect(result.audit[0]).toMatchObject({
      outcome: 'success',
      facts: { reason: 'canary-gate failed: p95 1.8 s over the 1 s limit' },
    });

    stack.proxy.reset();
    const again = await run(rollbackPrevious);
    expect(again.exitCode).toBe(0);
    // Nothing moves; a test route a crashed run left would still be removed (DescribeRules).
    expect(stack.proxy.requests.map((r) => r.operation).sort()).toEqual([
      'DescribeListeners',
      'DescribeRules',
      'DescribeServices',
    ]);
    expect(again.summary).toContain(
      'Already rolled back: blue is live with 100 % and green was rolled back at',
    );
  });

  test('after a shift to 50 %: 100 % back to blue', async () => {
    await canary();
    await ok({ mode: 'shift', traffic: '50' });
    const result = await run(rollbackPrevious);
    expect(result.exitCode).toBe(0);
    expect((await readPair(stack)).weights).toEqual({ blue: 100, green: 0 });
    expect(result.summary).toContain('| 50 % | 0 % |');
  });

  test('after promotion: 100 % back to blue, which is still up, without waiting', async () => {
    await canary();
    await ok({ mode: 'promote' });
    stack.proxy.reset();
    const result = await run(rollbackPrevious);
    expect(result.exitCode).toBe(0);
    expect(stack.proxy.count('UpdateService')).toBe(0);
    expect(stack.proxy.count('ModifyListener')).toBe(1);
    const pair = await readPair(stack);
    expect(pair.weights).toEqual({ blue: 100, green: 0 });
    expect(pair.blue.tags['white-cross:role']).toBe('live');
    expect(pair.green.tags['white-cross:role']).toBe('rolled-back');
    expect(result.outputs).toMatchObject({
      'live-color': 'blue',
      'task-definition-arn': stack.firstTaskDefinition,
      weights: '{"blue":100,"green":0}',
    });
    // A second rollback does not flip back to the version just rolled back.
    const again = await run(rollbackPrevious);
    expect(again.exitCode).toBe(0);
    expect((await readPair(stack)).weights).toEqual({ blue: 100, green: 0 });
  });

  test('after cleanup scaled blue to 0: blue is scaled up and healthy before traffic moves', async () => {
    await canary();
    await ok({ mode: 'promote' });
    await tagService(stack, 'green', {
      'white-cross:promoted-at': new Date(Date.now() - 30 * 3_600_000).toISOString(),
    });
    await ok({ mode: 'cleanup' });
    expect((await readPair(stack)).blue.desiredCount).toBe(0);
    stack.proxy.reset();
    const result = await run(rollbackPrevious);
    expect(result.exitCode).toBe(0);
    const ops = stack.proxy.requests.map((r) => r.operation);
    // Scaled up, then waited for healthy targets, and only then the weights moved.
    expect(ops.indexOf('UpdateService')).toBeLessThan(ops.lastIndexOf('DescribeTargetHealth'));
    expect(ops.lastIndexOf('DescribeTargetHealth')).toBeLessThan(ops.indexOf('ModifyListener'));
    const pair = await readPair(stack);
    expect(pair.blue.desiredCount).toBe(2);
    expect(pair.weights).toEqual({ blue: 100, green: 0 });
    expect(result.stdout).toContain('school-health-api-blue is ready after');
  });

  test('with no previous color (a fresh pair): fails and changes nothing', async () => {
    stack.proxy.reset();
    const result = await run(rollbackPrevious);
    expect(result.exitCode).toBe(1);
    expect(result.annotations.filter((a) => a.level === 'error').map((a) => a.message)).toEqual([
      'Nothing to roll back to: blue is live with 100 % and green has never been live before it (no white-cross:role=previous tag on school-health-api-green). Roll back to a task definition ARN or a release tag instead. Nothing was changed.',
    ]);
    expect(stack.proxy.requests.map((r) => r.operation).sort()).toEqual([
      'DescribeListeners',
      'DescribeServices',
    ]);
  });
});

describe('rollback to a version', () => {
  test('to a task definition ARN during a canary: the canary leaves traffic first, then that ARN goes live once healthy', async () => {
    await canary();
    const hotfix = await registerRelease(stack, 'v1.0.1');
    stack.proxy.reset();
    const result = await run({
      mode: 'rollback',
      to: hotfix,
      reason: 'v1.1.0 breaks the immunisation report',
    });
    expect(result.exitCode).toBe(0);
    const modifies = stack.proxy.requests.filter((r) => r.operation === 'ModifyListener');
    expect(modifies).toHaveLength(2);
    const ops = stack.proxy.requests.map((r) => r.operation);
    expect(ops.indexOf('ModifyListener')).toBeLessThan(ops.indexOf('UpdateService'));
    const pair = await readPair(stack);
    expect(pair.weights).toEqual({ blue: 0, green: 100 });
    expect(pair.green.taskDefinition).toBe(hotfix);
    expect(pair.green.tags).toMatchObject({ 'white-cross:role': 'live', 'white-cross:version': 'v1.0.1' });
    expect(pair.blue.tags['white-cross:role']).toBe('rolled-back');
    expect(result.outputs['task-definition-arn']).toBe(hotfix);
    expect(result.outputs['previous-task-definition-arn']).toBe(stack.firstTaskDefinition);
  });

  test('to a release tag: finds the task definition tagged with it', async () => {
    await canary();
    await ok({ mode: 'promote' });
    const result = await run({ mode: 'rollback', to: 'v1.0.0', reason: 'rollback requested by on-call' });
    expect(result.exitCode).toBe(0);
    const pair = await readPair(stack);
    expect(pair.weights).toEqual({ blue: 100, green: 0 });
    expect(pair.blue.taskDefinition).toBe(stack.firstTaskDefinition);
    expect(result.outputs['task-definition-arn']).toBe(stack.firstTaskDefinition);
    expect(result.summary).toContain('Find the task definition of v1.0.0');
  });

  test('to a release tag with no task definition yet: builds one from the file and image, tagged with the release', async () => {
    const file = new URL('./task-definition.json', import.meta.url).pathname;
    const result = await run({
      mode: 'rollback',
      to: 'v0.9.4',
      reason: 'restore the last release before the records migration',
      'task-definition': file,
      image: `${REGISTRY}:v0.9.4`,
      'container-name': 'api',
    });
    expect(result.exitCode).toBe(0);
    const pair = await readPair(stack);
    expect(pair.weights).toEqual({ blue: 0, green: 100 });
    expect(pair.green.tags).toMatchObject({ 'white-cross:role': 'live', 'white-cross:version': 'v0.9.4' });
    const td = await stack.ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: pair.green.taskDefinition, include: ['TAGS'] }),
    );
    expect(td.taskDefinition?.containerDefinitions?.find((c) => c.name === 'api')?.image).toBe(
      `${REGISTRY}:v0.9.4`,
    );
    expect(td.tags).toContainEqual({ key: 'white-cross:version', value: 'v0.9.4' });
  });

  test('to a release tag no task definition carries: fails naming the input, nothing changed', async () => {
    stack.proxy.reset();
    const result = await run({ mode: 'rollback', to: 'v0.0.9', reason: 'test' });
    expect(result.exitCode).toBe(1);
    expect(result.annotations.find((a) => a.level === 'error')?.message).toBe(
      "Input 'to': no active task definition of school-health-api is tagged white-cross:version=v0.0.9. Give 'task-definition' (the release's own task definition file) and 'image' (the release's image) to build one.",
    );
    expect(stack.proxy.count(/^(UpdateService|ModifyListener|TagResource|RegisterTaskDefinition)$/)).toBe(0);
  });
});
