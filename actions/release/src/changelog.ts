/**
 * Conventional commits in, a changelog section out: commit messages are parsed and the
 * release section written by the conventional-changelog packages with the Conventional
 * Commits preset (imported statically: a preset loaded by name cannot be found inside an ncc
 * bundle). Also the plain-text edits of the changelog file: prepend a section, find one.
 */
import { CommitParser, type Commit } from 'conventional-commits-parser';
import { writeChangelogString } from 'conventional-changelog-writer';
import createConventionalCommitsPreset from 'conventional-changelog-conventionalcommits';

interface Preset {
  parser: ConstructorParameters<typeof CommitParser>[0];
  writer: Parameters<typeof writeChangelogString>[2];
}

const preset = createConventionalCommitsPreset() as Preset;

/** A parsed commit since the last release. */
export interface ReleaseCommit {
  hash: string;
  header: string | null;
  type: string | null;
  scope: string | null;
  subject: string | null;
  /** A `BREAKING CHANGE:` footer or a `!` after the type. */
  breaking: boolean;
  /** The parser's full result, as the changelog writer takes it. */
  parsed: Commit;
}

export interface RawCommit {
  hash: string;
  message: string;
}

const BREAKING_HEADER = /^\w*(?:\([^)]*\))?!: /;
const BREAKING_NOTE_TITLES = new Set(['BREAKING CHANGE', 'BREAKING-CHANGE']);

/**
 * Parses commit messages as conventional commits.
 *
 * @example
 * const [c] = parseCommits([{ hash: 'a1b2c3d', message: 'feat(api)!: drop v0 routes' }]);
 * c.type; // 'feat'
 * c.breaking; // true
 */
export function parseCommits(commits: readonly RawCommit[]): ReleaseCommit[] {
  const parser = new CommitParser(preset.parser);
  return commits.map(({ hash, message }) => {
    const parsed = parser.parse(message);
    const breaking =
      parsed.notes.some((note) => BREAKING_NOTE_TITLES.has(note.title.toUpperCase())) ||
      BREAKING_HEADER.test(parsed.header ?? '');
    return {
      hash,
      header: parsed.header,
      type: parsed.type ?? null,
      scope: parsed.scope ?? null,
      subject: parsed.subject ?? null,
      breaking,
      parsed: Object.assign(parsed, { hash }),
    };
  });
}

export interface RepositoryLinks {
  /** `https://github.com` (GITHUB_SERVER_URL). */
  host: string;
  owner: string;
  repository: string;
}

export interface SectionRequest {
  commits: readonly ReleaseCommit[];
  version: string;
  currentTag: string;
  /** The previous release's tag, for the compare link. */
  previousTag?: string;
  /** The release date, `YYYY-MM-DD`. */
  date: string;
  /** Where commit, issue and compare links point; no links without it. */
  links?: RepositoryLinks;
  /** Text shown under the heading (the emergency note). */
  preamble?: string;
}

/**
 * Writes the changelog section of one release: a heading with the compare link and the date,
 * then Breaking Changes, Features, Bug Fixes and Performance Improvements with commit links.
 *
 * @example
 * await writeReleaseSection({ commits, version: '1.3.0', currentTag: 'v1.3.0', previousTag: 'v1.2.0', date: '2026-11-21',
 *   links: { host: 'https://github.com', owner: 'white-cross', repository: 'school-health' } });
 * // '## [1.3.0](https://github.com/white-cross/school-health/compare/v1.2.0...v1.3.0) (2026-11-21)\n\n### Features\n…'
 */
export async function writeReleaseSection(request: SectionRequest): Promise<string> {
  const { links } = request;
  const text = await writeChangelogString(
    request.commits.map((c) => c.parsed),
    {
      version: request.version,
      date: request.date,
      currentTag: request.currentTag,
      previousTag: request.previousTag,
      linkCompare: Boolean(links && request.previousTag),
      linkReferences: Boolean(links),
      ...(links ? { host: links.host, owner: links.owner, repository: links.repository } : {}),
      commit: 'commit',
      ...(request.preamble ? { preamble: request.preamble } : {}),
    },
    preset.writer as Parameters<typeof writeChangelogString<Commit>>[2],
  );
  return `${text.trim()}\n`;
}

const TITLE = '# Changelog';

/**
 * Puts a release section at the top of a changelog, under its `# …` title (adding the title
 * to a new file).
 *
 * @example
 * prependSection('# Changelog\n\n## 1.0.0\n', '## 1.1.0\n\n* x\n'); // '# Changelog\n\n## 1.1.0\n\n* x\n\n## 1.0.0\n'
 */
export function prependSection(existing: string | undefined, section: string): string {
  const body = section.trim();
  if (!existing || existing.trim() === '') return `${TITLE}\n\n${body}\n`;
  const lines = existing.split('\n');
  const titleIndex = lines.findIndex((line) => line.trim() !== '');
  if (!/^# /.test(lines[titleIndex] ?? '')) return `${body}\n\n${existing.trimStart()}`;
  // The title and any introduction under it stay on top; the section goes before the first release.
  let insertAt = lines.findIndex((line, i) => i > titleIndex && /^## /.test(line));
  if (insertAt < 0) insertAt = lines.length;
  const head = lines.slice(0, insertAt).join('\n').trimEnd();
  const rest = lines.slice(insertAt).join('\n').trim();
  return `${head}\n\n${body}\n${rest ? `\n${rest}\n` : ''}`;
}

/**
 * The section of `version` in a changelog (its heading to the next release heading), or
 * undefined when the changelog has none.
 *
 * @example
 * findSection('# Changelog\n\n## [1.1.0](…) (2026-11-21)\n\n* x\n\n## 1.0.0\n', '1.1.0'); // '## [1.1.0](…) (2026-11-21)\n\n* x\n'
 */
export function findSection(changelog: string, version: string): string | undefined {
  const lines = changelog.split('\n');
  const escaped = version.replace(/[.+]/g, '\\$&');
  const heading = new RegExp(`^## (?:\\[${escaped}\\]|${escaped})(?:[ (]|$)`);
  const start = lines.findIndex((line) => heading.test(line));
  if (start < 0) return undefined;
  let end = lines.findIndex((line, i) => i > start && /^## /.test(line));
  if (end < 0) end = lines.length;
  return `${lines.slice(start, end).join('\n').trim()}\n`;
}

/**
 * Makes Markdown from commit messages safe to show in a job summary: HTML tags are escaped
 * (a commit subject must not inject markup), the Markdown itself is kept.
 *
 * @example
 * summarySafe('* handle <script> tags'); // '* handle &lt;script&gt; tags'
 */
export function summarySafe(markdown: string): string {
  return markdown.replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
