/**
 * The judge's decisions on hand-built observations: each rule of the verdict, and the
 * per-metric classification a person reads.
 */
import { describe, expect, test } from '@jest/globals';
import {
  defaultRequestsNeeded,
  formatPValue,
  judgeLook,
  lookLevels,
  type CanaryPolicy,
  type ColorMetrics,
  type LookTiming,
  type Observation,
  type PeriodPoint,
} from '../src/judge.js';

const policy: CanaryPolicy = {
  maxErrorRate: 0.05,
  maxP95LatencyMs: 1000,
  confidence: 0.95,
  compareBaseline: true,
  baselineConfidence: 0.95,
  baselineTolerance: 0.2,
  requestsNeeded: 59,
  extraMetrics: [],
};

const FINAL_ONCE: LookTiming = { previousFraction: 0, fraction: 1, final: true, earlyStop: false };
const FINAL_SPENT: LookTiming = { previousFraction: 0.8, fraction: 1, final: true, earlyStop: true };
const FIRST_OF_FIVE: LookTiming = { previousFraction: 0, fraction: 0.2, final: false, earlyStop: true };

function periods(
  count: number,
  requests: number,
  errors: number,
  p95: number[] = [],
  p99: number[] = [],
): PeriodPoint[] {
  return Array.from({ length: count }, (_, i) => ({
    at: i * 60_000,
    requests,
    errors,
    ...(p95[i] === undefined ? {} : { p95Ms: p95[i] }),
    ...(p99[i] === undefined ? {} : { p99Ms: p99[i] }),
  }));
}

function color(overrides: Partial<ColorMetrics>): ColorMetrics {
  return { requests: 0, errors: 0, latencySamples: 0, periods: [], extra: {}, ...overrides };
}

/** A healthy pair: canary 600 requests, baseline 5,400, both 0.5 % errors and ~300 ms p95. */
function healthy(): Observation {
  const p95c = [301, 298, 305, 299, 302];
  const p95b = [300, 303, 297, 301, 299];
  return {
    canary: color({
      requests: 600,
      errors: 3,
      latencySamples: 600,
      p95Ms: 302,
      p99Ms: 450,
      slowResponses: 0,
      periods: periods(
        5,
        120,
        0,
        p95c,
        p95c.map((x) => x * 1.5),
      ),
    }),
    baseline: color({
      requests: 5400,
      errors: 27,
      latencySamples: 5400,
      p95Ms: 300,
      p99Ms: 452,
      slowResponses: 3,
      periods: periods(
        5,
        1080,
        5,
        p95b,
        p95b.map((x) => x * 1.5),
      ),
    }),
  };
}

describe('requests a verdict needs', () => {
  test('the most any absolute limit needs', () => {
    expect(defaultRequestsNeeded(0.05, 0.95, true)).toBe(59);
    // error rate 1 % at 99 %: ⌈ln 0.01 / ln 0.99⌉ = 459 outweighs the p95 share's 90
    expect(defaultRequestsNeeded(0.01, 0.99, true)).toBe(459);
    // error rate 20 %: 14 requests, but the p95 limit (5 % slow) needs 59
    expect(defaultRequestsNeeded(0.2, 0.95, true)).toBe(59);
    expect(defaultRequestsNeeded(0.2, 0.95, false)).toBe(14);
  });
});

describe('look levels', () => {
  test('without early stop only the last look tests, at the whole alpha', () => {
    expect(lookLevels({ ...FIRST_OF_FIVE, earlyStop: false }, 0.95, 0.99)).toEqual({ limit: 0, baseline: 0 });
    const final = lookLevels(FINAL_ONCE, 0.95, 0.99);
    expect(final.limit).toBeCloseTo(0.05, 12);
    expect(final.baseline).toBeCloseTo(0.01, 12);
  });

  test('with early stop each look tests at the alpha spent since the last', () => {
    // python: 0.05*math.log(1+(math.e-1)*0.2)
    expect(lookLevels(FIRST_OF_FIVE, 0.95, 0.95).limit).toBeCloseTo(0.014769726456017382, 12);
  });
});

describe('judgeLook', () => {
  test('a healthy canary passes at the end, every metric classified', () => {
    const judgement = judgeLook(healthy(), policy, FINAL_ONCE);
    expect(judgement.decision).toBe('pass');
    expect(judgement.reason).toBe(
      'Canary within limits and not significantly worse than baseline over 600 requests: error rate 0.5 % (limit 5 %), p95 302 ms (limit 1000 ms).',
    );
    expect(judgement.metrics.map((m) => [m.id, m.classification])).toEqual([
      ['error-rate', 'Pass'],
      ['error-rate-vs-baseline', 'Pass'],
      ['p95-latency', 'Pass'],
      ['p95-latency-vs-baseline', 'Pass'],
      ['p99-latency-vs-baseline', 'Pass'],
    ]);
    expect(judgement.score).toBe(100);
    expect(judgement.requestsSeen).toBe(600);
    expect(judgement.requestsNeeded).toBe(59);
  });

  test('before the end, a healthy canary keeps the watch going', () => {
    expect(judgeLook(healthy(), policy, FIRST_OF_FIVE).decision).toBe('continue');
  });

  test('too few requests: nothing decided, and inconclusive at the end — even with errors', () => {
    const obs = healthy();
    obs.canary = color({
      requests: 12,
      errors: 6,
      latencySamples: 12,
      slowResponses: 0,
      periods: periods(1, 12, 6),
    });
    const early = judgeLook(obs, policy, FIRST_OF_FIVE);
    expect(early.decision).toBe('continue');
    expect(early.reason).toBe('waiting for traffic: 12 of 59 canary requests');
    const end = judgeLook(obs, policy, FINAL_ONCE);
    expect(end.decision).toBe('inconclusive');
    expect(end.reason).toBe(
      'Only 12 canary requests in the window; 59 are needed to tell at 95 % confidence.',
    );
    expect(end.metrics.find((m) => m.id === 'error-rate')?.failing).toBe(false);
  });

  test('an error rate over the limit with confidence fails', () => {
    const obs = healthy();
    obs.canary.errors = 60; // 10 % of 600
    const judgement = judgeLook(obs, policy, FIRST_OF_FIVE);
    expect(judgement.decision).toBe('fail');
    expect(judgement.reason).toMatch(
      /^Error rate: 10 % \(60 of 600 requests\) is above the 5 % limit \(p < 0\.0001, tested at 0\.0148\) \(and 1 more failing metric\)\.$/,
    );
  });

  test('just over the limit: the single final test fails it, the spent alpha of the fifth look does not', () => {
    // 40 of 600 = 6.67 %; exact binomial p = 0.04205 (python, Fractions): < 0.05, > 0.00676
    const obs = healthy();
    obs.canary.errors = 40;
    const noBaseline = { ...policy, compareBaseline: false };
    const once = judgeLook(obs, noBaseline, FINAL_ONCE);
    expect(once.decision).toBe('fail');
    expect(once.metrics[0]?.pValue).toBeCloseTo(0.04204646458380411, 9);
    expect(judgeLook(obs, noBaseline, FINAL_SPENT).decision).toBe('pass');
  });

  test('much worse than baseline but under the limit fails on the comparison', () => {
    const obs = healthy();
    obs.canary.errors = 24; // 4 % against baseline's 0.5 %
    const judgement = judgeLook(obs, policy, FIRST_OF_FIVE);
    expect(judgement.decision).toBe('fail');
    expect(judgement.metrics.find((m) => m.id === 'error-rate')?.classification).toBe('Pass');
    const comparison = judgement.metrics.find((m) => m.id === 'error-rate-vs-baseline');
    expect(comparison?.classification).toBe('High');
    expect(judgement.reason).toMatch(
      /^Error rate vs baseline: 4 % is significantly worse than baseline's 0\.5 % beyond the 20 % tolerance \(p < 0\.0001, tested at 0\.0148\)\.$/,
    );
    expect(judgeLook(obs, { ...policy, compareBaseline: false }, FIRST_OF_FIVE).decision).toBe('continue');
  });

  test('a p95 over its limit: more than 5 % of responses slower than the limit', () => {
    const obs = healthy();
    obs.canary.p95Ms = 1450;
    obs.canary.slowResponses = 90; // 15 % of 600
    const judgement = judgeLook(obs, policy, FIRST_OF_FIVE);
    expect(judgement.decision).toBe('fail');
    expect(judgement.reason).toBe(
      'p95 latency: 1450 ms: 90 of 600 responses (15 %) took longer than 1000 ms, more than 5 % (p < 0.0001, tested at 0.0148).',
    );
  });

  test('latency significantly above baseline per period fails on Mann-Whitney', () => {
    const obs = healthy();
    obs.canary.periods = periods(5, 120, 0, [400, 410, 395, 405, 420], [600, 610, 590, 605, 630]);
    const judgement = judgeLook(obs, policy, FINAL_ONCE);
    expect(judgement.decision).toBe('fail');
    const p95 = judgement.metrics.find((m) => m.id === 'p95-latency-vs-baseline');
    expect(p95?.classification).toBe('High');
    // all 5 canary periods above 1.2 × every baseline period: exact p = 1 / C(10,5)
    expect(p95?.pValue).toBeCloseTo(1 / 252, 12);
    expect(judgement.score).toBe(60);
  });

  test('too few periods for Mann-Whitney is Nodata, not a verdict', () => {
    const obs = healthy();
    obs.canary.periods = obs.canary.periods.slice(0, 2);
    obs.baseline.periods = obs.baseline.periods.slice(0, 3);
    const judgement = judgeLook(obs, policy, FINAL_ONCE);
    const p95 = judgement.metrics.find((m) => m.id === 'p95-latency-vs-baseline');
    expect(p95?.classification).toBe('Nodata');
    expect(p95?.note).toBe('2 canary and 3 baseline periods cannot reach significance at 0.05');
    expect(judgement.decision).toBe('pass');
  });

  test('no latency data for a judged p95 limit is inconclusive at the end', () => {
    const obs = healthy();
    delete obs.canary.slowResponses;
    obs.canary.latencySamples = 0;
    const judgement = judgeLook(obs, policy, FINAL_ONCE);
    expect(judgement.decision).toBe('inconclusive');
    expect(judgement.reason).toBe(
      'No data for p95 latency: no latency data for the canary (TargetResponseTime with its percentile rank).',
    );
  });

  test('extra metrics: limit by direction, and comparison only for statistics that do not scale with traffic', () => {
    const obs = healthy();
    obs.canary.extra = {
      'TargetConnectionErrorCount:Sum': { window: 3, series: [0, 3] },
      'HealthyHostCount:Minimum': { window: 1, series: [2, 1, 1] },
    };
    obs.baseline.extra = { 'HealthyHostCount:Minimum': { window: 2, series: [2, 2, 2] } };
    const judgement = judgeLook(
      obs,
      {
        ...policy,
        maxP95LatencyMs: undefined,
        extraMetrics: [
          { name: 'TargetConnectionErrorCount', statistic: 'Sum', direction: 'increase', limit: 5 },
          { name: 'HealthyHostCount', statistic: 'Minimum', direction: 'decrease', limit: 2 },
        ],
      },
      FINAL_ONCE,
    );
    expect(judgement.metrics.map((m) => [m.id, m.classification, m.failing])).toEqual([
      ['error-rate', 'Pass', false],
      ['error-rate-vs-baseline', 'Pass', false],
      ['TargetConnectionErrorCount:Sum', 'Pass', false],
      ['HealthyHostCount:Minimum', 'Low', true],
      ['HealthyHostCount:Minimum-vs-baseline', 'Nodata', false],
    ]);
    expect(judgement.decision).toBe('fail');
    expect(judgement.reason).toBe('HealthyHostCount (Minimum): 1 is below the limit 2.');
  });
});

test('p-values for people', () => {
  expect(formatPValue(0.000012)).toBe('< 0.0001');
  expect(formatPValue(0.0421)).toBe('0.0421');
  expect(formatPValue(0.123456)).toBe('0.123');
});
