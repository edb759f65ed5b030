/** Reading the build's output from disk (the only file-system reads after the build). */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ActionFailure, resolveInWorkspace } from '@white-cross/core';
import { glob } from 'tinyglobby';

export interface OutputContent {
  /** Relative to the working directory, with `/`. */
  path: string;
  content: Buffer;
}

/**
 * Every file under the output folders (dotfiles included, so a `.env` cannot hide), read
 * into memory, sorted by path. A folder the build did not create gives no files. An output
 * folder or file that resolves outside `workspace` (a symlink the build made to `/etc`, say)
 * is refused before anything is read from it.
 *
 * @throws {ActionFailure} naming the folder or file that leads outside the workspace.
 */
export async function readOutputFiles(
  workingDirectory: string,
  folders: readonly string[],
  workspace: string = workingDirectory,
): Promise<OutputContent[]> {
  const inside = (path: string) => {
    const resolved = resolveInWorkspace(join(workingDirectory, path), { workspace });
    if ('problem' in resolved) {
      throw new ActionFailure(
        `The build's output ${path} ${resolved.problem}: build-validate reads, measures and approves only files inside the workspace. Make the build write real files there.`,
      );
    }
  };
  const paths = new Set<string>();
  for (const folder of folders) {
    if (!existsSync(join(workingDirectory, folder))) continue;
    inside(folder);
    const found = await glob('**', {
      cwd: join(workingDirectory, folder),
      dot: true,
      onlyFiles: true,
      followSymbolicLinks: false,
    });
    for (const path of found) paths.add(`${folder}/${path}`);
  }
  const sorted = [...paths].sort();
  for (const path of sorted) inside(path);
  return Promise.all(
    sorted.map(async (path) => ({ path, content: await readFile(join(workingDirectory, path)) })),
  );
}
