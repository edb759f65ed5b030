/**
 * The build output as the deploy sees it: each file's key, size, SHA-256, Content-Type and
 * Cache-Control. File times play no part, so a rebuild that rewrites identical files changes
 * nothing.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { glob } from 'tinyglobby';
import { cacheControlFor, isHtml, type CacheRule } from './cache-rules.js';
import { contentTypeFor } from './content-type.js';
import { mapConcurrent } from './concurrency.js';

export interface LocalFile {
  /** The path relative to `source-dir`, with `/` separators. */
  path: string;
  /** The absolute path on disk. */
  absolutePath: string;
  /** The S3 key: `prefix/path`. */
  key: string;
  size: number;
  /** Hex SHA-256 of the content. */
  sha256: string;
  contentType: string;
  cacheControl: string;
  html: boolean;
}

// Never published: version-control and OS litter.
const IGNORED = ['**/.git/**', '**/.DS_Store', '**/Thumbs.db'];

/**
 * The S3 key of a path under the prefix.
 *
 * @example
 * keyFor('app', 'assets/a.js'); // 'app/assets/a.js'
 */
export function keyFor(prefix: string, path: string): string {
  return prefix === '' ? path : `${prefix}/${path}`;
}

/** Hex SHA-256 of a file, streamed. */
export function hashFile(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** Lists and hashes every file under `sourceDir` (dotfiles included, symlinks followed). */
export async function scanLocalFiles(
  sourceDir: string,
  prefix: string,
  rules: readonly CacheRule[],
  concurrency: number,
): Promise<LocalFile[]> {
  const paths = (
    await glob('**/*', {
      cwd: sourceDir,
      dot: true,
      onlyFiles: true,
      ignore: IGNORED,
      expandDirectories: false,
    })
  ).sort();
  return mapConcurrent(paths, concurrency, async (path) => {
    const absolutePath = join(sourceDir, path);
    const [info, sha256] = await Promise.all([stat(absolutePath), hashFile(absolutePath)]);
    return {
      path,
      absolutePath,
      key: keyFor(prefix, path),
      size: info.size,
      sha256,
      contentType: contentTypeFor(path),
      cacheControl: cacheControlFor(path, rules),
      html: isHtml(path),
    };
  });
}
