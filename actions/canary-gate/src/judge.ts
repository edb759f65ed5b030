/**
 * The canary judge: from what CloudWatch says about the canary and the baseline so far, a
 * Kayenta-style classification of each metric (Pass, High, Low, Nodata), a score, and the
 * verdict of one look — fail, inconclusive, pass, or "keep watching". Pure: no I/O, no clock.
 */
import { formatPercent } from '@white-cross/core';
import {
  lookLevel,
  mannWhitneyGreater,
  rateAboveLimitTest,
  requiredRequests,
  smallestMannWhitneyPValue,
  twoProportionTest,
  type TestResult,
} from './statistics.js';

/** Which way a metric gets worse. */
export type Direction = 'increase' | 'decrease' | 'either';

/** Kayenta's per-metric classification. */
export type Classification = 'Pass' | 'High' | 'Low' | 'Nodata';

export type CanaryVerdict = 'pass' | 'fail' | 'inconclusive';

/** CloudWatch statistics canary-gate can ask for on an extra metric. */
export const EXTRA_STATISTICS = ['Sum', 'Average', 'Minimum', 'Maximum', 'SampleCount'] as const;

/** An extra CloudWatch metric (namespace AWS/ApplicationELB, per target group) with a limit. */
export interface ExtraMetric {
  /** e.g. `TargetConnectionErrorCount`. */
  name: string;
  /** `Sum`, `Average`, `Minimum`, `Maximum`, `SampleCount` or a percentile `p99`. */
  statistic: string;
  direction: Direction;
  limit: number;
}

/** How the canary is judged: the limits, the confidence, the comparison with baseline. */
export interface CanaryPolicy {
  /** Largest acceptable error rate, a fraction (0.05 = 5 %). */
  maxErrorRate: number;
  /** Largest acceptable p95 latency in ms; undefined when latency is not judged. */
  maxP95LatencyMs?: number;
  /** Confidence for the absolute limits (0.95). */
  confidence: number;
  compareBaseline: boolean;
  /** Confidence for "significantly worse than baseline". */
  baselineConfidence: number;
  /** Relative tolerance: the canary may be this much worse than baseline (0.2 = 20 %). */
  baselineTolerance: number;
  /** Canary requests a verdict needs. */
  requestsNeeded: number;
  extraMetrics: readonly ExtraMetric[];
}

/** One period's values for one color (undefined where CloudWatch had no data point). */
export interface PeriodPoint {
  /** Start of the period, epoch ms. */
  at: number;
  requests: number;
  errors: number;
  p95Ms?: number;
  p99Ms?: number;
}

/** What CloudWatch says about one color (target group) over the window so far. */
export interface ColorMetrics {
  requests: number;
  /**
   * HTTPCode_Target_5XX_Count plus TargetConnectionErrorCount of the target group; for the
   * canary also the load balancer's own 5xx that connection errors do not explain.
   */
  errors: number;
  /** Responses the latency figures are over (TargetResponseTime SampleCount). */
  latencySamples: number;
  /** Over the whole window so far. */
  p95Ms?: number;
  p99Ms?: number;
  /** Responses slower than the p95 limit (from the percentile-rank statistic). */
  slowResponses?: number;
  periods: PeriodPoint[];
  /** Extra metrics by key `name:statistic`: the window's value and the per-period values. */
  extra: Record<string, { window?: number; series: number[] }>;
}

export interface Observation {
  canary: ColorMetrics;
  baseline: ColorMetrics;
  /** HTTPCode_ELB_5XX_Count of the whole load balancer (ALB publishes it per LoadBalancer only). */
  loadBalancerElb5xx?: number;
  /** Those of them no target connection error explains, counted against the canary. */
  elb5xxCountedAgainstCanary?: number;
}

/** The judgement of one metric. */
export interface MetricJudgement {
  /** Stable id, e.g. `error-rate`, `p95-latency-vs-baseline`, `TargetConnectionErrorCount:Sum`. */
  id: string;
  /** For people, e.g. `Error rate`. */
  label: string;
  unit: '%' | 'ms' | '';
  canary?: number;
  baseline?: number;
  /** The absolute limit, or for a comparison the largest value baseline allows (with tolerance). */
  limit?: number;
  test: string;
  pValue?: number;
  /** The level this look tested at (p < level is significant). */
  level?: number;
  classification: Classification;
  /** True when the classification is a failure for this metric's direction. */
  failing: boolean;
  /** Whether a Nodata here makes the whole verdict inconclusive. */
  critical: boolean;
  /** One line for people: what was found. */
  note: string;
}

export interface LookTiming {
  /** Fraction of the window elapsed at the previous deciding look (0 at the first). */
  previousFraction: number;
  /** Fraction of the window elapsed now (1 at the last look). */
  fraction: number;
  /** True at the last look of the window. */
  final: boolean;
  /** With early stop every look may fail; without it only the last one decides. */
  earlyStop: boolean;
}

export interface Judgement {
  /** `continue` when this look decides nothing yet. */
  decision: CanaryVerdict | 'continue';
  reason: string;
  metrics: MetricJudgement[];
  /** Kayenta-style score: 100 × passing metrics / metrics with data. */
  score: number;
  requestsSeen: number;
  requestsNeeded: number;
}

/** The p95 limit means "at most 5 % of responses slower than the limit". */
export const P95_SLOW_SHARE = 0.05;

/**
 * The canary requests a verdict needs with these limits: the most any absolute limit needs by
 * {@link requiredRequests} (the error-rate limit, and the p95 limit as a 5 % share of slow
 * responses).
 *
 * @example
 * defaultRequestsNeeded(0.05, 0.95, true); // 59
 */
export function defaultRequestsNeeded(
  maxErrorRate: number,
  confidence: number,
  judgesLatency: boolean,
): number {
  const shares = [maxErrorRate, ...(judgesLatency ? [P95_SLOW_SHARE] : [])];
  return Math.max(...shares.map((share) => requiredRequests(share, confidence)));
}

/**
 * The levels one look tests at, for the limits and for the comparison with baseline: with early
 * stop, the alpha spent since the previous look (Pocock-type spending); without it, the whole
 * alpha at the last look and nothing before.
 *
 * @example
 * lookLevels({ previousFraction: 0, fraction: 1, final: true, earlyStop: false }, 0.95, 0.95); // { limit: 0.05, baseline: 0.05 }
 */
export function lookLevels(
  timing: LookTiming,
  confidence: number,
  baselineConfidence: number,
): { limit: number; baseline: number } {
  if (!timing.earlyStop) {
    return timing.final
      ? { limit: 1 - confidence, baseline: 1 - baselineConfidence }
      : { limit: 0, baseline: 0 };
  }
  return {
    limit: lookLevel(timing.previousFraction, timing.fraction, 1 - confidence),
    baseline: lookLevel(timing.previousFraction, timing.fraction, 1 - baselineConfidence),
  };
}

function rate(events: number, trials: number): number | undefined {
  return trials > 0 ? events / trials : undefined;
}

function percent(x: number | undefined, digits = 2): string {
  return formatPercent(x, { digits, spaced: true });
}

function ms(x: number | undefined): string {
  return x === undefined ? '—' : `${Math.round(x)} ms`;
}

function significance(result: TestResult, level: number): string {
  const p = formatPValue(result.pValue);
  return `${p.startsWith('<') ? `p ${p}` : `p = ${p}`}, tested at ${formatPValue(level)}`;
}

/**
 * A p-value for people: 3 significant digits, or `< 0.0001`.
 *
 * @example
 * formatPValue(0.000012); // '< 0.0001'
 */
export function formatPValue(p: number): string {
  if (p < 0.0001) return '< 0.0001';
  return String(Number(p.toPrecision(3)));
}

function judgeErrorRate(obs: Observation, policy: CanaryPolicy, level: number): MetricJudgement {
  const { canary, baseline } = obs;
  const base = {
    id: 'error-rate',
    label: 'Error rate',
    unit: '%' as const,
    canary: rate(canary.errors, canary.requests),
    baseline: rate(baseline.errors, baseline.requests),
    limit: policy.maxErrorRate,
    critical: true,
  };
  if (canary.requests === 0) {
    return {
      ...base,
      test: 'exact binomial, one-sided',
      classification: 'Nodata',
      failing: false,
      note: 'no canary requests',
    };
  }
  const result = rateAboveLimitTest(canary.errors, canary.requests, policy.maxErrorRate);
  const high = result.pValue < level;
  return {
    ...base,
    test: result.method,
    pValue: result.pValue,
    level,
    classification: high ? 'High' : 'Pass',
    failing: high,
    note: high
      ? `${percent(base.canary)} (${canary.errors} of ${canary.requests} requests) is above the ${percent(policy.maxErrorRate)} limit (${significance(result, level)})`
      : `${percent(base.canary)} (${canary.errors} of ${canary.requests}) is not shown to be above ${percent(policy.maxErrorRate)}`,
  };
}

function judgeErrorRateAgainstBaseline(
  obs: Observation,
  policy: CanaryPolicy,
  level: number,
): MetricJudgement {
  const { canary, baseline } = obs;
  const pb = rate(baseline.errors, baseline.requests);
  const base = {
    id: 'error-rate-vs-baseline',
    label: 'Error rate vs baseline',
    unit: '%' as const,
    canary: rate(canary.errors, canary.requests),
    baseline: pb,
    limit: pb === undefined ? undefined : pb * (1 + policy.baselineTolerance),
    critical: false,
  };
  if (canary.requests === 0 || baseline.requests < policy.requestsNeeded) {
    return {
      ...base,
      test: 'two-proportion z-test, one-sided',
      classification: 'Nodata',
      failing: false,
      note: `baseline has ${baseline.requests} requests; the comparison needs ${policy.requestsNeeded}`,
    };
  }
  const result = twoProportionTest(
    canary.errors,
    canary.requests,
    baseline.errors,
    baseline.requests,
    policy.baselineTolerance,
  );
  const high = result.pValue < level;
  return {
    ...base,
    test: result.method,
    pValue: result.pValue,
    level,
    classification: high ? 'High' : 'Pass',
    failing: high,
    note: high
      ? `${percent(base.canary)} is significantly worse than baseline's ${percent(pb)} beyond the ${percent(policy.baselineTolerance, 0)} tolerance (${significance(result, level)})`
      : `${percent(base.canary)} is not significantly worse than baseline's ${percent(pb)}`,
  };
}

function judgeP95Limit(
  obs: Observation,
  policy: CanaryPolicy,
  limitMs: number,
  level: number,
): MetricJudgement {
  const { canary, baseline } = obs;
  const base = {
    id: 'p95-latency',
    label: 'p95 latency',
    unit: 'ms' as const,
    canary: canary.p95Ms,
    baseline: baseline.p95Ms,
    limit: limitMs,
    critical: true,
  };
  if (canary.latencySamples === 0 || canary.slowResponses === undefined) {
    return {
      ...base,
      test: 'exact binomial on responses slower than the limit, one-sided',
      classification: 'Nodata',
      failing: false,
      note: 'no latency data for the canary (TargetResponseTime with its percentile rank)',
    };
  }
  // p95 > limit exactly when more than 5 % of responses are slower than the limit.
  const slow = Math.round(canary.slowResponses);
  const result = rateAboveLimitTest(slow, canary.latencySamples, P95_SLOW_SHARE);
  const high = result.pValue < level;
  return {
    ...base,
    test: 'exact binomial on responses slower than the limit, one-sided',
    pValue: result.pValue,
    level,
    classification: high ? 'High' : 'Pass',
    failing: high,
    note: high
      ? `${ms(canary.p95Ms)}: ${slow} of ${canary.latencySamples} responses (${percent(slow / canary.latencySamples)}) took longer than ${ms(limitMs)}, more than 5 % (${significance(result, level)})`
      : `${ms(canary.p95Ms)}; ${slow} of ${canary.latencySamples} responses slower than ${ms(limitMs)}`,
  };
}

/** Mann-Whitney on per-period values, baseline scaled by the tolerance, canary worse upwards or downwards. */
function compareSeries(
  canary: number[],
  baseline: number[],
  tolerance: number,
  direction: 'increase' | 'decrease',
): TestResult {
  if (direction === 'increase') {
    return mannWhitneyGreater(
      canary,
      baseline.map((v) => v * (1 + tolerance)),
    );
  }
  return mannWhitneyGreater(
    baseline.map((v) => v * (1 - tolerance)),
    canary,
  );
}

function definedValues(values: (number | undefined)[]): number[] {
  return values.filter((v): v is number => v !== undefined && Number.isFinite(v));
}

interface SeriesComparison {
  id: string;
  label: string;
  unit: MetricJudgement['unit'];
  canarySeries: number[];
  baselineSeries: number[];
  canaryValue?: number;
  baselineValue?: number;
  direction: Direction;
}

function judgeSeries(spec: SeriesComparison, tolerance: number, level: number): MetricJudgement {
  const base = {
    id: spec.id,
    label: spec.label,
    unit: spec.unit,
    canary: spec.canaryValue,
    baseline: spec.baselineValue,
    critical: false,
  };
  const m = spec.canarySeries.length;
  const n = spec.baselineSeries.length;
  // Each side of an `either` metric gets half the level.
  const sideLevel = spec.direction === 'either' ? level / 2 : level;
  // (The slack absorbs rounding: 3 against 3 values can reach exactly 0.05, never below it.)
  if (m < 2 || n < 2 || smallestMannWhitneyPValue(m, n) >= sideLevel * (1 - 1e-9)) {
    return {
      ...base,
      test: 'Mann-Whitney U on per-period values, one-sided',
      classification: 'Nodata',
      failing: false,
      note: `${m} canary and ${n} baseline periods cannot reach significance at ${formatPValue(sideLevel)}`,
    };
  }
  const sides: ('increase' | 'decrease')[] =
    spec.direction === 'either' ? ['increase', 'decrease'] : [spec.direction];
  let best: { side: 'increase' | 'decrease'; result: TestResult } | undefined;
  for (const side of sides) {
    const result = compareSeries(spec.canarySeries, spec.baselineSeries, tolerance, side);
    if (!best || result.pValue < best.result.pValue) best = { side, result };
  }
  const { side, result } = best as { side: 'increase' | 'decrease'; result: TestResult };
  const significant = result.pValue < sideLevel;
  const classification: Classification = significant ? (side === 'increase' ? 'High' : 'Low') : 'Pass';
  const worse = side === 'increase' ? 'higher' : 'lower';
  return {
    ...base,
    test: result.method.replace('Mann-Whitney U', 'Mann-Whitney U on per-period values'),
    pValue: result.pValue,
    level: sideLevel,
    classification,
    failing: significant,
    note: significant
      ? `canary's per-period values are significantly ${worse} than baseline's beyond the tolerance (${significance(result, sideLevel)})`
      : `not significantly ${worse} than baseline over ${m} periods`,
  };
}

function extraKey(metric: ExtraMetric): string {
  return `${metric.name}:${metric.statistic}`;
}

/** True for statistics that grow with traffic, so the canary's 10 % share cannot be compared with baseline's. */
function scalesWithTraffic(statistic: string): boolean {
  return statistic === 'Sum' || statistic === 'SampleCount';
}

function judgeExtraLimit(metric: ExtraMetric, obs: Observation): MetricJudgement {
  const key = extraKey(metric);
  const canary = obs.canary.extra[key]?.window;
  const baseline = obs.baseline.extra[key]?.window;
  const base = {
    id: key,
    label: `${metric.name} (${metric.statistic})`,
    unit: '' as const,
    canary,
    baseline,
    limit: metric.limit,
    test: `limit (${metric.direction === 'decrease' ? 'at least' : metric.direction === 'increase' ? 'at most' : 'at most/at least'} ${metric.limit})`,
    critical: false,
  };
  if (canary === undefined) {
    return { ...base, classification: 'Nodata', failing: false, note: 'no data for the canary' };
  }
  const high = canary > metric.limit;
  const low = canary < metric.limit;
  const failing = (metric.direction !== 'decrease' && high) || (metric.direction !== 'increase' && low);
  const classification: Classification = failing ? (high ? 'High' : 'Low') : 'Pass';
  return {
    ...base,
    classification,
    failing,
    note: failing
      ? `${canary} is ${high ? 'above' : 'below'} the limit ${metric.limit}`
      : `${canary} is within the limit ${metric.limit}`,
  };
}

/**
 * Judges one look: every metric's classification and the decision. A fail needs a metric
 * failing with the required confidence at this look's level; before the canary has the
 * requests it needs nothing is decided (and at the last look that makes the verdict
 * inconclusive); at the last look a critical metric without data is inconclusive too; otherwise
 * the last look passes.
 *
 * @example
 * const j = judgeLook(observation, policy, { previousFraction: 0.8, fraction: 1, final: true, earlyStop: true });
 * if (j.decision === 'fail') console.log(j.reason);
 */
export function judgeLook(obs: Observation, policy: CanaryPolicy, timing: LookTiming): Judgement {
  const levels = lookLevels(timing, policy.confidence, policy.baselineConfidence);
  const requestsSeen = obs.canary.requests;
  const requestsNeeded = policy.requestsNeeded;
  const metrics: MetricJudgement[] = [judgeErrorRate(obs, policy, levels.limit)];
  if (policy.compareBaseline) metrics.push(judgeErrorRateAgainstBaseline(obs, policy, levels.baseline));
  if (policy.maxP95LatencyMs !== undefined) {
    metrics.push(judgeP95Limit(obs, policy, policy.maxP95LatencyMs, levels.limit));
    if (policy.compareBaseline) {
      for (const [id, label, pick, value] of [
        [
          'p95-latency-vs-baseline',
          'p95 latency vs baseline',
          (p: PeriodPoint) => p.p95Ms,
          (c: ColorMetrics) => c.p95Ms,
        ],
        [
          'p99-latency-vs-baseline',
          'p99 latency vs baseline',
          (p: PeriodPoint) => p.p99Ms,
          (c: ColorMetrics) => c.p99Ms,
        ],
      ] as const) {
        metrics.push(
          judgeSeries(
            {
              id,
              label,
              unit: 'ms',
              canarySeries: definedValues(obs.canary.periods.map(pick)),
              baselineSeries: definedValues(obs.baseline.periods.map(pick)),
              canaryValue: value(obs.canary),
              baselineValue: value(obs.baseline),
              direction: 'increase',
            },
            policy.baselineTolerance,
            levels.baseline,
          ),
        );
      }
    }
  }
  for (const metric of policy.extraMetrics) {
    metrics.push(judgeExtraLimit(metric, obs));
    if (policy.compareBaseline && !scalesWithTraffic(metric.statistic)) {
      const key = extraKey(metric);
      metrics.push(
        judgeSeries(
          {
            id: `${key}-vs-baseline`,
            label: `${metric.name} (${metric.statistic}) vs baseline`,
            unit: '',
            canarySeries: definedValues(obs.canary.extra[key]?.series ?? []),
            baselineSeries: definedValues(obs.baseline.extra[key]?.series ?? []),
            canaryValue: obs.canary.extra[key]?.window,
            baselineValue: obs.baseline.extra[key]?.window,
            direction: metric.direction,
          },
          policy.baselineTolerance,
          levels.baseline,
        ),
      );
    }
  }

  const withData = metrics.filter((m) => m.classification !== 'Nodata');
  const score =
    withData.length === 0
      ? 0
      : Math.round((100 * withData.filter((m) => !m.failing).length) / withData.length);
  const result = (decision: Judgement['decision'], reason: string): Judgement => ({
    decision,
    reason,
    metrics,
    score,
    requestsSeen,
    requestsNeeded,
  });

  if (requestsSeen < requestsNeeded) {
    // Never judge on too little data, not even to fail.
    for (const m of metrics) {
      if (m.failing) {
        m.failing = false;
        m.note = `${m.note}; not judged: only ${requestsSeen} of the ${requestsNeeded} canary requests needed`;
      }
    }
    return timing.final
      ? result(
          'inconclusive',
          `Only ${requestsSeen} canary requests in the window; ${requestsNeeded} are needed to tell at ${percent(policy.confidence, 2)} confidence.`,
        )
      : result('continue', `waiting for traffic: ${requestsSeen} of ${requestsNeeded} canary requests`);
  }
  // Without early stop only the last look decides.
  if (!timing.final && !timing.earlyStop)
    return result('continue', 'the verdict is taken at the end of the window');
  const failing = metrics.filter((m) => m.failing);
  if (failing.length > 0) {
    const first = failing[0] as MetricJudgement;
    const more =
      failing.length > 1
        ? ` (and ${failing.length - 1} more failing metric${failing.length > 2 ? 's' : ''})`
        : '';
    return result('fail', `${first.label}: ${first.note}${more}.`);
  }
  if (!timing.final) return result('continue', 'no metric fails yet');
  const missing = metrics.filter((m) => m.critical && m.classification === 'Nodata');
  if (missing.length > 0) {
    return result(
      'inconclusive',
      `No data for ${missing.map((m) => m.label).join(', ')}: ${(missing[0] as MetricJudgement).note}.`,
    );
  }
  const errorRate = metrics[0] as MetricJudgement;
  const p95 = metrics.find((m) => m.id === 'p95-latency');
  const latencyText = p95 ? `, p95 ${ms(p95.canary)} (limit ${ms(p95.limit)})` : '';
  const baselineText = policy.compareBaseline ? ' and not significantly worse than baseline' : '';
  return result(
    'pass',
    `Canary within limits${baselineText} over ${requestsSeen} requests: error rate ${percent(errorRate.canary)} (limit ${percent(policy.maxErrorRate)})${latencyText}.`,
  );
}
