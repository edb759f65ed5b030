/**
 * The `load` input and the load verdict: pure, so the bounds and the judgement are tested
 * without a server.
 */
import { formatDuration, parseDuration } from '@white-cross/core';

export interface LoadPlan {
  /** Requests per second, across all connections. */
  readonly rate: number;
  readonly durationMs: number;
}

/** The bounds of a load test a deploy step may run: short, and gentle on production. */
export const LOAD_LIMITS = {
  minRate: 1,
  maxRate: 100,
  minDurationMs: 5_000,
  maxDurationMs: 120_000,
} as const;

export const LOAD_FORMAT = `'<rate>/s for <duration>' (rate ${LOAD_LIMITS.minRate} to ${LOAD_LIMITS.maxRate} requests a second, duration ${formatDuration(LOAD_LIMITS.minDurationMs)} to ${formatDuration(LOAD_LIMITS.maxDurationMs)}), such as '20/s for 30s', or 'off'`;

/**
 * Reads `20/s for 30s` (also `20 rps for 30s`); `off` is undefined. Returns an error text
 * naming the limits when the text is out of bounds or not a plan.
 *
 * @example
 * parseLoadPlan('20/s for 30s'); // { plan: { rate: 20, durationMs: 30000 } }
 */
export function parseLoadPlan(text: string): { plan?: LoadPlan; error?: string } {
  const trimmed = text.trim();
  if (trimmed.toLowerCase() === 'off') return {};
  const m = /^(\d+(?:\.\d+)?)\s*(?:\/\s*s|rps)\s+for\s+(.+)$/i.exec(trimmed);
  if (!m) return { error: `must be ${LOAD_FORMAT}; got '${trimmed}'` };
  const rate = Number(m[1]);
  const durationMs = parseDuration(m[2] ?? '');
  if (durationMs === undefined) return { error: `must be ${LOAD_FORMAT}; '${m[2] ?? ''}' is not a duration` };
  if (!Number.isInteger(rate) || rate < LOAD_LIMITS.minRate || rate > LOAD_LIMITS.maxRate) {
    return {
      error: `rate must be a whole number from ${LOAD_LIMITS.minRate} to ${LOAD_LIMITS.maxRate} requests a second; got ${m[1] ?? ''}/s`,
    };
  }
  if (durationMs < LOAD_LIMITS.minDurationMs || durationMs > LOAD_LIMITS.maxDurationMs) {
    return {
      error: `duration must be from ${formatDuration(LOAD_LIMITS.minDurationMs)} to ${formatDuration(LOAD_LIMITS.maxDurationMs)}; got ${formatDuration(durationMs)}`,
    };
  }
  return { plan: { rate, durationMs } };
}

/** What one side's load run measured. */
export interface LoadSample {
  readonly url: string;
  /** Requests that got an answer or a network error. */
  readonly requests: number;
  /** Answers outside 2xx/3xx, plus network errors and timeouts. */
  readonly errors: number;
  readonly errorRate: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly statusCounts: Readonly<Record<string, number>>;
  readonly elapsedMs: number;
}

export interface LoadPolicy {
  readonly maxP95Ms: number;
  readonly maxErrorRate: number;
  /** How much slower green's p95 may be than blue's, relative (0.2 = 20 %). */
  readonly baselineTolerance: number;
}

/**
 * Below this many milliseconds of difference, a p95 ratio is noise (one slow scheduler tick on
 * a 2 ms endpoint doubles it), so the comparison also needs this absolute margin to fail.
 */
export const BASELINE_FLOOR_MS = 5;

export interface LoadFinding {
  readonly check: string;
  readonly ok: boolean;
  readonly detail: string;
}

/**
 * Nearest-rank percentile of latencies (ms).
 *
 * @example
 * percentile([1, 2, 3, 4], 0.5); // 2
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] ?? 0;
}

const ms = (n: number) => `${Number(n.toFixed(1))} ms`;
const pct = (f: number) => `${Number((f * 100).toFixed(2))} %`;

/**
 * Judges green's load sample against the absolute limits and, when given, blue's sample.
 *
 * @example
 * judgeLoad(green, blue, { maxP95Ms: 200, maxErrorRate: 0.001, baselineTolerance: 0.2 }).every((f) => f.ok);
 */
export function judgeLoad(
  green: LoadSample,
  baseline: LoadSample | undefined,
  policy: LoadPolicy,
): LoadFinding[] {
  const findings: LoadFinding[] = [];
  if (green.requests === 0) {
    return [{ check: 'requests answered', ok: false, detail: 'no request was sent or answered' }];
  }
  findings.push({
    check: `p95 < ${ms(policy.maxP95Ms)}`,
    ok: green.p95 < policy.maxP95Ms,
    detail: `p95 ${ms(green.p95)} over ${green.requests} requests`,
  });
  findings.push({
    check: `error rate < ${pct(policy.maxErrorRate)}`,
    ok: green.errorRate < policy.maxErrorRate || green.errors === 0,
    detail: `${green.errors} of ${green.requests} failed (${pct(green.errorRate)})`,
  });
  if (baseline) {
    if (baseline.requests === 0 || baseline.errors === baseline.requests) {
      findings.push({
        check: 'p95 against baseline',
        ok: false,
        detail: 'the baseline answered no request, so there is nothing to compare with (failing closed)',
      });
    } else {
      const limit = baseline.p95 * (1 + policy.baselineTolerance);
      const ratio = baseline.p95 > 0 ? green.p95 / baseline.p95 : green.p95 > 0 ? Infinity : 1;
      const worse = green.p95 > limit && green.p95 - baseline.p95 > BASELINE_FLOOR_MS;
      findings.push({
        check: `p95 within ${pct(policy.baselineTolerance)} of baseline`,
        ok: !worse,
        detail: `p95 ${ms(green.p95)} against baseline ${ms(baseline.p95)} (ratio ${Number.isFinite(ratio) ? ratio.toFixed(2) : '∞'}, limit ${ms(limit)}${worse ? '' : `, or within ${BASELINE_FLOOR_MS} ms`})`,
      });
    }
  }
  return findings;
}
