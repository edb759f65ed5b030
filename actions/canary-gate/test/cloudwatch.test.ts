/**
 * The GetMetricData queries canary-gate sends and how their answers become an observation
 * (pure: the wire is exercised against moto and the metrics stand-in in the bundle tests).
 */
import { expect, test } from '@jest/globals';
import type { MetricDataResult } from '@aws-sdk/client-cloudwatch';
import {
  assembleObservation,
  buildQueries,
  wholeWindowPeriod,
  type WindowRequest,
} from '../src/cloudwatch.js';

const target = {
  loadBalancer: 'app/school-health-alb/50dc6c495c0c9188',
  canaryTargetGroup: 'targetgroup/school-health-green/73e2d6bc24d8a067',
  baselineTargetGroup: 'targetgroup/school-health-blue/0c5a9f3e2b1d4a77',
};
const start = Date.UTC(2026, 10, 21, 16, 0, 0);
const request: WindowRequest = {
  start,
  end: start + 95_000,
  periodSeconds: 60,
  maxP95LatencyMs: 1000,
  extraMetrics: [],
};

test('whole-window periods are whole minutes (ALB metrics have 60-second resolution)', () => {
  expect(wholeWindowPeriod(0, 4_000)).toBe(60);
  expect(wholeWindowPeriod(0, 60_000)).toBe(60);
  expect(wholeWindowPeriod(0, 31_000)).toBe(60);
  expect(wholeWindowPeriod(0, 95_000)).toBe(120);
});

test("queries: what ALB publishes per target group for both colors, the load balancer's own 5xx, latency and the percentile rank at the limit", () => {
  const queries = buildQueries(target, request);
  expect(
    queries.map(
      (q) => `${q.Id} ${q.MetricStat?.Metric?.MetricName} ${q.MetricStat?.Stat} ${q.MetricStat?.Period}`,
    ),
  ).toEqual([
    'lb_elb5xx HTTPCode_ELB_5XX_Count Sum 60',
    'c_requests RequestCount Sum 60',
    'c_target5xx HTTPCode_Target_5XX_Count Sum 60',
    'c_connErrors TargetConnectionErrorCount Sum 60',
    'c_p95 TargetResponseTime p95 60',
    'c_p99 TargetResponseTime p99 60',
    'c_w_p95 TargetResponseTime p95 120',
    'c_w_p99 TargetResponseTime p99 120',
    'c_w_samples TargetResponseTime SampleCount 120',
    'c_w_within TargetResponseTime PR(:1) 120',
    'b_requests RequestCount Sum 60',
    'b_target5xx HTTPCode_Target_5XX_Count Sum 60',
    'b_connErrors TargetConnectionErrorCount Sum 60',
    'b_p95 TargetResponseTime p95 60',
    'b_p99 TargetResponseTime p99 60',
    'b_w_p95 TargetResponseTime p95 120',
    'b_w_p99 TargetResponseTime p99 120',
    'b_w_samples TargetResponseTime SampleCount 120',
    'b_w_within TargetResponseTime PR(:1) 120',
  ]);
  // HTTPCode_ELB_5XX_Count is published per LoadBalancer (and AvailabilityZone), never per
  // TargetGroup (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html).
  expect(queries[0]?.MetricStat?.Metric?.Dimensions).toEqual([
    { Name: 'LoadBalancer', Value: target.loadBalancer },
  ]);
  expect(queries[1]?.MetricStat?.Metric?.Dimensions).toEqual([
    { Name: 'LoadBalancer', Value: target.loadBalancer },
    { Name: 'TargetGroup', Value: target.canaryTargetGroup },
  ]);
  expect(queries[10]?.MetricStat?.Metric?.Dimensions?.[1]?.Value).toBe(target.baselineTargetGroup);
  for (const q of queries) expect(q.MetricStat?.Period ?? 0).toBeGreaterThanOrEqual(60);
  for (const q of queries) expect((q.MetricStat?.Period ?? 0) % 60).toBe(0);
});

test('with latency off no percentile is asked for (moto cannot answer one)', () => {
  const { maxP95LatencyMs: _off, ...countsOnly } = request;
  const stats = buildQueries(target, countsOnly).map((q) => q.MetricStat?.Stat);
  expect(stats).toEqual(['Sum', 'Sum', 'Sum', 'Sum', 'Sum', 'Sum', 'Sum']);
});

test('answers become per-period points and window totals', () => {
  const t0 = new Date(start);
  const t1 = new Date(start + 60_000);
  const r = (Id: string, Timestamps: Date[], Values: number[]): MetricDataResult => ({
    Id,
    Timestamps,
    Values,
    StatusCode: 'Complete',
  });
  const observation = assembleObservation(
    [
      r('c_requests', [t0, t1], [300, 100]),
      r('c_target5xx', [t1], [4]),
      r('c_connErrors', [t0], [2]),
      // 5 load-balancer 5xx in the first minute: 2 are the canary's connection errors, 1 the
      // baseline's; the other 2 (no healthy target, say) are counted against the canary.
      r('lb_elb5xx', [t0], [5]),
      r('b_connErrors', [t0], [1]),
      r('c_p95', [t0, t1], [0.25, 0.31]),
      r('c_w_p95', [t0], [0.3]),
      r('c_w_samples', [t0], [394]),
      r('c_w_within', [t0], [97.5]),
      r('b_requests', [t0, t1], [2700, 900]),
    ],
    request,
  );
  expect(observation.canary).toEqual({
    requests: 402,
    errors: 8,
    latencySamples: 394,
    p95Ms: 300,
    slowResponses: 9.85,
    periods: [
      { at: start, requests: 302, errors: 4, p95Ms: 250 },
      { at: start + 60_000, requests: 100, errors: 4, p95Ms: 310 },
    ],
    extra: {},
  });
  expect(observation.loadBalancerElb5xx).toBe(5);
  expect(observation.elb5xxCountedAgainstCanary).toBe(2);
  expect(observation.baseline.requests).toBe(3600);
  expect(observation.baseline.errors).toBe(1);
  expect(observation.baseline.slowResponses).toBeUndefined();
});
