/**
 * The waiting loop with a fake clock and sleep, so minutes of waiting take no time. The two
 * AWS reads it makes come from a small stand-in for the adapter (DescribeServices and
 * DescribeTargetHealth answers in sequence): the loop's timing is what is under test here;
 * the same loop against moto is covered by the bundle tests.
 */
import { describe, expect, test } from '@jest/globals';
import { MemoryLogger } from '@white-cross/core';
import { fakeTime } from '@white-cross/testkit';
import type { ServiceDescription, TargetHealthInfo } from '../src/aws.js';
import { waitUntilReady, type ReadinessReader } from '../src/wait.js';

const TD = 'arn:aws:ecs:us-east-1:123456789012:task-definition/api:8';
const target = { cluster: 'c', service: 'api-green', targetGroupArn: 'tg', taskDefinitionArn: TD, count: 2 };

function service(running: number): ServiceDescription {
  return {
    serviceName: 'api-green',
    serviceArn: 'arn',
    taskDefinitionArn: TD,
    desiredCount: 2,
    runningCount: running,
    pendingCount: 2 - running,
    tags: {},
    deployments: [{ status: 'PRIMARY', taskDefinition: TD }],
    events: [],
  };
}

/** Answers poll n with the n-th entry (the last one repeated). */
function pairThatBecomes(polls: { running: number; healthy: number }[]) {
  let n = 0;
  const at = () => polls[Math.min(n, polls.length - 1)]!;
  const aws: ReadinessReader = {
    describeServices: async () => ({ found: [service(at().running)], missing: [] }),
    targetHealth: async (): Promise<TargetHealthInfo[]> => {
      const healthy = at().healthy;
      n++;
      return Array.from({ length: healthy }, (_, i) => ({ id: `10.0.0.${i}`, state: 'healthy' }));
    },
  };
  return aws;
}

describe('waitUntilReady', () => {
  test('polls every poll-interval until ready, with progress lines', async () => {
    const time = fakeTime();
    const log = new MemoryLogger();
    const aws = pairThatBecomes([
      { running: 0, healthy: 0 },
      { running: 1, healthy: 0 },
      { running: 2, healthy: 1 },
      { running: 2, healthy: 2 },
    ]);
    const result = await waitUntilReady(aws, target, {
      timeoutMs: 900_000,
      pollIntervalMs: 15_000,
      log,
      ...time,
    });
    expect(result).toEqual({ ok: true, waitedMs: 45_000, polls: 4 });
    expect(time.sleeps).toEqual([15_000, 15_000, 15_000]);
    expect(log.text()).toBe(
      [
        'info: Waiting for api-green (0 ms of 15 min 00 s): tasks 0/2 running, 2 pending; deployments 1; targets 0/2 healthy (none registered)',
        'info: Waiting for api-green (15 s of 15 min 00 s): tasks 1/2 running, 1 pending; deployments 1; targets 0/2 healthy (none registered)',
        'info: Waiting for api-green (30 s of 15 min 00 s): tasks 2/2 running; deployments 1; targets 1/2 healthy (1 healthy)',
        'info: api-green is ready after 45 s: tasks 2/2 running; deployments 1; targets 2/2 healthy (2 healthy)',
      ].join('\n'),
    );
  });

  test('gives up at wait-timeout, never sleeping past it', async () => {
    const time = fakeTime();
    const log = new MemoryLogger();
    const result = await waitUntilReady(pairThatBecomes([{ running: 2, healthy: 0 }]), target, {
      timeoutMs: 40_000,
      pollIntervalMs: 15_000,
      log,
      ...time,
    });
    expect(time.sleeps).toEqual([15_000, 15_000, 10_000]);
    expect(result).toEqual({
      ok: false,
      waitedMs: 40_000,
      polls: 4,
      why: 'not ready within 40 s (tasks 2/2 running; deployments 1; targets 0/2 healthy (none registered))',
    });
  });
});
