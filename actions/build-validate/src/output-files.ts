/** Reading the build's output from disk (the only file-system reads after the build). */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { glob } from 'tinyglobby';

export interface OutputContent {
  /** Relative to the working directory, with `/`. */
  path: string;
  content: Buffer;
}

/**
 * Every file under the output folders (dotfiles included, so a `.env` cannot hide), read
 * into memory, sorted by path. A folder the build did not create gives no files.
 */
export async function readOutputFiles(
  workingDirectory: string,
  folders: readonly string[],
): Promise<OutputContent[]> {
  const paths = new Set<string>();
  for (const folder of folders) {
    const found = await glob('**', {
      cwd: join(workingDirectory, folder),
      dot: true,
      onlyFiles: true,
      followSymbolicLinks: false,
    });
    for (const path of found) paths.add(`${folder}/${path}`);
  }
  const sorted = [...paths].sort();
  return Promise.all(
    sorted.map(async (path) => ({ path, content: await readFile(join(workingDirectory, path)) })),
  );
}
