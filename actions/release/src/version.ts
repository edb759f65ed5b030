/**
 * Semantic-version decisions for a release: which bump the commits since the last release
 * call for, the next version, and the release tags that mark earlier releases. Pure.
 */
import semver from 'semver';
import type { ReleaseCommit } from './changelog.js';

export type BumpLevel = 'major' | 'minor' | 'patch';
export type BumpRequest = BumpLevel | 'auto';

export interface BumpDecision {
  /** The bump to apply, or null when nothing since the last release is releasable. */
  level: BumpLevel | null;
  /** Why, in words, for the summary. */
  reason: string;
}

const RANK: Record<BumpLevel, number> = { patch: 1, minor: 2, major: 3 };

/**
 * The bump a single conventional commit calls for: a breaking change → major, `feat` → minor,
 * `fix`/`perf` → patch, anything else → null.
 *
 * @example
 * commitBump({ type: 'feat', breaking: false }); // 'minor'
 */
export function commitBump(commit: Pick<ReleaseCommit, 'type' | 'breaking'>): BumpLevel | null {
  if (commit.breaking) return 'major';
  const type = (commit.type ?? '').toLowerCase();
  if (type === 'feat' || type === 'feature') return 'minor';
  if (type === 'fix' || type === 'perf') return 'patch';
  return null;
}

/**
 * Decides the bump from the conventional commits since the last release. While the version is
 * below 1.0.0 a breaking change bumps the minor version (semver's "anything may change" range).
 *
 * @example
 * decideAutoBump([{ type: 'fix', breaking: false }], '1.4.2'); // { level: 'patch', reason: '1 fix/perf' }
 * decideAutoBump([{ type: 'feat', breaking: true }], '0.9.0').level; // 'minor'
 */
export function decideAutoBump(
  commits: readonly Pick<ReleaseCommit, 'type' | 'breaking'>[],
  currentVersion: string,
): BumpDecision {
  let level: BumpLevel | null = null;
  let breaking = 0;
  let features = 0;
  let fixes = 0;
  for (const commit of commits) {
    const bump = commitBump(commit);
    if (bump === 'major') breaking++;
    else if (bump === 'minor') features++;
    else if (bump === 'patch') fixes++;
    if (bump && (level === null || RANK[bump] > RANK[level])) level = bump;
  }
  const counts = [
    breaking ? `${breaking} breaking change${breaking === 1 ? '' : 's'}` : '',
    features ? `${features} feature${features === 1 ? '' : 's'}` : '',
    fixes ? `${fixes} fix/perf` : '',
  ].filter(Boolean);
  if (level === null) {
    return {
      level: null,
      reason: `${commits.length} commit${commits.length === 1 ? '' : 's'}, none of them a feature, fix, performance change or breaking change`,
    };
  }
  if (level === 'major' && semver.major(currentVersion) === 0) {
    return {
      level: 'minor',
      reason: `${counts.join(', ')}; below 1.0.0 a breaking change bumps the minor version`,
    };
  }
  return { level, reason: counts.join(', ') };
}

/**
 * The decision for a requested bump: `auto` reads the commits; an explicit level is used as
 * given, as long as there is at least one commit to release.
 *
 * @example
 * decideBump('minor', [{ type: 'chore', breaking: false }], '1.0.0').level; // 'minor'
 */
export function decideBump(
  request: BumpRequest,
  commits: readonly Pick<ReleaseCommit, 'type' | 'breaking'>[],
  currentVersion: string,
): BumpDecision {
  if (commits.length === 0) return { level: null, reason: 'no commits since the last release' };
  if (request === 'auto') return decideAutoBump(commits, currentVersion);
  return { level: request, reason: `${request} requested` };
}

/**
 * The version after a bump.
 *
 * @example
 * nextVersion('1.4.2', 'minor'); // '1.5.0'
 * nextVersion('0.9.3', 'major'); // '1.0.0'
 */
export function nextVersion(current: string, level: BumpLevel): string {
  const next = semver.inc(current, level);
  if (!next) throw new Error(`cannot bump '${current}': not a semantic version`);
  return next;
}

export interface ReleaseTag {
  tag: string;
  version: string;
}

/**
 * The version a release tag names, or undefined when the tag is not `<prefix><semver>`.
 *
 * @example
 * versionOfTag('v1.2.3', 'v'); // '1.2.3'
 * versionOfTag('nightly', 'v'); // undefined
 */
export function versionOfTag(tag: string, prefix: string): string | undefined {
  if (!tag.startsWith(prefix)) return undefined;
  const version = tag.slice(prefix.length);
  return semver.valid(version) === version ? version : undefined;
}

/**
 * The highest release tag among `tags` (others are ignored).
 *
 * @example
 * latestReleaseTag(['v1.2.0', 'v1.10.0', 'latest'], 'v'); // { tag: 'v1.10.0', version: '1.10.0' }
 */
export function latestReleaseTag(tags: readonly string[], prefix: string): ReleaseTag | undefined {
  let best: ReleaseTag | undefined;
  for (const tag of tags) {
    const version = versionOfTag(tag, prefix);
    if (version && (!best || semver.gt(version, best.version))) best = { tag, version };
  }
  return best;
}

/** The subject of the commit a release makes. */
export function releaseCommitSubject(tag: string): string {
  return `chore(release): ${tag}`;
}

/**
 * The version a release commit's subject names, when the subject is exactly what
 * {@link releaseCommitSubject} writes.
 *
 * @example
 * versionOfReleaseSubject('chore(release): v2.0.0', 'v'); // '2.0.0'
 */
export function versionOfReleaseSubject(subject: string, prefix: string): string | undefined {
  const m = /^chore\(release\): (\S+)$/.exec(subject.trim());
  return m ? versionOfTag(m[1] ?? '', prefix) : undefined;
}
