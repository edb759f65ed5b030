/**
 * Glob patterns over the build's output, relative to the working directory. The folders the
 * `artifacts` patterns point into are the deployable output: everything in them is measured,
 * listed in the manifest and scanned for forbidden content.
 */
import picomatch from 'picomatch';

/** A file of the build's output: its path relative to the working directory (POSIX `/`). */
export interface OutputFile {
  path: string;
  size: number;
}

/**
 * Why a pattern cannot name files of the build's output, or undefined when it can: it must
 * be relative and stay inside the working directory.
 *
 * @example
 * patternProblem('../secrets/*'); // 'must stay inside the working directory (no ..)'
 */
export function patternProblem(pattern: string): string | undefined {
  if (pattern.startsWith('/') || /^[A-Za-z]:[\\/]/.test(pattern))
    return 'must be relative to the working directory';
  if (pattern.startsWith('!')) return 'cannot be negated (list only what must be there)';
  if (pattern.split(/[\\/]/).includes('..')) return 'must stay inside the working directory (no ..)';
  return undefined;
}

/**
 * The folder an artifact pattern points into: the part before the first glob character, or
 * the parent folder of a plain path. Empty when the pattern starts with a glob.
 *
 * @example
 * outputFolder('frontend/dist/assets/*.js'); // 'frontend/dist/assets'
 * outputFolder('frontend/dist/index.html'); // 'frontend/dist'
 */
export function outputFolder(pattern: string): string {
  const scan = picomatch.scan(normalize(pattern));
  const base = scan.isGlob ? scan.base : scan.base.split('/').slice(0, -1).join('/');
  return base.replace(/\/+$/, '');
}

/**
 * The distinct output folders of a set of artifact patterns, without folders nested in
 * others (`frontend/dist/assets` is inside `frontend/dist`).
 *
 * @example
 * outputFolders(['frontend/dist/index.html', 'frontend/dist/assets/*.js', 'backend/dist/**']);
 * // ['backend/dist', 'frontend/dist']
 */
export function outputFolders(patterns: readonly string[]): string[] {
  const folders = [...new Set(patterns.map(outputFolder))].sort();
  return folders.filter((folder) => !folders.some((other) => other !== folder && isInside(folder, other)));
}

function isInside(folder: string, parent: string): boolean {
  return parent === '' || folder.startsWith(`${parent}/`);
}

function normalize(pattern: string): string {
  return pattern.replace(/\\/g, '/').replace(/^\.\//, '');
}

/**
 * A predicate for paths matching `pattern`; dotfiles match too (a `.env` must not hide).
 *
 * @example
 * matcherFor('dist/**')('dist/.env'); // true
 */
export function matcherFor(pattern: string): (path: string) => boolean {
  return picomatch(normalize(pattern), { dot: true });
}

/** What is wrong with one `artifacts` pattern after the build. */
export interface ArtifactProblem {
  pattern: string;
  /** `missing`: nothing matched; `empty`: these matched files have no content. */
  kind: 'missing' | 'empty';
  files: string[];
}

/**
 * Checks that every artifact pattern matches at least one file and that none it matches is
 * empty.
 *
 * @example
 * checkArtifacts(['dist/index.html'], [{ path: 'dist/index.html', size: 0 }]);
 * // [{ pattern: 'dist/index.html', kind: 'empty', files: ['dist/index.html'] }]
 */
export function checkArtifacts(patterns: readonly string[], files: readonly OutputFile[]): ArtifactProblem[] {
  const problems: ArtifactProblem[] = [];
  for (const pattern of patterns) {
    const matches = files.filter((file) => matcherFor(pattern)(file.path));
    if (matches.length === 0) problems.push({ pattern, kind: 'missing', files: [] });
    const empty = matches.filter((file) => file.size === 0).map((file) => file.path);
    if (empty.length > 0) problems.push({ pattern, kind: 'empty', files: empty });
  }
  return problems;
}

/**
 * The name of a content-hashed file with its hash replaced by `[hash]`, so that a file can be
 * compared with its previous build although its name changed: `app.3f9c2a1b7d.js` and
 * `index-BXk3f9aZ.js` become `app.[hash].js` and `index-[hash].js`. A hash is a run of 8 to
 * 64 letters, digits, `_` or `-` with at least one digit, between dots or after the last dash
 * of the name.
 *
 * @example
 * stableAssetKey('frontend/dist/assets/app.53735f11c6.js'); // 'frontend/dist/assets/app.[hash].js'
 */
export function stableAssetKey(path: string): string {
  const slash = path.lastIndexOf('/');
  const folder = path.slice(0, slash + 1);
  const parts = path.slice(slash + 1).split('.');
  const isHash = (token: string) => /^[A-Za-z0-9_-]{8,64}$/.test(token) && /\d/.test(token);
  const named = parts.map((part, i) => {
    if (i > 0 && i < parts.length - 1 && isHash(part)) return '[hash]';
    if (i === 0) {
      const dash = part.lastIndexOf('-');
      if (dash > 0 && isHash(part.slice(dash + 1))) return `${part.slice(0, dash)}-[hash]`;
    }
    return part;
  });
  return folder + named.join('.');
}
