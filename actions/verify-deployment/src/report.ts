/**
 * The verdict over every check, the JSON report and the job summary. Pure: main.ts gathers the
 * results and hands them here.
 */
import type { SummaryBuilder } from '@white-cross/core';
import type { BrowserFinding, BrowserResult } from './browser.js';
import type { CheckResult } from './checks.js';
import type { LoadFinding, LoadPlan, LoadSample } from './load-plan.js';

export type Verdict = 'pass' | 'fail';

export interface Verification {
  readonly baseUrl: string;
  readonly health: readonly CheckResult[];
  readonly smoke: readonly CheckResult[];
  readonly smokeFile?: string;
  readonly load?: {
    readonly plan: LoadPlan;
    readonly path: string;
    readonly green: LoadSample;
    readonly baseline?: LoadSample;
    readonly findings: readonly LoadFinding[];
  };
  readonly browser?: {
    readonly result: Omit<BrowserResult, 'screenshot'>;
    readonly findings: readonly BrowserFinding[];
    readonly screenshot?: string;
  };
  /** Kinds not run, and why (e.g. after a failed health check). */
  readonly skipped: readonly { kind: string; why: string }[];
}

export interface Judgement {
  readonly verdict: Verdict;
  readonly reason: string;
}

/**
 * Pass only when every check that ran passed; the reason names the first failures.
 *
 * @example
 * judge(verification); // { verdict: 'fail', reason: 'health /api/v1/health/database: status 200: status was 503' }
 */
export function judge(v: Verification): Judgement {
  const failures = [
    ...v.health.filter((c) => !c.ok).map((c) => `health ${c.path}: ${c.detail ?? 'failed'}`),
    ...v.smoke.filter((c) => !c.ok).map((c) => `smoke '${c.name}': ${c.detail ?? 'failed'}`),
    ...(v.load?.findings ?? []).filter((f) => !f.ok).map((f) => `load ${f.check}: ${f.detail}`),
    ...(v.browser?.findings ?? []).filter((f) => !f.ok).map((f) => `browser ${f.check}: ${f.detail}`),
  ];
  if (failures.length) {
    const more = failures.length > 3 ? ` (and ${failures.length - 3} more)` : '';
    return { verdict: 'fail', reason: `${failures.slice(0, 3).join(' | ')}${more}` };
  }
  const ran = [
    `${v.health.length} health check(s)`,
    ...(v.smoke.length ? [`${v.smoke.length} smoke test(s)`] : []),
    ...(v.load
      ? [
          `load ${v.load.plan.rate}/s for ${v.load.plan.durationMs / 1000}s (p95 ${v.load.green.p95.toFixed(1)} ms)`,
        ]
      : []),
    ...(v.browser ? ['the browser check'] : []),
  ];
  return { verdict: 'pass', reason: `All passed: ${ran.join(', ')}.` };
}

const round = (n: number | undefined) => (n === undefined ? undefined : Number(n.toFixed(1)));

/** The JSON report: what was checked and how it went, with no body, header value or token. */
export function reportDocument(
  v: Verification,
  j: Judgement,
  meta: { startedAt: string; elapsedMs: number },
): string {
  return `${JSON.stringify(
    {
      schema: 'white-cross/verify-deployment-report@1',
      verdict: j.verdict,
      reason: j.reason,
      baseUrl: v.baseUrl,
      startedAt: meta.startedAt,
      elapsedMs: Math.round(meta.elapsedMs),
      health: v.health.map((c) => ({
        path: c.path,
        ok: c.ok,
        status: c.status,
        ms: round(c.ms),
        attempts: c.attempts,
        assertions: c.assertions,
        detail: c.detail,
      })),
      smoke: {
        file: v.smokeFile,
        tests: v.smoke.map((c) => ({
          name: c.name,
          method: c.method,
          path: c.path,
          ok: c.ok,
          status: c.status,
          ms: round(c.ms),
          assertions: c.assertions,
          detail: c.detail,
        })),
      },
      load: v.load
        ? {
            rate: v.load.plan.rate,
            durationMs: v.load.plan.durationMs,
            path: v.load.path,
            green: sampleJson(v.load.green),
            baseline: v.load.baseline ? sampleJson(v.load.baseline) : undefined,
            findings: v.load.findings,
          }
        : undefined,
      browser: v.browser
        ? {
            url: v.browser.result.url,
            rootRendered: v.browser.result.rootRendered,
            pageLoadMs: round(v.browser.result.pageLoadMs),
            consoleErrors: v.browser.result.consoleErrors,
            failedRequests: v.browser.result.failedRequests,
            error: v.browser.result.error,
            screenshot: v.browser.screenshot,
            findings: v.browser.findings,
          }
        : undefined,
      skipped: v.skipped,
    },
    null,
    2,
  )}\n`;
}

function sampleJson(s: LoadSample) {
  return {
    url: s.url,
    requests: s.requests,
    errors: s.errors,
    errorRate: s.errorRate,
    p50Ms: round(s.p50),
    p95Ms: round(s.p95),
    p99Ms: round(s.p99),
    statusCounts: s.statusCounts,
    elapsedMs: Math.round(s.elapsedMs),
  };
}

const mark = (ok: boolean) => (ok ? '✅ pass' : '❌ fail');
const ms = (n: number | undefined) => (n === undefined ? '—' : `${n.toFixed(1)} ms`);
const pct = (f: number) => `${Number((f * 100).toFixed(3))} %`;

/** The job summary: the verdict, a table per kind, the latency chart, the screenshot's name. */
export function renderSummary(summary: SummaryBuilder, v: Verification, j: Judgement): void {
  summary.heading(`verify-deployment: ${j.verdict === 'pass' ? '✅ pass' : '❌ fail'}`);
  summary.paragraph(`${v.baseUrl} — ${j.reason}`);
  summary.heading('Health', 3);
  summary.table(
    ['Path', 'Result', 'Status', 'Time', 'Attempts', 'Detail'],
    v.health.map((c) => [c.path, mark(c.ok), c.status ?? '—', ms(c.ms), c.attempts, c.detail ?? '']),
  );
  if (v.smoke.length) {
    summary.heading(`Smoke${v.smokeFile ? ` (${v.smokeFile})` : ''}`, 3);
    summary.table(
      ['Test', 'Request', 'Result', 'Status', 'Time', 'Detail'],
      v.smoke.map((c) => [
        c.name,
        `${c.method} ${c.path}`,
        mark(c.ok),
        c.status ?? '—',
        ms(c.ms),
        c.detail ?? '',
      ]),
    );
  }
  if (v.load) {
    const { green, baseline, plan } = v.load;
    summary.heading(`Load (${plan.rate}/s for ${plan.durationMs / 1000}s on ${v.load.path})`, 3);
    const sides: [string, LoadSample][] = [
      ['green (this release)', green],
      ...(baseline ? [['baseline (blue)', baseline] as [string, LoadSample]] : []),
    ];
    summary.table(
      ['Side', 'Requests', 'Errors', 'Error rate', 'p50', 'p95', 'p99'],
      sides.map(([name, s]) => [
        name,
        s.requests,
        s.errors,
        pct(s.errorRate),
        ms(s.p50),
        ms(s.p95),
        ms(s.p99),
      ]),
    );
    summary.table(
      ['Check', 'Result', 'Detail'],
      v.load.findings.map((f) => [f.check, mark(f.ok), f.detail]),
    );
    summary.lineChart({
      title: 'Latency under load (ms)',
      xLabels: ['p50', 'p95', 'p99'],
      yLabel: 'ms',
      series: sides.map(([name, s]) => ({ name, values: [s.p50, s.p95, s.p99] })),
    });
  }
  if (v.browser) {
    summary.heading(`Browser (${v.browser.result.url})`, 3);
    summary.table(
      ['Check', 'Result', 'Detail'],
      v.browser.findings.map((f) => [f.check, mark(f.ok), f.detail]),
    );
    if (v.browser.screenshot) summary.paragraph(`Screenshot: ${v.browser.screenshot} (in the evidence).`);
  }
  if (v.skipped.length) {
    summary.heading('Not run', 3);
    summary.list(v.skipped.map((s) => `${s.kind}: ${s.why}`));
  }
}
