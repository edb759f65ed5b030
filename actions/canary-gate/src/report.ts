/**
 * What a person reads: the `report` output (one entry per metric), the evidence file, and the
 * job summary — the reason in one line, a table per metric, charts of error rate and p95 for
 * both colors over the window, and the looks taken.
 */
import { formatDuration, formatPercent, type SummaryBuilder } from '@white-cross/core';
import type { WatchResult } from './gate.js';
import type { CanaryGateInputs } from './inputs.js';
import { formatPValue, type MetricJudgement } from './judge.js';

/** One metric in the `report` output. */
export interface MetricReport {
  metric: string;
  label: string;
  unit: string;
  canary: number | null;
  baseline: number | null;
  limit: number | null;
  test: string;
  pValue: number | null;
  level: number | null;
  verdict: MetricJudgement['classification'];
  failing: boolean;
}

function rounded(value: number | undefined, unit: string): number | null {
  if (value === undefined || !Number.isFinite(value)) return null;
  return unit === '%' ? Number((value * 100).toFixed(4)) : Number(value.toPrecision(6));
}

/**
 * The `report` output: per metric the canary's and baseline's values, the limit, the test,
 * its p-value and the verdict. Rates are in percent, latencies in ms.
 *
 * @example
 * metricReports(result.judgement.metrics)[0]; // { metric: 'error-rate', canary: 0.4, limit: 5, verdict: 'Pass', ... }
 */
export function metricReports(metrics: readonly MetricJudgement[]): MetricReport[] {
  return metrics.map((m) => ({
    metric: m.id,
    label: m.label,
    unit: m.unit,
    canary: rounded(m.canary, m.unit),
    baseline: rounded(m.baseline, m.unit),
    limit: rounded(m.limit, m.unit),
    test: m.test,
    pValue: m.pValue === undefined ? null : Number(m.pValue.toPrecision(4)),
    level: m.level === undefined ? null : Number(m.level.toPrecision(4)),
    verdict: m.classification,
    failing: m.failing,
  }));
}

function shown(value: number | undefined, unit: string): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  if (unit === '%') return formatPercent(value, { digits: 2, spaced: true });
  if (unit === 'ms') return `${Math.round(value)} ms`;
  return String(Number(value.toPrecision(6)));
}

/**
 * A metric's result cell: a canary figure over its limit that has not reached significance
 * is not a pass, and is not shown as one.
 *
 * @example
 * metricResult({ failing: false, classification: 'Pass', canary: 0.0923, limit: 0.05 }); // '⏳ over the limit, not yet significant'
 */
export function metricResult(m: {
  failing: boolean;
  classification: string;
  canary?: number | undefined;
  limit?: number | undefined;
}): string {
  if (m.failing) return `❌ ${m.classification}`;
  if (m.classification === 'Nodata') return '➖ Nodata';
  if (m.canary !== undefined && m.limit !== undefined && m.canary > m.limit) {
    return '⏳ over the limit, not yet significant';
  }
  return `✅ ${m.classification}`;
}

const VERDICT_MARK: Record<WatchResult['verdict'], string> = {
  pass: '✅ PASS',
  fail: '❌ FAIL',
  inconclusive: '⚠️ INCONCLUSIVE',
};

function offsetLabel(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * Writes the job summary of a finished watch.
 *
 * @example
 * renderSummary(ctx.summary, result, inputs);
 */
export function renderSummary(summary: SummaryBuilder, result: WatchResult, inputs: CanaryGateInputs): void {
  const { judgement, observation } = result;
  summary.heading(`Canary gate: ${VERDICT_MARK[result.verdict]}`);
  summary.paragraph(judgement.reason);
  summary.table(
    ['Canary', 'Baseline', 'Window', 'Requests seen', 'Requests needed', 'Score'],
    [
      [
        inputs.canaryTargetGroup,
        inputs.baselineTargetGroup,
        `${formatDuration(result.elapsedMs)} of ${formatDuration(inputs.windowMs)}${result.elapsedMs < inputs.windowMs ? ' (stopped early)' : ''}`,
        judgement.requestsSeen,
        `${judgement.requestsNeeded}${inputs.requestsNeededGiven ? ' (given)' : ' (computed)'}`,
        judgement.score,
      ],
    ],
  );
  summary.heading('Metrics', 3);
  summary.table(
    ['Metric', 'Canary', 'Baseline', 'Limit', 'Test', 'p-value', 'Result'],
    judgement.metrics.map((m) => [
      m.label,
      shown(m.canary, m.unit),
      shown(m.baseline, m.unit),
      // A comparison's limit is baseline's own figure plus the tolerance: "0 %" beside a clean
      // baseline would read as a limit of zero.
      m.id.endsWith('-vs-baseline')
        ? `baseline +${Math.round(inputs.policy.baselineTolerance * 100)} %`
        : shown(m.limit, m.unit),
      m.test,
      m.pValue === undefined ? '—' : `${formatPValue(m.pValue)} (level ${formatPValue(m.level ?? 0)})`,
      metricResult(m),
    ]),
  );
  const times = [
    ...new Set([...observation.canary.periods, ...observation.baseline.periods].map((p) => p.at)),
  ].sort((a, b) => a - b);
  if (times.length > 0) {
    const labels = times.map((t) => offsetLabel(t - result.windowStart));
    const byTime = (periods: typeof observation.canary.periods) => new Map(periods.map((p) => [p.at, p]));
    const canary = byTime(observation.canary.periods);
    const baseline = byTime(observation.baseline.periods);
    const errorRate = (m: typeof canary) =>
      times.map((t) => {
        const p = m.get(t);
        return p && p.requests > 0 ? (100 * p.errors) / p.requests : 0;
      });
    summary.lineChart({
      title: 'Error rate per period (%)',
      xLabels: labels,
      yLabel: '%',
      series: [
        { name: 'canary', values: errorRate(canary) },
        { name: 'baseline', values: errorRate(baseline) },
        { name: 'limit', values: times.map(() => inputs.policy.maxErrorRate * 100) },
      ],
    });
    if (inputs.policy.maxP95LatencyMs !== undefined) {
      const p95 = (m: typeof canary) => times.map((t) => m.get(t)?.p95Ms ?? 0);
      summary.lineChart({
        title: 'p95 latency per period (ms)',
        xLabels: labels,
        yLabel: 'ms',
        series: [
          { name: 'canary', values: p95(canary) },
          { name: 'baseline', values: p95(baseline) },
          { name: 'limit', values: times.map(() => inputs.policy.maxP95LatencyMs as number) },
        ],
      });
    }
  }
  summary.details(`Looks (${result.looks.length})`, (inner) => {
    inner.table(
      [
        'At',
        'Canary requests',
        'Canary errors',
        'Baseline requests',
        'Baseline errors',
        'Canary p95',
        'Baseline p95',
        'Decision',
      ],
      result.looks.map((l) => [
        formatDuration(l.elapsedMs),
        l.canaryRequests,
        l.canaryErrors,
        l.baselineRequests,
        l.baselineErrors,
        shown(l.canaryP95Ms, 'ms'),
        shown(l.baselineP95Ms, 'ms'),
        l.decision === 'continue' ? l.note : l.decision,
      ]),
    );
  });
  summary.details('How the canary is judged', (inner) => {
    inner.list([
      `Limits: error rate ≤ ${Math.round(inputs.policy.maxErrorRate * 10000) / 100} % (exact binomial test)${
        inputs.policy.maxP95LatencyMs === undefined
          ? ''
          : `, p95 ≤ ${inputs.policy.maxP95LatencyMs} ms (at most 5 % of responses slower, exact binomial test on CloudWatch's percentile rank)`
      }, at ${inputs.policy.confidence * 100} % confidence.`,
      inputs.policy.compareBaseline
        ? `Against baseline: two-proportion z-test on error rates and Mann-Whitney U on per-period p95/p99, canary worse than baseline + ${Math.round(inputs.policy.baselineTolerance * 100)} % at ${inputs.policy.baselineConfidence * 100} % confidence.`
        : 'No comparison with baseline (compare-baseline: false).',
      inputs.earlyStop
        ? 'Early stop: every look may fail; each look tests at the alpha spent since the previous one (Lan-DeMets Pocock-type spending), so repeated looks keep the false-alarm rate within 1 − confidence.'
        : 'No early stop: the verdict is taken once, at the end of the window.',
      "Errors per target group: HTTPCode_Target_5XX_Count + TargetConnectionErrorCount. HTTPCode_ELB_5XX_Count is published per load balancer only (never per target group), so the load balancer's 5xx that target connection errors do not explain are counted against the canary, as failed requests (fail-safe: on a shared load balancer other services' 5xx count too)." +
        (result.observation.loadBalancerElb5xx === undefined
          ? ''
          : ` This window: ${result.observation.loadBalancerElb5xx} load-balancer 5xx, ${result.observation.elb5xxCountedAgainstCanary ?? 0} of them counted against the canary.`),
      `ALB metrics are per minute and arrive late: each look judged only minutes at least ${formatDuration(inputs.metricsDelayMs)} old (metrics-delay).`,
      `A verdict needs ${inputs.policy.requestsNeeded} canary requests${inputs.requestsNeededGiven ? ' (min-requests)' : `: the fewest with which even an error-free canary could be told from one at the limits with ${inputs.policy.confidence * 100} % confidence`}.`,
    ]);
  });
}

/**
 * The evidence file: verdict, reason, policy, every metric, every look and the per-period
 * series.
 *
 * @example
 * ctx.writeEvidence('canary-gate-report.json', evidenceDocument(result, inputs));
 */
export function evidenceDocument(result: WatchResult, inputs: CanaryGateInputs): string {
  return JSON.stringify(
    {
      verdict: result.verdict,
      reason: result.judgement.reason,
      loadBalancer: inputs.loadBalancer,
      canaryTargetGroup: inputs.canaryTargetGroup,
      baselineTargetGroup: inputs.baselineTargetGroup,
      startedAt: new Date(result.startedAt).toISOString(),
      windowStart: new Date(result.windowStart).toISOString(),
      windowMs: inputs.windowMs,
      intervalMs: inputs.intervalMs,
      elapsedMs: result.elapsedMs,
      earlyStop: inputs.earlyStop,
      requestsSeen: result.judgement.requestsSeen,
      requestsNeeded: result.judgement.requestsNeeded,
      score: result.judgement.score,
      policy: inputs.policy,
      metrics: metricReports(result.judgement.metrics),
      looks: result.looks,
      metricsDelayMs: inputs.metricsDelayMs,
      loadBalancerElb5xx: result.observation.loadBalancerElb5xx ?? 0,
      elb5xxCountedAgainstCanary: result.observation.elb5xxCountedAgainstCanary ?? 0,
      periods: { canary: result.observation.canary.periods, baseline: result.observation.baseline.periods },
    },
    null,
    2,
  );
}
