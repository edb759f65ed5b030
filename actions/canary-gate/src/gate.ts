/**
 * The sequential watch: every interval, read the window so far and judge it; stop at the first
 * fail when early stop is on, otherwise at the end of the window. Clock, sleep and the metrics
 * source are injected, so the watch can be driven through a whole window in no time.
 */
import { formatDuration, formatPercent, type Clock, type Logger, type Sleep } from '@white-cross/core';
import type { MetricsSource } from './cloudwatch.js';
import {
  judgeLook,
  type CanaryPolicy,
  type CanaryVerdict,
  type Judgement,
  type Observation,
} from './judge.js';

export interface WatchSchedule {
  windowMs: number;
  intervalMs: number;
  periodSeconds: number;
  earlyStop: boolean;
  /**
   * How long after a minute ends its datapoints are taken as published (ALB metrics arrive 1–3
   * minutes late). A look never judges younger minutes; default 0.
   */
  metricsDelayMs?: number;
}

/** What one look saw and decided (for progress lines, the report and the audit record). */
export interface LookRecord {
  /** How much of the window the look judged (published minutes), ms. */
  elapsedMs: number;
  canaryRequests: number;
  canaryErrors: number;
  baselineRequests: number;
  baselineErrors: number;
  canaryP95Ms?: number;
  baselineP95Ms?: number;
  decision: Judgement['decision'];
  note: string;
}

export interface WatchResult {
  verdict: CanaryVerdict;
  judgement: Judgement;
  observation: Observation;
  looks: LookRecord[];
  startedAt: number;
  windowStart: number;
  elapsedMs: number;
}

/**
 * When the looks happen, as offsets from the start: every interval, and the end of the window.
 *
 * @example
 * lookOffsets(300_000, 60_000); // [60000, 120000, 180000, 240000, 300000]
 * lookOffsets(25_000, 10_000); // [10000, 20000, 25000]
 */
export function lookOffsets(windowMs: number, intervalMs: number): number[] {
  const offsets: number[] = [];
  for (let t = intervalMs; t < windowMs; t += intervalMs) offsets.push(t);
  offsets.push(windowMs);
  return offsets;
}

function rateText(errors: number, requests: number): string {
  return requests === 0 ? '—' : formatPercent(errors / requests, { digits: 2, spaced: true });
}

function latencyText(p95: number | undefined): string {
  return p95 === undefined ? '' : `, p95 ${Math.round(p95)} ms`;
}

/**
 * Watches the canary through the window and returns the verdict with the evidence.
 *
 * @example
 * const result = await watchCanary(policy, { windowMs: 300_000, intervalMs: 60_000, periodSeconds: 60, earlyStop: true },
 *   { clock, sleep, log, source });
 */
export async function watchCanary(
  policy: CanaryPolicy,
  schedule: WatchSchedule,
  deps: { clock: Clock; sleep: Sleep; log: Logger; source: MetricsSource },
): Promise<WatchResult> {
  const startedAt = deps.clock.now();
  const periodMs = schedule.periodSeconds * 1000;
  const delayMs = schedule.metricsDelayMs ?? 0;
  // The window starts at the first whole minute after the watch starts (traffic has just moved):
  // the minute the shift happened in holds seconds before the canary took any traffic, and the
  // load balancer's own 5xx of those seconds (published per load balancer only) would be counted
  // against the canary, while the canary itself would be judged on as little as a second.
  const windowStart = Math.ceil(startedAt / periodMs) * periodMs;
  const windowEnd = windowStart + schedule.windowMs;
  const offsets = lookOffsets(schedule.windowMs, schedule.intervalMs);
  const looks: LookRecord[] = [];
  deps.log.info(
    `Watching from ${new Date(windowStart).toISOString()} (the first whole minute after traffic moved; ${schedule.periodSeconds} s periods) until ${new Date(windowEnd).toISOString()}; looks at ${offsets.map((o) => formatDuration(o)).join(', ')}` +
      (delayMs > 0
        ? `, each once its last minute is ${formatDuration(delayMs)} old (ALB metrics arrive late).`
        : '.'),
  );
  let previousFraction = 0;
  for (const [index, offset] of offsets.entries()) {
    // A look at `offset` judges the minutes before windowStart + offset, once they are published;
    // so the final look waits until the window's last minute is metrics-delay old.
    const due = windowStart + offset + delayMs;
    const wait = due - deps.clock.now();
    if (wait > 0) await deps.sleep(wait);
    const final = index === offsets.length - 1;
    const publishedUntil = Math.floor((deps.clock.now() - delayMs) / periodMs) * periodMs;
    const end = Math.min(windowStart + offset, Math.max(windowStart, publishedUntil));
    const judged = end - windowStart;
    if (judged <= 0 && !final) {
      deps.log.info(
        `[${formatDuration(offset)} of ${formatDuration(schedule.windowMs)}] no minute of the window is published yet; looking again at the next interval.`,
      );
      continue;
    }
    const observation =
      judged > 0
        ? await deps.source.read({
            start: windowStart,
            end,
            periodSeconds: schedule.periodSeconds,
            ...(policy.maxP95LatencyMs === undefined ? {} : { maxP95LatencyMs: policy.maxP95LatencyMs }),
            extraMetrics: policy.extraMetrics,
          })
        : emptyObservation();
    const fraction = judged / schedule.windowMs;
    const judgement = judgeLook(observation, policy, {
      previousFraction,
      fraction,
      final,
      earlyStop: schedule.earlyStop,
    });
    previousFraction = fraction;
    const { canary, baseline } = observation;
    const record: LookRecord = {
      elapsedMs: judged,
      canaryRequests: canary.requests,
      canaryErrors: canary.errors,
      baselineRequests: baseline.requests,
      baselineErrors: baseline.errors,
      ...(canary.p95Ms === undefined ? {} : { canaryP95Ms: canary.p95Ms }),
      ...(baseline.p95Ms === undefined ? {} : { baselineP95Ms: baseline.p95Ms }),
      decision: judgement.decision,
      note: judgement.reason,
    };
    looks.push(record);
    const decided =
      judgement.decision === 'continue' ? judgement.reason : `verdict ${judgement.decision.toUpperCase()}`;
    deps.log.info(
      `[${formatDuration(judged)} of ${formatDuration(schedule.windowMs)}] canary ${canary.requests} requests, ` +
        `${rateText(canary.errors, canary.requests)} errors${latencyText(canary.p95Ms)}; ` +
        `baseline ${baseline.requests} requests, ${rateText(baseline.errors, baseline.requests)} errors${latencyText(baseline.p95Ms)}` +
        `${observation.elb5xxCountedAgainstCanary ? `; ${observation.elb5xxCountedAgainstCanary} load-balancer 5xx counted against the canary` : ''} — ${decided}`,
    );
    if (judgement.decision !== 'continue') {
      return {
        verdict: judgement.decision,
        judgement,
        observation,
        looks,
        startedAt,
        windowStart,
        elapsedMs: deps.clock.now() - startedAt,
      };
    }
  }
  // judgeLook always decides at the final look.
  throw new Error('the watch ended without a verdict');
}

function emptyObservation(): Observation {
  const none = () => ({ requests: 0, errors: 0, latencySamples: 0, periods: [], extra: {} });
  return { canary: none(), baseline: none() };
}
