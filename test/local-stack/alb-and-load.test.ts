import { describe, expect, it } from '@jest/globals';
import { weightedRoundRobin } from './alb.js';
import { startLoad } from './load.js';

describe('weightedRoundRobin', () => {
  it('sends exactly the share the weights give, spread out', () => {
    const next = weightedRoundRobin();
    const picks = Array.from({ length: 100 }, () => next({ blue: 90, green: 10 }));
    expect(picks.filter((c) => c === 'green')).toHaveLength(10);
    // Spread: never two canary requests in a row at 10 %.
    expect(picks.some((c, i) => c === 'green' && picks[i + 1] === 'green')).toBe(false);
  });

  it('follows a weight change at once and sends nothing when both weights are 0', () => {
    const next = weightedRoundRobin();
    next({ blue: 100, green: 0 });
    expect(Array.from({ length: 4 }, () => next({ blue: 0, green: 100 }))).toEqual([
      'green',
      'green',
      'green',
      'green',
    ]);
    expect(next({ blue: 0, green: 0 })).toBeUndefined();
  });
});

describe('startLoad', () => {
  it('refuses any target that is not a loopback address', () => {
    expect(() =>
      startLoad({
        url: 'https://10.0.0.5:443',
        ca: '',
        requestsPerSecond: 1,
        maxDurationMs: 10,
        maxRequests: 1,
        paths: ['/'],
      }),
    ).toThrow('the load generator only targets loopback addresses, not 10.0.0.5');
  });

  it('stops at its request bound even when nothing answers', async () => {
    // Port 9 on loopback: nothing listens, every request fails fast; the bound still holds.
    const load = startLoad({
      url: 'https://127.0.0.1:9',
      ca: '',
      requestsPerSecond: 200,
      maxDurationMs: 20_000,
      maxRequests: 25,
      paths: ['/'],
    });
    const stats = await load.done;
    expect(stats.sent).toBe(25);
    expect(stats.byStatus.error).toBe(25);
  });
});
