/**
 * Reading what the migration tool says: which migrations are applied and pending (from
 * `db:migrate:status`), how long each took and which one failed with which database error
 * (from `db:migrate`), and what a run did compared with before. Pure functions over text.
 */

/**
 * Removes terminal colour codes (sequelize-cli colours `ERROR:` red).
 *
 * @example
 * stripAnsi('\u001b[31mERROR:\u001b[39m boom'); // 'ERROR: boom'
 */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');
}

export interface MigrationStatus {
  /** Applied migrations, in the tool's order. */
  applied: string[];
  /** Pending migrations, in the order they would run. */
  pending: string[];
}

/**
 * Parses sequelize-cli `db:migrate:status` output: one `up <name>` or `down <name>` line per
 * migration; every other line (banner, config notes) is ignored.
 *
 * @example
 * parseMigrationStatus('Using environment "production".\nup 2024-a.js\ndown 2024-b.js');
 * // { applied: ['2024-a.js'], pending: ['2024-b.js'] }
 */
export function parseMigrationStatus(output: string): MigrationStatus {
  const applied: string[] = [];
  const pending: string[] = [];
  for (const line of stripAnsi(output).split(/\r?\n/)) {
    const m = /^\s*(up|down)\s+(\S+)\s*$/.exec(line);
    if (!m) continue;
    (m[1] === 'up' ? applied : pending).push(m[2] as string);
  }
  return { applied, pending };
}

export interface MigrationTiming {
  /** The migration as the tool names it in progress lines (sequelize-cli drops the extension). */
  name: string;
  seconds: number;
}

export interface MigrateOutput {
  /** Migrations the tool reported finished (`migrated` or `reverted`), with their times. */
  finished: MigrationTiming[];
  /** The migration the tool started last without finishing, if any. */
  unfinished: string | undefined;
  /** The database's (or the tool's) error lines, e.g. `ERROR: column "x" does not exist`. */
  errors: string[];
}

/**
 * Parses sequelize-cli `db:migrate` / `db:migrate:undo` output:
 * `== <name>: migrating =======`, `== <name>: migrated (0.023s)`, and `ERROR: …` lines.
 *
 * @example
 * parseMigrateOutput('== 2024-a: migrating =======\n== 2024-a: migrated (0.020s)\n== 2024-b: migrating =======\nERROR: boom');
 * // { finished: [{ name: '2024-a', seconds: 0.02 }], unfinished: '2024-b', errors: ['ERROR: boom'] }
 */
export function parseMigrateOutput(output: string): MigrateOutput {
  const finished: MigrationTiming[] = [];
  let started: string | undefined;
  const errors: string[] = [];
  for (const line of stripAnsi(output).split(/\r?\n/)) {
    const progress = /^== (.+?): (migrating|reverting) =+\s*$/.exec(line);
    if (progress) {
      started = progress[1];
      continue;
    }
    const done = /^== (.+?): (migrated|reverted) \((\d+(?:\.\d+)?)s\)\s*$/.exec(line);
    if (done) {
      finished.push({ name: done[1] as string, seconds: Number(done[3]) });
      if (started === done[1]) started = undefined;
      continue;
    }
    if (/^\s*ERROR\b/.test(line)) errors.push(line.trim());
  }
  return { finished, unfinished: started, errors };
}

/**
 * Strips a migration file's extension, to match the names in progress lines.
 *
 * @example
 * migrationStem('20240105090000-create-students.js'); // '20240105090000-create-students'
 */
export function migrationStem(name: string): string {
  return name.replace(/\.(c|m)?(j|t)s$/, '');
}

export interface MigrateRunOutcome {
  /** Migrations this run applied (in order). */
  applied: string[];
  /** Pending before the run and still not applied. */
  notApplied: string[];
  /** The migration that failed: the first pending one this run did not apply. */
  failed: string | undefined;
}

/**
 * What a migrate run did, from the migration table before and after it and the pending list.
 * The table is the truth: a tool can say `migrated` and still not record it.
 *
 * @example
 * describeMigrateRun(['a.js'], ['a.js', 'b.js'], ['b.js', 'c.js']);
 * // { applied: ['b.js'], notApplied: ['c.js'], failed: 'c.js' }
 */
export function describeMigrateRun(
  before: string[],
  after: string[],
  pendingBefore: string[],
): MigrateRunOutcome {
  const had = new Set(before);
  const has = new Set(after);
  const applied = after.filter((m) => !had.has(m));
  const notApplied = pendingBefore.filter((m) => !has.has(m));
  return { applied, notApplied, failed: notApplied[0] };
}

/**
 * The migrations an undo must revert, newest first: the last one, or every one after `undoTo`
 * (which stays applied). Throws when `undoTo` is not applied.
 *
 * @example
 * planUndo(['a.js', 'b.js', 'c.js'], 'a.js'); // ['c.js', 'b.js']
 * planUndo(['a.js', 'b.js'], undefined); // ['b.js']
 */
export function planUndo(applied: string[], undoTo: string | undefined): string[] {
  if (undoTo === undefined) return applied.length ? [applied[applied.length - 1] as string] : [];
  const index = applied.findIndex((m) => m === undoTo || migrationStem(m) === migrationStem(undoTo));
  if (index < 0) throw new Error(`'${undoTo}' is not an applied migration`);
  return applied.slice(index + 1).reverse();
}
