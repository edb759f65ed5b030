/**
 * The CloudWatch stand-in (testkit's metrics-server) answers GetMetricData as CloudWatch does
 * for an Application Load Balancer, for the real SDK client reaching it through
 * AWS_ENDPOINT_URL_CLOUDWATCH-style endpoint settings: per-minute datapoints, only the
 * dimensions ALB publishes each metric under, the publication lag, counts, percentiles and the
 * percentile rank. What ALB publishes, and how:
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { startMetricsServer, statistic, type MetricsServer } from '@white-cross/testkit/metrics-server';

const LB = 'app/school-health-alb/50dc6c495c0c9188';
const GREEN = 'targetgroup/school-health-green/73e2d6bc24d8a067';
const BLUE = 'targetgroup/school-health-blue/0c5a9f3e2b1d4a77';
const T0 = Date.UTC(2026, 10, 21, 16, 0, 0);

let server: MetricsServer;
let client: CloudWatchClient;

beforeAll(async () => {
  server = await startMetricsServer({ publicationLagMs: 0 });
  client = new CloudWatchClient({
    region: 'us-east-1',
    endpoint: server.url,
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });
  // Green: 100 responses at 1..100 ms in the first minute, one of them a 500; one request whose
  // target could not be reached (a 502 from the load balancer) and one the load balancer
  // answered 503 before choosing a target; 10 more responses in the next minute at 2 s.
  // Blue: 10 responses at 50 ms.
  for (let i = 1; i <= 100; i++)
    server.record({
      loadBalancer: LB,
      targetGroup: GREEN,
      at: T0 + i * 50,
      latencyMs: i,
      status: i === 7 ? 500 : 200,
    });
  server.record({
    loadBalancer: LB,
    targetGroup: GREEN,
    at: T0 + 6000,
    latencyMs: 0,
    status: 502,
    origin: 'connection-error',
  });
  server.record({
    loadBalancer: LB,
    targetGroup: GREEN,
    at: T0 + 7000,
    latencyMs: 0,
    status: 503,
    origin: 'elb',
  });
  for (let i = 0; i < 10; i++)
    server.record({
      loadBalancer: LB,
      targetGroup: GREEN,
      at: new Date(T0 + 60_000 + i),
      latencyMs: 2000,
      status: 200,
    });
  for (let i = 0; i < 10; i++)
    server.record({ loadBalancer: LB, targetGroup: BLUE, at: T0 + 100 + i, latencyMs: 50, status: 200 });
});

afterAll(async () => {
  client?.destroy();
  await server?.stop();
});

function query(
  id: string,
  name: string,
  stat: string,
  period: number,
  targetGroup?: string,
): MetricDataQuery {
  const dimensions = [
    { Name: 'LoadBalancer', Value: LB },
    ...(targetGroup ? [{ Name: 'TargetGroup', Value: targetGroup }] : []),
  ];
  return {
    Id: id,
    MetricStat: {
      Metric: { Namespace: 'AWS/ApplicationELB', MetricName: name, Dimensions: dimensions },
      Period: period,
      Stat: stat,
    },
  };
}

test('per-minute counts, percentiles and percentile rank per target group; the ELB 5xx per load balancer only', async () => {
  const response = await client.send(
    new GetMetricDataCommand({
      StartTime: new Date(T0),
      EndTime: new Date(T0 + 120_000),
      MetricDataQueries: [
        query('requests', 'RequestCount', 'Sum', 60, GREEN),
        query('t5xx', 'HTTPCode_Target_5XX_Count', 'Sum', 60, GREEN),
        query('conn', 'TargetConnectionErrorCount', 'Sum', 60, GREEN),
        query('e5xx_tg', 'HTTPCode_ELB_5XX_Count', 'Sum', 60, GREEN),
        query('e5xx', 'HTTPCode_ELB_5XX_Count', 'Sum', 60),
        query('e503', 'HTTPCode_ELB_503_Count', 'Sum', 60),
        query('p95', 'TargetResponseTime', 'p95', 60, GREEN),
        query('within', 'TargetResponseTime', 'PR(:1)', 120, GREEN),
        query('samples', 'TargetResponseTime', 'SampleCount', 120, GREEN),
        query('all', 'RequestCount', 'Sum', 120),
        // A period under a minute still answers one datapoint a minute (standard resolution).
        query('fine', 'RequestCount', 'Sum', 10, GREEN),
      ],
    }),
  );
  const byId = Object.fromEntries((response.MetricDataResults ?? []).map((r) => [r.Id, r]));
  // The 503 answered before a target was chosen is no request of the group.
  expect(byId.requests?.Values).toEqual([101, 10]);
  expect(byId.requests?.Timestamps).toEqual([new Date(T0), new Date(T0 + 60_000)]);
  expect(byId.t5xx?.Values).toEqual([1]);
  expect(byId.conn?.Values).toEqual([1]);
  // ALB never publishes HTTPCode_ELB_5XX_Count per TargetGroup: that query is empty.
  expect(byId.e5xx_tg?.Values).toEqual([]);
  expect(byId.e5xx?.Values).toEqual([2]);
  expect(byId.e503?.Values).toEqual([1]);
  // nearest rank: the 95th of 1..100 ms is 95 ms; the second minute is all 2 s
  expect(byId.p95?.Values).toEqual([0.095, 2]);
  // 100 of 110 target responses at or under 1 s
  expect(byId.within?.Values?.[0]).toBeCloseTo((100 * 100) / 110, 10);
  expect(byId.samples?.Values).toEqual([110]);
  // LoadBalancer alone: both target groups
  expect(byId.all?.Values).toEqual([121]);
  expect(byId.fine?.Values).toEqual([101, 10]);
  expect(byId.fine?.Timestamps).toEqual([new Date(T0), new Date(T0 + 60_000)]);
});

test('a minute appears only after the publication lag (default 1–3 minutes, as ALB metrics arrive)', async () => {
  let now = T0;
  const lagged = await startMetricsServer({ publicationLagMs: 120_000, now: () => now });
  const ranged = await startMetricsServer({ now: () => now });
  const lc = new CloudWatchClient({
    region: 'us-east-1',
    endpoint: lagged.url,
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });
  const rc = new CloudWatchClient({
    region: 'us-east-1',
    endpoint: ranged.url,
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });
  try {
    for (const s of [lagged, ranged]) {
      s.record({ loadBalancer: LB, targetGroup: GREEN, at: T0 + 5_000, latencyMs: 10, status: 200 });
      s.record({ loadBalancer: LB, targetGroup: GREEN, at: T0 + 65_000, latencyMs: 10, status: 200 });
    }
    const read = async (c: CloudWatchClient) =>
      (
        await c.send(
          new GetMetricDataCommand({
            StartTime: new Date(T0),
            EndTime: new Date(T0 + 120_000),
            MetricDataQueries: [query('n', 'RequestCount', 'Sum', 60, GREEN)],
          }),
        )
      ).MetricDataResults?.[0]?.Values;
    now = T0 + 60_000 + 119_000;
    expect(await read(lc)).toEqual([]);
    now = T0 + 60_000 + 120_000;
    expect(await read(lc)).toEqual([1]);
    now = T0 + 60_000 + 59_000;
    expect(await read(rc)).toEqual([]);
    now = T0 + 120_000 + 180_000;
    expect(await read(rc)).toEqual([1, 1]);
  } finally {
    lc.destroy();
    rc.destroy();
    await lagged.stop();
    await ranged.stop();
  }
});

test('statistics', () => {
  expect(statistic('p50', [5, 1, 3, 2, 4])).toBe(3);
  expect(statistic('PR(2:4)', [1, 2, 3, 4, 5])).toBe(40);
  expect(statistic('Average', [1, 2, 3])).toBe(2);
  expect(() => statistic('TM(10%:90%)', [1])).toThrow('not supported');
});

test('errors in the service protocol', async () => {
  await expect(
    client.send(
      new GetMetricDataCommand({
        StartTime: new Date(T0),
        EndTime: new Date(T0 + 20_000),
        MetricDataQueries: [query('bad', 'RequestCount', 'Sum', 7, GREEN)],
      }),
    ),
  ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
});

test('observations can be posted from another process', async () => {
  const other = 'targetgroup/school-health-green/00000000000000ff';
  const res = await fetch(`${server.url}/observations`, {
    method: 'POST',
    body: JSON.stringify([
      { loadBalancer: LB, targetGroup: other, at: T0 + 1000, latencyMs: 10, status: 200 },
      { loadBalancer: LB, targetGroup: other, at: T0 + 2000, latencyMs: 30, status: 503 },
    ]),
  });
  expect(res.status).toBe(200);
  const response = await client.send(
    new GetMetricDataCommand({
      StartTime: new Date(T0),
      EndTime: new Date(T0 + 60_000),
      MetricDataQueries: [
        query('n', 'RequestCount', 'Sum', 60, other),
        query('e', 'HTTPCode_Target_5XX_Count', 'Sum', 60, other),
      ],
    }),
  );
  expect(response.MetricDataResults?.map((r) => [r.Id, r.Values])).toEqual([
    ['n', [2]],
    ['e', [1]],
  ]);
});
