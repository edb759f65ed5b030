/**
 * The invalidation waiter with an injected clock and sleep. moto completes invalidations the
 * moment they are created; the bundle tests make it answer InProgress through a proxy, and
 * these tests cover the backoff and timeout arithmetic without waiting.
 */
import { describe, expect, it } from '@jest/globals';
import { MemoryLogger } from '@white-cross/core';
import { pollDelay, waitForInvalidation } from '../src/invalidation.js';
import { fakeTime } from '@white-cross/testkit';

describe('waitForInvalidation', () => {
  it('backs off until Completed, with a progress line each time', async () => {
    const time = fakeTime();
    const log = new MemoryLogger();
    const answers = ['InProgress', 'InProgress', 'InProgress', 'Completed'];
    const result = await waitForInvalidation({
      initialStatus: 'InProgress',
      getStatus: async () => answers.shift() ?? 'Completed',
      timeoutMs: 900_000,
      ...time,
      log,
      label: 'I1 on E1',
    });
    expect(result).toEqual({
      status: 'Completed',
      completed: true,
      waitedMs: 2000 + 3000 + 4500 + 6750,
      polls: 4,
    });
    expect(time.sleeps).toEqual([2000, 3000, 4500, 6750]);
    expect(log.lines.map((l) => l.message)).toEqual([
      'Invalidation I1 on E1 is InProgress after 0 ms; next check in 2 s (gives up after 15 min 00 s).',
      'Invalidation I1 on E1 is InProgress after 2 s; next check in 3 s (gives up after 15 min 00 s).',
      'Invalidation I1 on E1 is InProgress after 5 s; next check in 4.5 s (gives up after 15 min 00 s).',
      'Invalidation I1 on E1 is InProgress after 9.5 s; next check in 6.8 s (gives up after 15 min 00 s).',
      'Invalidation I1 on E1 completed after 16.3 s.',
    ]);
  });

  it('returns at once when already completed', async () => {
    const time = fakeTime();
    const result = await waitForInvalidation({
      initialStatus: 'COMPLETED',
      getStatus: async () => 'x',
      timeoutMs: 1000,
      ...time,
      log: new MemoryLogger(),
      label: 'I1',
    });
    expect(result.completed).toBe(true);
    expect(time.sleeps).toEqual([]);
  });

  it('gives up at the timeout, never sleeping past it', async () => {
    const time = fakeTime();
    const result = await waitForInvalidation({
      initialStatus: 'InProgress',
      getStatus: async () => 'InProgress',
      timeoutMs: 10_000,
      ...time,
      log: new MemoryLogger(),
      label: 'I1',
    });
    expect(result).toEqual({ status: 'InProgress', completed: false, waitedMs: 10_000, polls: 4 });
    expect(time.sleeps).toEqual([2000, 3000, 4500, 500]);
  });

  it('keeps polling through throttling and 503s, and stops on any other error', async () => {
    const time = fakeTime();
    const log = new MemoryLogger();
    const answers: (string | Error)[] = [
      Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }),
      Object.assign(new Error('busy'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } }),
      'Completed',
    ];
    const getStatus = async () => {
      const next = answers.shift();
      if (next instanceof Error) throw next;
      return next ?? 'Completed';
    };
    const result = await waitForInvalidation({
      initialStatus: 'InProgress',
      getStatus,
      timeoutMs: 60_000,
      ...time,
      log,
      label: 'I1',
    });
    expect(result.completed).toBe(true);
    expect(log.text()).toContain('status check failed (Throttling); trying again.');
    const denied = Object.assign(new Error('denied'), {
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    });
    await expect(
      waitForInvalidation({
        initialStatus: 'InProgress',
        getStatus: async () => Promise.reject(denied),
        timeoutMs: 60_000,
        ...time,
        log,
        label: 'I1',
      }),
    ).rejects.toBe(denied);
  });
});

describe('pollDelay', () => {
  it('grows by half each poll up to the cap', () => {
    expect([1, 2, 3, 4, 10, 20].map((n) => pollDelay(n, 2000, 30_000))).toEqual([
      2000, 3000, 4500, 6750, 30_000, 30_000,
    ]);
  });
});
