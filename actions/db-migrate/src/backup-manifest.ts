/**
 * What a backup must contain and how to tell it does: the backup's id, its manifest (tables
 * with their row counts taken in the dump's own snapshot, size, SHA-256), the check of a
 * dump's table of contents against the tables expected, and the comparison of row counts
 * after a restore. Pure functions.
 */

export const MANIFEST_SCHEMA = 'white-cross-deploy/db-backup@1';

/** A table, schema-qualified as `schema.name`. */
export type TableName = string;

export interface BackupManifest {
  schema: typeof MANIFEST_SCHEMA;
  id: string;
  /** `pg_dump` (custom format) — an RDS snapshot has no manifest file of its own. */
  kind: 'pg_dump';
  database: string;
  host: string;
  serverVersion: string;
  createdAt: string;
  /** The dump file's name beside the manifest. */
  file: string;
  bytes: number;
  sha256: string;
  /** Row counts per table, counted in the same snapshot pg_dump dumped. */
  rowCounts: Record<TableName, number>;
  /** Migrations applied when the backup was taken. */
  migrations: string[];
}

/**
 * A backup id: the database name and the UTC time, e.g. `health-20261121T160512Z`.
 *
 * @example
 * backupId('school_health', new Date('2026-11-21T16:05:12.345Z')); // 'school-health-20261121T160512Z'
 */
export function backupId(database: string, at: Date): string {
  const name =
    database
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'db';
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  return `${name}-${stamp}`;
}

/**
 * True when text names a backup by id (rather than by a path or an s3:// URI).
 *
 * @example
 * isBackupId('health-20261121T160512Z'); // true
 * isBackupId('s3://b/p/health-20261121T160512Z.dump'); // false
 */
export function isBackupId(text: string): boolean {
  return /^[a-z0-9][a-z0-9-]*-\d{8}T\d{6}Z$/.test(text);
}

/** One entry of a dump's table of contents (`pg_restore --list`). */
export interface TocEntry {
  dumpId: number;
  /** `TABLE`, `TABLE DATA`, `SEQUENCE`, `TYPE`, `INDEX`, `FK CONSTRAINT`, … */
  type: string;
  /** `-` for objects without a schema. */
  schema: string;
  name: string;
  owner: string;
}

// Longest first, so `TABLE DATA` is not read as `TABLE`.
const TOC_TYPES = [
  'MATERIALIZED VIEW DATA',
  'MATERIALIZED VIEW',
  'SEQUENCE OWNED BY',
  'SEQUENCE SET',
  'FK CONSTRAINT',
  'CHECK CONSTRAINT',
  'DEFAULT ACL',
  'TABLE ATTACH',
  'INDEX ATTACH',
  'TABLE DATA',
  'LARGE OBJECT',
  'BLOBS',
  'COMMENT',
  'CONSTRAINT',
  'DEFAULT',
  'DOMAIN',
  'EXTENSION',
  'FUNCTION',
  'INDEX',
  'PROCEDURE',
  'SCHEMA',
  'SEQUENCE',
  'TABLE',
  'TRIGGER',
  'TYPE',
  'VIEW',
  'ACL',
  'ENCODING',
  'STDSTRINGS',
  'SEARCHPATH',
  'DATABASE',
  'RULE',
  'POLICY',
  'AGGREGATE',
  'COLLATION',
];

/**
 * Parses `pg_restore --list` output (comment lines start with `;`).
 *
 * @example
 * parseTableOfContents('215; 1259 16390 TABLE public students postgres\n3350; 0 16390 TABLE DATA public students postgres');
 * // [{ dumpId: 215, type: 'TABLE', schema: 'public', name: 'students', owner: 'postgres' }, { …, type: 'TABLE DATA' }]
 */
export function parseTableOfContents(listing: string): TocEntry[] {
  const entries: TocEntry[] = [];
  for (const line of listing.split(/\r?\n/)) {
    const m = /^(\d+); \d+ \d+ (.+)$/.exec(line.trim());
    if (!m) continue;
    const rest = m[2] as string;
    const type = TOC_TYPES.find((t) => rest.startsWith(`${t} `));
    if (!type) continue;
    const words = rest.slice(type.length + 1).split(' ');
    if (words.length < 3) continue;
    const schema = words[0] as string;
    const owner = words[words.length - 1] as string;
    const name = words.slice(1, -1).join(' ');
    entries.push({ dumpId: Number(m[1]), type, schema, name, owner });
  }
  return entries;
}

/**
 * Checks a dump's table of contents against the tables that must be in it: each needs its
 * definition (`TABLE`) and its rows (`TABLE DATA`). Returns the problems (empty when whole).
 *
 * @example
 * checkBackupContents(parseTableOfContents(listing), ['public.students']); // []
 */
export function checkBackupContents(toc: TocEntry[], expectedTables: TableName[]): string[] {
  const problems: string[] = [];
  if (toc.length === 0) return ['the dump has an empty table of contents'];
  const has = (type: string, table: string) =>
    toc.some((e) => e.type === type && `${e.schema}.${e.name}` === table);
  for (const table of expectedTables) {
    if (!has('TABLE', table)) problems.push(`table ${table} is missing`);
    else if (!has('TABLE DATA', table)) problems.push(`the rows of ${table} are missing`);
  }
  return problems;
}

export interface RowCountDifference {
  table: TableName;
  expected: number | undefined;
  actual: number | undefined;
}

/**
 * Compares the row counts after a restore with the backup's: every table of the backup must be
 * there with the same count, and no other table may exist.
 *
 * @example
 * compareRowCounts({ 'public.a': 2 }, { 'public.a': 2 }); // []
 * compareRowCounts({ 'public.a': 2 }, { 'public.a': 1, 'public.b': 0 });
 * // [{ table: 'public.a', expected: 2, actual: 1 }, { table: 'public.b', expected: undefined, actual: 0 }]
 */
export function compareRowCounts(
  expected: Record<TableName, number>,
  actual: Record<TableName, number>,
): RowCountDifference[] {
  const tables = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
  return tables
    .filter((t) => expected[t] !== actual[t])
    .map((table) => ({ table, expected: expected[table], actual: actual[table] }));
}

/**
 * Reads and checks a manifest file's JSON.
 *
 * @example
 * parseManifest(JSON.stringify(manifest)).id; // 'health-20261121T160512Z'
 */
export function parseManifest(text: string): BackupManifest {
  const value = JSON.parse(text) as Partial<BackupManifest>;
  if (value.schema !== MANIFEST_SCHEMA || typeof value.id !== 'string' || typeof value.sha256 !== 'string') {
    throw new Error(`not a ${MANIFEST_SCHEMA} manifest`);
  }
  if (!value.rowCounts || typeof value.rowCounts !== 'object')
    throw new Error('the manifest has no row counts');
  return value as BackupManifest;
}
