/**
 * Getting a release out: the atomic push of the release commit and tag, and the GitHub
 * release. Each failure says what is already out and what a re-run does.
 */
import { ActionCancelled, ActionFailure, describeError, type ActionContext } from '@white-cross/core';
import { classifyPushRejection, credentialsHint, pushRefusal } from './git.js';
import { octokitReleaseApi } from './github.js';
import type { GitHubReleaseInput, ReleaseInputs } from './inputs.js';
import type { ReleaseTexts } from './plan.js';
import type { ReleaseProgress } from './progress.js';
import type { RepositoryState } from './state.js';

/**
 * What a push stopped half-way leaves: `git push --atomic` updates all the refs or none
 * (git-push(1)), so the remote has both the commit and the tag, or neither.
 */
export function pushStoppedLeft(inputs: ReleaseInputs, state: RepositoryState, tag: string): string {
  return `The push to ${inputs.remote} is atomic: ${inputs.remote} has both ${state.releaseBranch} and ${tag} or neither. A re-run pushes what is missing and creates the GitHub release; it makes no second release.`;
}

/** Pushes `refspecs` to the remote in one atomic push; a refusal is explained. */
export async function pushRelease(
  inputs: ReleaseInputs,
  state: RepositoryState,
  tag: string,
  refspecs: string[],
): Promise<void> {
  const result = await state.git.push(inputs.remote, refspecs);
  if (result.exitCode === 0) return;
  const target = `${inputs.remote}/${state.releaseBranch}`;
  const said = pushRefusal(result.output);
  const kind = classifyPushRejection(result.output);
  const rerun = `Then re-run this action: it pushes the existing release commit and tag ${tag} instead of making a second release.`;
  if (kind === 'branch-protection') {
    throw new ActionFailure(
      `Branch protection on ${target} rejected the push of the release commit and tag ${tag} (${said}). Nothing was pushed (the push is atomic); the release commit and tag exist only in this checkout. Let the release identity push to ${state.releaseBranch}: add it to the bypass list of the branch protection rule or ruleset (or run with a GitHub App token that may bypass it). ${rerun}`,
    );
  }
  if (kind === 'non-fast-forward') {
    throw new ActionFailure(
      `${target} moved on while the release was being made, so the push of ${tag} was rejected (${said}). Nothing was pushed. Start again from the newest ${state.releaseBranch} (in this checkout: git reset --hard ${target} && git tag -d ${tag}).`,
    );
  }
  throw new ActionFailure(
    `Pushing the release commit and tag ${tag} to ${target} failed (${said})${credentialsHint(result.output) || '.'} Nothing was pushed (the push is atomic). ${rerun}`,
  );
}

/** Creates the GitHub release of a pushed tag (or finds the one an earlier run made); returns its URL. */
export async function publishRelease(
  github: Extract<GitHubReleaseInput, { githubRelease: true }>,
  release: Pick<ReleaseTexts, 'title' | 'notes'> & { tag: string },
  ctx: ActionContext,
  steps: string[],
  progress: ReleaseProgress,
): Promise<string> {
  Object.assign(progress, {
    stage: `creating the GitHub release ${release.tag}`,
    left: `The release commit and tag ${release.tag} are pushed; the GitHub release may be missing. A re-run finds the pushed release and creates only the missing GitHub release.`,
  });
  if (ctx.signal.aborted) throw new ActionCancelled('before the GitHub release', ctx.signal);
  const api = octokitReleaseApi(github, ctx.log, ctx.sleep, ctx.signal);
  try {
    const existing = await api.findByTag(release.tag);
    if (existing) {
      steps.push(`GitHub release ${release.tag} already existed`);
      return existing.url;
    }
    const created = await api.create({
      tag: release.tag,
      name: release.title,
      body: release.notes,
      draft: github.draft,
    });
    steps.push(`Created the GitHub release ${release.title}${github.draft ? ' as a draft' : ''}`);
    return created.url;
  } catch (error) {
    // A request cut off by the cancellation is not GitHub failing: say where the run stopped.
    if (error instanceof ActionCancelled) throw error;
    if (ctx.signal.aborted) throw new ActionCancelled('during the GitHub release request', ctx.signal);
    throw new ActionFailure(
      `The release commit and tag ${release.tag} are pushed, but creating the GitHub release failed: ${describeError(error)}. Re-run this action: it finds the pushed release and creates only the missing GitHub release.`,
      { cause: error },
    );
  }
}

/** What a run did, for the outputs, the summary and the evidence. */
export interface ReleaseResult {
  commit: string;
  url?: string;
  /** What this run did, in order. */
  steps: string[];
  /** A release made by an earlier run was finished. */
  resumed: boolean;
}
