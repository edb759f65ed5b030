import { describe, expect, it } from '@jest/globals';
import { mapConcurrent } from '../src/concurrency.js';

describe('mapConcurrent', () => {
  it('keeps order and never runs more than the limit at once', async () => {
    let running = 0;
    let most = 0;
    const out = await mapConcurrent([5, 1, 4, 2, 3], 2, async (n) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setImmediate(r));
      running--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });

  it('starts nothing new after a failure and throws the first error once the running items end', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const work = mapConcurrent([1, 2, 3, 4, 5, 6], 2, async (n) => {
      started.push(n);
      await new Promise((r) => setImmediate(r));
      if (n === 2) throw new Error('upload of 2 failed');
      finished.push(n);
      return n;
    });
    await expect(work).rejects.toThrow('upload of 2 failed');
    expect(started).toEqual([1, 2, 3]);
    expect(finished).toEqual([1, 3]);
  });
});
