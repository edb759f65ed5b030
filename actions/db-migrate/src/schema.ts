/**
 * The database's schema as a comparable snapshot — tables, columns (with their types),
 * indexes and constraints (with their definitions) — and what differs between two snapshots,
 * so that a migration left half-applied can be described exactly, with the SQL that removes
 * what it added.
 */
import type { Database } from './database.js';

export interface SchemaSnapshot {
  /** `schema.table`. */
  tables: string[];
  /** `schema.table.column` → type. */
  columns: Record<string, string>;
  /** `schema.index` → `table: definition`. */
  indexes: Record<string, string>;
  /** `schema.table.constraint` → definition. */
  constraints: Record<string, string>;
}

export interface SchemaChange {
  change: 'added' | 'removed' | 'changed';
  kind: 'table' | 'column' | 'index' | 'constraint';
  name: string;
  /** The type or definition (now, for added and changed; before, for removed). */
  detail: string;
}

const USER_SCHEMAS = `NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg\\_%'`;

/** Reads the schema of every user table. */
export async function readSchema(db: Database): Promise<SchemaSnapshot> {
  const tables = await db.query<{ name: string }>(
    `SELECT n.nspname || '.' || c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND n.nspname ${USER_SCHEMAS} ORDER BY 1`,
  );
  const columns = await db.query<{ name: string; type: string }>(
    `SELECT n.nspname || '.' || c.relname || '.' || a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND n.nspname ${USER_SCHEMAS}`,
  );
  const indexes = await db.query<{ name: string; detail: string }>(
    `SELECT n.nspname || '.' || i.relname AS name, t.relname || ': ' || pg_get_indexdef(i.oid) AS detail
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
       JOIN pg_namespace n ON n.oid = i.relnamespace
      WHERE n.nspname ${USER_SCHEMAS}`,
  );
  const constraints = await db.query<{ name: string; detail: string }>(
    `SELECT n.nspname || '.' || c.relname || '.' || k.conname AS name, pg_get_constraintdef(k.oid) AS detail
       FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname ${USER_SCHEMAS}`,
  );
  return {
    tables: tables.rows.map((r) => r.name),
    columns: Object.fromEntries(columns.rows.map((r) => [r.name, r.type])),
    indexes: Object.fromEntries(indexes.rows.map((r) => [r.name, r.detail])),
    constraints: Object.fromEntries(constraints.rows.map((r) => [r.name, r.detail])),
  };
}

function diffMaps(
  kind: SchemaChange['kind'],
  before: Record<string, string>,
  after: Record<string, string>,
  underTable: (name: string) => string | undefined,
  tablesAddedOrRemoved: Set<string>,
): SchemaChange[] {
  const changes: SchemaChange[] = [];
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  for (const name of names) {
    const table = underTable(name);
    // A whole table added or removed is one change, not one per column.
    if (table && tablesAddedOrRemoved.has(table)) continue;
    const was = before[name];
    const now = after[name];
    if (was === undefined && now !== undefined) changes.push({ change: 'added', kind, name, detail: now });
    else if (was !== undefined && now === undefined)
      changes.push({ change: 'removed', kind, name, detail: was });
    else if (was !== now && now !== undefined) changes.push({ change: 'changed', kind, name, detail: now });
  }
  return changes;
}

/** `a.b.c` → `a.b`. */
const tableOf = (name: string) => name.split('.').slice(0, 2).join('.');

/**
 * What changed from `before` to `after`: tables, then columns, indexes and constraints of
 * tables both have.
 *
 * @example
 * diffSchema({ tables: ['public.a'], columns: {}, indexes: {}, constraints: {} },
 *            { tables: ['public.a', 'public.b'], columns: {}, indexes: {}, constraints: {} });
 * // [{ change: 'added', kind: 'table', name: 'public.b', detail: '' }]
 */
export function diffSchema(before: SchemaSnapshot, after: SchemaSnapshot): SchemaChange[] {
  const had = new Set(before.tables);
  const has = new Set(after.tables);
  const added = after.tables.filter((t) => !had.has(t));
  const removed = before.tables.filter((t) => !has.has(t));
  const whole = new Set([...added, ...removed]);
  const indexTable = (all: Record<string, string>) => (name: string) => {
    const detail = all[name];
    const schema = name.split('.')[0];
    return detail ? `${schema}.${detail.slice(0, detail.indexOf(':'))}` : undefined;
  };
  return [
    ...added.map((name): SchemaChange => ({ change: 'added', kind: 'table', name, detail: '' })),
    ...removed.map((name): SchemaChange => ({ change: 'removed', kind: 'table', name, detail: '' })),
    ...diffMaps('column', before.columns, after.columns, tableOf, whole),
    ...diffMaps(
      'index',
      before.indexes,
      after.indexes,
      (n) => indexTable(after.indexes)(n) ?? indexTable(before.indexes)(n),
      whole,
    ),
    ...diffMaps('constraint', before.constraints, after.constraints, tableOf, whole),
  ];
}

/** A change as a person reads it: `+ column public.students.nickname (character varying(40))`. */
export function describeChange(c: SchemaChange): string {
  const sign = c.change === 'added' ? '+' : c.change === 'removed' ? '−' : '~';
  const detail = c.kind === 'column' ? ` (${c.detail})` : '';
  return `${sign} ${c.kind} ${c.name}${detail}`;
}

function quoted(name: string): string {
  return name
    .split('.')
    .map((part) => `"${part.replace(/"/g, '""')}"`)
    .join('.');
}

/**
 * The SQL that removes what was added (constraints and indexes first, tables last). What was
 * removed or changed cannot be brought back by SQL written here: that needs the backup.
 *
 * @example
 * cleanupSql([{ change: 'added', kind: 'column', name: 'public.students.nickname', detail: 'text' }]);
 * // ['ALTER TABLE "public"."students" DROP COLUMN "nickname";']
 */
export function cleanupSql(changes: SchemaChange[]): string[] {
  const order: SchemaChange['kind'][] = ['constraint', 'index', 'column', 'table'];
  const last = (name: string) => name.split('.').pop() ?? '';
  // A unique or primary-key constraint owns its index: dropping the constraint drops both.
  const owned = new Set(
    changes
      .filter((c) => c.change === 'added' && c.kind === 'constraint')
      .map((c) => `${c.name.split('.')[0]}.${last(c.name)}`),
  );
  return changes
    .filter((c) => c.change === 'added' && !(c.kind === 'index' && owned.has(c.name)))
    .sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind))
    .flatMap((c) => {
      const table = quoted(tableOf(c.name));
      if (c.kind === 'table') return [`DROP TABLE ${quoted(c.name)};`];
      if (c.kind === 'index') return [`DROP INDEX ${quoted(c.name)};`];
      if (c.kind === 'column') return [`ALTER TABLE ${table} DROP COLUMN ${quoted(last(c.name))};`];
      return [`ALTER TABLE ${table} DROP CONSTRAINT ${quoted(last(c.name))};`];
    });
}
