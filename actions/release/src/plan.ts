/**
 * The release plan, assembled from the state read before (no git, no disk): the bump, the
 * version, the tag, the changelog section, and every text that goes into git or GitHub — the
 * commit message, the tag message, the release title and notes, the emergency note — each
 * built once, here, so that what is checked is what is written.
 */
import { writeReleaseSection, type ReleaseCommit, type RepositoryLinks } from './changelog.js';
import { setManifestVersion } from './packages.js';
import {
  decideBump,
  nextVersion,
  releaseCommitSubject,
  type BumpDecision,
  type BumpRequest,
  type ReleaseTag,
} from './version.js';

export interface ManifestText {
  /** Relative POSIX path of a package.json. */
  file: string;
  text: string;
}

/** What the plan is made from: read by `state.ts`. */
export interface ReleaseHistory {
  /** The last release tag reachable from HEAD. */
  last?: ReleaseTag;
  /** The selected package.json files, root first, as they are now. */
  manifests: readonly ManifestText[];
  /** The commits since the last release, oldest first, release commits left out. */
  commits: readonly ReleaseCommit[];
}

/** One package.json moving to the new version. */
export interface ManifestChange {
  file: string;
  before?: string;
  after: string;
  /** The file's new text. */
  text: string;
}

/** Why a release is an emergency, when it is one. */
export type Emergency = { emergency: false } | { emergency: true; reason: string };

/** The texts a release writes into git and GitHub. */
export interface ReleaseTexts {
  /** The changelog section (also the `changelog` output). */
  section: string;
  commitMessage: string;
  tagMessage: string;
  /** The GitHub release's title and body. */
  title: string;
  notes: string;
}

export interface ReleasePlan extends ReleaseTexts {
  version: string;
  previousVersion: string;
  previousTag?: string;
  tag: string;
  emergency: Emergency;
  /** How the bump was decided; undefined when an earlier run made the release. */
  decision?: BumpDecision;
  commits: readonly ReleaseCommit[];
  manifests: readonly ManifestChange[];
}

/** Nothing to release: why, and the commits looked at. */
export interface NothingToRelease {
  nothing: string;
  previousVersion: string;
  commits: readonly ReleaseCommit[];
}

export interface PlanRequest {
  history: ReleaseHistory;
  bump: BumpRequest;
  tagPrefix: string;
  emergency: Emergency;
  /** The release date, `YYYY-MM-DD`. */
  date: string;
  links?: RepositoryLinks;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** The emergency as it is written: the reason on one line (secrets and PHI are refused, see safety.ts). */
export function recordedEmergency(emergency: boolean, reason: string | undefined): Emergency {
  return emergency
    ? { emergency: true, reason: oneLine(reason ?? '') || 'not recorded' }
    : { emergency: false };
}

/** The note under the changelog heading and at the top of the release notes of an emergency. */
export function emergencyNote(reason: string): string {
  return `**Emergency release.** Reason: ${reason}`;
}

/**
 * The tag message: the section, and for an emergency, machine-readable trailers.
 *
 * @example
 * tagMessage('v1.2.1', '## 1.2.1\n', { emergency: true, reason: 'outage' });
 * // 'Release v1.2.1 (EMERGENCY)\n\n## 1.2.1\n\nEmergency: true\nEmergency-Reason: outage\n'
 */
export function tagMessage(tag: string, section: string, emergency: Emergency): string {
  const title = emergency.emergency ? `Release ${tag} (EMERGENCY)` : `Release ${tag}`;
  const trailers = emergency.emergency
    ? `\n\nEmergency: true\nEmergency-Reason: ${oneLine(emergency.reason)}`
    : '';
  return `${title}\n\n${section.trim()}${trailers}\n`;
}

/** The emergency marks a tag message carries, if any. */
export function emergencyOfTagMessage(message: string): { emergency: boolean; reason?: string } {
  const emergency = /^Emergency: true$/m.test(message);
  const reason = /^Emergency-Reason: (.+)$/m.exec(message)?.[1];
  return emergency ? { emergency, ...(reason ? { reason } : {}) } : { emergency: false };
}

/** Every text of a release, from its section. */
export function releaseTexts(tag: string, section: string, emergency: Emergency): ReleaseTexts {
  const subject = releaseCommitSubject(tag);
  const note = emergency.emergency ? emergencyNote(emergency.reason) : undefined;
  return {
    section,
    commitMessage: emergency.emergency
      ? `${subject}\n\nEmergency release. Reason: ${emergency.reason}\n`
      : `${subject}\n`,
    tagMessage: tagMessage(tag, section, emergency),
    title: emergency.emergency ? `${tag} (EMERGENCY)` : tag,
    // A section read back from the changelog of an earlier run may lack the note.
    notes: note && !section.includes(note) ? `${note}\n\n${section}` : section,
  };
}

/**
 * Assembles the release: the bump the commits call for, the new version in every manifest,
 * and the texts. Nothing when nothing since the last release is releasable.
 */
export async function assembleReleasePlan(request: PlanRequest): Promise<ReleasePlan | NothingToRelease> {
  const { history, tagPrefix, emergency } = request;
  const { last, commits } = history;
  const [first] = history.manifests;
  const currentVersion =
    last?.version ??
    (first ? setManifestVersion(first.text, '0.0.0', first.file).previous : undefined) ??
    '0.0.0';
  const decision = decideBump(request.bump, commits, currentVersion);
  if (!decision.level) return { nothing: decision.reason, previousVersion: currentVersion, commits };
  const version = nextVersion(currentVersion, decision.level);
  const tag = `${tagPrefix}${version}`;
  const manifests = history.manifests.map(({ file, text }) => {
    const edit = setManifestVersion(text, version, file);
    return {
      file,
      ...(edit.previous === undefined ? {} : { before: edit.previous }),
      after: version,
      text: edit.text,
    };
  });
  // Commit subjects can quote patient data or a pasted token: safety.ts refuses such a plan.
  const section = await writeReleaseSection({
    commits,
    version,
    currentTag: tag,
    ...(last ? { previousTag: last.tag } : {}),
    date: request.date,
    ...(request.links ? { links: request.links } : {}),
    ...(emergency.emergency ? { preamble: emergencyNote(emergency.reason) } : {}),
  });
  return {
    version,
    previousVersion: currentVersion,
    ...(last ? { previousTag: last.tag } : {}),
    tag,
    emergency,
    decision,
    commits,
    manifests,
    ...releaseTexts(tag, section, emergency),
  };
}

/** The manifests that were not at the previous version (they move with the others). */
export function driftedManifests(plan: ReleasePlan): { file: string; before: string }[] {
  return plan.manifests.flatMap((m) =>
    m.before !== undefined && m.before !== plan.previousVersion ? [{ file: m.file, before: m.before }] : [],
  );
}
