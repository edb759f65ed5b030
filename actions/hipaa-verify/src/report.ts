/**
 * What a run concludes and how people and tools read it: counts, the gate decision, the job
 * summary table (grouped by safeguard, failures first), the JSON report kept as deployment
 * evidence, and SARIF 2.1.0 for code scanning.
 */
import type { SummaryBuilder } from '@white-cross/core';
import { VERDICT_RANK, type CheckResult, type Verdict } from './model.js';

export interface Counts {
  passed: number;
  failed: number;
  warned: number;
  manual: number;
  skipped: number;
}

/**
 * Counts results per verdict.
 *
 * @example
 * countVerdicts([{ verdict: 'PASS' }, { verdict: 'FAIL' }] as CheckResult[]); // { passed: 1, failed: 1, warned: 0, manual: 0, skipped: 0 }
 */
export function countVerdicts(results: readonly Pick<CheckResult, 'verdict'>[]): Counts {
  const n = (v: Verdict) => results.filter((r) => r.verdict === v).length;
  return {
    passed: n('PASS'),
    failed: n('FAIL'),
    warned: n('WARN'),
    manual: n('MANUAL'),
    skipped: n('SKIPPED'),
  };
}

/**
 * The results that stop the deploy: FAIL always; WARN too when `failOn` is WARN.
 *
 * @example
 * blockingResults(results, 'WARN').map((r) => r.id);
 */
export function blockingResults<R extends Pick<CheckResult, 'verdict'>>(
  results: readonly R[],
  failOn: 'FAIL' | 'WARN',
): R[] {
  return results.filter((r) => r.verdict === 'FAIL' || (failOn === 'WARN' && r.verdict === 'WARN'));
}

/**
 * Orders results for reading: safeguards with failures first (by their worst verdict), then
 * within a safeguard by verdict, then by id.
 *
 * @example
 * orderForReading(results)[0].verdict; // 'FAIL' when anything failed
 */
export function orderForReading<R extends Pick<CheckResult, 'verdict' | 'safeguard' | 'id'>>(
  results: readonly R[],
): R[] {
  const worstOf = new Map<string, number>();
  for (const r of results)
    worstOf.set(r.safeguard, Math.min(worstOf.get(r.safeguard) ?? 9, VERDICT_RANK[r.verdict]));
  return [...results].sort(
    (a, b) =>
      (worstOf.get(a.safeguard) ?? 9) - (worstOf.get(b.safeguard) ?? 9) ||
      a.safeguard.localeCompare(b.safeguard) ||
      VERDICT_RANK[a.verdict] - VERDICT_RANK[b.verdict] ||
      a.id.localeCompare(b.id),
  );
}

export interface Report {
  schema: 'white-cross-deploy/hipaa-verify-report@1';
  generatedAt: string;
  targets: Record<string, unknown>;
  failOn: 'FAIL' | 'WARN';
  counts: Counts;
  outcome: 'pass' | 'fail';
  results: CheckResult[];
}

/**
 * Builds the JSON report (the deployment's evidence), results in reading order.
 *
 * @example
 * buildReport(results, 'FAIL', { apiUrl: 'https://api.example.org' }, Date.now()).outcome; // 'pass' | 'fail'
 */
export function buildReport(
  results: readonly CheckResult[],
  failOn: 'FAIL' | 'WARN',
  targets: Record<string, unknown>,
  now: number,
): Report {
  return {
    schema: 'white-cross-deploy/hipaa-verify-report@1',
    generatedAt: new Date(now).toISOString(),
    targets,
    failOn,
    counts: countVerdicts(results),
    outcome: blockingResults(results, failOn).length ? 'fail' : 'pass',
    results: orderForReading(results),
  };
}

const ICON: Record<Verdict, string> = {
  FAIL: '❌ FAIL',
  WARN: '⚠️ WARN',
  MANUAL: '📝 MANUAL',
  PASS: '✅ PASS',
  SKIPPED: '⏭️ SKIPPED',
};

/**
 * Writes the summary: the counts, then one table of the judged checks grouped by safeguard,
 * safeguards with failures first, each with its evidence and fix; skipped checks (inputs not
 * given) follow in a collapsed list, so they are visible without crowding the findings.
 *
 * @example
 * writeSummary(ctx.summary, buildReport(results, 'FAIL', targets, Date.now()));
 */
export function writeSummary(summary: SummaryBuilder, report: Report): void {
  const c = report.counts;
  summary.heading('HIPAA verification');
  summary.paragraph(
    `${report.outcome === 'pass' ? 'Passed' : 'Failed'} (fail on ${report.failOn}): ${c.failed} failed, ${c.warned} warnings, ${c.passed} passed, ${c.manual} for a person to confirm, ${c.skipped} skipped.`,
  );
  const judged = report.results.filter((r) => r.verdict !== 'SKIPPED');
  if (judged.length) {
    summary.table(
      ['Safeguard', 'Check', 'Title', 'Verdict', 'Evidence', 'Fix'],
      judged.map((r) => [
        r.safeguard,
        { md: `\`${r.id}\`` },
        r.title,
        { md: ICON[r.verdict] },
        r.evidence.slice(0, 6).join(' • ') +
          (r.evidence.length > 6 ? ` • … ${r.evidence.length - 6} more in the report` : ''),
        r.verdict === 'PASS' ? '' : r.fix,
      ]),
    );
  }
  const skipped = report.results.filter((r) => r.verdict === 'SKIPPED');
  if (skipped.length) {
    summary.details(`${skipped.length} check(s) skipped: their inputs were not given`, (inner) =>
      inner.table(
        ['Check', 'Title', 'Why'],
        skipped.map((r) => [{ md: `\`${r.id}\`` }, r.title, r.evidence.join('; ')]),
      ),
    );
  }
}

const SARIF_LEVEL: Partial<Record<Verdict, 'error' | 'warning' | 'note'>> = {
  FAIL: 'error',
  WARN: 'warning',
  MANUAL: 'note',
};

/**
 * SARIF 2.1.0: every selected check is a rule; every FAIL, WARN and MANUAL result a result
 * with its rule id. Results about a repository file (documents) point at it; the others
 * point at the workflow file that ran the check and name the AWS resource or URL as a logical
 * location, since code scanning needs a file for every result.
 *
 * @example
 * JSON.stringify(toSarif(results, '0.1.0', '.github/workflows/production.yml'));
 */
export function toSarif(results: readonly CheckResult[], version: string, workflowFile: string): object {
  const rules = results.map((r) => ({
    id: r.id,
    name: r.title
      .replace(/[^A-Za-z0-9]+/g, ' ')
      .trim()
      .replace(/ (\w)/g, (_m, ch: string) => ch.toUpperCase()),
    shortDescription: { text: r.title },
    fullDescription: { text: `${r.safeguard}. ${r.probe}` },
    help: { text: r.fix },
    properties: { tags: ['hipaa', 'security', r.group], safeguard: r.safeguard },
  }));
  const findings = results
    .filter((r) => SARIF_LEVEL[r.verdict])
    .map((r) => ({
      ruleId: r.id,
      ruleIndex: rules.findIndex((rule) => rule.id === r.id),
      level: SARIF_LEVEL[r.verdict],
      message: { text: `${r.verdict}: ${r.title}. ${r.evidence.join('; ')}. Fix: ${r.fix}` },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: r.file ?? workflowFile },
            ...(r.file ? { region: { startLine: r.line ?? 1 } } : { region: { startLine: 1 } }),
          },
          ...(r.resource ? { logicalLocations: [{ fullyQualifiedName: r.resource, kind: 'resource' }] } : {}),
        },
      ],
      partialFingerprints: { hipaaCheck: `${r.id}:${r.resource ?? ''}` },
    }));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'hipaa-verify',
            organization: 'White Cross Deploy',
            version,
            semanticVersion: version,
            rules,
          },
        },
        results: findings,
      },
    ],
  };
}
