/**
 * The release action: one version across the app's package.json files and lockfile, a
 * changelog section from the conventional commits since the last release, a release commit,
 * an annotated tag, an atomic push of both, and the GitHub release. A run that stopped half-way
 * (commit made, push refused) is finished by the next run instead of being made twice.
 *
 * The steps: read the state → assemble the plan (pure) → apply it (files, commit, tag, push,
 * GitHub release) → report.
 */
import {
  ActionCancelled,
  ActionFailure,
  runAction,
  type ActionContext,
  type ActionDefinition,
} from '@white-cross/core';
import { applyRelease, type VersionChange } from './apply.js';
import { ACTION_NAME, ACTION_VERSION } from './constants.js';
import { parseInputs, type ReleaseInputs } from './inputs.js';
import { startProgress, type ReleaseProgress } from './progress.js';
import { assembleReleasePlan, driftedManifests, recordedEmergency, type ReleasePlan } from './plan.js';
import { publishRelease, pushRelease, pushStoppedLeft, type ReleaseResult } from './publish.js';
import { reportNothing, reportRelease } from './report.js';
import { finishRelease, pendingReleasePlan } from './resume.js';
import { refuseUnsafeText, releaseSources } from './safety.js';
import {
  pendingReleaseVersion,
  readReleaseHistory,
  readRepositoryState,
  refuseExistingTag,
  short,
  type RepositoryState,
} from './state.js';

/** Makes a new release from its plan: files, commit, tag, push, GitHub release. */
async function makeRelease(
  inputs: ReleaseInputs,
  state: RepositoryState,
  plan: ReleasePlan,
  ctx: ActionContext,
  progress: ReleaseProgress,
): Promise<{ result: ReleaseResult; lockfiles: VersionChange[] }> {
  const steps: string[] = [];
  if (ctx.signal.aborted) throw new ActionCancelled('before writing the release', ctx.signal);
  Object.assign(progress, {
    stage: 'writing and committing the release files',
    left: `Nothing was pushed. The version bumps and the ${inputs.changelogFile} section may be written in this checkout, uncommitted: discard them (git checkout -- .) or use a fresh checkout, then re-run.`,
  });
  const { written, lockfiles } = applyRelease(state.dir, inputs.changelogFile, plan);
  const commit = await state.git.commitFiles(written, plan.commitMessage);
  steps.push(`Committed ${plan.commitMessage.split('\n')[0]} (${short(commit)}): ${written.join(', ')}`);
  ctx.fact('releaseCommit', commit);
  Object.assign(progress, {
    stage: `tagging ${plan.tag}`,
    left: `The release commit ${short(commit)} is only in this checkout and nothing was pushed: a re-run in this checkout finishes that release; a fresh checkout makes it again.`,
  });
  await state.git.createAnnotatedTag(plan.tag, plan.tagMessage);
  steps.push(`Created the annotated tag ${plan.tag}`);
  if (inputs.push) {
    ctx.log.info(`Pushing ${state.releaseBranch} and ${plan.tag} to ${inputs.remote}`);
    progress.stage = `pushing ${state.releaseBranch} and ${plan.tag}`;
    progress.left = pushStoppedLeft(inputs, state, plan.tag);
    await pushRelease(inputs, state, plan.tag, [
      `HEAD:refs/heads/${state.releaseBranch}`,
      `refs/tags/${plan.tag}`,
    ]);
    steps.push(`Pushed ${state.releaseBranch} and ${plan.tag} to ${inputs.remote}`);
  }
  const url = inputs.github.githubRelease
    ? await publishRelease(inputs.github, plan, ctx, steps, progress)
    : undefined;
  return { result: { commit, steps, resumed: false, ...(url ? { url } : {}) }, lockfiles };
}

/** Runs the release; a cancellation ends in one line saying where it stopped and what it left. */
async function runRelease(inputs: ReleaseInputs, ctx: ActionContext): Promise<void> {
  const progress = startProgress();
  try {
    await releaseSteps(inputs, ctx, progress);
  } catch (error) {
    if (!(error instanceof ActionCancelled)) throw error;
    ctx.fact('cancelled', { during: progress.stage, left: progress.left });
    throw new ActionFailure(
      `Cancelled (${String(ctx.signal.reason)}) while ${progress.stage}: ${progress.left}`,
    );
  }
}

async function releaseSteps(
  inputs: ReleaseInputs,
  ctx: ActionContext,
  progress: ReleaseProgress,
): Promise<void> {
  const state = await readRepositoryState(inputs, ctx);
  ctx.fact('branch', state.releaseBranch);
  ctx.fact('head', state.head);
  ctx.fact('dryRun', inputs.dryRun);

  const pendingVersion = await pendingReleaseVersion(state, inputs.tagPrefix);
  if (pendingVersion) {
    const pending = await pendingReleasePlan(inputs, state, pendingVersion, (text) => ctx.log.redact(text));
    const result = await finishRelease(inputs, state, pending, ctx, progress);
    reportRelease(ctx, inputs, state, { plan: pending.plan, result, versions: [] });
    return;
  }

  const history = await readReleaseHistory(inputs, state, ctx.workspace);
  const prefix = inputs.tagPrefix;
  const planned = await assembleReleasePlan({
    history,
    bump: inputs.bump,
    tagPrefix: prefix,
    emergency: recordedEmergency(inputs.emergency, inputs.reason),
    date: new Date(ctx.clock.now()).toISOString().slice(0, 10),
    ...(state.links ? { links: state.links } : {}),
  });
  if (history.last) ctx.log.info(`Last release: ${history.last.tag}`);
  else
    ctx.log.info(
      `No release tag ${prefix}X.Y.Z is reachable from HEAD: starting from ${history.manifests[0]?.file}'s version ${planned.previousVersion} and every commit.`,
    );
  ctx.log.info(`${history.commits.length} commit(s) since ${history.last?.tag ?? 'the start'}`);
  if ('nothing' in planned) {
    reportNothing(ctx, inputs, planned);
    return;
  }
  const plan = planned;
  if (plan.decision)
    ctx.log.info(
      `Bump: ${plan.decision.level} (${plan.decision.reason}): ${plan.previousVersion} → ${plan.version}`,
    );
  await refuseExistingTag(inputs, state, plan.tag, history.last?.tag);
  refuseUnsafeText(releaseSources(plan, inputs.reason), (text) => ctx.log.redact(text));
  for (const { file, before } of driftedManifests(plan)) {
    ctx.log.warning(
      `${file} was at ${before}, not ${plan.previousVersion}; it moves to ${plan.version} with the others.`,
      {
        file,
      },
    );
  }
  const manifests = plan.manifests.map(({ file, before, after }) => ({
    file,
    ...(before === undefined ? {} : { before }),
    after,
  }));
  if (inputs.dryRun) {
    reportRelease(ctx, inputs, state, { plan, versions: manifests });
    return;
  }
  const { result, lockfiles } = await makeRelease(inputs, state, plan, ctx, progress);
  reportRelease(ctx, inputs, state, { plan, result, versions: [...manifests, ...lockfiles] });
}

export const release: ActionDefinition<ReleaseInputs> = {
  name: ACTION_NAME,
  version: ACTION_VERSION,
  parseInputs,
  run: runRelease,
};

/** The action's entry point. */
export const run = () => runAction(release);
