/**
 * The inputs of db-migrate, read once and checked before anything touches the database or AWS.
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, relative, resolve } from 'node:path';
import { ConfigurationError, type Env, type Inputs } from '@white-cross/core';
import {
  DatabaseUrlError,
  connectionUrl,
  isLoopbackHost,
  parseDatabaseUrl,
  type ConnectionTarget,
  type SslMode,
} from './connection.js';
import { isBackupId } from './backup-manifest.js';
import type { SnapshotRetention } from './rds-snapshot.js';
import { INPUT } from './constants.js';

export const MODES = ['migrate', 'status', 'undo', 'restore'] as const;
export type Mode = (typeof MODES)[number];

export const BACKUP_KINDS = ['pg_dump', 'rds-snapshot', 'none'] as const;
export type BackupKind = (typeof BACKUP_KINDS)[number];

export const ON_FAILURE = ['none', 'undo', 'restore'] as const;
export type OnFailure = (typeof ON_FAILURE)[number];

export const SSL_MODES: readonly SslMode[] = ['require', 'verify-full', 'disable'];

/** Where pg_dump backups are kept: a folder, or an S3 prefix written with SSE-KMS. */
export type BackupLocation =
  | { kind: 'directory'; path: string }
  | { kind: 's3'; bucket: string; prefix: string; kmsKeyId: string | undefined };

/** A pg_dump backup kept at a location. */
export interface PgDumpBackup {
  readonly kind: 'pg_dump';
  readonly location: BackupLocation;
}

/** A manual RDS snapshot of an instance (or of its Aurora cluster). */
export interface RdsSnapshotBackup {
  readonly kind: 'rds-snapshot';
  readonly instance: string;
  /** Which older manual snapshots made by the action to delete after a new one. */
  readonly retention: SnapshotRetention;
  /** The whole snapshot wait (instance available, then the snapshot) fits in this. */
  readonly timeoutMs: number;
}

/** The backup taken before a change: one shape per kind, holding only what that kind needs. */
export type BackupPlan = PgDumpBackup | RdsSnapshotBackup | { readonly kind: 'none' };

/** The three migration commands, each run through bash in the working directory. */
export interface ToolCommands {
  readonly migrate: string;
  readonly status: string;
  readonly undo: string;
}

/** What every mode reads. */
export interface CommonInputs {
  readonly target: ConnectionTarget;
  /** The URL handed to the migration tool as DATABASE_URL (a secret). */
  readonly url: string;
  readonly workingDirectory: string;
  readonly commands: ToolCommands;
  readonly nodeEnv: string;
  readonly lockTimeoutMs: number;
  readonly statementTimeoutMs: number;
  readonly connectTimeoutMs: number;
  /** A CA bundle (PEM) to verify the server certificate with, for ssl: verify-full. */
  readonly sslRootCert: string | undefined;
  readonly dryRun: boolean;
  /** The folder holding pg_dump, pg_restore; undefined means PATH. */
  readonly pgBinDir: string | undefined;
  readonly region: string | undefined;
}

export interface StatusInputs extends CommonInputs {
  readonly mode: 'status';
}

/** mode: migrate. on-failure: restore needs a pg_dump backup to restore, and the type says so. */
export type MigrateInputs = CommonInputs & { readonly mode: 'migrate' } & (
    | { readonly backup: BackupPlan; readonly onFailure: 'none' | 'undo' }
    | { readonly backup: PgDumpBackup; readonly onFailure: 'restore' }
  );

export interface UndoInputs extends CommonInputs {
  readonly mode: 'undo';
  readonly backup: BackupPlan;
  /** Undo every migration after this one (which stays applied); undefined: only the last. */
  readonly undoTo: string | undefined;
}

export interface RestoreInputs extends CommonInputs {
  readonly mode: 'restore';
  /** The safety backup taken before the restore. */
  readonly backup: BackupPlan;
  readonly restoreFrom: RestoreSource;
}

export type DbMigrateInputs = StatusInputs | MigrateInputs | UndoInputs | RestoreInputs;

const S3_URI = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/;

/**
 * Parses `backup-location`: `s3://bucket/prefix` or a folder (relative to the workspace).
 *
 * @example
 * parseBackupLocation('s3://health-backups/db/prod', '/w', undefined);
 * // { kind: 's3', bucket: 'health-backups', prefix: 'db/prod', kmsKeyId: undefined }
 */
export function parseBackupLocation(
  text: string,
  workspace: string,
  kmsKeyId: string | undefined,
): BackupLocation {
  if (text.startsWith('s3://')) {
    const m = S3_URI.exec(text);
    if (!m) {
      throw new ConfigurationError(
        `Input 'backup-location' must be s3://bucket/prefix with a valid bucket name, or a folder; got '${text}'.`,
        'backup-location',
      );
    }
    const prefix = (m[2] ?? '').replace(/^\/+|\/+$/g, '');
    return { kind: 's3', bucket: m[1] ?? '', prefix, kmsKeyId };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    throw new ConfigurationError(
      `Input 'backup-location' must be s3://bucket/prefix or a folder; got '${text}'.`,
      'backup-location',
    );
  }
  return { kind: 'directory', path: isAbsolute(text) ? text : resolve(workspace, text) };
}

function connectionTarget(inputs: Inputs, ssl: SslMode): { target: ConnectionTarget; url: string } {
  const parts = ['host', 'port', 'user', 'password', 'database'] as const;
  const given = parts.filter((p) => inputs.has(p));
  const databaseUrl = inputs.secret('database-url');
  if (databaseUrl !== undefined) {
    if (given.length > 0) {
      throw new ConfigurationError(
        `Give either 'database-url' or host/port/user/password/database, not both (also given: ${given.join(', ')}).`,
        'database-url',
      );
    }
    let parsed: ReturnType<typeof parseDatabaseUrl>;
    try {
      parsed = parseDatabaseUrl(databaseUrl);
    } catch (error) {
      if (error instanceof DatabaseUrlError) {
        throw new ConfigurationError(`Input 'database-url' ${error.message}.`, 'database-url');
      }
      throw error;
    }
    const { sslmode, ...rest } = parsed;
    if (sslmode !== undefined && sslmode !== ssl) {
      throw new ConfigurationError(
        `Input 'database-url' says sslmode=${sslmode} but input 'ssl' is ${ssl}; set TLS with the 'ssl' input only.`,
        'database-url',
      );
    }
    const target: ConnectionTarget = { ...rest, ssl };
    return { target, url: connectionUrl(target) };
  }
  if (given.length === 0) {
    throw new ConfigurationError(
      "Input 'database-url' is required (or give 'host', 'user', 'password' and 'database').",
      'database-url',
    );
  }
  const host = inputs.string('host', { required: true });
  const user = inputs.string('user', { required: true });
  const password = inputs.secret('password');
  const database = inputs.string('database', { required: true });
  const port = inputs.number('port', { default: 5432, min: 1, max: 65535, integer: true });
  const target: ConnectionTarget = { host, port, user, password, database, ssl };
  return { target, url: connectionUrl(target) };
}

/** Which backup `restore-from` names, and where it is kept. */
export interface RestoreSource {
  readonly id: string;
  readonly location: BackupLocation;
}

/**
 * Reads `restore-from`: a backup id (in `backup-location`), or the dump's path or s3:// URI
 * (its manifest is beside it).
 *
 * @example
 * restoreSource('s3://b/db/health-20261121T160512Z.dump', undefined, '/w');
 * // { id: 'health-20261121T160512Z', location: { kind: 's3', bucket: 'b', prefix: 'db', kmsKeyId: undefined } }
 */
export function restoreSource(
  text: string,
  location: BackupLocation | undefined,
  workspace = process.cwd(),
): RestoreSource {
  if (isBackupId(text)) {
    if (!location) {
      throw new ConfigurationError(
        `Input 'restore-from' is the backup id '${text}', so 'backup-location' must say where it is kept.`,
        INPUT.RestoreFrom,
      );
    }
    return { id: text, location };
  }
  const id = basename(text).replace(/\.(dump|manifest\.json)$/, '');
  if (!isBackupId(id)) {
    throw new ConfigurationError(
      `Input 'restore-from' must be a backup id (such as health-20261121T160512Z) or the path or s3:// URI of a .dump this action wrote; got '${text}', which is neither.`,
      INPUT.RestoreFrom,
    );
  }
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(text);
  if (m?.[1] !== undefined && m[2] !== undefined) {
    const key = m[2];
    const prefix = key.includes('/') ? key.slice(0, key.lastIndexOf('/')) : '';
    const kmsKeyId = location?.kind === 's3' ? location.kmsKeyId : undefined;
    return { id, location: { kind: 's3', bucket: m[1], prefix, kmsKeyId } };
  }
  const file = isAbsolute(text) ? text : resolve(workspace, text);
  return { id, location: { kind: 'directory', path: dirname(file) } };
}

/**
 * A NODE_ENV value: one word of letters, digits, `.`, `_` or `-` (a sequelize config
 * environment name). Anything else — a newline above all — would reach the tool's environment.
 */
const NODE_ENV = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * The working directory, resolved through symlinks, refused when it is not a folder inside the
 * workspace (the migration tool runs there with the database password in its environment).
 */
function workingDirectoryOf(text: string, workspace: string): string {
  const path = isAbsolute(text) ? text : resolve(workspace, text);
  if (!existsSync(path) || !statSync(path).isDirectory()) {
    throw new ConfigurationError(
      `Input 'working-directory' must be the backend's folder (where .sequelizerc is); '${text}' is not a folder.`,
      INPUT.WorkingDirectory,
    );
  }
  const real = realpathSync(path);
  const root = existsSync(workspace) ? realpathSync(workspace) : resolve(workspace);
  const inside = relative(root, real);
  if (inside.startsWith('..') || isAbsolute(inside)) {
    throw new ConfigurationError(
      `Input 'working-directory' must be a folder inside the workspace (GITHUB_WORKSPACE); '${text}' resolves outside it.`,
      INPUT.WorkingDirectory,
    );
  }
  return real;
}

/**
 * `snapshot-retention` (`20`: keep the newest 20 made by the action; `30d`: keep 30 days) and
 * `snapshot-timeout`, which must end before `job-timeout` when that is given.
 */
function snapshotPolicy(inputs: Inputs): { retention: SnapshotRetention; timeoutMs: number } {
  const text = inputs.string(INPUT.SnapshotRetention, { default: '20' });
  const m = /^(\d{1,3})(d?)$/.exec(text);
  const n = Number(m?.[1]);
  if (!m || n < 1 || (m[2] === '' && n > 100) || (m[2] === 'd' && n > 365)) {
    throw new ConfigurationError(
      `Input 'snapshot-retention' must be how many manual snapshots made by db-migrate to keep (1 to 100, e.g. 20) or for how many days (1d to 365d, e.g. 30d); got '${text}'.`,
      INPUT.SnapshotRetention,
    );
  }
  const retention: SnapshotRetention = m[2] === 'd' ? { maxAgeDays: n } : { keep: n };
  const jobTimeoutMs = inputs.has(INPUT.JobTimeout)
    ? inputs.duration(INPUT.JobTimeout, { default: '6h', min: 60_000, max: 6 * 3_600_000 })
    : undefined;
  const timeoutMs = inputs.duration(INPUT.SnapshotTimeout, {
    default: jobTimeoutMs === undefined ? '30m' : `${Math.floor(jobTimeoutMs / 2000)}s`,
    min: 1000,
    max: 6 * 3_600_000,
  });
  if (jobTimeoutMs !== undefined && timeoutMs >= jobTimeoutMs) {
    throw new ConfigurationError(
      `Input 'snapshot-timeout' must end before 'job-timeout' (the job's timeout-minutes), leaving time to migrate; got ${Math.round(timeoutMs / 1000)} s of ${Math.round(jobTimeoutMs / 1000)} s.`,
      INPUT.SnapshotTimeout,
    );
  }
  return { retention, timeoutMs };
}

/** The backup before a change, from `backup`, `allow-no-backup`, `db-instance-identifier` and `backup-location`. */
function backupPlan(
  inputs: Inputs,
  location: BackupLocation | undefined,
  dbInstanceIdentifier: string | undefined,
): BackupPlan {
  const kind = inputs.choice(INPUT.Backup, BACKUP_KINDS, 'pg_dump');
  const allowNoBackup = inputs.boolean(INPUT.AllowNoBackup, false);
  if (kind === 'none') {
    if (!allowNoBackup) {
      throw new ConfigurationError(
        "Input 'backup' is none: set 'allow-no-backup: true' to change the database without a backup, or use pg_dump or rds-snapshot.",
        INPUT.Backup,
      );
    }
    return { kind };
  }
  if (kind === 'rds-snapshot') {
    if (!dbInstanceIdentifier) {
      throw new ConfigurationError(
        "Input 'db-instance-identifier' is required when 'backup' is rds-snapshot (the RDS instance to snapshot).",
        INPUT.DbInstanceIdentifier,
      );
    }
    return { kind, instance: dbInstanceIdentifier, ...snapshotPolicy(inputs) };
  }
  if (!location) {
    throw new ConfigurationError(
      "Input 'backup-location' is required for pg_dump backups: a folder, or s3://bucket/prefix (written with SSE-KMS).",
      INPUT.BackupLocation,
    );
  }
  return { kind, location };
}

/**
 * Reads and checks every input. Throws ConfigurationError naming the input; touches nothing
 * but the working directory's existence.
 */
export function parseInputs(inputs: Inputs, env: Env): DbMigrateInputs {
  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  const mode = inputs.choice(INPUT.Mode, MODES, 'migrate');
  const ssl = inputs.choice(INPUT.Ssl, SSL_MODES, 'require');
  const { target, url } = connectionTarget(inputs, ssl);
  if (ssl === 'disable' && !isLoopbackHost(target.host)) {
    throw new ConfigurationError(
      `Input 'ssl' may be disable only for a database on this machine (127.0.0.1, ::1, localhost); '${target.host}' must use require or verify-full.`,
      INPUT.Ssl,
    );
  }
  const workingDirectory = workingDirectoryOf(
    inputs.string(INPUT.WorkingDirectory, { default: '.' }),
    workspace,
  );
  const commands: ToolCommands = {
    migrate: inputs.string(INPUT.MigrateCommand, { default: 'npx sequelize-cli db:migrate' }),
    status: inputs.string(INPUT.StatusCommand, { default: 'npx sequelize-cli db:migrate:status' }),
    undo: inputs.string(INPUT.UndoCommand, { default: 'npx sequelize-cli db:migrate:undo' }),
  };
  const nodeEnv = inputs.string(INPUT.NodeEnv, { default: 'production' });
  if (!NODE_ENV.test(nodeEnv)) {
    throw new ConfigurationError(
      `Input 'node-env' must be one sequelize config environment name (letters, digits, '.', '_' or '-', up to 64), such as production; got ${JSON.stringify(nodeEnv.slice(0, 80))}.`,
      INPUT.NodeEnv,
    );
  }
  const dbInstanceIdentifier = inputs.string(INPUT.DbInstanceIdentifier);
  if (dbInstanceIdentifier !== undefined && !/^[a-zA-Z][a-zA-Z0-9-]{0,62}$/.test(dbInstanceIdentifier)) {
    throw new ConfigurationError(
      `Input 'db-instance-identifier' must be an RDS instance identifier (a letter, then letters, digits and hyphens); got '${dbInstanceIdentifier}'.`,
      INPUT.DbInstanceIdentifier,
    );
  }
  const kmsKeyId = inputs.string(INPUT.KmsKeyId);
  const backupLocationText = inputs.string(INPUT.BackupLocation);
  const backupLocation = backupLocationText
    ? parseBackupLocation(backupLocationText, workspace, kmsKeyId)
    : undefined;
  if (kmsKeyId !== undefined && backupLocation?.kind !== 's3') {
    throw new ConfigurationError(
      "Input 'kms-key-id' applies only to an s3:// 'backup-location'.",
      INPUT.KmsKeyId,
    );
  }
  const restoreFromText = inputs.string(INPUT.RestoreFrom);
  const undoTo = inputs.string(INPUT.UndoTo);
  const onFailure = inputs.choice(INPUT.OnFailure, ON_FAILURE, 'none');
  const allowDataLoss = inputs.boolean(INPUT.AllowDataLoss, false);
  const lockTimeoutMs = inputs.duration(INPUT.LockTimeout, { default: '10s', min: 0, max: 3_600_000 });
  const statementTimeoutMs = inputs.duration(INPUT.StatementTimeout, {
    default: '30m',
    min: 0,
    max: 86_400_000,
  });
  const connectTimeoutMs = inputs.duration(INPUT.ConnectTimeout, {
    default: '10s',
    min: 1000,
    max: 300_000,
  });
  const dryRun = inputs.boolean(INPUT.DryRun, false);
  const sslRootCertText = inputs.string(INPUT.SslRootCert);
  const sslRootCert =
    sslRootCertText === undefined
      ? undefined
      : isAbsolute(sslRootCertText)
        ? sslRootCertText
        : resolve(workspace, sslRootCertText);
  if (sslRootCert !== undefined && !existsSync(sslRootCert)) {
    throw new ConfigurationError(
      `Input 'ssl-root-cert' must be a PEM file of trusted CAs (e.g. the RDS global bundle); '${sslRootCertText}' does not exist.`,
      INPUT.SslRootCert,
    );
  }
  if (sslRootCert !== undefined && ssl !== 'verify-full') {
    throw new ConfigurationError(
      "Input 'ssl-root-cert' applies only when 'ssl' is verify-full.",
      INPUT.SslRootCert,
    );
  }
  const pgBinDir = inputs.string(INPUT.PgBinDir);
  if (pgBinDir !== undefined && !existsSync(pgBinDir)) {
    throw new ConfigurationError(
      `Input 'pg-bin-dir' must be the folder holding pg_dump and pg_restore; '${pgBinDir}' does not exist.`,
      INPUT.PgBinDir,
    );
  }
  const region = inputs.string(INPUT.Region);
  if (restoreFromText !== undefined && mode !== 'restore') {
    throw new ConfigurationError(
      "Input 'restore-from' applies only when 'mode' is restore.",
      INPUT.RestoreFrom,
    );
  }
  if (undoTo !== undefined && mode !== 'undo') {
    throw new ConfigurationError("Input 'undo-to' applies only when 'mode' is undo.", INPUT.UndoTo);
  }

  const common: CommonInputs = {
    target: Object.freeze(target),
    url,
    workingDirectory,
    commands: Object.freeze(commands),
    nodeEnv,
    lockTimeoutMs,
    statementTimeoutMs,
    connectTimeoutMs,
    sslRootCert,
    dryRun,
    pgBinDir,
    region,
  };
  if (mode === 'status') return Object.freeze({ ...common, mode });
  if (mode === 'restore' && !restoreFromText) {
    throw new ConfigurationError(
      "Input 'restore-from' is required when 'mode' is restore: a backup id (e.g. app-20261121T160512Z) or the backup's path or s3:// URI.",
      INPUT.RestoreFrom,
    );
  }
  const backup = backupPlan(inputs, backupLocation, dbInstanceIdentifier);
  if (mode === 'undo') return Object.freeze({ ...common, mode, backup, undoTo });
  if (mode === 'restore') {
    const restoreFrom = restoreSource(restoreFromText ?? '', backupLocation, workspace);
    return Object.freeze({ ...common, mode, backup, restoreFrom });
  }
  if (onFailure !== 'restore') return Object.freeze({ ...common, mode, backup, onFailure });
  if (backup.kind !== 'pg_dump') {
    throw new ConfigurationError(
      "Input 'on-failure' is restore, which needs a pg_dump backup to restore; set 'backup: pg_dump' (an RDS snapshot restores to a new instance, not in place).",
      INPUT.OnFailure,
    );
  }
  if (!allowDataLoss) {
    throw new ConfigurationError(
      "Input 'on-failure' is restore, which loses whatever the live app writes between the backup and the restore; set 'allow-data-loss: true' to accept that, or use on-failure: undo or none.",
      INPUT.OnFailure,
    );
  }
  return Object.freeze({ ...common, mode, backup, onFailure });
}
