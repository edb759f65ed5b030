/**
 * One transaction per migration. sequelize-cli runs each migration's `up`/`down` through umzug
 * with no transaction (its docs leave it to each migration to call
 * `queryInterface.sequelize.transaction()` and pass `{ transaction }` to every query), so a
 * migration whose second statement fails keeps its first. The action puts every migration in
 * a transaction without touching the app's migrations: a small CommonJS preload, given to the
 * migration tool through NODE_OPTIONS `--require`, which
 *  - gives Sequelize a continuation-local namespace (`Sequelize.useCLS`, on Node's
 *    AsyncLocalStorage), so every query a migration makes joins the transaction it runs in;
 *  - wraps umzug's `Migration#_exec` (the call of `up` or `down`) in
 *    `sequelize.transaction(…)`, and says so on stdout, so the action knows which ran in one.
 * A migration PostgreSQL cannot run inside a transaction block (CREATE INDEX CONCURRENTLY and
 * the like, see {@link nonTransactionalReason}) runs as before, and the action says so.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** The line the preload prints before a migration it runs in a transaction. */
export const TRANSACTION_MARKER = '[db-migrate] one transaction:';
/** The line the preload prints before a migration it runs without one. */
export const NO_TRANSACTION_MARKER = '[db-migrate] no transaction:';
/** The line the preload prints when a migration fails with a database error: its fields that name no value. */
export const FAILED_MARKER = '[db-migrate] database error:';
/** The environment variable listing (JSON) the migrations to run without a transaction. */
export const NO_TRANSACTION_ENV = 'WHITE_CROSS_DB_MIGRATE_NO_TRANSACTION';

const PRELOAD = String.raw`'use strict';
// Written by db-migrate: one transaction per migration (see the action's transactions.ts).
const Module = require('module');
const path = require('path');
const { AsyncLocalStorage } = require('async_hooks');
const skip = new Set(JSON.parse(process.env.${NO_TRANSACTION_ENV} || '[]'));
const storage = new AsyncLocalStorage();
const namespace = {
  run(fn) {
    const context = new Map(storage.getStore() || []);
    return storage.run(context, () => fn(context));
  },
  bind(fn) {
    return AsyncLocalStorage.bind ? AsyncLocalStorage.bind(fn) : fn;
  },
  get(key) {
    const context = storage.getStore();
    return context ? context.get(key) : undefined;
  },
  set(key, value) {
    const context = storage.getStore();
    if (context) context.set(key, value);
    return value;
  },
};
const patched = new WeakSet();
function patchSequelize(Sequelize) {
  if (typeof Sequelize !== 'function' || typeof Sequelize.useCLS !== 'function' || patched.has(Sequelize)) return;
  patched.add(Sequelize);
  if (!Sequelize._cls) Sequelize.useCLS(namespace);
}
function patchMigration(Migration) {
  const proto = Migration && Migration.prototype;
  if (!proto || typeof proto._exec !== 'function' || patched.has(proto)) return;
  patched.add(proto);
  const exec = proto._exec;
  proto._exec = function (method, args) {
    const name = path.basename(String(this.file || this.path || ''));
    const queryInterface = args && args[0];
    const sequelize = queryInterface && queryInterface.sequelize;
    const Sequelize = sequelize && sequelize.constructor;
    if (skip.has(name) || !sequelize || !Sequelize || !Sequelize._cls) {
      console.log('${NO_TRANSACTION_MARKER} ' + name + ' ' + method);
      return exec.call(this, method, args).catch((error) => {
        reportFields(error);
        throw error;
      });
    }
    console.log('${TRANSACTION_MARKER} ' + name + ' ' + method);
    return sequelize.transaction(() => exec.call(this, method, args)).catch((error) => {
      reportFields(error);
      throw error;
    });
  };
}
// The names a database error carries (never its DETAIL, which quotes the row).
function reportFields(error) {
  const e = (error && (error.original || error.parent)) || error || {};
  const fields = ['code', 'schema', 'table', 'column', 'constraint']
    .filter((key) => typeof e[key] === 'string' && /^[\w$. -]{1,128}$/.test(e[key]))
    .map((key) => key + '=' + JSON.stringify(e[key]));
  if (fields.length) console.log('${FAILED_MARKER} ' + fields.join(' '));
}
const load = Module._load;
Module._load = function (request, parent, isMain) {
  const exported = load.apply(this, arguments);
  let file = '';
  try {
    file = Module._resolveFilename(request, parent, isMain);
  } catch (error) {
    return exported;
  }
  if (/[\\/]sequelize[\\/]lib[\\/]sequelize\.js$/.test(file)) patchSequelize(exported);
  else if (/[\\/]umzug[\\/]lib[\\/]migration\.js$/.test(file)) patchMigration(exported && (exported.default || exported));
  return exported;
};
`;

/** Writes the preload into `dir` (the run's scratch folder) and returns its path. */
export function writeTransactionPreload(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, 'one-transaction-per-migration.cjs');
  writeFileSync(file, PRELOAD, { mode: 0o600 });
  return file;
}

/**
 * NODE_OPTIONS with the preload added (quoted: the runner's temp folder may hold spaces).
 *
 * @example
 * withPreload('--max-old-space-size=4096', '/tmp/x/p.cjs'); // '--max-old-space-size=4096 --require "/tmp/x/p.cjs"'
 */
export function withPreload(nodeOptions: string | undefined, preload: string): string {
  return [nodeOptions?.trim(), `--require "${preload.replace(/(["\\])/g, '\\$1')}"`]
    .filter(Boolean)
    .join(' ');
}

/** The statements PostgreSQL refuses inside a transaction block, and since which version it allows them. */
const NON_TRANSACTIONAL: { pattern: RegExp; what: string; allowedFrom?: number }[] = [
  {
    pattern: /\b(CREATE|DROP)\s+(UNIQUE\s+)?INDEX\s+CONCURRENTLY\b/i,
    what: 'CREATE/DROP INDEX CONCURRENTLY',
  },
  { pattern: /\bconcurrently\s*:\s*true\b/, what: 'addIndex with concurrently: true' },
  { pattern: /\bREINDEX\b[^;'"`]*\bCONCURRENTLY\b/i, what: 'REINDEX CONCURRENTLY' },
  { pattern: /\bDETACH\s+PARTITION\b[^;'"`]*\bCONCURRENTLY\b/i, what: 'DETACH PARTITION CONCURRENTLY' },
  { pattern: /\bALTER\s+TYPE\b[^;'"`]*\bADD\s+VALUE\b/i, what: 'ALTER TYPE … ADD VALUE', allowedFrom: 12 },
  { pattern: /\bVACUUM\b/i, what: 'VACUUM' },
  { pattern: /\b(CREATE|DROP)\s+DATABASE\b/i, what: 'CREATE/DROP DATABASE' },
  { pattern: /\b(CREATE|DROP)\s+TABLESPACE\b/i, what: 'CREATE/DROP TABLESPACE' },
  { pattern: /\bALTER\s+SYSTEM\b/i, what: 'ALTER SYSTEM' },
];

/**
 * Why a migration cannot run in a transaction on this server, from its source; undefined when
 * it can. Only what PostgreSQL itself refuses in a transaction block counts.
 *
 * @example
 * nonTransactionalReason("await q.sequelize.query('CREATE INDEX CONCURRENTLY i ON t (c)')", '15.4'); // 'CREATE/DROP INDEX CONCURRENTLY'
 * nonTransactionalReason("ALTER TYPE mood ADD VALUE 'meh'", '15.4'); // undefined
 */
export function nonTransactionalReason(source: string, serverVersion: string): string | undefined {
  const major = Number.parseInt(serverVersion, 10);
  const found = NON_TRANSACTIONAL.find(
    (rule) => rule.pattern.test(source) && !(rule.allowedFrom !== undefined && major >= rule.allowedFrom),
  );
  return found?.what;
}

/** Which migrations the tool's output says ran in a transaction and which without. */
export function transactionsSeen(output: string): { inTransaction: Set<string>; without: Set<string> } {
  const inTransaction = new Set<string>();
  const without = new Set<string>();
  for (const line of output.split(/\r?\n/)) {
    const inside = line.startsWith(TRANSACTION_MARKER);
    if (!inside && !line.startsWith(NO_TRANSACTION_MARKER)) continue;
    const name = line
      .slice((inside ? TRANSACTION_MARKER : NO_TRANSACTION_MARKER).length)
      .trim()
      .split(' ')[0];
    if (name) (inside ? inTransaction : without).add(name);
  }
  return { inTransaction, without };
}

/**
 * The SQLSTATE, constraint, table and column of the failed migration's database error, from
 * the preload's line: `SQLSTATE 23505, constraint "patients_mrn_dob_key", table "public.patients"`.
 *
 * @example
 * serverErrorFields(['[db-migrate] database error: code="23505" table="patients" constraint="patients_mrn_dob_key"']);
 * // 'SQLSTATE 23505, constraint "patients_mrn_dob_key", table "patients"'
 */
export function serverErrorFields(lines: string[]): string | undefined {
  const line = [...lines].reverse().find((l) => l.startsWith(FAILED_MARKER));
  if (!line) return undefined;
  const fields = Object.fromEntries(
    [...line.matchAll(/(\w+)=("(?:[^"\\]|\\.)*")/g)].map((m) => [m[1], JSON.parse(m[2] ?? '""') as string]),
  );
  const table = fields.table
    ? fields.schema && fields.schema !== 'public'
      ? `${fields.schema}.${fields.table}`
      : fields.table
    : undefined;
  const parts = [
    fields.code ? `SQLSTATE ${fields.code}` : undefined,
    fields.constraint ? `constraint "${fields.constraint}"` : undefined,
    table ? `table "${table}"` : undefined,
    fields.column ? `column "${fields.column}"` : undefined,
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : undefined;
}
