import { describe, expect, it } from '@jest/globals';
import type { LocalFile } from '../src/local-files.js';
import {
  callerReferenceFor,
  deleteRatio,
  invalidationPathsFor,
  keysToInspect,
  manifestDigest,
  mergeInvalidationPaths,
  planSync,
  uploadsOf,
  type ListedObject,
  type ObjectState,
  type RecordedObject,
} from '../src/plan.js';

function file(path: string, sha256 = `${path.length}`.padStart(64, '0'), size = 10): LocalFile {
  return {
    path,
    absolutePath: `/build/${path}`,
    key: `app/${path}`,
    size,
    sha256,
    contentType: path.endsWith('.html') ? 'text/html; charset=utf-8' : 'text/javascript; charset=utf-8',
    cacheControl: path.endsWith('.html') ? 'no-cache' : 'public, max-age=31536000, immutable',
    html: path.endsWith('.html'),
  };
}
const listed = (key: string, etag = '"e1"', size = 10): ListedObject => ({
  key,
  size,
  etag,
});
const stateOf = (f: LocalFile): ObjectState => ({
  sha256: f.sha256,
  contentType: f.contentType,
  cacheControl: f.cacheControl,
  sse: 'AES256',
});

describe('keysToInspect', () => {
  const a = file('assets/a-1b2c3d4e.js');
  const b = file('index.html');
  const c = file('about.html');
  it('asks S3 only about objects the record does not describe as they are now', () => {
    const listing = new Map([
      [a.key, listed(a.key)],
      [b.key, listed(b.key, '"changed-since"')],
    ]);
    const recorded: Record<string, RecordedObject> = {
      [a.key]: { ...stateOf(a), ...listed(a.key) },
      [b.key]: { ...stateOf(b), ...listed(b.key) },
    };
    // a: record matches; b: rewritten since (other ETag); c: not in S3 at all (nothing to ask).
    expect(keysToInspect([a, b, c], listing, recorded)).toEqual([b.key]);
  });
  it('asks about every existing object when there is no record', () => {
    const listing = new Map([[a.key, listed(a.key)]]);
    expect(keysToInspect([a, b], listing, {})).toEqual([a.key]);
  });
});

describe('planSync', () => {
  const asset = file('assets/index-BJx0f2Zk.js');
  const fresh = file('assets/index-Zq4w7Ty2.js');
  const page = file('about/index.html');
  const index = file('index.html');
  const robots = file('robots.txt');

  it('uploads new and changed files in phases — assets, pages, the root index.html — and deletes the stale', () => {
    const changedIndex = { ...index, sha256: 'f'.repeat(64) };
    const listing = new Map(
      [asset, page, index, robots, file('assets/old-9z8y7x6w.js')].map(
        (f) => [f.key, listed(f.key)] as const,
      ),
    );
    const states = new Map([asset, page, index, robots].map((f) => [f.key, stateOf(f)] as const));
    states.set(robots.key, { ...stateOf(robots), cacheControl: 'max-age=60' });
    const plan = planSync({
      local: [changedIndex, asset, fresh, page, robots],
      listing,
      states,
      sse: 'AES256',
      deleteStale: true,
      reserved: new Set(),
    });
    expect(plan.phases.map((p) => [p.name, p.uploads.map((u) => `${u.file.path}:${u.reason}`)])).toEqual([
      ['assets', ['assets/index-Zq4w7Ty2.js:new', 'robots.txt:cache-control']],
      ['pages', []],
      ['index.html', ['index.html:content']],
    ]);
    expect(plan.unchanged.map((f) => f.path)).toEqual([asset.path, page.path]);
    expect(plan.deletions).toEqual(['app/assets/old-9z8y7x6w.js']);
    expect(plan.existingObjects).toBe(5);
    expect(plan.bytesToUpload).toBe(30);
    expect(uploadsOf(plan).map((u) => u.file.path)).toEqual([
      'assets/index-Zq4w7Ty2.js',
      'robots.txt',
      'index.html',
    ]);
  });

  it('re-puts on a Content-Type or encryption change, and when the object carries no SHA-256', () => {
    const listing = new Map([asset, page, robots].map((f) => [f.key, listed(f.key)] as const));
    const states = new Map<string, ObjectState>([
      [asset.key, { ...stateOf(asset), contentType: 'application/octet-stream' }],
      [page.key, { ...stateOf(page), sse: 'aws:kms' }],
    ]);
    const plan = planSync({
      local: [asset, page, robots],
      listing,
      states,
      sse: 'AES256',
      deleteStale: true,
      reserved: new Set(),
    });
    expect(uploadsOf(plan).map((u) => `${u.file.path}:${u.reason}`)).toEqual([
      'assets/index-BJx0f2Zk.js:content-type',
      'robots.txt:content',
      'about/index.html:encryption',
    ]);
  });

  it('keeps stale objects when delete is off, and never deletes reserved keys', () => {
    const listing = new Map([
      [asset.key, listed(asset.key)],
      ['app/gone.js', listed('app/gone.js')],
    ]);
    const states = new Map([[asset.key, stateOf(asset)]]);
    expect(
      planSync({ local: [asset], listing, states, sse: 'AES256', deleteStale: false, reserved: new Set() })
        .deletions,
    ).toEqual([]);
    const plan = planSync({
      local: [asset],
      listing,
      states,
      sse: 'AES256',
      deleteStale: true,
      reserved: new Set(['app/gone.js']),
    });
    expect(plan.deletions).toEqual([]);
    expect(plan.existingObjects).toBe(1);
  });
});

describe('deleteRatio', () => {
  it('is the share of existing objects to delete', () => {
    expect(deleteRatio({ deletions: ['a', 'b'], existingObjects: 4 })).toBe(0.5);
    expect(deleteRatio({ deletions: [], existingObjects: 0 })).toBe(0);
  });
});

describe('invalidation paths', () => {
  it('lists changed files and the folder URL of each index.html, encoded as URLs', () => {
    expect(invalidationPathsFor(['index.html', 'docs/index.html', 'img/school logo.png'])).toEqual([
      '/',
      '/docs/',
      '/docs/index.html',
      '/img/school%20logo.png',
      '/index.html',
    ]);
  });
  it('collapses to /* past the limit', () => {
    expect(invalidationPathsFor(['a.js', 'b.js', 'c.js'], 2)).toEqual(['/*']);
    expect(mergeInvalidationPaths(['/a.js'], ['/b.js'], 2)).toEqual(['/a.js', '/b.js']);
    expect(mergeInvalidationPaths(['/a.js', '/c.js'], ['/b.js'], 2)).toEqual(['/*']);
    expect(mergeInvalidationPaths(['/*'], ['/b.js'])).toEqual(['/*']);
  });
});

describe('callerReferenceFor', () => {
  const deploy = {
    distributionId: 'E2QWRUHAPOMQZL',
    paths: ['/index.html', '/'],
    manifestSha256: manifestDigest({ 'index.html': 'ab' }),
    runId: '4242',
  };
  it('is the same for a re-run of the same deploy, whatever the order of paths', () => {
    expect(callerReferenceFor({ ...deploy, paths: ['/', '/index.html'] })).toBe(callerReferenceFor(deploy));
    expect(callerReferenceFor(deploy)).toMatch(/^white-cross-s3-deploy-[0-9a-f]{40}$/);
  });
  it('differs for another run or another manifest', () => {
    expect(callerReferenceFor({ ...deploy, runId: '4243' })).not.toBe(callerReferenceFor(deploy));
    expect(
      callerReferenceFor({ ...deploy, manifestSha256: manifestDigest({ 'index.html': 'cd' }) }),
    ).not.toBe(callerReferenceFor(deploy));
  });
  it('digests a manifest independently of key order', () => {
    expect(manifestDigest({ a: '1', b: '2' })).toBe(manifestDigest({ b: '2', a: '1' }));
  });
});
