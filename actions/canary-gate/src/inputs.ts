/**
 * Reads and checks every input of canary-gate before anything reaches CloudWatch: the
 * dimension values in exactly the shapes ecs-bluegreen outputs, window and interval, the limits
 * and confidences, and the extra metrics.
 */
import { ConfigurationError, formatDuration, type Env, type Inputs } from '@white-cross/core';
import { resolveRegion } from '@white-cross/aws';
import { Input } from './constants.js';
import {
  EXTRA_STATISTICS,
  defaultRequestsNeeded,
  type CanaryPolicy,
  type Direction,
  type ExtraMetric,
} from './judge.js';

export interface CanaryGateInputs {
  readonly loadBalancer: string;
  readonly canaryTargetGroup: string;
  readonly baselineTargetGroup: string;
  readonly windowMs: number;
  readonly intervalMs: number;
  /** CloudWatch period of the per-period figures: 60 s, the resolution ALB publishes at. */
  readonly periodSeconds: number;
  /** How long after a minute ends its ALB datapoints are taken as published (metrics-delay). */
  readonly metricsDelayMs: number;
  readonly policy: Readonly<CanaryPolicy>;
  /** The requests the limits need at the confidence (what min-requests defaults to). */
  readonly computedRequestsNeeded: number;
  /** True when min-requests was given rather than computed. */
  readonly requestsNeededGiven: boolean;
  readonly failOnInconclusive: boolean;
  readonly earlyStop: boolean;
  readonly region: string;
}

const NAME = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?';
const LOAD_BALANCER = new RegExp(`^app/${NAME}/[0-9a-f]{16}$`);
const TARGET_GROUP = new RegExp(`^targetgroup/${NAME}/[0-9a-f]{16}$`);

function loadBalancerDimension(inputs: Inputs): string {
  const value = inputs.string(Input.loadBalancer, { required: true });
  if (LOAD_BALANCER.test(value)) return value;
  const hint = value.startsWith('arn:')
    ? ` Pass the part of the ARN after 'loadbalancer/'${value.includes(':loadbalancer/') ? ` ('${value.slice(value.indexOf(':loadbalancer/') + 14)}')` : ''}.`
    : value.startsWith('net/')
      ? ' canary-gate judges Application Load Balancers (app/...), not Network Load Balancers.'
      : '';
  throw new ConfigurationError(
    `Input '${Input.loadBalancer}' must be the LoadBalancer dimension value app/<name>/<16 hex digits>, such as app/school-health-alb/50dc6c495c0c9188; got '${value}'.${hint}`,
    Input.loadBalancer,
  );
}

function targetGroupDimension(inputs: Inputs, name: string): string {
  const value = inputs.string(name, { required: true });
  if (TARGET_GROUP.test(value)) return value;
  const hint =
    value.startsWith('arn:') && value.includes(':targetgroup/')
      ? ` Pass the part of the ARN after the last ':' ('${value.slice(value.lastIndexOf(':') + 1)}').`
      : '';
  throw new ConfigurationError(
    `Input '${name}' must be the TargetGroup dimension value targetgroup/<name>/<16 hex digits>, such as targetgroup/school-health-green/73e2d6bc24d8a067; got '${value}'.${hint}`,
    name,
  );
}

/** A percentage strictly between the bounds (fractions), named in the message as percentages. */
function percentBetween(
  inputs: Inputs,
  name: string,
  defaultValue: number,
  min: number,
  max: number,
  example: string,
): number {
  const text = `a percentage above ${min * 100}% and below ${max * 100}%, such as ${example}`;
  let value: number;
  try {
    value = inputs.percent(name, { default: defaultValue, min: 0, max: 1 });
  } catch {
    throw new ConfigurationError(
      `Input '${name}' must be ${text}; got '${inputs.string(name) ?? ''}'.`,
      name,
    );
  }
  if (!(value > min && value < max)) {
    throw new ConfigurationError(
      `Input '${name}' must be ${text}; got '${inputs.string(name) ?? ''}'.`,
      name,
    );
  }
  return value;
}

const DIRECTIONS: readonly Direction[] = ['increase', 'decrease', 'either'];

/**
 * Parses the `metrics` input: one metric a line, `<MetricName> <Statistic> <direction> <limit>`,
 * e.g. `TargetConnectionErrorCount Sum increase 0`.
 *
 * @example
 * parseExtraMetrics(['TargetConnectionErrorCount Sum increase 0']); // [{ name: 'TargetConnectionErrorCount', statistic: 'Sum', direction: 'increase', limit: 0 }]
 */
export function parseExtraMetrics(lines: readonly string[]): ExtraMetric[] {
  return lines.map((line, i) => {
    const fail = (what: string): never => {
      throw new ConfigurationError(
        `Input '${Input.metrics}' line ${i + 1} ('${line}'): ${what}. Write one metric a line as '<MetricName> <Statistic> <increase|decrease|either> <limit>', such as 'TargetConnectionErrorCount Sum increase 0'.`,
        Input.metrics,
      );
    };
    const parts = line.split(/\s+/);
    if (parts.length !== 4) fail(`expected 4 fields, got ${parts.length}`);
    const [name, statistic, direction, limitText] = parts as [string, string, string, string];
    if (!/^[A-Za-z][A-Za-z0-9_]{0,254}$/.test(name)) fail(`'${name}' is not a CloudWatch metric name`);
    if (
      !(EXTRA_STATISTICS as readonly string[]).includes(statistic) &&
      !/^p(?:\d{1,2}(?:\.\d{1,2})?|100)$/.test(statistic)
    ) {
      fail(
        `the statistic must be one of ${EXTRA_STATISTICS.join(', ')} or a percentile such as p99; got '${statistic}'`,
      );
    }
    if (!(DIRECTIONS as readonly string[]).includes(direction))
      fail(`the direction must be increase, decrease or either; got '${direction}'`);
    const limit = Number(limitText);
    if (!Number.isFinite(limit)) fail(`the limit must be a number; got '${limitText}'`);
    return { name, statistic, direction: direction as Direction, limit };
  });
}

/**
 * ALB publishes its metrics at standard resolution, one datapoint a minute
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html):
 * window and interval are whole minutes, so every look judges whole published minutes.
 */
const wholeMinutes = (ms: number) => ms >= 60_000 && ms % 60_000 === 0;

/**
 * Reads and checks every input; throws ConfigurationError naming the input.
 *
 * @example
 * const parsed = parseInputs(new Inputs(process.env), process.env);
 */
export function parseInputs(inputs: Inputs, env: Env): CanaryGateInputs {
  const loadBalancer = loadBalancerDimension(inputs);
  const canaryTargetGroup = targetGroupDimension(inputs, Input.canaryTargetGroup);
  const baselineTargetGroup = targetGroupDimension(inputs, Input.baselineTargetGroup);
  if (canaryTargetGroup === baselineTargetGroup) {
    throw new ConfigurationError(
      `Input '${Input.baselineTargetGroup}' must differ from '${Input.canaryTargetGroup}' (both are '${canaryTargetGroup}'): the canary is judged against the other color.`,
      Input.baselineTargetGroup,
    );
  }
  const windowMs = inputs.duration(Input.window, { default: '5m', min: 60_000, max: 3 * 3_600_000 });
  if (!wholeMinutes(windowMs)) {
    throw new ConfigurationError(
      `Input '${Input.window}' must be a whole number of minutes such as 5m (ALB publishes its metrics once a minute); got '${formatDuration(windowMs)}'.`,
      Input.window,
    );
  }
  const intervalMs = inputs.duration(Input.interval, { default: '60s', min: 60_000, max: 3_600_000 });
  if (!wholeMinutes(intervalMs)) {
    throw new ConfigurationError(
      `Input '${Input.interval}' must be a whole number of minutes such as 1m (ALB publishes its metrics once a minute); got '${formatDuration(intervalMs)}'.`,
      Input.interval,
    );
  }
  const metricsDelayMs = inputs.duration(Input.metricsDelay, { default: '3m', min: 0, max: 15 * 60_000 });
  if (windowMs < intervalMs) {
    throw new ConfigurationError(
      `Input '${Input.window}' (${formatDuration(windowMs)}) must be at least '${Input.interval}' (${formatDuration(intervalMs)}): the canary is looked at every interval within the window.`,
      Input.window,
    );
  }
  const maxErrorRate = percentBetween(inputs, Input.maxErrorRate, 0.05, 0, 1, '5%');
  const latencyText = inputs.string(Input.maxP95Latency, { default: '1s' });
  let maxP95LatencyMs: number | undefined;
  if (latencyText !== 'off') {
    maxP95LatencyMs = inputs.duration(Input.maxP95Latency, { default: '1s', min: 10, max: 60_000 });
  }
  const confidence = percentBetween(inputs, Input.confidence, 0.95, 0.5, 1, '95%');
  const compareBaseline = inputs.boolean(Input.compareBaseline, true);
  const baselineConfidence = percentBetween(inputs, Input.baselineConfidence, 0.95, 0.5, 1, '95%');
  const baselineTolerance = inputs.percent(Input.baselineTolerance, { default: 0.2, min: 0, max: 10 });
  const computedRequestsNeeded = defaultRequestsNeeded(
    maxErrorRate,
    confidence,
    maxP95LatencyMs !== undefined,
  );
  const requestsNeededGiven = inputs.has(Input.minRequests);
  const requestsNeeded = inputs.number(Input.minRequests, {
    default: computedRequestsNeeded,
    min: 1,
    max: 100_000_000,
    integer: true,
  });
  const failOnInconclusive = inputs.boolean(Input.failOnInconclusive, true);
  const earlyStop = inputs.boolean(Input.earlyStop, true);
  const extraMetrics = parseExtraMetrics(inputs.list(Input.metrics));
  const region = resolveRegion(inputs.string(Input.region), env);
  return Object.freeze({
    loadBalancer,
    canaryTargetGroup,
    baselineTargetGroup,
    windowMs,
    intervalMs,
    periodSeconds: 60,
    metricsDelayMs,
    policy: Object.freeze({
      maxErrorRate,
      ...(maxP95LatencyMs === undefined ? {} : { maxP95LatencyMs }),
      confidence,
      compareBaseline,
      baselineConfidence,
      baselineTolerance,
      requestsNeeded,
      extraMetrics,
    }),
    computedRequestsNeeded,
    requestsNeededGiven,
    failOnInconclusive,
    earlyStop,
    region,
  });
}
