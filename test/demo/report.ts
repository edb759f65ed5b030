/**
 * The demo's report: one Markdown page per run of the demo; for each scenario the job table
 * of the run, the version built, where traffic ended, the notices sent, each step's summary
 * one heading level below the scenario, and a link to the evidence bundle (never inlined); and
 * the IAM result: every AWS request of the jobs against its role's example policy.
 */
import { relative } from 'node:path';
import { iamReport } from '../local-stack/iam-check.js';
import type { DemoRun } from './workflow-demo.js';

const icon: Record<string, string> = { success: '✅', failure: '❌', cancelled: '⛔', skipped: '⏭️' };

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** Moves a summary's headings so that its top level becomes `level`. */
export function shiftHeadings(markdown: string, level: number): string {
  const levels = [...markdown.matchAll(/^(#{1,6}) /gm)].map((m) => m[1]?.length ?? 1);
  if (levels.length === 0) return markdown;
  const shift = level - Math.min(...levels);
  let fenced = false;
  return markdown
    .split('\n')
    .map((line) => {
      if (line.startsWith('```')) fenced = !fenced;
      if (fenced) return line;
      const m = /^(#{1,6}) (.*)$/.exec(line);
      return m ? `${'#'.repeat(Math.min(6, (m[1]?.length ?? 1) + shift))} ${m[2]}` : line;
    })
    .join('\n');
}

export function demoReport(runs: DemoRun[], notes: string[], reportDir: string): string {
  const out: string[] = ['# White Cross Deploy — the workflows run on the local stack', ''];
  out.push(`Run at ${new Date().toISOString()}. ${notes.join(' ')}`, '');
  out.push('| Scenario | Release | Built | Run | Traffic after | Approvals | Slack | PagerDuty | Took |');
  out.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of runs) {
    out.push(
      `| ${cell(r.scenario.title)} | ${r.scenario.release.tag} | ${r.builtVersion ?? '—'} | ${icon[r.result.conclusion] ?? ''} ${r.result.conclusion} | blue ${r.weights.blue} % / green ${r.weights.green} % | ${r.result.approvals.length} | ${r.slack.length} | ${r.pagerDuty.length} | ${(r.durationMs / 1000).toFixed(1)} s |`,
    );
  }
  const last = runs.at(-1);
  if (last) out.push('', ...iamReport(last.iam));
  for (const r of runs) {
    out.push('', `## ${r.scenario.title}`, '');
    out.push(
      `Release ${r.scenario.release.tag}, built as version ${r.builtVersion ?? '(not built)'}; ${r.load.sent} requests (${Object.entries(
        r.load.byStatus,
      )
        .map(([s, n]) => `${n}× ${s}`)
        .join(', ')})${failuresLine(r.load.failuresByPath)}.`,
    );
    out.push(
      '',
      `Production requests served: blue ${r.served.production.blue}, green ${r.served.production.green}; through the test route: blue ${r.served.testRoute.blue}, green ${r.served.testRoute.green}.`,
    );
    if (r.evidenceDir)
      out.push(
        '',
        `Evidence bundle: [${relative(reportDir, r.evidenceDir)}](${relative(reportDir, r.evidenceDir)})`,
      );
    out.push('', '| Job | Result | Environment | Approval | Took |', '| --- | --- | --- | --- | --- |');
    for (const j of r.result.jobs) {
      const approval = j.approval
        ? `${j.approval.decision}${j.approval.reviewer ? ` by ${j.approval.reviewer}` : ''}`
        : '';
      out.push(
        `| ${cell(j.id)} | ${icon[j.status] ?? ''} ${j.status}${j.error ? ` — ${cell(j.error)}` : ''} | ${j.environment ?? ''} | ${approval} | ${(j.durationMs / 1000).toFixed(1)} s |`,
      );
    }
    for (const notice of [...r.slack, ...r.pagerDuty]) {
      const body = notice.body as { text?: string; payload?: { summary?: string } };
      out.push(
        '',
        `- ${notice.path.startsWith('/slack') ? 'Slack' : 'PagerDuty'}: ${cell(body.text ?? body.payload?.summary ?? '')}`,
      );
    }
    for (const j of r.result.jobs) {
      for (const s of j.steps.filter((x) => x.summary.trim() !== '')) {
        out.push('', `### ${j.id} ▸ ${s.name}`, '', shiftHeadings(s.summary.trim(), 4));
      }
    }
  }
  return `${out.join('\n')}\n`;
}

/** `; not answered 2xx/3xx: /path 12× 503` — which paths failed, so a reader sees where. */
function failuresLine(byPath: Record<string, Record<string, number>> | undefined): string {
  const parts = Object.entries(byPath ?? {}).map(
    ([path, byStatus]) =>
      `\`${path}\` ${Object.entries(byStatus)
        .map(([status, n]) => `${n}× ${status}`)
        .join(', ')}`,
  );
  return parts.length ? `; not answered 2xx/3xx: ${parts.join('; ')}` : '';
}
