import { describe, expect, it } from '@jest/globals';
import {
  checkArtifacts,
  matcherFor,
  outputFolder,
  outputFolders,
  patternProblem,
  stableAssetKey,
} from '../src/paths.js';

describe('outputFolder', () => {
  it.each([
    ['frontend/dist/assets/*.js', 'frontend/dist/assets'],
    ['frontend/dist/index.html', 'frontend/dist'],
    ['./dist/**', 'dist'],
    ['dist/{a,b}.js', 'dist'],
    ['**/*.js', ''],
    ['index.html', ''],
  ])('%s points into %j', (pattern, folder) => {
    expect(outputFolder(pattern)).toBe(folder);
  });

  it('drops folders nested in others', () => {
    expect(
      outputFolders([
        'frontend/dist/index.html',
        'frontend/dist/assets/*.js',
        'backend/dist/**',
        'frontend/distro/x',
      ]),
    ).toEqual(['backend/dist', 'frontend/dist', 'frontend/distro']);
  });
});

describe('patternProblem', () => {
  it.each([
    ['/abs/dist/**', 'must be relative to the working directory'],
    ['C:\\dist\\**', 'must be relative to the working directory'],
    ['dist/../../etc/*', 'must stay inside the working directory (no ..)'],
    ['!dist/*.map', 'cannot be negated (list only what must be there)'],
  ])('rejects %s', (pattern, problem) => {
    expect(patternProblem(pattern)).toBe(problem);
  });

  it('accepts a relative glob', () => {
    expect(patternProblem('frontend/dist/**/*.js')).toBeUndefined();
  });
});

describe('matcherFor', () => {
  it('matches dotfiles, so a .env cannot hide', () => {
    expect(matcherFor('dist/**')('dist/.env')).toBe(true);
    expect(matcherFor('dist/*.js')('dist/sub/a.js')).toBe(false);
  });
});

describe('checkArtifacts', () => {
  it('reports patterns with no file and matched files that are empty', () => {
    const files = [
      { path: 'dist/index.html', size: 0 },
      { path: 'dist/assets/app.js', size: 10 },
    ];
    expect(checkArtifacts(['dist/index.html', 'dist/assets/*.js', 'dist/robots.txt'], files)).toEqual([
      { pattern: 'dist/index.html', kind: 'empty', files: ['dist/index.html'] },
      { pattern: 'dist/robots.txt', kind: 'missing', files: [] },
    ]);
  });
});

describe('stableAssetKey', () => {
  it.each([
    ['frontend/dist/assets/app.53735f11c6.js', 'frontend/dist/assets/app.[hash].js'],
    ['dist/assets/index-BXk3f9aZ.js', 'dist/assets/index-[hash].js'],
    ['dist/assets/chunk.a1b2c3d4.min.js', 'dist/assets/chunk.[hash].min.js'],
    ['dist/index.html', 'dist/index.html'],
    ['dist/my-component.js', 'dist/my-component.js'],
    ['dist/v2.release.js', 'dist/v2.release.js'],
  ])('%s -> %s', (path, key) => {
    expect(stableAssetKey(path)).toBe(key);
  });
});
