/**
 * The build manifest: every file of the deployable output with its size, gzip and brotli
 * sizes and sha256. It is the action's `manifest` output and evidence file, and a later
 * build's `baseline`.
 */
import { createHash } from 'node:crypto';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import { MANIFEST_SCHEMA } from './constants.js';
import type { MeasuredSize } from './budgets.js';

export interface ArtifactRecord extends MeasuredSize {
  sha256: string;
}

export interface BuildManifest {
  schema: typeof MANIFEST_SCHEMA;
  /** The commit that was built, when known. */
  commit?: string;
  createdAt: string;
  fileCount: number;
  totalSize: number;
  totalGzipSize: number;
  totalBrotliSize: number;
  artifacts: ArtifactRecord[];
}

/** gzip's best level: cheap, and what static pre-compression would use. */
export const GZIP_LEVEL = 9;
/**
 * Brotli quality 9. On real bundled JavaScript its output is about 10 % larger than quality
 * 11's, but it takes a thirtieth of the time: quality 11 costs seconds per megabyte, too much
 * for every file of every build (`npm run bench:build` measures both).
 */
export const BROTLI_QUALITY = 9;

/**
 * The size of `content` after gzip at {@link GZIP_LEVEL}.
 *
 * @example
 * gzipSize(Buffer.from('aaaaaaaaaa')); // 23
 */
export function gzipSize(content: Buffer): number {
  return gzipSync(content, { level: GZIP_LEVEL }).length;
}

/**
 * The size of `content` after brotli at {@link BROTLI_QUALITY}.
 *
 * @example
 * brotliSize(Buffer.from('aaaaaaaaaa')); // 7
 */
export function brotliSize(content: Buffer): number {
  return brotliCompressSync(content, {
    params: { [zlib.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY, [zlib.BROTLI_PARAM_SIZE_HINT]: content.length },
  }).length;
}

/**
 * Measures one file: its size, its gzip and brotli sizes and its sha256.
 *
 * @example
 * measureArtifact('dist/index.html', Buffer.from('<!doctype html>'));
 * // { path: 'dist/index.html', size: 15, gzipSize: 35, brotliSize: 10, sha256: '…' }
 */
export function measureArtifact(path: string, content: Buffer): ArtifactRecord {
  return {
    path,
    size: content.length,
    gzipSize: gzipSize(content),
    brotliSize: brotliSize(content),
    sha256: createHash('sha256').update(content).digest('hex'),
  };
}

/**
 * Builds the manifest of the measured files, sorted by path so that two builds of the same
 * sources give the same list.
 *
 * @example
 * buildManifest([measureArtifact('dist/a.js', buffer)], { commit: 'abc123', createdAt: '2026-11-21T16:00:00.000Z' });
 */
export function buildManifest(
  artifacts: readonly ArtifactRecord[],
  meta: { commit?: string; createdAt: string },
): BuildManifest {
  const sorted = [...artifacts].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const sum = (pick: (a: ArtifactRecord) => number) => sorted.reduce((total, a) => total + pick(a), 0);
  return {
    schema: MANIFEST_SCHEMA,
    ...(meta.commit ? { commit: meta.commit } : {}),
    createdAt: meta.createdAt,
    fileCount: sorted.length,
    totalSize: sum((a) => a.size),
    totalGzipSize: sum((a) => a.gzipSize),
    totalBrotliSize: sum((a) => a.brotliSize),
    artifacts: sorted,
  };
}

/**
 * Reads a previous manifest (this action's `manifest` output or evidence file) as a baseline.
 * Returns the reason when the text is not one.
 *
 * @example
 * parseBaseline('{"artifacts":[{"path":"dist/a.js","size":10,"gzipSize":8,"brotliSize":7}]}');
 * // { artifacts: [{ path: 'dist/a.js', size: 10, gzipSize: 8, brotliSize: 7 }] }
 */
export function parseBaseline(text: string): { artifacts: MeasuredSize[] } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: 'is not JSON' };
  }
  const artifacts = (value as { artifacts?: unknown } | null)?.artifacts;
  if (!Array.isArray(artifacts)) return { problem: "has no 'artifacts' list" };
  const out: MeasuredSize[] = [];
  for (const [i, entry] of artifacts.entries()) {
    const a = entry as Partial<Record<keyof MeasuredSize, unknown>> | null;
    const isSize = (s: unknown): s is number => typeof s === 'number' && Number.isFinite(s) && s >= 0;
    if (typeof a?.path !== 'string' || !isSize(a.size) || !isSize(a.gzipSize) || !isSize(a.brotliSize)) {
      return { problem: `artifact ${i + 1} needs a 'path', 'size', 'gzipSize' and 'brotliSize'` };
    }
    out.push({ path: a.path, size: a.size, gzipSize: a.gzipSize, brotliSize: a.brotliSize });
  }
  return { artifacts: out };
}
