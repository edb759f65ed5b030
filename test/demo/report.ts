/**
 * The demo's report: one Markdown page with what each scenario did, each step's job summary
 * (as the runner would show it) and the evidence bundle.
 */
import { readFileSync } from 'node:fs';
import type { PipelineResult } from './pipeline.js';

const icon = { success: '✅', failure: '❌', skipped: '⏭️', missing: '⚠️' } as const;

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** The report for the scenarios run. */
export function demoReport(results: PipelineResult[], stackNotes: string[]): string {
  const lines: string[] = ['# White Cross Deploy — local pipeline demo', ''];
  lines.push(`Run at ${new Date().toISOString()} on this machine: ${stackNotes.join('; ')}.`, '');
  lines.push('| Scenario | Release | Outcome | Requests | Took |', '| --- | --- | --- | --- | --- |');
  for (const r of results) {
    const requests = r.load
      ? `${r.load.sent} (${Object.entries(r.load.byStatus)
          .map(([s, n]) => `${n}× ${s}`)
          .join(', ')})`
      : '—';
    lines.push(
      `| ${escapeCell(r.scenario.title)} | ${r.scenario.version} | **${r.outcome}** | ${escapeCell(requests)} | ${(r.durationMs / 1000).toFixed(1)} s |`,
    );
  }
  const missing = [
    ...new Set(results.flatMap((r) => r.steps.filter((s) => s.status === 'missing').map((s) => s.action))),
  ];
  if (missing.length) {
    lines.push('', `> Not run (their bundles are not in the repository yet): ${missing.join(', ')}.`);
  }
  for (const r of results) {
    lines.push('', `## ${r.scenario.title}`, '');
    lines.push('| Job | Step | Action | Result | Took | Error |', '| --- | --- | --- | --- | --- | --- |');
    for (const s of r.steps) {
      const took = s.run ? `${(s.run.durationMs / 1000).toFixed(1)} s` : '—';
      lines.push(
        `| ${s.job} | ${s.step} | ${s.action} | ${icon[s.status]} ${s.status} | ${took} | ${escapeCell(s.error ?? s.note ?? '')} |`,
      );
    }
    for (const s of r.steps) {
      if (!s.run?.summary.trim()) continue;
      lines.push(
        '',
        `<details><summary>${s.job} / ${s.step}: ${s.action} summary</summary>`,
        '',
        s.run.summary.trim(),
        '',
        '</details>',
      );
    }
    if (r.bundlePath) {
      const bundle = readFileSync(r.bundlePath, 'utf8');
      lines.push(
        '',
        '<details><summary>Evidence bundle</summary>',
        '',
        '```json',
        bundle.length > 60_000
          ? `${bundle.slice(0, 60_000)}\n… (cut; the whole file is ${r.bundlePath})`
          : bundle.trim(),
        '```',
        '',
        '</details>',
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
