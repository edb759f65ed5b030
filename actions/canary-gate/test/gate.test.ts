/**
 * The sequential watch, driven through whole windows with a fake clock and a scripted metrics
 * source (no servers, no waiting): when it looks, what it reads, when it stops.
 */
import { describe, expect, test } from '@jest/globals';
import type { Logger } from '@white-cross/core';
import type { MetricsSource, WindowRequest } from '../src/cloudwatch.js';
import { lookOffsets, watchCanary } from '../src/gate.js';
import type { CanaryPolicy, ColorMetrics, Observation } from '../src/judge.js';
import { fakeTime } from '@white-cross/testkit';

const policy: CanaryPolicy = {
  maxErrorRate: 0.05,
  confidence: 0.95,
  compareBaseline: true,
  baselineConfidence: 0.95,
  baselineTolerance: 0.2,
  requestsNeeded: 59,
  extraMetrics: [],
};

function color(requests: number, errors: number): ColorMetrics {
  return { requests, errors, latencySamples: 0, periods: [{ at: 0, requests, errors }], extra: {} };
}

function recordingLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const add = (m: string): void => {
    lines.push(m);
  };
  return {
    lines,
    redact: (t) => t,
    debug: add,
    info: add,
    notice: add,
    warning: add,
    error: add,
    group: (_title, body) => body(),
  };
}

/** Canary and baseline traffic growing linearly with the window read; the canary's errors at `errorRate`. */
function steadySource(_start: number, errorRate: number, reads: WindowRequest[]): MetricsSource {
  return {
    read: async (request) => {
      reads.push(request);
      const seconds = (request.end - request.start) / 1000;
      const canary = Math.round(10 * seconds);
      const baseline = Math.round(90 * seconds);
      const observation: Observation = {
        canary: color(canary, Math.round(canary * errorRate)),
        baseline: color(baseline, Math.round(baseline * 0.005)),
      };
      return observation;
    },
  };
}

const START = Date.UTC(2026, 10, 21, 16, 0, 30, 250);
const SCHEDULE = { windowMs: 300_000, intervalMs: 60_000, periodSeconds: 60, metricsDelayMs: 0 };
// The first whole minute after the start: the minute the shift happened in also holds seconds
// before the canary took traffic, whose load-balancer 5xx (per load balancer only) are no one's.
const WINDOW_START = Date.UTC(2026, 10, 21, 16, 1, 0);

test('looks every interval and at the end of the window', () => {
  expect(lookOffsets(300_000, 60_000)).toEqual([60_000, 120_000, 180_000, 240_000, 300_000]);
  expect(lookOffsets(25_000, 10_000)).toEqual([10_000, 20_000, 25_000]);
  expect(lookOffsets(10_000, 10_000)).toEqual([10_000]);
});

describe('watchCanary', () => {
  test('a healthy canary is watched through the whole window and passes', async () => {
    const time = fakeTime(START);
    const reads: WindowRequest[] = [];
    const log = recordingLog();
    const result = await watchCanary(
      policy,
      { ...SCHEDULE, earlyStop: true },
      { ...time, log, source: steadySource(START, 0.005, reads) },
    );
    expect(result.verdict).toBe('pass');
    // The window starts at the next minute boundary; each look is due on a minute.
    expect(time.sleeps).toEqual([89_750, 60_000, 60_000, 60_000, 60_000]);
    const windowStart = WINDOW_START;
    expect(reads.map((r) => [r.start, r.end - windowStart])).toEqual([
      [windowStart, 60_000],
      [windowStart, 120_000],
      [windowStart, 180_000],
      [windowStart, 240_000],
      [windowStart, 300_000],
    ]);
    expect(result.looks.map((l) => l.decision)).toEqual([
      'continue',
      'continue',
      'continue',
      'continue',
      'pass',
    ]);
    expect(result.elapsedMs).toBe(329_750);
    expect(log.lines[0]).toBe(
      'Watching from 2026-11-21T16:01:00.000Z (the first whole minute after traffic moved; 60 s periods) until 2026-11-21T16:06:00.000Z; looks at 1 min 00 s, 2 min 00 s, 3 min 00 s, 4 min 00 s, 5 min 00 s.',
    );
    expect(log.lines[1]).toBe(
      '[1 min 00 s of 5 min 00 s] canary 600 requests, 0.5 % errors; baseline 5400 requests, 0.5 % errors — no metric fails yet',
    );
  });

  test('with early stop a faulty canary fails at the first look', async () => {
    const time = fakeTime(START);
    const result = await watchCanary(
      policy,
      { ...SCHEDULE, earlyStop: true },
      { ...time, log: recordingLog(), source: steadySource(START, 0.055, []) },
    );
    expect(result.verdict).toBe('fail');
    expect(result.looks).toHaveLength(1);
    expect(result.elapsedMs).toBe(89_750);
    expect(result.judgement.reason).toMatch(
      /^Error rate vs baseline: 5\.5 % is significantly worse than baseline's 0\.5 %/,
    );
  });

  test('without early stop the same canary is judged once, at the end', async () => {
    const time = fakeTime(START);
    const result = await watchCanary(
      policy,
      { ...SCHEDULE, earlyStop: false },
      { ...time, log: recordingLog(), source: steadySource(START, 0.055, []) },
    );
    expect(result.verdict).toBe('fail');
    expect(result.looks.map((l) => l.decision)).toEqual([
      'continue',
      'continue',
      'continue',
      'continue',
      'fail',
    ]);
    expect(result.elapsedMs).toBe(329_750);
  });

  test('a slow read does not push the next look later than its time', async () => {
    const time = fakeTime(START);
    const slow: MetricsSource = {
      read: async (request) => {
        time.advance(15_000); // GetMetricData took 15 s
        return steadySource(START, 0.005, []).read(request);
      },
    };
    await watchCanary(
      policy,
      { ...SCHEDULE, earlyStop: true },
      { ...time, log: recordingLog(), source: slow },
    );
    expect(time.sleeps).toEqual([89_750, 45_000, 45_000, 45_000, 45_000]);
  });

  test('a quiet canary is inconclusive at the end of the window', async () => {
    const time = fakeTime(START);
    const quiet: MetricsSource = { read: async () => ({ canary: color(12, 1), baseline: color(108, 0) }) };
    const log = recordingLog();
    const result = await watchCanary(
      policy,
      { ...SCHEDULE, earlyStop: true },
      { ...time, log, source: quiet },
    );
    expect(result.verdict).toBe('inconclusive');
    expect(result.looks).toHaveLength(5);
    expect(log.lines[1]).toBe(
      '[1 min 00 s of 5 min 00 s] canary 12 requests, 8.33 % errors; baseline 108 requests, 0 % errors — waiting for traffic: 12 of 59 canary requests',
    );
  });

  test("with a publication delay no look judges a minute younger than metrics-delay, and the last look waits for the window's last minute", async () => {
    // ALB publishes one datapoint a minute, only when there are requests, and CloudWatch shows
    // it 1–3 minutes later (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html):
    // an absent datapoint must mean "no requests", never "not yet published".
    const time = fakeTime(START);
    const reads: { end: number; at: number }[] = [];
    const source: MetricsSource = {
      read: async (request) => {
        reads.push({ end: request.end, at: time.clock.now() });
        return steadySource(START, 0.005, []).read(request);
      },
    };
    const log = recordingLog();
    const result = await watchCanary(
      policy,
      { ...SCHEDULE, metricsDelayMs: 180_000, earlyStop: true },
      { ...time, log, source },
    );
    expect(result.verdict).toBe('pass');
    expect(reads.map((r) => r.end - WINDOW_START)).toEqual([60_000, 120_000, 180_000, 240_000, 300_000]);
    for (const r of reads) expect(r.at - r.end).toBeGreaterThanOrEqual(180_000);
    // The final look judged the whole window, once its last minute was 3 minutes old.
    expect(reads.at(-1)?.at).toBe(WINDOW_START + 300_000 + 180_000);
    expect(result.looks.at(-1)?.elapsedMs).toBe(300_000);
    expect(log.lines[0]).toMatch(
      /each once its last minute is 3 min 00 s old \(ALB metrics arrive late\)\.$/,
    );
  });

  test('a look with no published minute yet judges nothing and says so', async () => {
    const time = fakeTime(START);
    const reads: WindowRequest[] = [];
    const log = recordingLog();
    let first = true;
    // The clock runs back behind the first look (a slow runner's wake-up is not assumed: the
    // look is judged by the clock it reads, not by when it was due).
    const clock = {
      now: () => {
        const now = time.clock.now();
        if (first && now >= WINDOW_START + 60_000) {
          first = false;
          return WINDOW_START + 30_000;
        }
        return now;
      },
    };
    await watchCanary(
      policy,
      { ...SCHEDULE, earlyStop: true },
      { ...time, clock, log, source: steadySource(START, 0.005, reads) },
    );
    expect(log.lines).toContain(
      '[1 min 00 s of 5 min 00 s] no minute of the window is published yet; looking again at the next interval.',
    );
    expect(reads).toHaveLength(4);
  });
});
