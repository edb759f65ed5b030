import { describe, expect, it } from '@jest/globals';
import {
  BudgetSyntaxError,
  describeOverBudget,
  evaluateBudgets,
  parseBudgets,
  type MeasuredSize,
} from '../src/budgets.js';

const file = (
  path: string,
  size: number,
  gzipSize = Math.round(size / 2),
  brotliSize = Math.round(size / 3),
): MeasuredSize => ({
  path,
  size,
  gzipSize,
  brotliSize,
});

function syntaxErrorOf(text: string, origin?: string): BudgetSyntaxError {
  try {
    parseBudgets(text, origin);
  } catch (error) {
    if (error instanceof BudgetSyntaxError) return error;
    throw error;
  }
  throw new Error('expected a BudgetSyntaxError');
}

describe('parseBudgets', () => {
  it('reads glob, size, compression and scope, skipping blanks and comments', () => {
    const budgets = parseBudgets(
      [
        '# frontend',
        'frontend/dist/assets/*.js: 250 kB gzip',
        '',
        'frontend/dist/assets/*.css:50KiB brotli',
        'frontend/dist/index.html: 10 kB',
        'frontend/dist/**: 2 MB raw total',
      ].join('\n'),
    );
    expect(budgets).toEqual([
      {
        pattern: 'frontend/dist/assets/*.js',
        limit: 250_000,
        limitText: '250 kB',
        compression: 'gzip',
        scope: 'each',
        origin: 'line 2',
      },
      {
        pattern: 'frontend/dist/assets/*.css',
        limit: 51_200,
        limitText: '50KiB',
        compression: 'brotli',
        scope: 'each',
        origin: 'line 4',
      },
      {
        pattern: 'frontend/dist/index.html',
        limit: 10_000,
        limitText: '10 kB',
        compression: 'raw',
        scope: 'each',
        origin: 'line 5',
      },
      {
        pattern: 'frontend/dist/**',
        limit: 2_000_000,
        limitText: '2 MB',
        compression: 'raw',
        scope: 'total',
        origin: 'line 6',
      },
    ]);
  });

  it('names the file a budget came from', () => {
    expect(parseBudgets('\ndist/*.js: 1 kB', 'budgets.txt')[0]?.origin).toBe('budgets.txt line 2');
  });

  it.each([
    ['dist/*.js 250 kB', "line 1: 'dist/*.js 250 kB' has no 'glob: size'"],
    ['dist/*.js: lots', "line 1: 'lots' is not a size"],
    ['dist/*.js: 250 parsecs gzip', "line 1: '250 parsecs' is not a size"],
    ['dist/*.js: gzip', "line 1: 'dist/*.js: gzip' is not a size"],
    ['dist/*.js: 0 kB', "line 1: the limit of 'dist/*.js' must be more than 0 bytes"],
    ['../secrets/*: 1 kB', "line 1: the glob '../secrets/*' must stay inside the working directory (no ..)"],
    ['/etc/*: 1 kB', "line 1: the glob '/etc/*' must be relative to the working directory"],
  ])('rejects %j', (text, message) => {
    expect(syntaxErrorOf(text).message).toContain(message);
  });
});

describe('evaluateBudgets', () => {
  const files = [
    file('frontend/dist/assets/app.1a2b3c4d5e.js', 300_000, 120_000, 100_000),
    file('frontend/dist/assets/vendor.9f8e7d6c5b.js', 200_000, 80_000, 70_000),
    file('frontend/dist/index.html', 2_000, 900, 800),
  ];

  it('judges each matching file against its own limit, in the budget compression', () => {
    const results = evaluateBudgets(parseBudgets('frontend/dist/assets/*.js: 100 kB gzip'), files);
    expect(results.map((r) => [r.subject, r.actual, r.status, r.excess])).toEqual([
      ['frontend/dist/assets/app.1a2b3c4d5e.js', 120_000, 'over', 20_000],
      ['frontend/dist/assets/vendor.9f8e7d6c5b.js', 80_000, 'ok', 0],
    ]);
  });

  it('judges a total budget on the sum of its files', () => {
    const [result] = evaluateBudgets(parseBudgets('frontend/dist/**: 500 kB total'), files);
    expect(result).toMatchObject({
      subject: 'frontend/dist/**',
      actual: 502_000,
      status: 'over',
      excess: 2_000,
    });
    expect(result?.files).toHaveLength(3);
  });

  it('reports a budget that matches nothing as no-match, not as over', () => {
    const [result] = evaluateBudgets(parseBudgets('frontend/dist/*.wasm: 1 MB'), files);
    expect(result).toMatchObject({
      subject: 'frontend/dist/*.wasm',
      status: 'no-match',
      actual: 0,
      excess: 0,
    });
  });

  it('compares content-hashed files with their previous version in the baseline', () => {
    const baseline = [
      file('frontend/dist/assets/app.0000aaaa11.js', 250_000, 110_000, 90_000),
      file('frontend/dist/assets/vendor.9f8e7d6c5b.js', 200_000, 80_000, 70_000),
    ];
    const results = evaluateBudgets(
      parseBudgets('frontend/dist/assets/*.js: 100 kB gzip\nfrontend/dist/**: 1 MB gzip total'),
      files,
      baseline,
    );
    expect(results.map((r) => [r.subject, r.actual, r.baseline])).toEqual([
      ['frontend/dist/assets/app.1a2b3c4d5e.js', 120_000, 110_000],
      ['frontend/dist/assets/vendor.9f8e7d6c5b.js', 80_000, 80_000],
      ['frontend/dist/**', 200_900, 190_000],
    ]);
  });

  it('leaves the baseline out when two files there share a name without hash', () => {
    const baseline = [file('dist/app.11111111aa.js', 10), file('dist/app.22222222bb.js', 20)];
    const [result] = evaluateBudgets(
      parseBudgets('dist/*.js: 1 kB'),
      [file('dist/app.33333333cc.js', 15)],
      baseline,
    );
    expect(result?.baseline).toBeUndefined();
  });
});

describe('describeOverBudget', () => {
  it('names the file, its size, the excess and the limit', () => {
    const [result] = evaluateBudgets(parseBudgets('dist/*.js: 250 kB gzip'), [
      file('dist/app.js', 900_000, 312_400, 1),
    ]);
    expect(describeOverBudget(result!)).toBe(
      'dist/app.js is 312.4 kB gzip, 62.4 kB over its 250 kB gzip budget',
    );
  });

  it('says how many files a total covers', () => {
    const [result] = evaluateBudgets(parseBudgets('dist/**: 1 kB total'), [
      file('dist/a.js', 800),
      file('dist/b.js', 700),
    ]);
    expect(describeOverBudget(result!)).toBe(
      'dist/** (2 files together) are 1.5 kB, 500 B over its 1 kB budget',
    );
  });
});
