import { describe, expect, it } from '@jest/globals';
import { SummaryBuilder } from '@white-cross/core';
import { evaluateBudgets, parseBudgets } from '../src/budgets.js';
import { parseNpmAudit } from '../src/npm-audit.js';
import { problemsOf, verdictLine, writeSummary, type ValidationReport } from '../src/report.js';

const step = (name: string, exitCode = 0) => ({
  name,
  command: 'npm run build',
  folder: 'frontend',
  exitCode,
  durationMs: 1200,
  tail: ['line a', 'line b'],
});
const files = [
  { path: 'frontend/dist/assets/app.1a2b3c4d5e.js', size: 1500, gzipSize: 700, brotliSize: 600 },
  { path: 'frontend/dist/index.html', size: 300, gzipSize: 200, brotliSize: 150 },
];

function report(overrides: Partial<ValidationReport> = {}): ValidationReport {
  return {
    steps: [step('Build frontend')],
    outputFolders: ['frontend/dist'],
    artifactProblems: [],
    budgets: [],
    findings: [],
    ...overrides,
  };
}

describe('problemsOf and verdictLine', () => {
  it('a failed step is the only problem, with its last lines', () => {
    const failed = step('Build frontend', 2);
    const problems = problemsOf(report({ steps: [failed], failedStep: failed }));
    expect(problems).toHaveLength(1);
    expect(verdictLine(problems)).toBe(
      'Build frontend failed: `npm run build` exited with code 2 after 1.2 s in frontend; nothing was measured or approved. Last lines:\nline a\nline b',
    );
  });

  it('groups problems by kind, naming files and excess', () => {
    const budgets = evaluateBudgets(
      parseBudgets('frontend/dist/assets/*.js: 1 kB\nfrontend/dist/**: 800 B gzip total'),
      files,
    );
    const problems = problemsOf(
      report({
        budgets,
        findings: [
          {
            rule: 'env-files',
            file: 'frontend/dist/.env',
            message: 'Environment file frontend/dist/.env is in the deployable output.',
          },
        ],
        artifactProblems: [{ pattern: 'frontend/dist/robots.txt', kind: 'missing', files: [] }],
      }),
    );
    expect(problems.map((p) => [p.title, p.file])).toEqual([
      ['missing artifact', undefined],
      ['over budget', 'frontend/dist/assets/app.1a2b3c4d5e.js'],
      ['over budget', undefined],
      ['forbidden: env-files', 'frontend/dist/.env'],
    ]);
    expect(verdictLine(problems)).toBe(
      "Build validation failed: 1 missing artifact (Artifact 'frontend/dist/robots.txt' matched no file in the build output); " +
        '2 over budget (frontend/dist/assets/app.1a2b3c4d5e.js is 1.5 kB, 500 B over its 1 kB budget; frontend/dist/** (2 files together) are 900 B gzip, 100 B over its 800 B gzip budget); ' +
        '1 forbidden finding (Environment file frontend/dist/.env is in the deployable output). The output was not approved for deployment; see the job summary.',
    );
  });

  it('fails on dependencies at or above the level only, annotated on the lockfile', () => {
    const audit = parseNpmAudit(
      JSON.stringify({
        vulnerabilities: {
          a: { severity: 'high', via: [{ title: 'bad' }], fixAvailable: true },
          b: { severity: 'low', via: [{ title: 'meh' }], fixAvailable: true },
        },
      }),
    );
    const problems = problemsOf(
      report({ dependencies: { level: 'high', lockfile: 'package-lock.json', result: audit } }),
    );
    expect(problems).toEqual([
      {
        kind: 'vulnerable',
        title: 'vulnerable dependency (high)',
        message: 'a has a high vulnerability (bad); fix available: true',
        file: 'package-lock.json',
      },
    ]);
  });
});

describe('writeSummary', () => {
  it('shows the budget table with deltas and status, and escapes file names', () => {
    const budgets = evaluateBudgets(
      parseBudgets('frontend/dist/assets/*.js: 1 kB\nfrontend/dist/*.wasm: 1 MB'),
      files,
      [{ path: 'frontend/dist/assets/app.0000aaaa11.js', size: 1000, gzipSize: 1, brotliSize: 1 }],
    );
    const r = report({
      budgets,
      baseline: { kind: 'manifest', source: 'previous.json', artifacts: [] },
      findings: [
        { rule: 'file-pattern', file: 'frontend/dist/a|b.psd', message: 'frontend/dist/a|b.psd matches' },
      ],
    });
    const summary = new SummaryBuilder();
    writeSummary(summary, r, problemsOf(r));
    const md = summary.toString();
    expect(md).toContain('## Build validation failed');
    expect(md).toContain('❌ 1 over budget, 1 forbidden finding: see the annotations and the tables below.');
    expect(md).toContain('| File / glob | Size | Limit | Δ vs baseline | Status |');
    expect(md).toContain(
      '| frontend/dist/assets/app.1a2b3c4d5e.js | 1.5 kB | 1 kB | +500 B | ❌ over by 500 B |',
    );
    expect(md).toContain('| frontend/dist/*.wasm | — | 1 MB | — | ⚠️ no file matched |');
    expect(md).toContain('| file-pattern | frontend/dist/a\\|b.psd | — | frontend/dist/a\\|b.psd matches |');
    expect(md).toContain('Baseline: previous.json.');
  });

  it('shows the failed step and its last lines, and nothing measured', () => {
    const failed = step('Build frontend', 2);
    const r = report({ steps: [failed], failedStep: failed });
    const summary = new SummaryBuilder();
    writeSummary(summary, r, problemsOf(r));
    const md = summary.toString();
    expect(md).toContain('| Build frontend | `npm run build` | frontend | ❌ exit 2 | 1.2 s |');
    expect(md).toContain('<details><summary>Last lines of Build frontend</summary>');
    expect(md).toContain('line a\nline b');
    expect(md).not.toContain('### Budgets');
  });
});
