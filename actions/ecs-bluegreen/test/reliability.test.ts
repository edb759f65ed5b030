/**
 * Concurrent runs, interrupted promotes, cancellation and hostile text, through the committed
 * bundle against moto behind the recording proxy (the ECS agent played by testkit).
 */
import { describe, expect, test, jest } from '@jest/globals';
import { usePerTest, useStack } from '@white-cross/testkit/use-stack';
import { ModifyListenerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { type ActionRun, type RunActionOptions } from '@white-cross/testkit';
import { forwardTo } from '@white-cross/testkit/aws-fixtures';
import { readPair, registerRelease, startAgent, startStack, tagService, runBundle } from './harness.js';

// Each test runs the bundle several times against moto; on a loaded machine that takes minutes.
jest.setTimeout(300_000);
const stack = useStack(startStack, { beforeEach: (s) => s.rebuild() });
const agent = usePerTest(() => startAgent(stack));

const LOCK = 'white-cross:lock';
const errorOf = (result: ActionRun) => result.annotations.find((a) => a.level === 'error')?.message;

const run = (
  inputs: Record<string, string>,
  options: { runId?: string; onLine?: RunActionOptions['onLine'] } = {},
) =>
  runBundle(stack, inputs, {
    env: options.runId ? { GITHUB_RUN_ID: options.runId } : {},
    ...(options.onLine ? { onLine: options.onLine } : {}),
  });

describe('two deploys at once', () => {
  test('the second is refused before any change, naming the run that holds the lock; the first finishes', async () => {
    const first = await registerRelease(stack, 'v2.0.0');
    const second = await registerRelease(stack, 'v3.0.0');
    agent.hold = true;
    let secondRun: Promise<ActionRun> | undefined;
    const firstRun = run(
      { mode: 'deploy', 'task-definition-arn': first },
      {
        runId: '111',
        onLine: (line) => {
          if (!secondRun && line.startsWith('Waiting for school-health-api-green')) {
            secondRun = run({ mode: 'deploy', 'task-definition-arn': second }, { runId: '222' }).finally(
              () => {
                agent.hold = false;
              },
            );
          }
        },
      },
    );
    const a = await firstRun;
    expect(secondRun).toBeDefined();
    const b = await secondRun!;
    expect(b.exitCode).toBe(1);
    expect(errorOf(b)).toMatch(
      /^Another run is changing this blue\/green pair: white-cross\/school-health\/actions\/runs\/111 \(attempt 1, until \S+\) holds its lock \(tag white-cross:lock\)\. Wait for it to finish, or let the lock expire\. Nothing was changed\.$/,
    );
    expect(a.exitCode).toBe(0);
    const pair = await readPair(stack);
    expect(pair.green.taskDefinition).toBe(first);
    expect(pair.weights).toEqual({ blue: 90, green: 10 });
    expect(pair.blue.tags[LOCK]).toBeUndefined();
  });

  test('a stale lock (expired) is taken over, said so, and given back at the end', async () => {
    await tagService(stack, 'blue', {
      [LOCK]: 'run=white-cross/school-health/actions/runs/99 attempt=1 until=2026-01-01T00:00:00.000Z',
    });
    const release = await registerRelease(stack, 'v1.1.0');
    const result = await run({ mode: 'deploy', 'task-definition-arn': release });
    expect(result.exitCode).toBe(0);
    expect(result.annotations).toContainEqual(
      expect.objectContaining({
        level: 'warning',
        message:
          'Taking over the expired lock of white-cross/school-health/actions/runs/99 (attempt 1, until 2026-01-01T00:00:00.000Z).',
      }),
    );
    expect((await readPair(stack)).blue.tags[LOCK]).toBeUndefined();
  });
});

describe('status after a promote interrupted between the weights and the tags', () => {
  test('reports the color that serves 100 %, from the weights', async () => {
    const release = await registerRelease(stack, 'v1.1.0');
    expect((await run({ mode: 'deploy', 'task-definition-arn': release })).exitCode).toBe(0);
    // The promote moved all traffic, then failed before writing the tags.
    await stack.elb.send(
      new ModifyListenerCommand({
        ListenerArn: stack.listenerArn,
        DefaultActions: forwardTo(stack.targetGroups, 0, 100),
      }),
    );
    const status = await run({ mode: 'status' });
    expect(status.exitCode).toBe(0);
    expect(status.outputs['live-color']).toBe('green');
    expect(status.outputs['canary-color']).toBe('');
    expect(status.outputs.weights).toBe('{"blue":0,"green":100}');
    expect(status.annotations).toContainEqual(
      expect.objectContaining({
        level: 'warning',
        message:
          'green serves 100 % of requests although blue is still tagged white-cross:role=live: a promote was interrupted after moving the traffic and before writing the tags. Run promote again to finish it, or rollback to put traffic back on blue.',
      }),
    );
  });
});

describe('a cancelled job (SIGTERM while waiting for the new tasks)', () => {
  test('stops waiting, scales green back, leaves traffic on blue, and writes the summary and the audit record', async () => {
    const release = await registerRelease(stack, 'v1.1.0');
    agent.hold = true;
    let signalled = false;
    const result = await run(
      { mode: 'deploy', 'task-definition-arn': release, 'wait-timeout': '10m' },
      {
        onLine: (line, signal) => {
          if (!signalled && line.startsWith('Waiting for school-health-api-green')) {
            signalled = true;
            signal('SIGTERM');
          }
        },
      },
    );
    agent.hold = false;
    expect(signalled).toBe(true);
    expect(result.exitCode).toBe(1);
    expect(errorOf(result)).toBe(
      'Cancelled (SIGTERM) while waiting for green (school-health-api-green) on school-health-api:2: it was put back to school-health-api:1 with 0 task(s). Traffic is unchanged (blue 100 % / green 0 %).',
    );
    const pair = await readPair(stack);
    expect(pair.green.desiredCount).toBe(0);
    expect(pair.weights).toEqual({ blue: 100, green: 0 });
    expect(pair.blue.tags[LOCK]).toBeUndefined();
    expect(result.summary).toContain('ECS blue/green: deploy (failed)');
    expect(result.summary).toContain('Restore school-health-api-green');
    expect(result.audit[0]).toMatchObject({ outcome: 'cancelled' });
    expect(JSON.stringify(result.audit[0])).toContain('"cancelled":"SIGTERM"');
  });
});

describe('hostile text in reason', () => {
  test('a reason with line breaks, %0A and workflow commands never becomes a workflow command', async () => {
    const release = await registerRelease(stack, 'v1.1.0');
    expect((await run({ mode: 'deploy', 'task-definition-arn': release })).exitCode).toBe(0);
    const result = await run({
      mode: 'rollback',
      to: 'previous',
      reason: 'p95 high\n::error::injected\r\n::add-mask::blue%0A::warning::also injected',
    });
    expect(result.exitCode).toBe(0);
    expect(result.annotations.filter((a) => /injected/.test(a.message))).toEqual([]);
    expect(
      result.stdout
        .split('\n')
        .filter((l) => /^::(error|warning|add-mask)::/.test(l) && /injected|blue%0A/.test(l)),
    ).toEqual([]);
    expect(result.stdout).toContain(
      'reason: p95 high ⏎ : :error: :injected ⏎ : :add-mask: :blue%0A: :warning: :also injected',
    );
  });

  test('a reason over 500 characters is refused naming the limit, before any AWS call', async () => {
    stack.proxy.reset();
    const result = await run({ mode: 'rollback', to: 'previous', reason: 'x'.repeat(501) });
    expect(result.exitCode).toBe(1);
    expect(errorOf(result)).toBe("Input 'reason' must be at most 500 characters; got 501.");
    expect(stack.proxy.requests).toEqual([]);
  });
});
