import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import {
  BROTLI_QUALITY,
  GZIP_LEVEL,
  buildManifest,
  measureArtifact,
  parseBaseline,
} from '../src/manifest.js';

describe('measureArtifact', () => {
  it('gives size, gzip and brotli sizes and sha256 of the content', () => {
    const content = Buffer.from('body { color: red; }\n'.repeat(200));
    const record = measureArtifact('dist/app.css', content);
    expect(record.path).toBe('dist/app.css');
    expect(record.size).toBe(content.length);
    expect(record.sha256).toBe(createHash('sha256').update(content).digest('hex'));
    expect(record.gzipSize).toBe(gzipSync(content, { level: GZIP_LEVEL }).length);
    expect(record.brotliSize).toBe(
      brotliCompressSync(content, { params: { [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY } }).length,
    );
    expect(record.gzipSize).toBeLessThan(record.size);
  });

  it('knows the sha256 of the empty file', () => {
    expect(measureArtifact('dist/empty', Buffer.alloc(0)).sha256).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });
});

describe('buildManifest', () => {
  it('sorts artifacts by path and totals them', () => {
    const b = { path: 'dist/b.js', size: 10, gzipSize: 8, brotliSize: 7, sha256: 'bb' };
    const a = { path: 'dist/a.js', size: 5, gzipSize: 4, brotliSize: 3, sha256: 'aa' };
    expect(buildManifest([b, a], { commit: 'abc123', createdAt: '2026-11-21T16:00:00.000Z' })).toEqual({
      schema: 'white-cross-deploy/build-manifest@1',
      commit: 'abc123',
      createdAt: '2026-11-21T16:00:00.000Z',
      fileCount: 2,
      totalSize: 15,
      totalGzipSize: 12,
      totalBrotliSize: 10,
      artifacts: [a, b],
    });
  });
});

describe('parseBaseline', () => {
  it('reads the artifacts of a manifest', () => {
    const manifest = buildManifest([measureArtifact('dist/a.js', Buffer.from('x'))], { createdAt: 'now' });
    const parsed = parseBaseline(JSON.stringify(manifest));
    expect(parsed).toEqual({
      artifacts: [
        {
          path: 'dist/a.js',
          size: 1,
          gzipSize: manifest.artifacts[0]!.gzipSize,
          brotliSize: manifest.artifacts[0]!.brotliSize,
        },
      ],
    });
  });

  it.each([
    ['not json', 'is not JSON'],
    ['{"files": []}', "has no 'artifacts' list"],
    [
      '{"artifacts": [{"path": "a", "size": -1, "gzipSize": 1, "brotliSize": 1}]}',
      "artifact 1 needs a 'path', 'size', 'gzipSize' and 'brotliSize'",
    ],
    [
      '{"artifacts": [{"size": 1, "gzipSize": 1, "brotliSize": 1}]}',
      "artifact 1 needs a 'path', 'size', 'gzipSize' and 'brotliSize'",
    ],
  ])('says why %j is no baseline', (text, problem) => {
    expect(parseBaseline(text)).toEqual({ problem });
  });
});
