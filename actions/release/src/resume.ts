/**
 * Finishing a half-done release: HEAD is a release commit an earlier run made (its push was
 * refused, or it ran with `push: false`, or the GitHub release failed). The missing tag, push
 * and GitHub release are made; nothing is made twice.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ActionFailure, type ActionContext } from '@white-cross/core';
import { findSection } from './changelog.js';
import { INPUT } from './constants.js';
import type { ReleaseInputs } from './inputs.js';
import { emergencyOfTagMessage, recordedEmergency, releaseTexts, type ReleasePlan } from './plan.js';
import { publishRelease, pushRelease, pushStoppedLeft, type ReleaseResult } from './publish.js';
import type { ReleaseProgress } from './progress.js';
import { refuseUnsafeText, type ScannedText } from './safety.js';
import { short, type RepositoryState } from './state.js';
import { latestReleaseTag } from './version.js';

/** The plan of the release HEAD already is: its version, its section, its emergency marks. */
export async function pendingReleasePlan(
  inputs: ReleaseInputs,
  state: RepositoryState,
  version: string,
  redact: (text: string) => string,
): Promise<{ plan: ReleasePlan; localTag: boolean; remoteTag: boolean }> {
  const { git } = state;
  const prefix = inputs.tagPrefix;
  const tag = `${prefix}${version}`;
  const localTag = await git.tagCommit(tag);
  const remoteTag = state.remoteRefs.get(`refs/tags/${tag}`);
  for (const [sha, where] of [
    [localTag, 'in this checkout'],
    [remoteTag, `on ${inputs.remote}`],
  ] as const) {
    if (sha && sha !== state.head) {
      throw new ActionFailure(
        `HEAD is the release commit of ${tag} (${short(state.head)}), but tag ${tag} already exists ${where} for commit ${short(sha)}. One of them was made by hand or by another run: find out which is the real release, delete the other, and run again. Nothing was changed.`,
      );
    }
  }
  const changelogPath = join(state.dir, inputs.changelogFile);
  const section =
    (existsSync(changelogPath) ? findSection(readFileSync(changelogPath, 'utf8'), version) : undefined) ??
    `## ${version}\n`;
  const previous = (await git.revisionExists('HEAD~1'))
    ? latestReleaseTag(await git.tagsMergedInto('HEAD~1', prefix), prefix)
    : undefined;
  const marks = localTag
    ? emergencyOfTagMessage(await git.tagMessage(tag))
    : { emergency: inputs.emergency, reason: inputs.reason };
  const emergency = recordedEmergency(marks.emergency, marks.reason);
  const texts = releaseTexts(tag, section, emergency);
  // The earlier run's texts were checked when it planned them, but the changelog may have been
  // edited since and the reason may be new: check again before any of it is tagged or pushed.
  const sources: ScannedText[] = [
    ...(localTag || inputs.reason === undefined
      ? []
      : [{ where: 'the reason', text: inputs.reason, input: INPUT.reason }]),
    { where: `the changelog section of ${version} in ${inputs.changelogFile}`, text: section },
    { where: localTag ? `the message of tag ${tag}` : 'the tag message', text: texts.tagMessage },
    { where: 'the GitHub release notes', text: `${texts.title}\n${texts.notes}` },
  ];
  refuseUnsafeText(sources, redact);
  return {
    plan: {
      version,
      previousVersion: previous?.version ?? version,
      ...(previous ? { previousTag: previous.tag } : {}),
      tag,
      emergency,
      commits: [],
      manifests: [],
      ...texts,
    },
    localTag: localTag !== undefined,
    remoteTag: remoteTag !== undefined,
  };
}

/** Makes whatever the earlier run left out: the tag, the push, the GitHub release. */
export async function finishRelease(
  inputs: ReleaseInputs,
  state: RepositoryState,
  pending: { plan: ReleasePlan; localTag: boolean; remoteTag: boolean },
  ctx: ActionContext,
  progress: ReleaseProgress,
): Promise<ReleaseResult> {
  const { plan } = pending;
  const { tag } = plan;
  ctx.log.info(
    `HEAD is the release commit of ${tag} from an earlier run: finishing that release instead of making another.`,
  );
  const steps: string[] = [];
  if (inputs.dryRun) return { commit: state.head, steps, resumed: true };
  if (!pending.localTag) {
    Object.assign(progress, {
      stage: `tagging ${tag}`,
      left: `The release commit ${short(state.head)} is as the earlier run left it; nothing was pushed. A re-run finishes that release.`,
    });
    await state.git.createAnnotatedTag(tag, plan.tagMessage);
    steps.push(`Created the missing annotated tag ${tag}`);
  }
  if (inputs.push) {
    const refspecs = [
      ...(state.remoteRefs.get(`refs/heads/${state.releaseBranch}`) === state.head
        ? []
        : [`HEAD:refs/heads/${state.releaseBranch}`]),
      ...(pending.remoteTag ? [] : [`refs/tags/${tag}`]),
    ];
    if (refspecs.length) {
      ctx.log.info(`Pushing ${refspecs.join(' ')} to ${inputs.remote}`);
      const names = refspecs.map((r) => r.replace(/^HEAD:refs\/heads\/|^refs\/tags\//, ''));
      progress.stage = `pushing ${names.join(' and ')}`;
      progress.left = pushStoppedLeft(inputs, state, tag);
      await pushRelease(inputs, state, tag, refspecs);
      steps.push(`Pushed the existing release commit and tag to ${inputs.remote} (${names.join(', ')})`);
    } else steps.push(`${state.releaseBranch} and ${tag} were already on ${inputs.remote}`);
  }
  const url = inputs.github.githubRelease
    ? await publishRelease(inputs.github, plan, ctx, steps, progress)
    : undefined;
  ctx.fact('releaseCommit', state.head);
  return { commit: state.head, steps, resumed: true, ...(url ? { url } : {}) };
}
