import { describe, expect, it } from '@jest/globals';
import { backoffDelay, isTransientError, retry } from '@white-cross/core';

const throttled = () =>
  Object.assign(new Error('Rate exceeded'), {
    name: 'ThrottlingException',
    $metadata: { httpStatusCode: 400 },
  });

describe('backoffDelay', () => {
  it('draws from [0, min(cap, base·2^(n-1)))', () => {
    expect(backoffDelay(1, 200, 20_000, () => 0.999)).toBe(199);
    expect(backoffDelay(3, 200, 20_000, () => 0.5)).toBe(400);
    expect(backoffDelay(12, 200, 20_000, () => 0.5)).toBe(10_000);
    expect(backoffDelay(5, 200, 20_000, () => 0)).toBe(0);
  });
});

describe('retry', () => {
  it('retries transient errors with jittered waits, then succeeds', async () => {
    const waits: number[] = [];
    const seen: number[] = [];
    let calls = 0;
    const result = await retry(
      async (attempt) => {
        seen.push(attempt);
        if (++calls < 3) throw throttled();
        return 'ok';
      },
      { sleep: async (ms) => void waits.push(ms), random: () => 0.5, baseDelayMs: 100 },
    );
    expect(result).toBe('ok');
    expect(seen).toEqual([1, 2, 3]);
    expect(waits).toEqual([50, 100]);
  });

  it('does not retry an error that is not transient', async () => {
    let calls = 0;
    const denied = Object.assign(new Error('not authorized'), {
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 403 },
    });
    await expect(
      retry(
        async () => {
          calls++;
          throw denied;
        },
        { sleep: async () => {} },
      ),
    ).rejects.toBe(denied);
    expect(calls).toBe(1);
  });

  it('gives up after the last attempt with the last error', async () => {
    let calls = 0;
    const retries: number[] = [];
    await expect(
      retry(
        async () => {
          calls++;
          throw throttled();
        },
        { attempts: 4, sleep: async () => {}, onRetry: (_e, n) => retries.push(n) },
      ),
    ).rejects.toThrow('Rate exceeded');
    expect(calls).toBe(4);
    expect(retries).toEqual([1, 2, 3]);
  });
});

describe('isTransientError', () => {
  it.each([
    ['throttling by name', throttled()],
    ['S3 SlowDown', { name: 'SlowDown', $metadata: { httpStatusCode: 503 } }],
    ['any 5xx', { name: 'InternalError', $metadata: { httpStatusCode: 500 } }],
    ['429', { name: 'TooMany', $metadata: { httpStatusCode: 429 } }],
    ['connection reset', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['SDK-marked retryable', { name: 'X', $retryable: {} }],
    [
      'a wrapped network cause',
      new Error('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ETIMEDOUT' }) }),
    ],
  ])('%s is transient', (_n, e) => expect(isTransientError(e)).toBe(true));
  it.each([
    ['a validation error', { name: 'ValidationException', $metadata: { httpStatusCode: 400 } }],
    ['a plain error', new Error('bug')],
    ['a string', 'boom'],
  ])('%s is not', (_n, e) => expect(isTransientError(e)).toBe(false));
});
