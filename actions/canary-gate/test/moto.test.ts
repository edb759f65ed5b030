/**
 * The bundle against moto's CloudWatch for the count metrics: the test publishes
 * RequestCount and HTTPCode_Target_5XX_Count per target group and HTTPCode_ELB_5XX_Count per
 * load balancer under AWS/ApplicationELB (PutMetricData, with the dimensions ALB publishes them
 * under: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html),
 * one datapoint a minute, and canary-gate reads them with GetMetricData through
 * the standard AWS_ENDPOINT_URL, via the recording proxy so the test can see every call it made.
 *
 * moto's CloudWatch has no percentile statistics (GetMetricData with p95 answers HTTP 500), so
 * these runs set max-p95-latency: off; the p95 path runs against the metrics stand-in in
 * p95.test.ts.
 */
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { CloudWatchClient, PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startAwsProxy, startMoto, throttling, type AwsProxy, type MotoServer } from '@white-cross/testkit';
import { loadBalancer, runGateWithTraffic, targetGroup } from './helpers.js';

// Each run watches whole minutes of ALB metrics (one datapoint a minute), in real time.
jest.setTimeout(200_000);
let moto: MotoServer;
let cloudWatch: CloudWatchClient;
const proxies: AwsProxy[] = [];

beforeAll(async () => {
  moto = await startMoto();
  cloudWatch = new CloudWatchClient({
    region: 'us-east-1',
    endpoint: moto.url,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
});

afterAll(async () => {
  cloudWatch?.destroy();
  await Promise.all(proxies.map((p) => p.stop()));
  await moto?.stop();
});

interface Traffic {
  requests: number;
  target5xx?: number;
  elb5xx?: number;
  target4xx?: number;
}

/**
 * Publishes one target group's counts, stamped one second into the window; its load-balancer
 * 5xx (requests answered before a target was chosen) go under the LoadBalancer alone, as ALB
 * publishes HTTPCode_ELB_5XX_Count, and count no request of the group.
 */
async function publish(lb: string, tg: string, at: number, traffic: Traffic): Promise<void> {
  const dimensions = [
    { Name: 'LoadBalancer', Value: lb },
    { Name: 'TargetGroup', Value: tg },
  ];
  const datum = (name: string, value: number, dims = dimensions): MetricDatum => ({
    MetricName: name,
    Dimensions: dims,
    Timestamp: new Date(at + 1000),
    Value: value,
    Unit: 'Count',
  });
  const data = [datum('RequestCount', traffic.requests - (traffic.elb5xx ?? 0))];
  if (traffic.target5xx) data.push(datum('HTTPCode_Target_5XX_Count', traffic.target5xx));
  if (traffic.elb5xx)
    data.push(datum('HTTPCode_ELB_5XX_Count', traffic.elb5xx, [{ Name: 'LoadBalancer', Value: lb }]));
  if (traffic.target4xx) data.push(datum('HTTPCode_Target_4XX_Count', traffic.target4xx));
  await cloudWatch.send(new PutMetricDataCommand({ Namespace: 'AWS/ApplicationELB', MetricData: data }));
}

async function gate(
  id: number,
  canary: Traffic,
  baseline: Traffic,
  extraInputs: Record<string, string> = {},
  fault = false,
) {
  const proxy = await startAwsProxy(moto.url);
  proxies.push(proxy);
  if (fault)
    proxy.addFault({ match: (r) => r.operation === 'GetMetricData', times: 1, fault: throttling('json') });
  const lb = loadBalancer(id);
  const canaryTg = targetGroup('green', id);
  const baselineTg = targetGroup('blue', id);
  const run = await runGateWithTraffic(
    {
      'load-balancer': lb,
      'canary-target-group': canaryTg,
      'baseline-target-group': baselineTg,
      window: '1m',
      interval: '1m',
      'metrics-delay': '0s',
      'max-p95-latency': 'off',
      ...extraInputs,
    },
    { ...moto.env, AWS_ENDPOINT_URL: proxy.url },
    async (windowStart) => {
      await publish(lb, canaryTg, windowStart, canary);
      await publish(lb, baselineTg, windowStart, baseline);
    },
  );
  return { run, proxy, canaryTg, baselineTg };
}

describe('canary-gate against moto (count metrics)', () => {
  test.concurrent(
    'a canary over the error-rate limit fails at the first look, and nothing but GetMetricData is called',
    async () => {
      const { run, proxy, canaryTg, baselineTg } = await gate(
        0xa1,
        { requests: 300, target5xx: 30 },
        { requests: 2700, target5xx: 13 },
        { window: '2m' },
      );
      expect(run.fed).toBe(true);
      expect(run.exitCode).toBe(1);
      expect(run.outputs.verdict).toBe('fail');
      expect(run.outputs['requests-seen']).toBe('300');
      expect(run.outputs['requests-needed']).toBe('59');
      // exact binomial P(X ≥ 30 | n = 300, p = 0.05) = 0.000282 (python, Fractions); first look of
      // two tests at 0.05·ln(1 + (e − 1)·0.5) = 0.031
      expect(run.annotations.filter((a) => a.level === 'error').map((a) => a.message)).toEqual([
        `Canary ${canaryTg} failed: Error rate: 10 % (30 of 300 requests) is above the 5 % limit (p = 0.000282, tested at 0.031) (and 1 more failing metric). canary-gate changed nothing; the rollback step should return traffic to ${baselineTg}.`,
      ]);
      // The read at the start (credentials checked before any wait), one look, then stop: early stop.
      expect(proxy.requests.map((r) => r.operation)).toEqual(['GetMetricData', 'GetMetricData']);
      expect(run.summary).toContain('## Canary gate: ❌ FAIL');
      expect(run.summary).toContain('(stopped early)');
      expect(run.summary).toMatch(
        /\| Error rate \| 10 % \| 0\.48 % \| 5 % \| exact binomial, one-sided \| 0\.000282 \(level 0\.031\) \| ❌ High \|/,
      );
      expect(run.summary).toContain('xychart-beta');
      const report = JSON.parse(run.outputs.report as string) as {
        metric: string;
        verdict: string;
        canary: number;
      }[];
      expect(report.map((m) => [m.metric, m.verdict, m.canary])).toEqual([
        ['error-rate', 'High', 10],
        ['error-rate-vs-baseline', 'High', 10],
      ]);
      const audit = run.audit[0] as { outcome: string; facts: Record<string, unknown> };
      expect(audit.outcome).toBe('failure');
      expect(audit.facts.verdict).toBe('fail');
      expect(audit.facts.requestsSeen).toBe(300);
      const evidence = JSON.parse(readFileSync(join(run.evidenceDir, 'canary-gate-report.json'), 'utf8')) as {
        verdict: string;
        looks: unknown[];
      };
      expect(evidence.verdict).toBe('fail');
      expect(evidence.looks).toHaveLength(1);
    },
  );

  test.concurrent('a healthy canary passes after the whole window, through a throttled read', async () => {
    const { run, proxy } = await gate(
      0xb2,
      { requests: 300, target5xx: 2, elb5xx: 1, target4xx: 7 },
      { requests: 2700, target5xx: 13 },
      { metrics: 'HTTPCode_Target_4XX_Count Sum increase 50', window: '2m' },
      true,
    );
    expect(run.exitCode).toBe(0);
    expect(run.outputs.verdict).toBe('pass');
    // 2 target 5XX + 1 load-balancer 5XX (counted against the canary) of 300 requests = 1 %
    expect(run.outputs.reason).toBe(
      'Canary within limits and not significantly worse than baseline over 300 requests: error rate 1 % (limit 5 %).',
    );
    expect(run.annotations.filter((a) => a.level === 'error')).toEqual([]);
    // The read at the start, retried once after throttling (awsCall), then two looks.
    expect(proxy.requests.map((r) => [r.operation, r.fault ?? ''])).toEqual([
      ['GetMetricData', 'ThrottlingException'],
      ['GetMetricData', ''],
      ['GetMetricData', ''],
      ['GetMetricData', ''],
    ]);
    expect(run.stdout).toMatch(
      /^GetMetricData on .+: ThrottlingException \(HTTP 400\): Rate exceeded; retry 1 in \d+ ms$/m,
    );
    const report = JSON.parse(run.outputs.report as string) as {
      metric: string;
      verdict: string;
      canary: number;
      limit: number;
    }[];
    expect(report.map((m) => [m.metric, m.verdict, m.canary, m.limit])).toEqual([
      ['error-rate', 'Pass', 1, 5],
      ['error-rate-vs-baseline', 'Pass', 1, 0.5778],
      ['HTTPCode_Target_4XX_Count:Sum', 'Pass', 7, 50],
    ]);
    expect(run.stdout).toContain(
      '[1 min 00 s of 2 min 00 s] canary 300 requests, 1 % errors; baseline 2700 requests, 0.48 % errors; 1 load-balancer 5xx counted against the canary — no metric fails yet',
    );
    expect(run.summary).toContain('## Canary gate: ✅ PASS');
  });

  test.concurrent('too little traffic is inconclusive and fails closed', async () => {
    const { run, canaryTg } = await gate(0xc3, { requests: 12, target5xx: 1 }, { requests: 108 });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.verdict).toBe('inconclusive');
    expect(run.outputs['requests-seen']).toBe('12');
    expect(run.annotations.filter((a) => a.level === 'error').map((a) => a.message)).toEqual([
      `Canary ${canaryTg} inconclusive: Only 12 canary requests in the window; 59 are needed to tell at 95 % confidence. Failing closed (fail-on-inconclusive is true); canary-gate changed nothing.`,
    ]);
    expect(run.stdout).toContain(
      '[1 min 00 s of 1 min 00 s] canary 12 requests, 8.33 % errors; baseline 108 requests, 0 % errors — verdict INCONCLUSIVE',
    );
  });

  test.concurrent(
    'with fail-on-inconclusive: false an inconclusive verdict warns and passes on',
    async () => {
      const { run, canaryTg } = await gate(
        0xd4,
        { requests: 12 },
        { requests: 108 },
        { 'fail-on-inconclusive': 'false' },
      );
      expect(run.exitCode).toBe(0);
      expect(run.outputs.verdict).toBe('inconclusive');
      expect(run.annotations.map((a) => [a.level, a.message])).toEqual([
        [
          'warning',
          `Canary ${canaryTg} inconclusive: Only 12 canary requests in the window; 59 are needed to tell at 95 % confidence. Passing on because fail-on-inconclusive is false.`,
        ],
      ]);
      expect(existsSync(join(run.evidenceDir, 'canary-gate-report.json'))).toBe(true);
    },
  );
});
