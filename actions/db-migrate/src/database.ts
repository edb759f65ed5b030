/**
 * The action's own connection to PostgreSQL (through the pg driver): connecting with a clear
 * error for each way it can fail, the migration lock, the migration table, the tables and
 * their row counts, and removing what a failed migration created before a restore.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { ActionFailure } from '@white-cross/core';
import {
  MIGRATION_LOCK_KEY,
  describeConnectionFailure,
  describeTarget,
  type ConnectionTarget,
} from './connection.js';
import type { TableName, TocEntry } from './backup-manifest.js';

export type Database = pg.Client;

/** The TLS settings the pg driver takes for each `ssl` mode. */
export function driverSsl(target: ConnectionTarget, rootCert?: string): pg.ClientConfig['ssl'] {
  if (target.ssl === 'disable') return false;
  if (target.ssl === 'require') return { rejectUnauthorized: false };
  return {
    rejectUnauthorized: true,
    servername: target.host,
    ...(rootCert ? { ca: readFileSync(rootCert, 'utf8') } : {}),
  };
}

/**
 * Connects, or throws an ActionFailure saying which of DNS, refused, timeout, auth, missing
 * database or TLS went wrong.
 */
export async function connect(
  target: ConnectionTarget,
  options: { connectTimeoutMs: number; applicationName: string; sslRootCert?: string },
): Promise<Database> {
  const client = new pg.Client({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password ?? '',
    database: target.database,
    ssl: driverSsl(target, options.sslRootCert),
    connectionTimeoutMillis: options.connectTimeoutMs,
    application_name: options.applicationName,
  });
  // A dropped connection later must surface as a failed query, not crash the process.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    const failure = describeConnectionFailure(error, target, options.connectTimeoutMs);
    throw new ActionFailure(`${failure.message} Nothing was changed.`, { cause: error });
  }
  return client;
}

/** The server process of this connection. */
export async function backendPid(db: Database): Promise<number> {
  const { rows } = await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return rows[0]?.pid ?? 0;
}

export interface ServerInfo {
  version: string;
  user: string;
  databaseBytes: number;
}

export async function serverInfo(db: Database): Promise<ServerInfo> {
  const { rows } = await db.query<{ version: string; user: string; bytes: string }>(
    "SELECT current_setting('server_version') AS version, current_user AS user, pg_database_size(current_database())::text AS bytes",
  );
  const row = rows[0] as { version: string; user: string; bytes: string };
  return { version: row.version, user: row.user, databaseBytes: Number(row.bytes) };
}

/** Who holds the migration lock: enough for a person to find the other run. */
export interface LockHolder {
  pid: number;
  applicationName: string;
  clientAddress: string | null;
  since: string | null;
}

// pg_locks shows a bigint advisory key as classid (high 32 bits) and objid (low 32 bits), objsubid 1.
const LOCK_PARTS = `((${MIGRATION_LOCK_KEY}::bigint >> 32) & 4294967295)::oid, (${MIGRATION_LOCK_KEY}::bigint & 4294967295)::oid`;

/**
 * Takes the migration lock (a session advisory lock) without waiting. Returns undefined when
 * taken, else who holds it. It is released when the connection ends, however the run ends.
 */
export async function tryMigrationLock(db: Database): Promise<LockHolder | undefined> {
  const { rows } = await db.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', [
    MIGRATION_LOCK_KEY,
  ]);
  if (rows[0]?.locked) return undefined;
  return (
    (await migrationLockHolder(db)) ?? {
      pid: 0,
      applicationName: 'unknown',
      clientAddress: null,
      since: null,
    }
  );
}

/** The session holding the migration lock on this database, if any. */
export async function migrationLockHolder(db: Database): Promise<LockHolder | undefined> {
  const { rows } = await db.query<{ pid: number; app: string; addr: string | null; since: Date | null }>(
    `SELECT l.pid, a.application_name AS app, host(a.client_addr) AS addr, a.backend_start AS since
       FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND (l.classid, l.objid) = (${LOCK_PARTS}) AND l.objsubid = 1
        AND l.pid <> pg_backend_pid()
      LIMIT 1`,
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    pid: row.pid,
    applicationName: row.app || 'unnamed session',
    clientAddress: row.addr,
    since: row.since ? new Date(row.since).toISOString() : null,
  };
}

/** The message for a run blocked by another's lock. */
export function lockBlockedMessage(target: ConnectionTarget, holder: LockHolder): string {
  const from = holder.clientAddress ? ` from ${holder.clientAddress}` : '';
  const since = holder.since ? `, connected since ${holder.since.replace(/\.\d+Z$/, 'Z')}` : '';
  return (
    `Another migration run holds the migration lock on ${describeTarget(target)}: ` +
    `'${holder.applicationName}' (pid ${holder.pid}${from}${since}). ` +
    'Nothing was changed; run again when it has finished.'
  );
}

/** Quotes an identifier for SQL. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The migrations recorded in the migration table, in name order; empty when it does not exist yet. */
export async function recordedMigrations(db: Database, table: string): Promise<string[]> {
  const { rows: exists } = await db.query<{ found: string | null }>('SELECT to_regclass($1)::text AS found', [
    quoteIdent(table),
  ]);
  if (!exists[0]?.found) return [];
  const { rows } = await db.query<{ name: string }>(`SELECT name FROM ${quoteIdent(table)} ORDER BY name`);
  return rows.map((r) => r.name);
}

const USER_SCHEMAS = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'`;
const NOT_FROM_EXTENSION = (column: string, catalog: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '${catalog}'::regclass AND d.objid = ${column} AND d.deptype = 'e')`;

/** Every user table (`schema.name`), sorted. */
export async function listTables(db: Database): Promise<TableName[]> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT n.nspname || '.' || c.relname AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND ${USER_SCHEMAS} AND ${NOT_FROM_EXTENSION('c.oid', 'pg_class')}
      ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

function qualified(table: TableName): string {
  const dot = table.indexOf('.');
  return `${quoteIdent(table.slice(0, dot))}.${quoteIdent(table.slice(dot + 1))}`;
}

/** Exact row counts (count(*)), in whatever snapshot the connection is in. */
export async function countRows(db: Database, tables: TableName[]): Promise<Record<TableName, number>> {
  const counts: Record<TableName, number> = {};
  for (const table of tables) {
    const { rows } = await db.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM ONLY ${qualified(table)}`,
    );
    counts[table] = Number(rows[0]?.n ?? 0);
  }
  return counts;
}

/**
 * Starts a read-only repeatable-read transaction and exports its snapshot, so that pg_dump
 * (`--snapshot`) and the row counts see exactly the same data. End it with COMMIT.
 */
export async function exportSnapshot(db: Database): Promise<string> {
  await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  const { rows } = await db.query<{ id: string }>('SELECT pg_export_snapshot() AS id');
  return (rows[0] as { id: string }).id;
}

export interface DroppedObject {
  kind: 'table' | 'view' | 'materialized view' | 'sequence' | 'type';
  name: string;
}

/**
 * Drops, in one transaction, the tables, views, sequences and types in the backup's schemas
 * that the backup does not have (what a failed migration created after the backup), so that
 * the restore brings back the backup's schema exactly. Returns what it dropped.
 */
export async function dropObjectsNotInBackup(db: Database, toc: TocEntry[]): Promise<DroppedObject[]> {
  const schemas = [...new Set(toc.filter((e) => e.schema !== '-').map((e) => e.schema))];
  if (schemas.length === 0) return [];
  const inBackup = new Set(toc.map((e) => `${e.schema}.${e.name}`));
  const { rows: relations } = await db.query<{ schema: string; name: string; relkind: string }>(
    `SELECT n.nspname AS schema, c.relname AS name, c.relkind
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND n.nspname = ANY($1)
        AND ${NOT_FROM_EXTENSION('c.oid', 'pg_class')}
        AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')))`,
    [schemas],
  );
  const { rows: types } = await db.query<{ schema: string; name: string }>(
    `SELECT n.nspname AS schema, t.typname AS name
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = ANY($1) AND (t.typtype IN ('e', 'd', 'r', 'm') OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))
        AND ${NOT_FROM_EXTENSION('t.oid', 'pg_type')}`,
    [schemas],
  );
  const kindOf: Record<string, DroppedObject['kind']> = {
    r: 'table',
    p: 'table',
    v: 'view',
    m: 'materialized view',
    S: 'sequence',
  };
  const order: DroppedObject['kind'][] = ['view', 'materialized view', 'table', 'sequence', 'type'];
  const extras: DroppedObject[] = [
    ...relations
      .filter((r) => !inBackup.has(`${r.schema}.${r.name}`))
      .map((r) => ({ kind: kindOf[r.relkind] ?? 'table', name: `${r.schema}.${r.name}` })),
    ...types
      .filter((t) => !inBackup.has(`${t.schema}.${t.name}`))
      .map((t) => ({ kind: 'type' as const, name: `${t.schema}.${t.name}` })),
  ].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
  if (extras.length === 0) return [];
  await db.query('BEGIN');
  try {
    for (const extra of extras) {
      const keyword = extra.kind === 'table' ? 'TABLE' : extra.kind.toUpperCase();
      await db.query(`DROP ${keyword} IF EXISTS ${qualified(extra.name)} CASCADE`);
    }
    await db.query('COMMIT');
  } catch (error) {
    await db.query('ROLLBACK').catch(() => {});
    throw error;
  }
  return extras;
}

/**
 * Stops this run's work on the server at once, over a connection of its own (the run's own may
 * be busy): ends the migration tool's and pg_dump's sessions, so that a cancelled statement
 * stops now and its transaction rolls back (a server notices a vanished client only when it
 * next talks to it), and cancels the run's own query if it is waiting for a lock. The run's
 * own session, holding the migration lock, ends with the run. Returns how many sessions it ended.
 */
export async function stopRunSessions(
  target: ConnectionTarget,
  options: { connectTimeoutMs: number; applicationName: string; sslRootCert?: string },
  runSessions: string[],
  ownPid: number,
): Promise<number> {
  const db = await connect(target, options);
  try {
    const { rows } = await db.query<{ ended: boolean }>(
      `SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = ANY($1) AND pid <> pg_backend_pid()`,
      [runSessions],
    );
    await db.query(
      `SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE pid = $1 AND state = 'active' AND wait_event_type = 'Lock'`,
      [ownPid],
    );
    return rows.filter((r) => r.ended).length;
  } finally {
    await db.end().catch(() => {});
  }
}
