/**
 * What a validation found, and how it is told: the problems that fail the job (each with the
 * file to annotate), the one-line verdict, and the job summary.
 */
import { escapeMarkdown, formatBytes, formatDuration, type SummaryBuilder } from '@white-cross/core';
import { describeOverBudget, type BudgetResult } from './budgets.js';
import type { StepResult } from './build-steps.js';
import type { Finding } from './forbidden.js';
import type { Baseline } from './inputs.js';
import type { BuildManifest } from './manifest.js';
import { failingPackages, SEVERITIES, type DependencyAudit, type Severity } from './npm-audit.js';
import type { ArtifactProblem } from './paths.js';

export interface DependencyCheck {
  level: Severity;
  /** The path of the lockfile audited, relative to the working directory. */
  lockfile: string;
  result: DependencyAudit | { unavailable: string };
}

export interface ValidationReport {
  steps: StepResult[];
  /** The step that failed; nothing after it ran. */
  failedStep?: StepResult;
  outputFolders: string[];
  manifest?: BuildManifest;
  artifactProblems: ArtifactProblem[];
  budgets: BudgetResult[];
  baseline?: Baseline;
  findings: Finding[];
  dependencies?: DependencyCheck;
}

export type ProblemKind =
  | 'failed-step'
  | 'missing-artifact'
  | 'empty-artifact'
  | 'over-budget'
  | 'forbidden'
  | 'vulnerable'
  | 'audit-unavailable';

/** How the verdict line counts problems of a kind: one, many. */
const KIND_NAMES: Record<ProblemKind, [string, string]> = {
  'failed-step': ['failed step', 'failed steps'],
  'missing-artifact': ['missing artifact', 'missing artifacts'],
  'empty-artifact': ['empty artifact', 'empty artifacts'],
  'over-budget': ['over budget', 'over budget'],
  forbidden: ['forbidden finding', 'forbidden findings'],
  vulnerable: ['vulnerable dependency', 'vulnerable dependencies'],
  'audit-unavailable': ['dependency audit failure', 'dependency audit failures'],
};

/** One reason the job fails; `file` (relative to the working directory) is annotated. */
export interface Problem {
  kind: ProblemKind;
  /** The annotation's title. */
  title: string;
  message: string;
  file?: string;
  line?: number;
}

const SHOWN = 3;

/**
 * Every reason the build is not fit to deploy, in the order a person would fix them.
 *
 * @example
 * problemsOf(report).map((p) => p.message);
 * // ['frontend/dist/assets/app.1a2b3c4d5e.js is 1.2 kB, 1.1 kB over its 100 B budget']
 */
export function problemsOf(report: ValidationReport): Problem[] {
  const problems: Problem[] = [];
  const step = report.failedStep;
  if (step) {
    const where = step.folder === '.' ? '' : ` in ${step.folder}`;
    problems.push({
      kind: 'failed-step',
      title: `${step.name} failed`,
      message: `${step.name} failed: \`${step.command}\` exited with code ${step.exitCode} after ${formatDuration(step.durationMs)}${where}; nothing was measured or approved. Last lines:\n${step.tail.join('\n')}`,
    });
    return problems;
  }
  for (const artifact of report.artifactProblems) {
    problems.push(
      artifact.kind === 'missing'
        ? {
            kind: 'missing-artifact',
            title: 'missing artifact',
            message: `Artifact '${artifact.pattern}' matched no file in the build output`,
          }
        : {
            kind: 'empty-artifact',
            title: 'empty artifact',
            message: `Artifact '${artifact.pattern}' matched empty files: ${artifact.files.join(', ')}`,
            file: artifact.files[0],
          },
    );
  }
  for (const result of report.budgets.filter((r) => r.status === 'over')) {
    problems.push({
      kind: 'over-budget',
      title: 'over budget',
      message: describeOverBudget(result),
      ...(result.budget.scope === 'each' ? { file: result.subject } : {}),
    });
  }
  for (const finding of report.findings) {
    problems.push({
      kind: 'forbidden',
      title: `forbidden: ${finding.rule}`,
      message: finding.message,
      file: finding.file,
      ...(finding.line === undefined ? {} : { line: finding.line }),
    });
  }
  const deps = report.dependencies;
  if (deps) {
    const audit = deps.result;
    if ('unavailable' in audit) {
      problems.push({
        kind: 'audit-unavailable',
        title: 'dependency audit',
        message: `Dependency audit could not run: ${audit.unavailable}`,
      });
    } else {
      for (const pkg of failingPackages(audit, deps.level)) {
        problems.push({
          kind: 'vulnerable',
          title: `vulnerable dependency (${pkg.severity})`,
          message: `${pkg.name} has a ${pkg.severity} vulnerability (${pkg.via.join('; ')}); fix available: ${pkg.fix}`,
          file: deps.lockfile,
        });
      }
    }
  }
  return problems;
}

/**
 * The one line the job fails with: what failed, by kind, naming the first few files.
 *
 * @example
 * verdictLine(problems);
 * // 'Build validation failed: 1 over budget (dist/a.js is 1.5 kB, 500 B over its 1 kB budget).'
 */
export function verdictLine(problems: readonly Problem[]): string {
  const failed = problems.find((p) => p.kind === 'failed-step');
  if (failed) return failed.message;
  const groups = new Map<ProblemKind, Problem[]>();
  for (const p of problems) groups.set(p.kind, [...(groups.get(p.kind) ?? []), p]);
  const clauses = [...groups].map(([kind, list]) => {
    const shown = list.slice(0, SHOWN).map((p) => p.message.replace(/\.$/, ''));
    const more = list.length > SHOWN ? `; and ${list.length - SHOWN} more` : '';
    const [one, many] = KIND_NAMES[kind];
    return `${list.length} ${list.length === 1 ? one : many} (${shown.join('; ')}${more})`;
  });
  return `Build validation failed: ${clauses.join('; ')}. The output was not approved for deployment; see the job summary.`;
}

/**
 * How many problems of each kind, e.g. `1 over budget, 3 forbidden findings`.
 *
 * @example
 * tally(problems); // '2 missing artifacts, 1 vulnerable dependency'
 */
export function tally(problems: readonly Problem[]): string {
  const counts = new Map<ProblemKind, number>();
  for (const p of problems) counts.set(p.kind, (counts.get(p.kind) ?? 0) + 1);
  return [...counts].map(([kind, n]) => `${n} ${KIND_NAMES[kind][n === 1 ? 0 : 1]}`).join(', ');
}

const delta = (now: number, before: number | undefined, hasBaseline: boolean): string => {
  if (!hasBaseline) return '—';
  if (before === undefined) return 'new';
  const change = now - before;
  if (change === 0) return '±0 B';
  return `${change > 0 ? '+' : '−'}${formatBytes(Math.abs(change))}`;
};

/**
 * Writes the job summary: verdict, steps, budgets (size, limit, change since the baseline,
 * status), forbidden content, dependencies and the full file list.
 */
export function writeSummary(
  summary: SummaryBuilder,
  report: ValidationReport,
  problems: readonly Problem[],
): void {
  const passed = problems.length === 0;
  summary.heading(`Build validation ${passed ? 'passed' : 'failed'}`, 2);
  if (!passed)
    summary.raw(`❌ ${escapeMarkdown(tally(problems))}: see the annotations and the tables below.`);
  if (report.manifest) {
    const m = report.manifest;
    summary.paragraph(
      `${m.fileCount} files in ${report.outputFolders.join(', ')}: ${formatBytes(m.totalSize)} (${formatBytes(m.totalGzipSize)} gzip, ${formatBytes(m.totalBrotliSize)} brotli).`,
    );
  }
  summary.heading('Steps', 3);
  summary.table(
    ['Step', 'Command', 'Folder', 'Result', 'Time'],
    report.steps.map((s) => [
      s.name,
      { md: `\`${s.command.replace(/`/g, "'").replace(/\|/g, '\\|')}\`` },
      s.folder,
      { md: s.exitCode === 0 ? '✅ ok' : `❌ exit ${s.exitCode}` },
      formatDuration(s.durationMs),
    ]),
  );
  if (report.failedStep) {
    const failed = report.failedStep;
    summary.details(`Last lines of ${failed.name}`, (inner) => inner.code(failed.tail.join('\n')));
    return;
  }
  writeBudgets(summary, report);
  writeFindings(summary, report);
  writeDependencies(summary, report.dependencies);
  if (report.artifactProblems.length > 0) {
    summary.heading('Artifacts', 3);
    summary.list(
      report.artifactProblems.map((a) =>
        a.kind === 'missing' ? `❌ ${a.pattern}: no file` : `❌ ${a.pattern}: empty ${a.files.join(', ')}`,
      ),
    );
  }
  if (report.manifest) {
    const artifacts = report.manifest.artifacts;
    summary.details(`All ${artifacts.length} output files`, (inner) =>
      inner.table(
        ['File', 'Size', 'gzip', 'brotli', 'sha256'],
        artifacts.map((a) => [
          a.path,
          formatBytes(a.size),
          formatBytes(a.gzipSize),
          formatBytes(a.brotliSize),
          { md: `\`${a.sha256.slice(0, 12)}\`` },
        ]),
      ),
    );
  }
}

function writeBudgets(summary: SummaryBuilder, report: ValidationReport): void {
  summary.heading('Budgets', 3);
  if (report.budgets.length === 0) {
    summary.paragraph('No budgets were set (input budgets).');
    return;
  }
  const hasBaseline = report.baseline?.kind === 'manifest';
  summary.table(
    ['File / glob', 'Size', 'Limit', 'Δ vs baseline', 'Status'],
    report.budgets.map((r) => {
      const kind = r.budget.compression === 'raw' ? '' : ` ${r.budget.compression}`;
      const status =
        r.status === 'ok'
          ? '✅ ok'
          : r.status === 'over'
            ? `❌ over by ${formatBytes(r.excess)}`
            : '⚠️ no file matched';
      return [
        r.budget.scope === 'total' ? `${r.subject} (total)` : r.subject,
        r.status === 'no-match' ? '—' : `${formatBytes(r.actual)}${kind}`,
        `${r.budget.limitText}${kind}`,
        r.status === 'no-match' ? '—' : delta(r.actual, r.baseline, hasBaseline),
        { md: status },
      ];
    }),
  );
  if (report.baseline?.kind === 'manifest') summary.paragraph(`Baseline: ${report.baseline.source}.`);
  if (report.baseline?.kind === 'missing')
    summary.paragraph(`No baseline at ${report.baseline.source} yet; no deltas.`);
}

function writeFindings(summary: SummaryBuilder, report: ValidationReport): void {
  summary.heading('Forbidden content', 3);
  if (report.findings.length === 0) {
    summary.paragraph('None found.');
    return;
  }
  summary.table(
    ['Rule', 'File', 'Line', 'Finding'],
    report.findings.map((f) => [f.rule, f.file, f.line === undefined ? '—' : f.line, f.message]),
  );
}

function writeDependencies(summary: SummaryBuilder, deps: DependencyCheck | undefined): void {
  summary.heading('Dependencies', 3);
  if (!deps) {
    summary.paragraph('npm audit was skipped (audit-level: off).');
    return;
  }
  if ('unavailable' in deps.result) {
    summary.paragraph(`❌ npm audit could not run: ${deps.result.unavailable}`);
    return;
  }
  const { counts, packages } = deps.result;
  summary.paragraph(`npm audit of ${deps.lockfile}; the build fails at ${deps.level} or above.`);
  summary.table([...SEVERITIES], [SEVERITIES.map((s) => counts[s])]);
  if (packages.length > 0) {
    const failing = new Set(failingPackages(deps.result, deps.level));
    summary.table(
      ['Package', 'Severity', 'Direct', 'Via', 'Fix available', 'Status'],
      packages.map((p) => [
        p.name,
        p.severity,
        p.isDirect ? 'yes' : 'no',
        p.via.join('; '),
        p.fix,
        { md: failing.has(p) ? '❌ fails' : '⚠️ below level' },
      ]),
    );
  }
}
