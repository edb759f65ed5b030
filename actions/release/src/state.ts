/**
 * Reading the state a release starts from, before anything is changed: the checkout (branch,
 * cleanliness, the remote's refs) and the release history (last tag, manifests, commits).
 * Every refusal here happens before a file is written or a ref is pushed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ActionFailure, type ActionContext } from '@white-cross/core';
import { parseCommits, type RepositoryLinks } from './changelog.js';
import { INPUT } from './constants.js';
import { authorizationHeader, GitRepository } from './git.js';
import { parseRepository } from './github.js';
import type { ReleaseInputs } from './inputs.js';
import { planLockfiles, selectedManifests } from './packages.js';
import type { ReleaseHistory } from './plan.js';
import { latestReleaseTag, versionOfReleaseSubject } from './version.js';
import { pathPresent, refuseOutsideWorkspace } from './workspace.js';

/** Everything the run learned about the repository before changing anything. */
export interface RepositoryState {
  git: GitRepository;
  /** The folder the package.json globs and the changelog path are relative to. */
  dir: string;
  releaseBranch: string;
  head: string;
  remoteRefs: ReadonlyMap<string, string>;
  links?: RepositoryLinks;
  serverUrl: string;
}

export const short = (sha: string) => sha.slice(0, 7);

async function detectReleaseBranch(
  git: GitRepository,
  inputs: ReleaseInputs,
  remoteRefs: ReadonlyMap<string, string>,
  hasRemote: boolean,
): Promise<string> {
  if (inputs.releaseBranch) return inputs.releaseBranch;
  const present: string[] = [];
  for (const name of ['main', 'master']) {
    if (remoteRefs.has(`refs/heads/${name}`) || (await git.localBranchExists(name))) present.push(name);
  }
  const [only] = present;
  if (only && present.length === 1) return only;
  const remoteDefault = hasRemote ? await git.remoteDefaultBranch(inputs.remote) : undefined;
  if (remoteDefault && (present.length === 0 || present.includes(remoteDefault))) return remoteDefault;
  if (present.length > 1) return 'main';
  throw new ActionFailure(
    `Neither a main nor a master branch exists here, so the release branch cannot be detected; set the input '${INPUT.releaseBranch}'. Nothing was changed.`,
  );
}

/** Reads the checkout and refuses one a release cannot be made from. */
export async function readRepositoryState(
  inputs: ReleaseInputs,
  ctx: ActionContext,
): Promise<RepositoryState> {
  const dir = resolve(ctx.workspace, inputs.workingDirectory);
  const serverUrl = (ctx.env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '');
  if (inputs.token) ctx.addSecret(authorizationHeader(inputs.token).replace(/^AUTHORIZATION: basic /, ''));
  const auth = inputs.token ? { token: inputs.token, serverUrl } : undefined;
  const git = new GitRepository(dir, ctx.log, auth, ctx.signal);
  refuseOutsideWorkspace(ctx.workspace, dir, INPUT.workingDirectory, inputs.workingDirectory);
  if (!existsSync(dir) || !(await git.isRepository())) {
    throw new ActionFailure(
      `${dir} is not a git repository: check the repository out first (actions/checkout with fetch-depth: 0, so that the release tags are there).`,
    );
  }
  const branch = await git.currentBranch();
  if (!branch) {
    throw new ActionFailure(
      'HEAD is detached: check out the release branch itself (actions/checkout with ref: main), not a commit or a tag. Nothing was changed.',
    );
  }
  const hasRemote = await git.remoteExists(inputs.remote);
  if (!hasRemote && inputs.push && !inputs.dryRun) {
    throw new ActionFailure(
      `There is no git remote '${inputs.remote}' to push the release to; set '${INPUT.remote}', or '${INPUT.push}: false'. Nothing was changed.`,
    );
  }
  const remoteRefs = hasRemote ? await git.remoteRefs(inputs.remote, []) : new Map<string, string>();
  const releaseBranch = await detectReleaseBranch(git, inputs, remoteRefs, hasRemote);
  if (branch !== releaseBranch) {
    throw new ActionFailure(
      `Releases are made from '${releaseBranch}', but '${branch}' is checked out. Run the release on ${releaseBranch} (or set '${INPUT.releaseBranch}' if this repository releases from another branch). Nothing was changed.`,
    );
  }
  const status = await git.status();
  if (status.changed.length > 0) {
    const shown =
      status.changed.slice(0, 5).join(', ') +
      (status.changed.length > 5 ? ` and ${status.changed.length - 5} more` : '');
    throw new ActionFailure(
      `The working tree has uncommitted changes (${shown}): a release must contain exactly what is committed. Commit or discard them and run again. Nothing was changed.`,
    );
  }
  if (status.untracked.length > 0) {
    ctx.log.warning(
      `Untracked files are left out of the release: ${status.untracked.slice(0, 5).join(', ')}${status.untracked.length > 5 ? ', …' : ''}`,
    );
  }
  if (hasRemote && !inputs.dryRun) {
    ctx.log.info(
      `Fetching ${releaseBranch} and the tags from ${inputs.remote} (${await git.remoteUrl(inputs.remote)})`,
    );
    await git.fetchTags(inputs.remote, releaseBranch);
  }
  const head = await git.head();
  const remoteHead = remoteRefs.get(`refs/heads/${releaseBranch}`);
  if (remoteHead && remoteHead !== head) {
    const upToDate = await git.isAncestor(remoteHead, head);
    if (upToDate === false) {
      throw new ActionFailure(
        `${inputs.remote}/${releaseBranch} has commits that the local ${releaseBranch} does not (it is at ${short(remoteHead)}, local HEAD at ${short(head)}): pull them first (or re-run the workflow on the newest commit). Nothing was changed.`,
      );
    }
    if (upToDate === undefined)
      ctx.log.warning(
        `Could not check that ${releaseBranch} is up to date with ${inputs.remote} (commit ${short(remoteHead)} is not here).`,
      );
  }
  const repository = parseRepository(ctx.env.GITHUB_REPOSITORY);
  return {
    git,
    dir,
    releaseBranch,
    head,
    remoteRefs,
    serverUrl,
    ...(repository
      ? { links: { host: serverUrl, owner: repository.owner, repository: repository.repo } }
      : {}),
  };
}

/** The version HEAD's subject says an earlier run released, when HEAD is such a release commit. */
export async function pendingReleaseVersion(
  state: RepositoryState,
  prefix: string,
): Promise<string | undefined> {
  return versionOfReleaseSubject(await state.git.headSubject(), prefix);
}

/** The last release, the manifests as they are, and the commits since: what the plan is made from. */
export async function readReleaseHistory(
  inputs: ReleaseInputs,
  state: RepositoryState,
  workspace: string,
): Promise<ReleaseHistory> {
  const { git, dir } = state;
  const prefix = inputs.tagPrefix;
  const last = latestReleaseTag(await git.tagsMergedInto('HEAD', prefix), prefix);
  const files = await selectedManifests(dir, inputs.packages);
  // Every file the release will write, checked before the first is read: a manifest or lockfile
  // reached through a symlinked folder, or a changelog that is a link, may lead out of the checkout.
  const lockfiles = planLockfiles(files, (f) => pathPresent(join(dir, f)));
  for (const file of [...files, ...lockfiles.map((l) => l.file)])
    refuseOutsideWorkspace(workspace, join(dir, file), INPUT.packages, file);
  refuseOutsideWorkspace(
    workspace,
    join(dir, inputs.changelogFile),
    INPUT.changelogFile,
    inputs.changelogFile,
  );
  const manifests = files.map((file) => ({ file, text: readFileSync(join(dir, file), 'utf8') }));
  const commits = parseCommits(await git.commits(last ? `${last.tag}..HEAD` : 'HEAD')).filter(
    (c) => versionOfReleaseSubject(c.header ?? '', prefix) === undefined,
  );
  return { ...(last ? { last } : {}), manifests, commits };
}

/** Refuses a release whose tag already exists here or on the remote for another commit. */
export async function refuseExistingTag(
  inputs: ReleaseInputs,
  state: RepositoryState,
  tag: string,
  lastTag: string | undefined,
): Promise<void> {
  const localTag = await state.git.tagCommit(tag);
  const remoteTag = state.remoteRefs.get(`refs/tags/${tag}`);
  const existing = localTag ?? remoteTag;
  if (!existing) return;
  const where = remoteTag ? `on ${inputs.remote}` : 'in this checkout';
  throw new ActionFailure(
    `Tag ${tag} already exists ${where} for commit ${short(existing)}, which is not this release (HEAD is ${short(state.head)} and ${lastTag ?? 'no earlier release'} is the last release on ${state.releaseBranch}). Find out where it came from: delete it if it was made by mistake (git push ${inputs.remote} :refs/tags/${tag}), or choose a higher 'bump'. Nothing was changed.`,
  );
}
