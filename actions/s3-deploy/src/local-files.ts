/**
 * The build output as the deploy sees it: each file's key, size, SHA-256, Content-Type and
 * Cache-Control. File times play no part, so a rebuild that rewrites identical files changes
 * nothing.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
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

// Files up to this size are hashed from one read (fewer system calls than a stream).
const READ_WHOLE_LIMIT = 8 * 1024 * 1024;

/** Hex SHA-256 of a file: read whole when small, streamed when large. */
export async function hashFile(file: string, size: number): Promise<string> {
  if (size <= READ_WHOLE_LIMIT)
    return createHash('sha256')
      .update(await readFile(file))
      .digest('hex');
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
    const info = await stat(absolutePath);
    const sha256 = await hashFile(absolutePath, info.size);
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
