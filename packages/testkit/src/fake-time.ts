/**
 * A clock and a sleep that share one fake "now": sleeping advances the clock at once, so code
 * that waits (polls, retries, canary windows) runs in no real time and tests can assert on the
 * waits it asked for.
 */

export interface FakeTime {
  /** Pass as `ctx.clock` / `options.clock`. */
  clock: { now(): number };
  /** Pass as `ctx.sleep` / `options.sleep`: records `ms` and advances the clock by it. */
  sleep(ms: number): Promise<void>;
  /** Every wait asked for, in order. */
  sleeps: number[];
  /** Moves the clock without a sleep (time spent elsewhere, e.g. in a slow call). */
  advance(ms: number): void;
}

/**
 * A fake clock starting at `start` (ms since the epoch) with a sleep that advances it.
 *
 * @example
 * const time = fakeTime(Date.parse('2026-11-21T16:00:00Z'));
 * await waitUntilReady(aws, target, { ...time, timeoutMs: 60_000, pollIntervalMs: 15_000, log });
 * expect(time.sleeps).toEqual([15_000, 15_000]);
 */
export function fakeTime(start = 0): FakeTime {
  let now = start;
  const sleeps: number[] = [];
  return {
    clock: { now: () => now },
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    sleeps,
    advance: (ms: number) => {
      now += ms;
    },
  };
}
