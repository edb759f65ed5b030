/**
 * The release action: one version across the app's package.json files and lockfile, a
 * changelog section from the conventional commits since the last release, a release commit,
 * an annotated tag, an atomic push of both, and the GitHub release. A run that stopped half-way
 * (commit made, push refused) is finished by the next run instead of being made twice.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  ActionFailure,
  describeError,
  redactPhi,
  runAction,
  type ActionContext,
  type ActionDefinition,
} from '@white-cross/core';
import {
  findSection,
  parseCommits,
  prependSection,
  summarySafe,
  writeReleaseSection,
  type ReleaseCommit,
  type RepositoryLinks,
} from './changelog.js';
import {
  authorizationHeader,
  classifyPushRejection,
  credentialsHint,
  GitRepository,
  pushRefusal,
} from './git.js';
import { octokitReleaseApi, parseRepository, type ReleaseApi } from './github.js';
import { parseInputs, INPUT, type ReleaseInputs } from './inputs.js';
import { planLockfiles, selectedManifests, setLockfileVersions, setManifestVersion } from './packages.js';
import {
  decideBump,
  latestReleaseTag,
  nextVersion,
  releaseCommitSubject,
  versionOfReleaseSubject,
  type BumpDecision,
} from './version.js';

const ACTION_VERSION = '0.1.0';

/** Everything the run learned about the repository before changing anything. */
interface RepositoryState {
  git: GitRepository;
  /** The folder the package.json globs and the changelog path are relative to. */
  dir: string;
  branch: string;
  releaseBranch: string;
  head: string;
  hasRemote: boolean;
  remoteRefs: Map<string, string>;
  links?: RepositoryLinks;
  repository?: { owner: string; repo: string };
  serverUrl: string;
}

/** What a release is (or would be), for outputs, summary and evidence. */
interface ReleasePlan {
  version: string;
  previousVersion: string;
  previousTag?: string;
  tag: string;
  section: string;
  emergency: boolean;
  reason?: string;
  decision?: BumpDecision;
  commits: ReleaseCommit[];
  files: { file: string; before?: string; after: string }[];
}

interface ReleaseResult {
  commit?: string;
  url?: string;
  /** What this run did, in order, for the summary. */
  steps: string[];
  resumed: boolean;
}

const short = (sha: string) => sha.slice(0, 7);

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

async function detectReleaseBranch(
  git: GitRepository,
  inputs: ReleaseInputs,
  remoteRefs: Map<string, string>,
  hasRemote: boolean,
): Promise<string> {
  if (inputs.releaseBranch) return inputs.releaseBranch;
  const candidates = ['main', 'master'];
  const present: string[] = [];
  for (const name of candidates) {
    if (remoteRefs.has(`refs/heads/${name}`) || (await git.localBranchExists(name))) present.push(name);
  }
  if (present.length === 1) return present[0] as string;
  const remoteDefault = hasRemote ? await git.remoteDefaultBranch(inputs.remote) : undefined;
  if (remoteDefault && (present.length === 0 || present.includes(remoteDefault))) return remoteDefault;
  if (present.length > 1) return 'main';
  throw new ActionFailure(
    `Neither a main nor a master branch exists here, so the release branch cannot be detected; set the input '${INPUT.releaseBranch}'. Nothing was changed.`,
  );
}

async function inspectRepository(inputs: ReleaseInputs, ctx: ActionContext): Promise<RepositoryState> {
  const dir = resolve(ctx.workspace, inputs.workingDirectory);
  const serverUrl = (ctx.env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '');
  if (inputs.token) ctx.addSecret(authorizationHeader(inputs.token).replace(/^AUTHORIZATION: basic /, ''));
  const git = new GitRepository(dir, ctx.log, inputs.token ? { token: inputs.token, serverUrl } : undefined);
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
    const ancestor = await git.run(['merge-base', '--is-ancestor', remoteHead, head]);
    if (ancestor.exitCode === 1) {
      throw new ActionFailure(
        `${inputs.remote}/${releaseBranch} has commits that the local ${releaseBranch} does not (it is at ${short(remoteHead)}, local HEAD at ${short(head)}): pull them first (or re-run the workflow on the newest commit). Nothing was changed.`,
      );
    }
    if (ancestor.exitCode !== 0)
      ctx.log.warning(
        `Could not check that ${releaseBranch} is up to date with ${inputs.remote} (commit ${short(remoteHead)} is not here).`,
      );
  }
  const repository = parseRepository(ctx.env.GITHUB_REPOSITORY);
  if (inputs.githubRelease && !inputs.dryRun && !repository) {
    throw new ActionFailure(
      `GITHUB_REPOSITORY is not set as owner/repo, so the GitHub release cannot be created; set '${INPUT.githubRelease}: false' outside GitHub Actions. Nothing was changed.`,
    );
  }
  return {
    git,
    dir,
    branch,
    releaseBranch,
    head,
    hasRemote,
    remoteRefs,
    serverUrl,
    ...(repository
      ? { repository, links: { host: serverUrl, owner: repository.owner, repository: repository.repo } }
      : {}),
  };
}

/** The tag message: the section, and for an emergency, machine-readable trailers. */
export function tagMessage(tag: string, section: string, emergency: boolean, reason?: string): string {
  const title = emergency ? `Release ${tag} (EMERGENCY)` : `Release ${tag}`;
  const trailers = emergency ? `\n\nEmergency: true\nEmergency-Reason: ${oneLine(reason ?? '')}` : '';
  return `${title}\n\n${section.trim()}${trailers}\n`;
}

/** The emergency marks a tag message carries, if any. */
export function emergencyOfTagMessage(message: string): { emergency: boolean; reason?: string } {
  const emergency = /^Emergency: true$/m.test(message);
  const reason = /^Emergency-Reason: (.+)$/m.exec(message)?.[1];
  return emergency ? { emergency, ...(reason ? { reason } : {}) } : { emergency: false };
}

function releaseTitle(plan: Pick<ReleasePlan, 'tag' | 'emergency'>): string {
  return plan.emergency ? `${plan.tag} (EMERGENCY)` : plan.tag;
}

async function planRelease(
  inputs: ReleaseInputs,
  state: RepositoryState,
  ctx: ActionContext,
): Promise<ReleasePlan | { nothing: string; previousVersion: string; commits: ReleaseCommit[] }> {
  const { git, dir } = state;
  const prefix = inputs.tagPrefix;
  const last = latestReleaseTag(await git.tagsMergedInto('HEAD', prefix), prefix);
  const manifests = await selectedManifests(dir, inputs.packages);
  const texts = new Map(manifests.map((file) => [file, readFileSync(join(dir, file), 'utf8')] as const));
  const firstEdit = setManifestVersion(
    texts.get(manifests[0] as string) as string,
    '0.0.0',
    manifests[0] as string,
  );
  const currentVersion = last?.version ?? firstEdit.previous ?? '0.0.0';
  if (last) ctx.log.info(`Last release: ${last.tag}`);
  else
    ctx.log.info(
      `No release tag ${prefix}X.Y.Z is reachable from HEAD: starting from ${manifests[0]}'s version ${currentVersion} and every commit.`,
    );
  const commits = parseCommits(await git.commits(last ? `${last.tag}..HEAD` : 'HEAD')).filter(
    (c) => versionOfReleaseSubject(c.header ?? '', prefix) === undefined,
  );
  ctx.log.info(`${commits.length} commit(s) since ${last?.tag ?? 'the start'}`);
  const decision = decideBump(inputs.bump, commits, currentVersion);
  if (!decision.level) return { nothing: decision.reason, previousVersion: currentVersion, commits };
  const version = nextVersion(currentVersion, decision.level);
  const tag = `${prefix}${version}`;
  ctx.log.info(`Bump: ${decision.level} (${decision.reason}): ${currentVersion} → ${version}`);

  const localTag = await git.tagCommit(tag);
  const remoteTag = state.remoteRefs.get(`refs/tags/${tag}`);
  const existing = localTag ?? remoteTag;
  if (existing) {
    const where = remoteTag ? `on ${inputs.remote}` : 'in this checkout';
    throw new ActionFailure(
      `Tag ${tag} already exists ${where} for commit ${short(existing)}, which is not this release (HEAD is ${short(state.head)} and ${last?.tag ?? 'no earlier release'} is the last release on ${state.releaseBranch}). Find out where it came from: delete it if it was made by mistake (git push ${inputs.remote} :refs/tags/${tag}), or choose a higher 'bump'. Nothing was changed.`,
    );
  }

  for (const file of manifests) {
    const before = setManifestVersion(texts.get(file) as string, version, file).previous;
    if (before !== undefined && before !== currentVersion) {
      ctx.log.warning(
        `${file} was at ${before}, not ${currentVersion}; it moves to ${version} with the others.`,
        { file },
      );
    }
  }
  const reason = inputs.reason ? oneLine(redactPhi(inputs.reason)) : undefined;
  // Commit messages can quote patient data; the section goes to the changelog, the tag and the
  // GitHub release, so PHI-like text is redacted in it as it would be in a log line.
  const written = await writeReleaseSection({
    commits,
    version,
    currentTag: tag,
    ...(last ? { previousTag: last.tag } : {}),
    date: new Date(ctx.clock.now()).toISOString().slice(0, 10),
    ...(state.links ? { links: state.links } : {}),
    ...(inputs.emergency ? { preamble: `**Emergency release.** Reason: ${reason}` } : {}),
  });
  const section = redactPhi(written);
  const files: ReleasePlan['files'] = manifests.map((file) => ({
    file,
    before: setManifestVersion(texts.get(file) as string, version, file).previous,
    after: version,
  }));
  return {
    version,
    previousVersion: currentVersion,
    ...(last ? { previousTag: last.tag } : {}),
    tag,
    section,
    emergency: inputs.emergency,
    ...(reason ? { reason } : {}),
    decision,
    commits,
    files,
  };
}

/** Writes the version into the manifests and lockfiles and the section into the changelog; returns the files written. */
function writeReleaseFiles(inputs: ReleaseInputs, dir: string, plan: ReleasePlan): string[] {
  const written: string[] = [];
  const manifests = plan.files.map((f) => f.file);
  for (const file of manifests) {
    const path = join(dir, file);
    writeFileSync(path, setManifestVersion(readFileSync(path, 'utf8'), plan.version, file).text);
    written.push(file);
  }
  for (const lock of planLockfiles(manifests, (f) => existsSync(join(dir, f)))) {
    const path = join(dir, lock.file);
    const edit = setLockfileVersions(readFileSync(path, 'utf8'), plan.version, lock, lock.file);
    writeFileSync(path, edit.text);
    plan.files.push({
      file: `${lock.file} (${edit.entries.map((e) => (e === '' ? 'root' : e)).join(', ')})`,
      after: plan.version,
    });
    written.push(lock.file);
  }
  const changelogPath = join(dir, inputs.changelogFile);
  mkdirSync(dirname(changelogPath), { recursive: true });
  writeFileSync(
    changelogPath,
    prependSection(existsSync(changelogPath) ? readFileSync(changelogPath, 'utf8') : undefined, plan.section),
  );
  written.push(inputs.changelogFile);
  return written;
}

async function pushRelease(
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

async function publishRelease(
  api: ReleaseApi,
  plan: ReleasePlan,
  inputs: ReleaseInputs,
  steps: string[],
): Promise<string> {
  try {
    const existing = await api.findByTag(plan.tag);
    if (existing) {
      steps.push(`GitHub release ${plan.tag} already existed`);
      return existing.url;
    }
    const notes =
      plan.emergency && !plan.section.includes('**Emergency release.**')
        ? `**Emergency release.** Reason: ${plan.reason ?? 'not recorded'}\n\n${plan.section}`
        : plan.section;
    const created = await api.create({
      tag: plan.tag,
      name: releaseTitle(plan),
      body: notes,
      draft: inputs.draft,
    });
    steps.push(`Created the GitHub release ${releaseTitle(plan)}${inputs.draft ? ' as a draft' : ''}`);
    return created.url;
  } catch (error) {
    throw new ActionFailure(
      `The release commit and tag ${plan.tag} are pushed, but creating the GitHub release failed: ${describeError(error)}. Re-run this action: it finds the pushed release and creates only the missing GitHub release.`,
      { cause: error },
    );
  }
}

function releaseApi(inputs: ReleaseInputs, state: RepositoryState, ctx: ActionContext): ReleaseApi {
  if (!state.repository) {
    throw new ActionFailure(
      `GITHUB_REPOSITORY is not set as owner/repo, so the GitHub release cannot be created; set '${INPUT.githubRelease}: false' outside GitHub Actions.`,
    );
  }
  return octokitReleaseApi(inputs.token as string, state.repository, ctx.log, ctx.sleep);
}

/** Makes a new release: files, commit, tag, push, GitHub release. */
async function makeRelease(
  inputs: ReleaseInputs,
  state: RepositoryState,
  plan: ReleasePlan,
  ctx: ActionContext,
): Promise<ReleaseResult> {
  const steps: string[] = [];
  const written = writeReleaseFiles(inputs, state.dir, plan);
  const subject = releaseCommitSubject(plan.tag);
  const message = plan.emergency
    ? `${subject}\n\nEmergency release. Reason: ${plan.reason}\n`
    : `${subject}\n`;
  const commit = await state.git.commitFiles(written, message);
  steps.push(`Committed ${subject} (${short(commit)}): ${written.join(', ')}`);
  await state.git.createAnnotatedTag(
    plan.tag,
    tagMessage(plan.tag, plan.section, plan.emergency, plan.reason),
  );
  steps.push(`Created the annotated tag ${plan.tag}`);
  ctx.fact('releaseCommit', commit);
  let url: string | undefined;
  if (inputs.push) {
    ctx.log.info(`Pushing ${state.releaseBranch} and ${plan.tag} to ${inputs.remote}`);
    await pushRelease(inputs, state, plan.tag, [
      `HEAD:refs/heads/${state.releaseBranch}`,
      `refs/tags/${plan.tag}`,
    ]);
    steps.push(`Pushed ${state.releaseBranch} and ${plan.tag} to ${inputs.remote}`);
  }
  if (inputs.githubRelease) url = await publishRelease(releaseApi(inputs, state, ctx), plan, inputs, steps);
  return { commit, steps, resumed: false, ...(url ? { url } : {}) };
}

/**
 * HEAD is a release commit made by an earlier run: finish that release (tag, push, GitHub
 * release, whichever is missing) instead of making another.
 */
async function finishRelease(
  inputs: ReleaseInputs,
  state: RepositoryState,
  version: string,
  ctx: ActionContext,
): Promise<{ plan: ReleasePlan; result: ReleaseResult }> {
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
  const parent = await git.run(['rev-parse', '-q', '--verify', 'HEAD~1']);
  const previous =
    parent.exitCode === 0 ? latestReleaseTag(await git.tagsMergedInto('HEAD~1', prefix), prefix) : undefined;
  const marks = localTag
    ? emergencyOfTagMessage(await git.tagMessage(tag))
    : { emergency: inputs.emergency, reason: inputs.reason };
  const reason = marks.reason ? oneLine(redactPhi(marks.reason)) : undefined;
  const plan: ReleasePlan = {
    version,
    previousVersion: previous?.version ?? version,
    ...(previous ? { previousTag: previous.tag } : {}),
    tag,
    section,
    emergency: marks.emergency,
    ...(reason ? { reason } : {}),
    commits: [],
    files: [],
  };
  ctx.log.info(
    `HEAD is the release commit of ${tag} from an earlier run: finishing that release instead of making another.`,
  );
  const steps: string[] = [];
  if (inputs.dryRun) return { plan, result: { commit: state.head, steps, resumed: true } };
  if (!localTag) {
    await git.createAnnotatedTag(tag, tagMessage(tag, section, plan.emergency, plan.reason));
    steps.push(`Created the missing annotated tag ${tag}`);
  }
  if (inputs.push) {
    const refspecs = [
      ...(state.remoteRefs.get(`refs/heads/${state.releaseBranch}`) === state.head
        ? []
        : [`HEAD:refs/heads/${state.releaseBranch}`]),
      ...(remoteTag ? [] : [`refs/tags/${tag}`]),
    ];
    if (refspecs.length) {
      ctx.log.info(`Pushing ${refspecs.join(' ')} to ${inputs.remote}`);
      await pushRelease(inputs, state, tag, refspecs);
      steps.push(
        `Pushed the existing release commit and tag to ${inputs.remote} (${refspecs.map((r) => r.replace(/^HEAD:refs\/heads\/|^refs\/tags\//, '')).join(', ')})`,
      );
    } else steps.push(`${state.releaseBranch} and ${tag} were already on ${inputs.remote}`);
  }
  let url: string | undefined;
  if (inputs.githubRelease) url = await publishRelease(releaseApi(inputs, state, ctx), plan, inputs, steps);
  ctx.fact('releaseCommit', state.head);
  return { plan, result: { commit: state.head, steps, resumed: true, ...(url ? { url } : {}) } };
}

function setOutputs(
  ctx: ActionContext,
  values: {
    released: boolean;
    version: string;
    previousVersion: string;
    tag: string;
    url?: string;
    changelog: string;
    emergency: boolean;
  },
): void {
  ctx.setOutput('released', values.released);
  ctx.setOutput('version', values.version);
  ctx.setOutput('previous-version', values.previousVersion);
  ctx.setOutput('tag', values.tag);
  ctx.setOutput('release-url', values.url ?? '');
  ctx.setOutput('changelog', values.changelog);
  ctx.setOutput('emergency', values.emergency);
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
  plan: ReleasePlan,
  result?: ReleaseResult,
): void {
  const s = ctx.summary;
  const mode = inputs.dryRun ? ' — dry run' : result?.resumed ? ' — finished from an earlier run' : '';
  s.heading(`Release ${plan.tag}${plan.emergency ? ' (EMERGENCY)' : ''}${mode}`);
  if (inputs.dryRun)
    s.paragraph(
      'Dry run: nothing was written, committed, tagged, pushed or published. This is what a real run would do.',
    );
  if (plan.emergency)
    s.raw(`> [!WARNING]\n> Emergency release. Reason: ${summarySafe(plan.reason ?? 'not recorded')}\n`);
  const rows: [string, string | { md: string }][] = [
    ['Version', { md: `\`${plan.previousVersion}\` → **\`${plan.version}\`**` }],
    ['Bump', plan.decision ? `${plan.decision.level} (${plan.decision.reason})` : 'made by the earlier run'],
    ['Tag', plan.tag],
    ['Branch', `${state.releaseBranch} on ${inputs.remote}`],
    ['Emergency', plan.emergency ? `yes: ${plan.reason ?? ''}` : 'no'],
  ];
  s.table(['Release', ''], rows);
  const linkList = links(state, plan, result);
  if (linkList.length) s.list(linkList.map((md) => ({ md })));
  if (result?.steps.length) {
    s.heading('What this run did', 3);
    s.list(result.steps);
  }
  if (plan.files.length) {
    s.heading('Versions', 3);
    s.table(
      ['File', 'Before', 'After'],
      plan.files.map((f) => [f.file, f.before ?? '—', f.after]),
    );
  }
  s.heading('Changelog', 3);
  s.raw(summarySafe(plan.section.replace(/^## /, '#### ').replace(/^### /gm, '##### ')));
}

async function runRelease(inputs: ReleaseInputs, ctx: ActionContext): Promise<void> {
  const state = await inspectRepository(inputs, ctx);
  ctx.fact('branch', state.releaseBranch);
  ctx.fact('head', state.head);
  ctx.fact('dryRun', inputs.dryRun);
  const pending = versionOfReleaseSubject(await state.git.headSubject(), inputs.tagPrefix);
  let plan: ReleasePlan;
  let result: ReleaseResult | undefined;
  if (pending) {
    ({ plan, result } = await finishRelease(inputs, state, pending, ctx));
  } else {
    const planned = await planRelease(inputs, state, ctx);
    if ('nothing' in planned) {
      ctx.log.notice(`Nothing to release: ${planned.nothing}.`);
      setOutputs(ctx, {
        released: false,
        version: planned.previousVersion,
        previousVersion: planned.previousVersion,
        tag: '',
        changelog: '',
        emergency: inputs.emergency,
      });
      ctx.fact('released', false);
      ctx.summary
        .heading('No release')
        .paragraph(`Nothing to release since ${planned.previousVersion}: ${planned.nothing}.`);
      if (planned.commits.length) {
        ctx.summary.table(
          ['Commit', 'Type', 'Subject'],
          planned.commits.map((c) => [short(c.hash), c.type ?? '—', c.subject ?? c.header ?? '']),
        );
      }
      return;
    }
    plan = planned;
    if (!inputs.dryRun) result = await makeRelease(inputs, state, plan, ctx);
  }
  const released = !inputs.dryRun;
  ctx.fact('released', released);
  ctx.fact('version', plan.version);
  ctx.fact('previousVersion', plan.previousVersion);
  ctx.fact('tag', plan.tag);
  ctx.fact('emergency', plan.emergency);
  if (plan.emergency) ctx.fact('emergencyReason', plan.reason);
  if (result?.url) ctx.fact('releaseUrl', result.url);
  setOutputs(ctx, {
    released,
    version: plan.version,
    previousVersion: plan.previousVersion,
    tag: plan.tag,
    ...(result?.url ? { url: result.url } : {}),
    changelog: plan.section,
    emergency: plan.emergency,
  });
  ctx.writeEvidence(
    'release-manifest.json',
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
        emergency: plan.emergency,
        reason: plan.reason ?? null,
        releaseUrl: result?.url ?? null,
        files: plan.files,
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
  summarize(ctx, inputs, state, plan, result);
  if (released)
    ctx.log.notice(
      `Released ${plan.tag}${plan.emergency ? ' (EMERGENCY)' : ''}${result?.url ? `: ${result.url}` : ''}`,
    );
  else ctx.log.notice(`Dry run: would release ${plan.tag} (${plan.previousVersion} → ${plan.version}).`);
}

export const release: ActionDefinition<ReleaseInputs> = {
  name: 'release',
  version: ACTION_VERSION,
  parseInputs,
  run: runRelease,
};

/** The action's entry point. */
export const run = () => runAction(release);
