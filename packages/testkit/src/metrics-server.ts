/**
 * A CloudWatch stand-in for the ALB metrics: a local HTTP server answering `GetMetricData` as
 * `@aws-sdk/client-cloudwatch` sends it (the AWS JSON 1.0 protocol: `POST /` with
 * `X-Amz-Target: GraniteServiceVersion20100801.GetMetricData`, timestamps as epoch seconds),
 * computed over raw observations (one per request) recorded in memory.
 *
 * It exists because moto's CloudWatch has no percentile statistics (it answers p95 with an
 * HTTP 500): here TargetResponseTime has p50/p90/p95/p99 (any pNN.NN), and the percentile rank
 * `PR(a:b)` that canary-gate's p95 limit reads. Clients reach it through the SDK's standard
 * per-service endpoint variable, `AWS_ENDPOINT_URL_CLOUDWATCH` (see {@link MetricsServer.env}).
 *
 * It publishes what an Application Load Balancer publishes, and only that (the metrics page:
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html):
 * namespace AWS/ApplicationELB, 60-second standard resolution, and for each metric only the
 * dimension sets ALB publishes it under (a query with any other set is answered empty, as
 * CloudWatch answers a metric that does not exist):
 * - RequestCount, HTTPCode_Target_2XX/3XX/4XX/5XX_Count, TargetResponseTime (seconds) and
 *   TargetConnectionErrorCount: per LoadBalancer, per LoadBalancer + AvailabilityZone, per
 *   TargetGroup + LoadBalancer and per TargetGroup + LoadBalancer + AvailabilityZone;
 * - HTTPCode_ELB_5XX_Count and HTTPCode_ELB_502/503/504_Count: per LoadBalancer and per
 *   LoadBalancer + AvailabilityZone only — never per TargetGroup.
 * RequestCount counts only requests for which the load balancer chose a target (an `elb`
 * observation, answered before a target was chosen, is an ELB 5xx and nothing else). A
 * `connection-error` observation is a request sent to a target of its group that could not be
 * reached: RequestCount and TargetConnectionErrorCount of the group, an ELB 5xx of the LB.
 *
 * Like ALB and CloudWatch: datapoints are per minute (a period under 60 s still answers one
 * datapoint a minute, on the minute), a minute without requests has no datapoint, and a
 * minute's datapoint appears only after a publication lag (by default 1–3 minutes after the
 * minute ends, varying per minute; `publicationLagMs` shortens it, e.g. to 0 for the demo).
 * Percentiles use the nearest-rank method.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { freePort } from './ports.js';

/** One request as the load balancer saw it. */
export interface Observation {
  /** LoadBalancer dimension value, e.g. `app/school-health-alb/50dc6c495c0c9188`. */
  loadBalancer: string;
  /** TargetGroup dimension value, e.g. `targetgroup/school-health-green/73e2d6bc24d8a067`. */
  targetGroup: string;
  /** When it was answered: epoch ms or a Date. */
  at: number | Date;
  /** Target response time in ms (ignored for load-balancer answers). */
  latencyMs: number;
  status: number;
  /**
   * Who answered: a target (default); the load balancer itself before choosing a target (e.g.
   * a 503 when the group has no healthy target); or the load balancer after a target of the
   * group could not be reached (`connection-error`, a 502/504).
   */
  origin?: 'target' | 'elb' | 'connection-error';
  /** AvailabilityZone dimension value; default `us-east-1a`. */
  zone?: string;
}

export interface MetricsServerOptions {
  /**
   * How long after a minute ends its datapoints appear: a fixed lag, or a range from which each
   * minute draws its own (deterministically). Default 60–180 s, as ALB metrics arrive.
   */
  publicationLagMs?: number | { min: number; max: number };
  /** The clock publication is judged by (default Date.now). */
  now?: () => number;
}

export interface MetricsServer {
  url: string;
  port: number;
  /** `AWS_ENDPOINT_URL_CLOUDWATCH` pointing at this server. */
  env: Record<string, string>;
  record(observation: Observation): void;
  recordMany(observations: Iterable<Observation>): void;
  /** GetMetricData requests answered so far (for tests that count looks). */
  readonly requests: number;
  /** Forgets every observation. */
  reset(): void;
  stop(): Promise<void>;
}

interface Stored {
  loadBalancer: string;
  targetGroup: string;
  zone: string;
  at: number;
  latencySeconds: number;
  status: number;
  origin: 'target' | 'elb' | 'connection-error';
}

const MINUTE = 60_000;
const TARGET_METRICS = new Set([
  'RequestCount',
  'HTTPCode_Target_2XX_Count',
  'HTTPCode_Target_3XX_Count',
  'HTTPCode_Target_4XX_Count',
  'HTTPCode_Target_5XX_Count',
  'TargetResponseTime',
  'TargetConnectionErrorCount',
]);
const LOAD_BALANCER_METRICS = new Set([
  'HTTPCode_ELB_5XX_Count',
  'HTTPCode_ELB_502_Count',
  'HTTPCode_ELB_503_Count',
  'HTTPCode_ELB_504_Count',
]);

/** Whether ALB publishes the metric under exactly this set of dimension names. */
export function publishedUnder(metricName: string, dimensionNames: readonly string[]): boolean {
  const set = [...dimensionNames].sort().join('+');
  const lbSets = ['LoadBalancer', 'AvailabilityZone+LoadBalancer'];
  const tgSets = ['LoadBalancer+TargetGroup', 'AvailabilityZone+LoadBalancer+TargetGroup'];
  if (TARGET_METRICS.has(metricName)) return [...lbSets, ...tgSets].includes(set);
  if (LOAD_BALANCER_METRICS.has(metricName)) return lbSets.includes(set);
  return false;
}

interface Query {
  Id: string;
  MetricStat?: {
    Metric: { Namespace?: string; MetricName?: string; Dimensions?: { Name: string; Value: string }[] };
    Period: number;
    Stat: string;
  };
  Expression?: string;
  Label?: string;
  ReturnData?: boolean;
}

class ClientError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** The value a metric takes for one observation, or undefined when the observation does not count for it. */
function metricValue(name: string, o: Stored): number | undefined {
  const klass = Math.floor(o.status / 100);
  const fromElb = o.origin === 'elb' || o.origin === 'connection-error';
  switch (name) {
    case 'RequestCount':
      return o.origin === 'elb' ? undefined : 1;
    case 'HTTPCode_Target_2XX_Count':
    case 'HTTPCode_Target_3XX_Count':
    case 'HTTPCode_Target_4XX_Count':
    case 'HTTPCode_Target_5XX_Count':
      return o.origin === 'target' && klass === Number(/_(\d)XX_/.exec(name)?.[1]) ? 1 : undefined;
    case 'TargetConnectionErrorCount':
      return o.origin === 'connection-error' ? 1 : undefined;
    case 'HTTPCode_ELB_5XX_Count':
      return fromElb && klass === 5 ? 1 : undefined;
    case 'HTTPCode_ELB_502_Count':
    case 'HTTPCode_ELB_503_Count':
    case 'HTTPCode_ELB_504_Count':
      return fromElb && o.status === Number(/_(\d{3})_/.exec(name)?.[1]) ? 1 : undefined;
    case 'TargetResponseTime':
      return o.origin === 'target' ? o.latencySeconds : undefined;
    default:
      return undefined;
  }
}

function nearestRank(sorted: number[], q: number): number {
  const index = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length))) - 1;
  return sorted[index] as number;
}

/** Computes a CloudWatch statistic over one period's values (at least one value). */
export function statistic(stat: string, values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  switch (stat) {
    case 'Sum':
      return values.reduce((s, v) => s + v, 0);
    case 'SampleCount':
      return values.length;
    case 'Average':
      return values.reduce((s, v) => s + v, 0) / values.length;
    case 'Minimum':
      return sorted[0] as number;
    case 'Maximum':
      return sorted[sorted.length - 1] as number;
  }
  const percentile = /^p(\d{1,2}(?:\.\d{1,2})?|100)$/.exec(stat);
  if (percentile) return nearestRank(sorted, Number(percentile[1]) / 100);
  // Percentile rank: the share (in %) of values v with lower < v ≤ upper (either bound optional).
  const rank = /^PR\((\d+(?:\.\d+)?)?:(\d+(?:\.\d+)?)?\)$/.exec(stat);
  if (rank && (rank[1] !== undefined || rank[2] !== undefined)) {
    const lower = rank[1] === undefined ? -Infinity : Number(rank[1]);
    const upper = rank[2] === undefined ? Infinity : Number(rank[2]);
    return (100 * values.filter((v) => v > lower && v <= upper).length) / values.length;
  }
  throw new ClientError(
    'InvalidParameterValueException',
    `The statistic ${stat} is not supported by this stand-in.`,
  );
}

function toEpochMs(value: unknown, name: string): number {
  if (typeof value === 'number') return value * 1000;
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return Date.parse(value);
  throw new ClientError('InvalidParameterValueException', `${name} must be a timestamp.`);
}

function answer(
  query: Query,
  observations: Stored[],
  start: number,
  end: number,
  published: (minute: number) => boolean,
) {
  const stat = query.MetricStat;
  if (!stat)
    throw new ClientError(
      'InvalidParameterValueException',
      `Query ${query.Id}: only MetricStat queries are supported.`,
    );
  const { Metric: metric, Period: period, Stat: statName } = stat;
  if (!(
    period === 1 ||
    period === 5 ||
    period === 10 ||
    period === 30 ||
    (period >= 60 && period % 60 === 0)
  )) {
    throw new ClientError(
      'InvalidParameterValueException',
      `Query ${query.Id}: the period must be 1, 5, 10, 30 or a multiple of 60.`,
    );
  }
  const dimensions = new Map((metric.Dimensions ?? []).map((d) => [d.Name, d.Value]));
  // Standard resolution: nothing finer than a minute exists, whatever period is asked for.
  const periodMs = Math.max(60, period) * 1000;
  const buckets = new Map<number, number[]>();
  if (
    metric.Namespace === 'AWS/ApplicationELB' &&
    metric.MetricName &&
    publishedUnder(metric.MetricName, [...dimensions.keys()])
  ) {
    for (const o of observations) {
      if (o.at < start || o.at >= end) continue;
      if (!published(Math.floor(o.at / MINUTE) * MINUTE)) continue;
      if (dimensions.get('LoadBalancer') !== o.loadBalancer) continue;
      if (dimensions.has('TargetGroup') && dimensions.get('TargetGroup') !== o.targetGroup) continue;
      if (dimensions.has('AvailabilityZone') && dimensions.get('AvailabilityZone') !== o.zone) continue;
      const value = metricValue(metric.MetricName, o);
      if (value === undefined) continue;
      const bucket = Math.floor(o.at / periodMs) * periodMs;
      const list = buckets.get(bucket) ?? [];
      list.push(value);
      buckets.set(bucket, list);
    }
  }
  const times = [...buckets.keys()].sort((a, b) => a - b);
  return {
    Id: query.Id,
    Label: query.Label ?? `${metric.MetricName ?? ''} ${statName}`,
    Timestamps: times.map((t) => t / 1000),
    Values: times.map((t) => statistic(statName, buckets.get(t) as number[])),
    StatusCode: 'Complete',
  };
}

/** The lag of one minute's datapoints: fixed, or drawn from the range by the minute itself. */
function lagOf(option: MetricsServerOptions['publicationLagMs'], minute: number): number {
  const lag = option ?? { min: 60_000, max: 180_000 };
  if (typeof lag === 'number') return lag;
  const spread = Math.max(0, lag.max - lag.min);
  const draw = (Math.imul((minute / MINUTE) | 0, 2654435761) >>> 0) / 2 ** 32;
  return lag.min + Math.round(draw * spread);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'wcd-metrics' });
  res.end(JSON.stringify(body));
}

/**
 * Starts the stand-in on a free port of 127.0.0.1. Observations can also be posted from another
 * process as JSON (`POST /observations`, an array of {@link Observation}).
 *
 * @example
 * const metrics = await startMetricsServer({ publicationLagMs: 0 });
 * metrics.record({ loadBalancer, targetGroup, at: Date.now(), latencyMs: 120, status: 200 });
 * await runActionBundle('canary-gate', { env: { ...moto.env, ...metrics.env }, inputs });
 */
export async function startMetricsServer(options: MetricsServerOptions = {}): Promise<MetricsServer> {
  const observations: Stored[] = [];
  const now = options.now ?? Date.now;
  const published = (minute: number) => minute + MINUTE + lagOf(options.publicationLagMs, minute) <= now();
  let answered = 0;
  const store = (o: Observation) => {
    observations.push({
      loadBalancer: o.loadBalancer,
      targetGroup: o.targetGroup,
      zone: o.zone ?? 'us-east-1a',
      at: o.at instanceof Date ? o.at.getTime() : o.at,
      latencySeconds: o.latencyMs / 1000,
      status: o.status,
      origin: o.origin ?? 'target',
    });
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      try {
        const body = await readBody(req);
        if (req.method === 'POST' && req.url === '/observations') {
          for (const o of JSON.parse(body) as Observation[]) store(o);
          return send(res, 200, {});
        }
        const target = String(req.headers['x-amz-target'] ?? '');
        const operation = target.slice(target.indexOf('.') + 1);
        if (req.method !== 'POST' || operation !== 'GetMetricData') {
          return send(res, 400, {
            __type: 'UnknownOperationException',
            message: `This stand-in answers GetMetricData only; got '${target}'.`,
          });
        }
        const input = JSON.parse(body) as {
          StartTime?: unknown;
          EndTime?: unknown;
          MetricDataQueries?: Query[];
          ScanBy?: string;
        };
        const start = toEpochMs(input.StartTime, 'StartTime');
        const end = toEpochMs(input.EndTime, 'EndTime');
        const results = (input.MetricDataQueries ?? [])
          .filter((q) => q.ReturnData !== false)
          .map((q) => answer(q, observations, start, end, published));
        if (input.ScanBy === 'TimestampDescending') {
          for (const r of results) {
            r.Timestamps.reverse();
            r.Values.reverse();
          }
        }
        answered++;
        send(res, 200, { MetricDataResults: results, Messages: [] });
      } catch (error) {
        if (error instanceof ClientError) send(res, 400, { __type: error.type, message: error.message });
        else send(res, 500, { __type: 'InternalServiceError', message: String(error) });
      }
    })();
  });
  const port = await freePort();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    env: { AWS_ENDPOINT_URL_CLOUDWATCH: url },
    record: store,
    recordMany: (all) => {
      for (const o of all) store(o);
    },
    get requests() {
      return answered;
    },
    reset: () => {
      observations.length = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
