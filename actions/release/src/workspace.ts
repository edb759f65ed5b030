/**
 * Every file the release writes must be in the checked-out repository: a path that leads out
 * of GITHUB_WORKSPACE, by `..`, an absolute path or a symlink (a committed `frontend -> /etc`
 * link, say), is refused naming the input, before anything is written.
 */
import { lstatSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ConfigurationError } from '@white-cross/core';

export function pathPresent(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where `path` leads once every symlink is followed; a part that does not exist yet is kept as
 * written below its nearest existing folder. Undefined when a symlink on the way is dangling.
 */
export function realLocation(path: string): string | undefined {
  let existing = resolve(path);
  const rest: string[] = [];
  while (!pathPresent(existing) && dirname(existing) !== existing) {
    rest.unshift(basename(existing));
    existing = dirname(existing);
  }
  try {
    return join(realpathSync(existing), ...rest);
  } catch {
    return undefined;
  }
}

/** Whether `path`, symlinks followed, is `workspace` or inside it. */
export function isInside(workspace: string, path: string): boolean {
  const root = realLocation(workspace);
  const real = realLocation(path);
  if (root === undefined || real === undefined) return false;
  const rel = relative(root, real);
  return rel === '' || (!isAbsolute(rel) && rel.split(sep)[0] !== '..');
}

/**
 * Refuses `path` (what input `input` named as `shown`) when it leads outside the workspace.
 *
 * @example
 * refuseOutsideWorkspace('/github/workspace', '/github/workspace/CHANGELOG.md', 'changelog-file', 'CHANGELOG.md');
 */
export function refuseOutsideWorkspace(workspace: string, path: string, input: string, shown: string): void {
  if (isInside(workspace, path)) return;
  throw new ConfigurationError(
    `Input '${input}' leads to ${shown}, which is outside the workspace (GITHUB_WORKSPACE) once symlinks are followed: the release only reads and writes files of the checked-out repository. Nothing was changed.`,
    input,
  );
}
