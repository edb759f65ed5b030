/**
 * What a release run tells people and the pipeline: the outputs, the audit facts, the
 * evidence manifest and the job summary.
 */
import type { ActionContext } from '@white-cross/core';
import { summarySafe } from './changelog.js';
import type { VersionChange } from './apply.js';
import { MANIFEST_EVIDENCE, OUTPUT } from './constants.js';
import type { ReleaseInputs } from './inputs.js';
import type { NothingToRelease, ReleasePlan } from './plan.js';
import type { ReleaseResult } from './publish.js';
import { short, type RepositoryState } from './state.js';

/** A release run's ending: the plan, what was done (nothing in a dry run), the versions moved. */
export interface ReleaseReport {
  plan: ReleasePlan;
  result?: ReleaseResult;
  versions: readonly VersionChange[];
}

const reasonOf = (plan: ReleasePlan) => (plan.emergency.emergency ? plan.emergency.reason : undefined);

/** Outputs, summary and audit facts when there is nothing to release. */
export function reportNothing(ctx: ActionContext, inputs: ReleaseInputs, nothing: NothingToRelease): void {
  ctx.log.notice(`Nothing to release: ${nothing.nothing}.`);
  ctx.setOutput(OUTPUT.released, false);
  ctx.setOutput(OUTPUT.version, nothing.previousVersion);
  ctx.setOutput(OUTPUT.previousVersion, nothing.previousVersion);
  ctx.setOutput(OUTPUT.tag, '');
  ctx.setOutput(OUTPUT.releaseUrl, '');
  ctx.setOutput(OUTPUT.changelog, '');
  ctx.setOutput(OUTPUT.emergency, inputs.emergency);
  ctx.fact('released', false);
  ctx.summary
    .heading('No release')
    .paragraph(`Nothing to release since ${nothing.previousVersion}: ${nothing.nothing}.`);
  if (nothing.commits.length) {
    ctx.summary.table(
      ['Commit', 'Type', 'Subject'],
      nothing.commits.map((c) => [short(c.hash), c.type ?? '—', c.subject ?? c.header ?? '']),
    );
  }
}

/** Outputs, audit facts, the evidence manifest and the summary of a release (or a dry run of one). */
export function reportRelease(
  ctx: ActionContext,
  inputs: ReleaseInputs,
  state: RepositoryState,
  report: ReleaseReport,
): void {
  const { plan, result } = report;
  const released = !inputs.dryRun;
  const reason = reasonOf(plan);
  ctx.fact('released', released);
  ctx.fact('version', plan.version);
  ctx.fact('previousVersion', plan.previousVersion);
  ctx.fact('tag', plan.tag);
  ctx.fact('emergency', plan.emergency.emergency);
  if (reason !== undefined) ctx.fact('emergencyReason', reason);
  if (result?.url) ctx.fact('releaseUrl', result.url);
  ctx.setOutput(OUTPUT.released, released);
  ctx.setOutput(OUTPUT.version, plan.version);
  ctx.setOutput(OUTPUT.previousVersion, plan.previousVersion);
  ctx.setOutput(OUTPUT.tag, plan.tag);
  ctx.setOutput(OUTPUT.releaseUrl, result?.url ?? '');
  ctx.setOutput(OUTPUT.changelog, plan.section);
  ctx.setOutput(OUTPUT.emergency, plan.emergency.emergency);
  ctx.writeEvidence(
    MANIFEST_EVIDENCE,
    `${JSON.stringify(
      {
        released,
        dryRun: inputs.dryRun,
        resumed: result?.resumed ?? false,
        version: plan.version,
        previousVersion: plan.previousVersion,
        tag: plan.tag,
        commit: result?.commit ?? null,
        branch: state.releaseBranch,
        emergency: plan.emergency.emergency,
        reason: reason ?? null,
        releaseUrl: result?.url ?? null,
        files: report.versions,
        commits: plan.commits.map((c) => ({
          hash: c.hash,
          type: c.type,
          breaking: c.breaking,
          subject: c.subject ?? c.header,
        })),
      },
      null,
      2,
    )}\n`,
  );
  summarize(ctx, inputs, state, report);
  if (released)
    ctx.log.notice(
      `Released ${plan.tag}${plan.emergency.emergency ? ' (EMERGENCY)' : ''}${result?.url ? `: ${result.url}` : ''}`,
    );
  else ctx.log.notice(`Dry run: would release ${plan.tag} (${plan.previousVersion} → ${plan.version}).`);
}

function links(state: RepositoryState, plan: ReleasePlan, result?: ReleaseResult): string[] {
  const out: string[] = [];
  if (result?.url) out.push(`[GitHub release ${summarySafe(plan.tag)}](${result.url})`);
  if (state.links) {
    const repo = `${state.serverUrl}/${state.links.owner}/${state.links.repository}`;
    out.push(`[Tag ${summarySafe(plan.tag)}](${repo}/tree/${encodeURIComponent(plan.tag)})`);
    if (plan.previousTag)
      out.push(
        `[Changes since ${summarySafe(plan.previousTag)}](${repo}/compare/${encodeURIComponent(plan.previousTag)}...${encodeURIComponent(plan.tag)})`,
      );
    if (result?.commit) out.push(`[Release commit ${short(result.commit)}](${repo}/commit/${result.commit})`);
  }
  return out;
}

function summarize(
  ctx: ActionContext,
  inputs: ReleaseInputs,
  state: RepositoryState,
  { plan, result, versions }: ReleaseReport,
): void {
  const s = ctx.summary;
  const reason = reasonOf(plan);
  const mode = inputs.dryRun ? ' — dry run' : result?.resumed ? ' — finished from an earlier run' : '';
  s.heading(`Release ${plan.tag}${plan.emergency.emergency ? ' (EMERGENCY)' : ''}${mode}`);
  if (inputs.dryRun)
    s.paragraph(
      'Dry run: nothing was written, committed, tagged, pushed or published. This is what a real run would do.',
    );
  if (reason !== undefined) s.raw(`> [!WARNING]\n> Emergency release. Reason: ${summarySafe(reason)}\n`);
  s.table(
    ['Release', ''],
    [
      ['Version', { md: `\`${plan.previousVersion}\` → **\`${plan.version}\`**` }],
      [
        'Bump',
        plan.decision ? `${plan.decision.level} (${plan.decision.reason})` : 'made by the earlier run',
      ],
      ['Tag', plan.tag],
      ['Branch', `${state.releaseBranch} on ${inputs.remote}`],
      ['Emergency', reason !== undefined ? `yes: ${reason}` : 'no'],
    ],
  );
  const linkList = links(state, plan, result);
  if (linkList.length) s.list(linkList.map((md) => ({ md })));
  if (result?.steps.length) {
    s.heading('What this run did', 3);
    s.list(result.steps);
  }
  if (versions.length) {
    s.heading('Versions', 3);
    s.table(
      ['File', 'Before', 'After'],
      versions.map((f) => [f.file, f.before ?? '—', f.after]),
    );
  }
  s.heading('Changelog', 3);
  s.raw(summarySafe(plan.section.replace(/^## /, '#### ').replace(/^### /gm, '##### ')));
}
