/**
 * Size budgets: parsing `glob: size [raw|gzip|brotli] [each|total]` lines and judging the
 * measured output against them, with the change since a baseline build.
 */
import { formatBytes, parseSize } from '@white-cross/core';
import { matcherFor, patternProblem, stableAssetKey } from './paths.js';

export const COMPRESSIONS = ['raw', 'gzip', 'brotli'] as const;
/** Which size a budget limits: on disk, or as sent with gzip or brotli. */
export type Compression = (typeof COMPRESSIONS)[number];

export const SCOPES = ['each', 'total'] as const;
/** `each`: every matching file on its own; `total`: all matching files together. */
export type BudgetScope = (typeof SCOPES)[number];

export interface Budget {
  pattern: string;
  /** Bytes. */
  limit: number;
  /** The limit as written, e.g. `250 kB`. */
  limitText: string;
  compression: Compression;
  scope: BudgetScope;
  /** Where the budget was written, e.g. `line 2` or `budgets.txt line 4`. */
  origin: string;
}

/** The sizes of one output file, in bytes. */
export interface MeasuredSize {
  path: string;
  size: number;
  gzipSize: number;
  brotliSize: number;
}

/** A budget line that cannot be read; `origin` says where it is. */
export class BudgetSyntaxError extends Error {
  override readonly name = 'BudgetSyntaxError';
  constructor(
    readonly origin: string,
    readonly reason: string,
  ) {
    super(`${origin}: ${reason}`);
  }
}

export const BUDGET_SYNTAX =
  '`glob: size [raw|gzip|brotli] [each|total]`, such as `frontend/dist/assets/*.js: 250 kB gzip`';

/**
 * Reads budget lines (blank lines and `#` comments are skipped). `origin` prefixes each
 * budget's location (`''` gives `line 3`, `'budgets.txt'` gives `budgets.txt line 3`).
 *
 * @throws {BudgetSyntaxError} for the first line that is not a budget.
 * @example
 * parseBudgets('frontend/dist/assets/*.js: 250 kB gzip');
 * // [{ pattern: 'frontend/dist/assets/*.js', limit: 250000, limitText: '250 kB',
 * //    compression: 'gzip', scope: 'each', origin: 'line 1' }]
 */
export function parseBudgets(text: string, origin = ''): Budget[] {
  const budgets: Budget[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${origin ? `${origin} ` : ''}line ${index + 1}`;
    budgets.push(parseBudgetLine(line, where));
  });
  return budgets;
}

function parseBudgetLine(line: string, origin: string): Budget {
  // The last colon separates the glob from the limit (globs do not contain `: `).
  const colon = line.lastIndexOf(':');
  if (colon <= 0) throw new BudgetSyntaxError(origin, `'${line}' has no 'glob: size'`);
  const pattern = line.slice(0, colon).trim();
  const problem = patternProblem(pattern);
  if (problem) throw new BudgetSyntaxError(origin, `the glob '${pattern}' ${problem}`);
  let words = line
    .slice(colon + 1)
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  let compression: Compression = 'raw';
  let scope: BudgetScope = 'each';
  const last = () => (words[words.length - 1] ?? '').toLowerCase();
  if ((SCOPES as readonly string[]).includes(last())) {
    scope = last() as BudgetScope;
    words = words.slice(0, -1);
  }
  if ((COMPRESSIONS as readonly string[]).includes(last())) {
    compression = last() as Compression;
    words = words.slice(0, -1);
  }
  const limitText = words.join(' ');
  const limit = parseSize(limitText);
  if (limitText === '' || limit === undefined) {
    throw new BudgetSyntaxError(
      origin,
      `'${limitText || line}' is not a size (use B, kB, MB, KiB or MiB, then optionally raw, gzip or brotli, then each or total)`,
    );
  }
  if (limit <= 0) throw new BudgetSyntaxError(origin, `the limit of '${pattern}' must be more than 0 bytes`);
  return { pattern, limit, limitText, compression, scope, origin };
}

/** The size of a file that a budget of this compression limits. */
export function sizeFor(file: MeasuredSize, compression: Compression): number {
  if (compression === 'gzip') return file.gzipSize;
  if (compression === 'brotli') return file.brotliSize;
  return file.size;
}

export type BudgetStatus = 'ok' | 'over' | 'no-match';

export interface BudgetResult {
  budget: Budget;
  /** What was judged: a file (`each`) or the budget's glob (`total`). */
  subject: string;
  files: string[];
  /** Bytes, in the budget's compression. */
  actual: number;
  status: BudgetStatus;
  /** Bytes over the limit (0 unless over). */
  excess: number;
  /** Bytes of the same subject in the baseline build, when it had it. */
  baseline?: number;
}

/**
 * Judges the measured files against each budget. A budget matching no file is reported as
 * `no-match` (likely a typo), not as a failure. With a baseline, each result carries the size
 * the same subject had there; files are matched across builds by {@link stableAssetKey}, so a
 * content-hashed file is compared with its previous version.
 *
 * @example
 * evaluateBudgets(parseBudgets('dist/*.js: 1 kB'), [{ path: 'dist/a.js', size: 1500, gzipSize: 600, brotliSize: 500 }]);
 * // [{ subject: 'dist/a.js', actual: 1500, status: 'over', excess: 500, ... }]
 */
export function evaluateBudgets(
  budgets: readonly Budget[],
  files: readonly MeasuredSize[],
  baseline?: readonly MeasuredSize[],
): BudgetResult[] {
  const results: BudgetResult[] = [];
  const baselineByKey = baseline ? uniqueByKey(baseline) : undefined;
  for (const budget of budgets) {
    const matches = matcherFor(budget.pattern);
    const matched = files.filter((file) => matches(file.path));
    const judge = (
      subject: string,
      group: readonly MeasuredSize[],
      before: number | undefined,
    ): BudgetResult => {
      const actual = group.reduce((sum, file) => sum + sizeFor(file, budget.compression), 0);
      const excess = Math.max(0, actual - budget.limit);
      return {
        budget,
        subject,
        files: group.map((file) => file.path),
        actual,
        status: group.length === 0 ? 'no-match' : excess > 0 ? 'over' : 'ok',
        excess,
        ...(before === undefined ? {} : { baseline: before }),
      };
    };
    if (budget.scope === 'total' || matched.length === 0) {
      const previous = baseline?.filter((file) => matches(file.path)) ?? [];
      const before =
        previous.length > 0
          ? previous.reduce((sum, file) => sum + sizeFor(file, budget.compression), 0)
          : undefined;
      results.push(judge(budget.pattern, matched, before));
      continue;
    }
    for (const file of matched) {
      const previous = baselineByKey?.get(stableAssetKey(file.path));
      results.push(judge(file.path, [file], previous ? sizeFor(previous, budget.compression) : undefined));
    }
  }
  return results;
}

/** Files by stable key; a key two files share is left out (no fair comparison). */
function uniqueByKey(files: readonly MeasuredSize[]): Map<string, MeasuredSize> {
  const byKey = new Map<string, MeasuredSize | null>();
  for (const file of files) {
    const key = stableAssetKey(file.path);
    byKey.set(key, byKey.has(key) ? null : file);
  }
  return new Map([...byKey].filter((entry): entry is [string, MeasuredSize] => entry[1] !== null));
}

/**
 * One sentence for an over-budget result, naming the file (or glob) and the excess.
 *
 * @example
 * describeOverBudget(result);
 * // 'frontend/dist/assets/app.1a2b3c4d5e.js is 312.4 kB gzip, 62.4 kB over its 250 kB gzip budget'
 */
export function describeOverBudget(result: BudgetResult): string {
  const { budget } = result;
  const kind = budget.compression === 'raw' ? '' : ` ${budget.compression}`;
  const subject =
    budget.scope === 'total' ? `${result.subject} (${result.files.length} files together)` : result.subject;
  const verb = budget.scope === 'total' ? 'are' : 'is';
  return `${subject} ${verb} ${formatBytes(result.actual)}${kind}, ${formatBytes(result.excess)} over its ${budget.limitText}${kind} budget`;
}
