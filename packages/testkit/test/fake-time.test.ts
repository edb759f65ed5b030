import { describe, expect, it } from '@jest/globals';
import { fakeTime } from '@white-cross/testkit';

describe('fakeTime', () => {
  it('advances the clock by each sleep at once and records the waits', async () => {
    const time = fakeTime(1_000);
    expect(time.clock.now()).toBe(1_000);
    await time.sleep(15_000);
    await time.sleep(250);
    expect(time.clock.now()).toBe(16_250);
    expect(time.sleeps).toEqual([15_000, 250]);
  });

  it('moves the clock without a sleep on advance', () => {
    const time = fakeTime();
    time.advance(60_000);
    expect(time.clock.now()).toBe(60_000);
    expect(time.sleeps).toEqual([]);
  });
});
