/**
 * Where the database is and how to reach it: the connection target parsed from a URL or from
 * separate parts, the TLS rule (never without TLS except on this machine), and a clear,
 * one-line explanation of each way a connection can fail. Pure: nothing here opens a socket.
 */
import { createHash } from 'node:crypto';

export type SslMode = 'require' | 'verify-full' | 'disable';

/** A database to connect to. The password never leaves this object except to the pg driver and PGPASSWORD. */
export interface ConnectionTarget {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
  ssl: SslMode;
}

/** Thrown by {@link parseDatabaseUrl} for a URL it cannot use; the message never contains the URL. */
export class DatabaseUrlError extends Error {}

/**
 * Parses `postgres://user:password@host:port/database` (or `postgresql://`). The message of a
 * failure names what is missing and never repeats the URL (it holds a password).
 *
 * @example
 * parseDatabaseUrl('postgresql://app:s3cret@db.internal:5432/health');
 * // { host: 'db.internal', port: 5432, user: 'app', password: 's3cret', database: 'health' }
 */
export function parseDatabaseUrl(text: string): Omit<ConnectionTarget, 'ssl'> & { sslmode?: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new DatabaseUrlError('is not a URL such as postgresql://user:password@host:5432/database');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new DatabaseUrlError(`must start with postgresql:// or postgres://, not ${url.protocol}//`);
  }
  const host = decodeURIComponent(url.hostname).replace(/^\[|\]$/g, '');
  if (!host) throw new DatabaseUrlError('has no host (postgresql://user:password@host:5432/database)');
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database || database.includes('/')) {
    throw new DatabaseUrlError('has no database name (postgresql://user:password@host:5432/database)');
  }
  const user = decodeURIComponent(url.username);
  if (!user) throw new DatabaseUrlError('has no user (postgresql://user:password@host:5432/database)');
  const port = url.port === '' ? 5432 : Number(url.port);
  const sslmode = url.searchParams.get('sslmode') ?? undefined;
  return {
    host,
    port,
    user,
    password: url.password === '' ? undefined : decodeURIComponent(url.password),
    database,
    ...(sslmode ? { sslmode } : {}),
  };
}

/**
 * The URL given to the migration tool (as DATABASE_URL): the target with its password, and
 * no query string (TLS is set through PGSSLMODE, which the tools agree on).
 *
 * @example
 * connectionUrl({ host: '127.0.0.1', port: 5432, user: 'app', password: 'p@ss', database: 'health', ssl: 'disable' });
 * // 'postgresql://app:p%40ss@127.0.0.1:5432/health'
 */
export function connectionUrl(target: ConnectionTarget): string {
  const auth = `${encodeURIComponent(target.user)}${target.password === undefined ? '' : `:${encodeURIComponent(target.password)}`}`;
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return `postgresql://${auth}@${host}:${target.port}/${encodeURIComponent(target.database)}`;
}

/**
 * True for a host that can only be this machine (the one place TLS may be off).
 *
 * @example
 * isLoopbackHost('127.0.0.1'); // true
 * isLoopbackHost('db.internal'); // false
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * How the target is named in messages: `host:port/database as user`, never the password
 * (and not `user@host`, which reads as an e-mail address and would be redacted as PHI).
 *
 * @example
 * describeTarget({ host: 'db', port: 5432, user: 'app', password: 'x', database: 'health', ssl: 'require' });
 * // 'db:5432/health as app'
 */
export function describeTarget(
  target: Pick<ConnectionTarget, 'host' | 'port' | 'user' | 'database'>,
): string {
  return `${target.host}:${target.port}/${target.database} as ${target.user}`;
}

/** The kinds of connection failure, each with its own message and fix. */
export type ConnectionFailureKind = 'dns' | 'refused' | 'timeout' | 'auth' | 'no-database' | 'tls' | 'other';

export interface ConnectionFailure {
  kind: ConnectionFailureKind;
  /** One line: what failed, where, and what to check. */
  message: string;
}

const TLS_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

/**
 * Explains why a connection failed, from the driver's error (its `code`: a socket error such
 * as ECONNREFUSED, or a PostgreSQL SQLSTATE such as 28P01), in one line that names the
 * target and the fix.
 *
 * @example
 * describeConnectionFailure({ code: '28P01', message: 'password authentication failed for user "app"' }, target, 10_000).kind; // 'auth'
 */
export function describeConnectionFailure(
  error: unknown,
  target: ConnectionTarget,
  connectTimeoutMs: number,
): ConnectionFailure {
  const e = (error ?? {}) as { code?: string; message?: string };
  const code = e.code ?? '';
  const text = e.message ?? String(error);
  const where = `${target.host}:${target.port}`;
  const at = `Cannot connect to PostgreSQL at ${describeTarget(target)}`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') {
    return {
      kind: 'dns',
      message: `${at}: the host name '${target.host}' does not resolve (DNS ${code}); check the host in the connection settings.`,
    };
  }
  if (code === 'ECONNREFUSED') {
    return {
      kind: 'refused',
      message: `${at}: connection refused by ${where}; nothing is listening there — check the port and that the database is running.`,
    };
  }
  if (code === 'ETIMEDOUT' || /timeout/i.test(text)) {
    return {
      kind: 'timeout',
      message: `${at}: no answer from ${where} within ${Math.round(connectTimeoutMs / 1000)} s; check security groups, the network path and the port.`,
    };
  }
  if (code === '28P01') {
    return {
      kind: 'auth',
      message: `${at}: password authentication failed for user '${target.user}'; check the password (and user) in the connection settings.`,
    };
  }
  if (code === '3D000') {
    return {
      kind: 'no-database',
      message: `${at}: the server has no database named '${target.database}'; check the database name.`,
    };
  }
  if (/does not support SSL/i.test(text) || TLS_CODES.has(code) || /certificate|SSL|TLS/i.test(text)) {
    const fix =
      target.ssl === 'disable'
        ? 'the server requires TLS: set ssl to require'
        : /does not support SSL/i.test(text)
          ? `the server does not offer TLS but ssl is ${target.ssl}; enable TLS on the server (ssl: disable is allowed only for a database on this machine)`
          : `TLS failed (${code || text}); for verify-full the server certificate must match the host and chain to a CA in ssl-root-cert (e.g. the RDS bundle)`;
    return { kind: 'tls', message: `${at}: ${fix}.` };
  }
  if (code === '28000') {
    return {
      kind: 'auth',
      message: `${at}: the server refused user '${target.user}' (${firstLine(text)}); check the user and the server's access rules.`,
    };
  }
  return { kind: 'other', message: `${at}: ${firstLine(text)}${code ? ` (${code})` : ''}.` };
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').trim();
}

/**
 * The advisory-lock key every db-migrate run takes on a database: the first 8 bytes of
 * SHA-256 of `white-cross-deploy/db-migrate`, as a signed 64-bit integer in decimal text.
 * Advisory locks are per database, so one key serves every database.
 *
 * @example
 * MIGRATION_LOCK_KEY; // a decimal string such as '-4390153244935453410'
 */
export const MIGRATION_LOCK_KEY: string = createHash('sha256')
  .update('white-cross-deploy/db-migrate')
  .digest()
  .readBigInt64BE(0)
  .toString();
