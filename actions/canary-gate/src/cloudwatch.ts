/**
 * Reads the ALB's metrics for the canary and the baseline target groups from CloudWatch with
 * GetMetricData: per period (for the charts and the per-period comparisons) and over the whole
 * window so far (for the limits). Building the queries and assembling the answer are pure; the
 * adapter only sends them.
 */
import {
  GetMetricDataCommand,
  type CloudWatchClient,
  type MetricDataQuery,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import { awsCall } from '@white-cross/aws';
import type { Logger, Sleep } from '@white-cross/core';
import type { ColorMetrics, ExtraMetric, Observation, PeriodPoint } from './judge.js';

export const NAMESPACE = 'AWS/ApplicationELB';

/** The CloudWatch dimension values of the two colors (as ecs-bluegreen outputs them). */
export interface MetricsTarget {
  loadBalancer: string;
  canaryTargetGroup: string;
  baselineTargetGroup: string;
}

/** What one look asks for. */
export interface WindowRequest {
  /** Epoch ms, aligned to the period. */
  start: number;
  /** Epoch ms. */
  end: number;
  periodSeconds: number;
  /** The p95 limit; undefined when latency is not judged (no percentile queries are sent). */
  maxP95LatencyMs?: number;
  extraMetrics: readonly ExtraMetric[];
}

/** Where a look's observation comes from (CloudWatch in production, anything in tests). */
export interface MetricsSource {
  read(request: WindowRequest): Promise<Observation>;
}

/**
 * The period for one figure over the whole window so far: whole minutes (ALB metrics are
 * standard resolution, one datapoint a minute), at least as long as the time elapsed.
 *
 * @example
 * wholeWindowPeriod(0, 95_000); // 120
 */
export function wholeWindowPeriod(start: number, end: number): number {
  const seconds = Math.max(1, Math.ceil((end - start) / 1000));
  return Math.ceil(seconds / 60) * 60;
}

type Color = 'c' | 'b';

/**
 * The GetMetricData queries of one look: for each color RequestCount, HTTPCode_Target_5XX_Count
 * and TargetConnectionErrorCount per period (what ALB publishes per target group); for the load
 * balancer, HTTPCode_ELB_5XX_Count per period (ALB publishes it per LoadBalancer and
 * AvailabilityZone only, never per TargetGroup); when latency is judged TargetResponseTime p95 and p99
 * per period, and p95, p99, SampleCount and the percentile rank at the limit, `PR(:limit)`, over
 * the whole window; and each extra metric per period and over the window.
 *
 * @example
 * buildQueries(target, { start, end, periodSeconds: 60, maxP95LatencyMs: 1000, extraMetrics: [] }).length; // 19
 */
export function buildQueries(target: MetricsTarget, request: WindowRequest): MetricDataQuery[] {
  const whole = wholeWindowPeriod(request.start, request.end);
  const queries: MetricDataQuery[] = [
    {
      Id: 'lb_elb5xx',
      MetricStat: {
        Metric: {
          Namespace: NAMESPACE,
          MetricName: 'HTTPCode_ELB_5XX_Count',
          Dimensions: [{ Name: 'LoadBalancer', Value: target.loadBalancer }],
        },
        Period: request.periodSeconds,
        Stat: 'Sum',
      },
      ReturnData: true,
    },
  ];
  for (const [color, targetGroup] of [
    ['c', target.canaryTargetGroup],
    ['b', target.baselineTargetGroup],
  ] as [Color, string][]) {
    const metric = (name: string) => ({
      Namespace: NAMESPACE,
      MetricName: name,
      Dimensions: [
        { Name: 'LoadBalancer', Value: target.loadBalancer },
        { Name: 'TargetGroup', Value: targetGroup },
      ],
    });
    const add = (id: string, name: string, stat: string, period: number) =>
      queries.push({
        Id: `${color}_${id}`,
        MetricStat: { Metric: metric(name), Period: period, Stat: stat },
        ReturnData: true,
      });
    add('requests', 'RequestCount', 'Sum', request.periodSeconds);
    add('target5xx', 'HTTPCode_Target_5XX_Count', 'Sum', request.periodSeconds);
    add('connErrors', 'TargetConnectionErrorCount', 'Sum', request.periodSeconds);
    if (request.maxP95LatencyMs !== undefined) {
      add('p95', 'TargetResponseTime', 'p95', request.periodSeconds);
      add('p99', 'TargetResponseTime', 'p99', request.periodSeconds);
      add('w_p95', 'TargetResponseTime', 'p95', whole);
      add('w_p99', 'TargetResponseTime', 'p99', whole);
      add('w_samples', 'TargetResponseTime', 'SampleCount', whole);
      add('w_within', 'TargetResponseTime', `PR(:${request.maxP95LatencyMs / 1000})`, whole);
    }
    request.extraMetrics.forEach((extra, i) => {
      add(`x${i}`, extra.name, extra.statistic, request.periodSeconds);
      add(`xw${i}`, extra.name, extra.statistic, whole);
    });
  }
  return queries;
}

/** A series as (epoch ms → value). */
type Series = Map<number, number>;

function seriesOf(results: readonly MetricDataResult[], id: string): Series {
  const series: Series = new Map();
  for (const result of results.filter((r) => r.Id === id)) {
    const times = result.Timestamps ?? [];
    const values = result.Values ?? [];
    times.forEach((t, i) => {
      const value = values[i];
      if (value === undefined || !Number.isFinite(value)) return;
      const at = new Date(t).getTime();
      series.set(at, (series.get(at) ?? 0) + value);
    });
  }
  return series;
}

function sum(series: Series): number {
  let total = 0;
  for (const v of series.values()) total += v;
  return total;
}

function largest(series: Series): number | undefined {
  return series.size === 0 ? undefined : Math.max(...series.values());
}

function aggregateExtra(statistic: string, series: Series): number | undefined {
  if (series.size === 0) return undefined;
  const values = [...series.values()];
  if (statistic === 'Sum' || statistic === 'SampleCount') return values.reduce((s, v) => s + v, 0);
  if (statistic === 'Minimum') return Math.min(...values);
  // Maximum, Average, percentiles: one window-long period answers with one value; if
  // CloudWatch split it, the worst part is what a limit must see.
  return Math.max(...values);
}

/**
 * Turns the GetMetricData results of {@link buildQueries} into what the judge reads.
 *
 * @example
 * const observation = assembleObservation(response.MetricDataResults ?? [], request);
 */
export function assembleObservation(
  results: readonly MetricDataResult[],
  request: WindowRequest,
): Observation {
  // The load balancer's own 5xx that target connection errors do not explain (no healthy
  // target, a target timing out, …): ALB does not say which group they were meant for, so they
  // are counted against the canary, as failed requests — fail-safe, and said in the report.
  const lbElb5xx = seriesOf(results, 'lb_elb5xx');
  const connErrorsOf = (c: Color) => seriesOf(results, `${c}_connErrors`);
  const canaryConn = connErrorsOf('c');
  const baselineConn = connErrorsOf('b');
  const unattributed: Series = new Map();
  for (const [at, n] of lbElb5xx) {
    const rest = n - (canaryConn.get(at) ?? 0) - (baselineConn.get(at) ?? 0);
    if (rest > 0) unattributed.set(at, rest);
  }
  const color = (c: Color): ColorMetrics => {
    const requests = new Map(seriesOf(results, `${c}_requests`));
    const target5xx = seriesOf(results, `${c}_target5xx`);
    const elb5xx = new Map(connErrorsOf(c));
    if (c === 'c') {
      for (const [at, n] of unattributed) {
        requests.set(at, (requests.get(at) ?? 0) + n);
        elb5xx.set(at, (elb5xx.get(at) ?? 0) + n);
      }
    }
    const p95 = seriesOf(results, `${c}_p95`);
    const p99 = seriesOf(results, `${c}_p99`);
    const times = [
      ...new Set([...requests.keys(), ...target5xx.keys(), ...elb5xx.keys(), ...p95.keys(), ...p99.keys()]),
    ].sort((a, b) => a - b);
    const periods: PeriodPoint[] = times.map((at) => {
      const periodRequests = requests.get(at) ?? 0;
      const errors = Math.min(periodRequests, (target5xx.get(at) ?? 0) + (elb5xx.get(at) ?? 0));
      const p95Seconds = p95.get(at);
      const p99Seconds = p99.get(at);
      return {
        at,
        requests: periodRequests,
        errors,
        ...(p95Seconds === undefined ? {} : { p95Ms: p95Seconds * 1000 }),
        ...(p99Seconds === undefined ? {} : { p99Ms: p99Seconds * 1000 }),
      };
    });
    const totalRequests = sum(requests);
    const samples = seriesOf(results, `${c}_w_samples`);
    const within = seriesOf(results, `${c}_w_within`);
    let slow: number | undefined;
    if (within.size > 0) {
      slow = 0;
      for (const [at, n] of samples) slow += (n * (100 - (within.get(at) ?? 100))) / 100;
    }
    const windowP95 = largest(seriesOf(results, `${c}_w_p95`));
    const windowP99 = largest(seriesOf(results, `${c}_w_p99`));
    const extra: ColorMetrics['extra'] = {};
    request.extraMetrics.forEach((metric, i) => {
      const window = aggregateExtra(metric.statistic, seriesOf(results, `${c}_xw${i}`));
      const series = [...seriesOf(results, `${c}_x${i}`).entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([, v]) => v);
      extra[`${metric.name}:${metric.statistic}`] = { ...(window === undefined ? {} : { window }), series };
    });
    return {
      requests: totalRequests,
      errors: Math.min(totalRequests, sum(target5xx) + sum(elb5xx)),
      latencySamples: Math.round(sum(samples)),
      ...(windowP95 === undefined ? {} : { p95Ms: windowP95 * 1000 }),
      ...(windowP99 === undefined ? {} : { p99Ms: windowP99 * 1000 }),
      ...(slow === undefined ? {} : { slowResponses: slow }),
      periods,
      extra,
    };
  };
  return {
    canary: color('c'),
    baseline: color('b'),
    loadBalancerElb5xx: sum(lbElb5xx),
    elb5xxCountedAgainstCanary: sum(unattributed),
  };
}

/**
 * A {@link MetricsSource} reading CloudWatch through the given client; each call goes through
 * awsCall (the one retry layer: throttling and transient failures, waits logged).
 *
 * @example
 * const source = cloudWatchSource(createAwsClient(CloudWatchClient, settings), target, { sleep, log });
 */
export function cloudWatchSource(
  client: CloudWatchClient,
  target: MetricsTarget,
  options: { sleep: Sleep; log: Logger },
): MetricsSource {
  return {
    async read(request) {
      const queries = buildQueries(target, request);
      const results: MetricDataResult[] = [];
      let nextToken: string | undefined;
      do {
        const response = await awsCall(
          {
            operation: 'GetMetricData',
            resource: `AWS/ApplicationELB ${target.canaryTargetGroup} and ${target.baselineTargetGroup} on ${target.loadBalancer}`,
            leftAs: 'canary-gate changed nothing; no verdict was reached.',
          },
          () =>
            client.send(
              new GetMetricDataCommand({
                MetricDataQueries: queries,
                StartTime: new Date(request.start),
                EndTime: new Date(request.end),
                ScanBy: 'TimestampAscending',
                ...(nextToken ? { NextToken: nextToken } : {}),
              }),
            ),
          { sleep: options.sleep, log: options.log },
        );
        results.push(...(response.MetricDataResults ?? []));
        nextToken = response.NextToken;
      } while (nextToken);
      return assembleObservation(results, request);
    },
  };
}
