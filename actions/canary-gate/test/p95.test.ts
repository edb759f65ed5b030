/**
 * The p95 path: moto's CloudWatch cannot compute percentiles (GetMetricData with p95 answers
 * HTTP 500), so these runs read from the metrics stand-in (testkit's metrics-server), which
 * answers GetMetricData on the same wire protocol from raw per-request observations — with
 * p95/p99 and the percentile rank PR(:limit) that the p95 limit is tested with. The action
 * reaches it through the SDK's standard AWS_ENDPOINT_URL_CLOUDWATCH.
 */
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { awsEnv } from '@white-cross/testkit';
import {
  startMetricsServer,
  type MetricsServer,
  type Observation,
} from '@white-cross/testkit/metrics-server';
import { loadBalancer, runGateWithTraffic, targetGroup } from './helpers.js';

// Each run watches whole minutes of ALB metrics (one datapoint a minute), in real time.
jest.setTimeout(200_000);
let metrics: MetricsServer;

beforeAll(async () => {
  // Published at once: the runs set metrics-delay: 0s (the lag itself is tested in metrics-server.test.ts).
  metrics = await startMetricsServer({ publicationLagMs: 0 });
});

afterAll(async () => {
  await metrics?.stop();
});

/** `count` requests one second into the window, with latencies from `latencyMs(i)` and statuses from `status(i)`. */
function traffic(
  lb: string,
  tg: string,
  windowStart: number,
  count: number,
  latencyMs: (i: number) => number,
  status: (i: number) => { status: number; origin?: Observation['origin'] } = () => ({ status: 200 }),
): Observation[] {
  return Array.from({ length: count }, (_, i) => ({
    loadBalancer: lb,
    targetGroup: tg,
    at: windowStart + 1000 + (i % 3000),
    latencyMs: latencyMs(i),
    ...status(i),
  }));
}

function env(): Record<string, string> {
  // No AWS_ENDPOINT_URL at all: CloudWatch is reached by its own per-service variable.
  const { AWS_ENDPOINT_URL: _none, ...rest } = awsEnv('http://127.0.0.1:9');
  return { ...rest, ...metrics.env };
}

describe('canary-gate p95 latency (metrics stand-in)', () => {
  test.concurrent('a canary whose p95 is over 1 s fails at the first look', async () => {
    const lb = loadBalancer(0x195);
    const canaryTg = targetGroup('green', 0x195);
    const baselineTg = targetGroup('blue', 0x195);
    const run = await runGateWithTraffic(
      {
        'load-balancer': lb,
        'canary-target-group': canaryTg,
        'baseline-target-group': baselineTg,
        window: '2m',
        interval: '1m',
        'metrics-delay': '0s',
      },
      env(),
      async (windowStart) => {
        // 60 of 300 canary responses (20 %) take 1.5 s; baseline answers in 100–300 ms.
        metrics.recordMany(
          traffic(lb, canaryTg, windowStart, 300, (i) => (i % 5 === 0 ? 1500 : 200 + (i % 50))),
        );
        metrics.recordMany(traffic(lb, baselineTg, windowStart, 2700, (i) => 100 + (i % 200)));
      },
    );
    expect(run.exitCode).toBe(1);
    expect(run.outputs.verdict).toBe('fail');
    expect(run.annotations.filter((a) => a.level === 'error').map((a) => a.message)).toEqual([
      `Canary ${canaryTg} failed: p95 latency: 1500 ms: 60 of 300 responses (20 %) took longer than 1000 ms, more than 5 % (p < 0.0001, tested at 0.031). canary-gate changed nothing; the rollback step should return traffic to ${baselineTg}.`,
    ]);
    const report = JSON.parse(run.outputs.report as string) as {
      metric: string;
      verdict: string;
      canary: number;
      baseline: number;
    }[];
    expect(report.find((m) => m.metric === 'p95-latency')).toMatchObject({
      verdict: 'High',
      canary: 1500,
      baseline: 289,
      limit: 1000,
    });
    expect(report.find((m) => m.metric === 'error-rate')).toMatchObject({ verdict: 'Pass', canary: 0 });
    expect(run.summary).toContain('p95 latency per period (ms)');
  });

  test.concurrent('a healthy canary passes; load-balancer 5XX count as the canary’s errors', async () => {
    const lb = loadBalancer(0x2a5);
    const canaryTg = targetGroup('green', 0x2a5);
    const baselineTg = targetGroup('blue', 0x2a5);
    const run = await runGateWithTraffic(
      {
        'load-balancer': lb,
        'canary-target-group': canaryTg,
        'baseline-target-group': baselineTg,
        window: '1m',
        interval: '1m',
        'metrics-delay': '0s',
      },
      env(),
      async (windowStart) => {
        // 2 target 500s and 1 request the load balancer could not deliver to a canary target
        // (TargetConnectionErrorCount; its 502 is an ELB 5xx of the load balancer) among 300
        // canary requests; p95 well under 1 s.
        metrics.recordMany(
          traffic(
            lb,
            canaryTg,
            windowStart,
            300,
            (i) => 120 + (i % 100),
            (i) =>
              i === 7 || i === 8
                ? { status: 500 }
                : i === 9
                  ? { status: 502, origin: 'connection-error' }
                  : { status: 200 },
          ),
        );
        metrics.recordMany(
          traffic(
            lb,
            baselineTg,
            windowStart,
            2700,
            (i) => 120 + (i % 100),
            (i) => ({ status: i % 200 === 0 ? 500 : 200 }),
          ),
        );
      },
    );
    expect(run.exitCode).toBe(0);
    expect(run.outputs.verdict).toBe('pass');
    // Nearest-rank p95 (python: sorted values, index ceil(0.95·n) − 1) of the 299 target
    // responses is 215 ms; of baseline's 2,700, 214 ms.
    expect(run.outputs.reason).toBe(
      'Canary within limits and not significantly worse than baseline over 300 requests: error rate 1 % (limit 5 %), p95 215 ms (limit 1000 ms).',
    );
    const report = JSON.parse(run.outputs.report as string) as { metric: string; verdict: string }[];
    expect(report.map((m) => [m.metric, m.verdict])).toEqual([
      ['error-rate', 'Pass'],
      ['error-rate-vs-baseline', 'Pass'],
      ['p95-latency', 'Pass'],
      // one period each side cannot reach significance: honest Nodata, not a pass
      ['p95-latency-vs-baseline', 'Nodata'],
      ['p99-latency-vs-baseline', 'Nodata'],
    ]);
    expect(run.summary).toMatch(/\| p95 latency \| 215 ms \| 214 ms \| 1000 ms \|/);
    expect(run.summary).toContain('_Lines, in order: canary, baseline, limit._');
  });

  test.concurrent(
    "a crashing canary fails on the load balancer's own 503s, which ALB publishes per load balancer only",
    async () => {
      // HTTPCode_ELB_5XX_Count has the dimensions LoadBalancer and LoadBalancer + AvailabilityZone,
      // never TargetGroup (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html):
      // a per-target-group query of it is always empty, so these 503s ("no healthy target" for
      // the canary's share of traffic) are only seen on the load balancer's own series.
      const lb = loadBalancer(0x3c5);
      const canaryTg = targetGroup('green', 0x3c5);
      const baselineTg = targetGroup('blue', 0x3c5);
      const run = await runGateWithTraffic(
        {
          'load-balancer': lb,
          'canary-target-group': canaryTg,
          'baseline-target-group': baselineTg,
          window: '1m',
          interval: '1m',
          'metrics-delay': '0s',
        },
        env(),
        async (windowStart) => {
          // 100 canary responses, then its tasks crash: 200 requests answered 503 by the load balancer.
          metrics.recordMany(
            traffic(
              lb,
              canaryTg,
              windowStart,
              300,
              () => 150,
              (i) => (i < 100 ? { status: 200 } : { status: 503, origin: 'elb' }),
            ),
          );
          metrics.recordMany(traffic(lb, baselineTg, windowStart, 2700, (i) => 100 + (i % 200)));
        },
      );
      expect(run.exitCode).toBe(1);
      expect(run.outputs.verdict).toBe('fail');
      expect(run.outputs['requests-seen']).toBe('300');
      expect(run.stdout).toContain('200 load-balancer 5xx counted against the canary');
      expect(run.summary).toContain('200 load-balancer 5xx, 200 of them counted against the canary');
      const report = JSON.parse(run.outputs.report as string) as {
        metric: string;
        verdict: string;
        canary: number;
      }[];
      expect(report.find((m) => m.metric === 'error-rate')).toMatchObject({ verdict: 'High' });
    },
  );
});
