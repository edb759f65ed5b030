/**
 * pg_dump and pg_restore, run as child processes. The password reaches them only through
 * PGPASSWORD in their environment, never on the command line; TLS through PGSSLMODE.
 */
import { join } from 'node:path';
import { runCommand, type CommandOptions, type CommandResult, type Logger } from '@white-cross/core';

/** How a command is run: core's runCommand, or one a cancellation can stop. */
export type CommandRunner = (
  command: [string, ...string[]],
  options: CommandOptions,
) => Promise<CommandResult>;
import type { ConnectionTarget } from './connection.js';
import { scrubServerText } from './server-errors.js';

export interface PgTools {
  /** Dumps the database in custom format to `file`, from the exported snapshot when given. */
  dump(file: string, options: { snapshot?: string; lockWaitTimeoutMs: number }): Promise<CommandResult>;
  /** The dump's table of contents (`pg_restore --list`). */
  list(file: string): Promise<CommandResult>;
  /** Restores the dump over the database in one transaction (`--clean --if-exists`). */
  restore(file: string, options: { lockTimeoutMs: number }): Promise<CommandResult>;
  /** `pg_dump --version`, e.g. `pg_dump (PostgreSQL) 15.18`. */
  version(): Promise<string>;
}

/** The environment a libpq tool needs to reach the target, without argv secrets. */
export function libpqEnv(
  target: ConnectionTarget,
  connectTimeoutMs: number,
  applicationName: string,
  sslRootCert?: string,
): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PGHOST: target.host,
    PGPORT: String(target.port),
    PGUSER: target.user,
    PGDATABASE: target.database,
    ...(target.password === undefined ? {} : { PGPASSWORD: target.password }),
    PGSSLMODE: target.ssl,
    PGCONNECT_TIMEOUT: String(Math.max(2, Math.ceil(connectTimeoutMs / 1000))),
    PGAPPNAME: applicationName,
    ...(sslRootCert ? { PGSSLROOTCERT: sslRootCert } : {}),
  };
}

/** pg_dump/pg_restore from `binDir`, or from PATH. */
export function pgTools(
  target: ConnectionTarget,
  settings: {
    binDir: string | undefined;
    connectTimeoutMs: number;
    applicationName: string;
    log: Logger;
    sslRootCert?: string;
    runner?: CommandRunner;
  },
): PgTools {
  const bin = (name: string) => (settings.binDir ? join(settings.binDir, name) : name);
  const env = libpqEnv(target, settings.connectTimeoutMs, settings.applicationName, settings.sslRootCert);
  const quiet = quietLogger(settings.log);
  const run = (
    args: [string, ...string[]],
    options: { capture?: boolean; extraEnv?: NodeJS.ProcessEnv } = {},
  ) =>
    (settings.runner ?? runCommand)(args, {
      env: { ...env, ...options.extraEnv },
      log: options.capture ? quiet : settings.log,
      captureStdout: options.capture ?? false,
      tailLines: 20,
      // A table of contents is read, not shown; errors and notices are shown without row values.
      ...(options.capture ? {} : { scrub: scrubServerText }),
    });
  return {
    dump: (file, options) =>
      run([
        bin('pg_dump'),
        '--format=custom',
        `--file=${file}`,
        '--no-password',
        `--lock-wait-timeout=${Math.max(1, options.lockWaitTimeoutMs)}`,
        ...(options.snapshot ? [`--snapshot=${options.snapshot}`] : []),
      ]),
    list: (file) => run([bin('pg_restore'), '--list', file], { capture: true }),
    restore: (file, options) =>
      run(
        [
          bin('pg_restore'),
          '--clean',
          '--if-exists',
          '--single-transaction',
          '--exit-on-error',
          '--no-password',
          `--dbname=${target.database}`,
          file,
        ],
        { extraEnv: { PGOPTIONS: `-c lock_timeout=${options.lockTimeoutMs}` } },
      ),
    version: async () => {
      const result = await run([bin('pg_dump'), '--version'], { capture: true });
      return result.stdout.trim();
    },
  };
}

/**
 * A one-line explanation of a pg_dump/pg_restore failure from its last lines, with the fix
 * for the failures people meet (a client older than the server).
 *
 * @example
 * explainToolFailure('pg_dump', ['pg_dump: error: aborting because of server version mismatch']);
 * // 'pg_dump failed: aborting because of server version mismatch (the pg_dump on PATH is older than the server: set pg-bin-dir to the client of the server's major version)'
 */
export function explainToolFailure(tool: string, tail: string[]): string {
  const errors = tail
    .filter((l) => /error|fatal|could not|failed/i.test(l))
    .map((l) => l.replace(/^\S+: (error: )?/, ''));
  const detail = (errors.length ? errors : tail.slice(-2)).join('; ').trim() || 'no output';
  const hint = /version mismatch/i.test(detail)
    ? ` (the ${tool} on PATH is older than the server: set pg-bin-dir to the client of the server's major version)`
    : '';
  return `${tool} failed: ${detail}${hint}`;
}

/** A logger that keeps redaction and warnings but drops info lines (for captured listings). */
function quietLogger(log: Logger): Logger {
  return {
    redact: (text) => log.redact(text),
    debug: () => {},
    info: () => {},
    notice: (m, p) => log.notice(m, p),
    warning: (m, p) => log.warning(m, p),
    error: (m, p) => log.error(m, p),
    group: (title, body) => log.group(title, body),
  };
}
