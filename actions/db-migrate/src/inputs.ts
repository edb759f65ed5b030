/**
 * The inputs of db-migrate, read once and checked before anything touches the database or AWS.
 */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ConfigurationError, type Env, type Inputs } from '@white-cross/core';
import {
  DatabaseUrlError,
  connectionUrl,
  isLoopbackHost,
  parseDatabaseUrl,
  type ConnectionTarget,
  type SslMode,
} from './connection.js';

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

export interface DbMigrateInputs {
  readonly mode: Mode;
  readonly target: ConnectionTarget;
  /** The URL handed to the migration tool as DATABASE_URL (a secret). */
  readonly url: string;
  readonly workingDirectory: string;
  readonly migrateCommand: string;
  readonly statusCommand: string;
  readonly undoCommand: string;
  readonly nodeEnv: string;
  readonly backup: BackupKind;
  readonly dbInstanceIdentifier: string | undefined;
  readonly backupLocation: BackupLocation | undefined;
  readonly restoreFrom: string | undefined;
  readonly undoTo: string | undefined;
  readonly onFailure: OnFailure;
  readonly allowDataLoss: boolean;
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
    return { kind: 's3', bucket: m[1] as string, prefix, kmsKeyId };
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

/**
 * Reads and checks every input. Throws ConfigurationError naming the input; touches nothing
 * but the working directory's existence.
 */
export function parseInputs(inputs: Inputs, env: Env): DbMigrateInputs {
  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  const mode = inputs.choice('mode', MODES, 'migrate');
  const ssl = inputs.choice('ssl', SSL_MODES, 'require');
  const { target, url } = connectionTarget(inputs, ssl);
  if (ssl === 'disable' && !isLoopbackHost(target.host)) {
    throw new ConfigurationError(
      `Input 'ssl' may be disable only for a database on this machine (127.0.0.1, ::1, localhost); '${target.host}' must use require or verify-full.`,
      'ssl',
    );
  }

  const workingDirectoryText = inputs.string('working-directory', { default: '.' });
  const workingDirectory = isAbsolute(workingDirectoryText)
    ? workingDirectoryText
    : resolve(workspace, workingDirectoryText);
  if (!existsSync(workingDirectory) || !statSync(workingDirectory).isDirectory()) {
    throw new ConfigurationError(
      `Input 'working-directory' must be the backend's folder (where .sequelizerc is); '${workingDirectoryText}' is not a folder.`,
      'working-directory',
    );
  }
  const migrateCommand = inputs.string('migrate-command', { default: 'npx sequelize-cli db:migrate' });
  const statusCommand = inputs.string('status-command', { default: 'npx sequelize-cli db:migrate:status' });
  const undoCommand = inputs.string('undo-command', { default: 'npx sequelize-cli db:migrate:undo' });
  const nodeEnv = inputs.string('node-env', { default: 'production' });

  const backup = inputs.choice('backup', BACKUP_KINDS, 'pg_dump');
  const allowNoBackup = inputs.boolean('allow-no-backup', false);
  const dbInstanceIdentifier = inputs.string('db-instance-identifier');
  const kmsKeyId = inputs.string('kms-key-id');
  const backupLocationText = inputs.string('backup-location');
  const restoreFrom = inputs.string('restore-from');
  const undoTo = inputs.string('undo-to');
  const onFailure = inputs.choice('on-failure', ON_FAILURE, 'none');
  const allowDataLoss = inputs.boolean('allow-data-loss', false);
  const lockTimeoutMs = inputs.duration('lock-timeout', { default: '10s', min: 0, max: 3_600_000 });
  const statementTimeoutMs = inputs.duration('statement-timeout', {
    default: '30m',
    min: 0,
    max: 86_400_000,
  });
  const connectTimeoutMs = inputs.duration('connect-timeout', { default: '10s', min: 1000, max: 300_000 });
  const dryRun = inputs.boolean('dry-run', false);
  const sslRootCertText = inputs.string('ssl-root-cert');
  const sslRootCert =
    sslRootCertText === undefined
      ? undefined
      : isAbsolute(sslRootCertText)
        ? sslRootCertText
        : resolve(workspace, sslRootCertText);
  if (sslRootCert !== undefined && !existsSync(sslRootCert)) {
    throw new ConfigurationError(
      `Input 'ssl-root-cert' must be a PEM file of trusted CAs (e.g. the RDS global bundle); '${sslRootCertText}' does not exist.`,
      'ssl-root-cert',
    );
  }
  if (sslRootCert !== undefined && ssl !== 'verify-full') {
    throw new ConfigurationError(
      "Input 'ssl-root-cert' applies only when 'ssl' is verify-full.",
      'ssl-root-cert',
    );
  }
  const pgBinDir = inputs.string('pg-bin-dir');
  const region = inputs.string('region');

  if (backup === 'none' && !allowNoBackup && mode !== 'status') {
    throw new ConfigurationError(
      "Input 'backup' is none: set 'allow-no-backup: true' to change the database without a backup, or use pg_dump or rds-snapshot.",
      'backup',
    );
  }
  if (backup === 'rds-snapshot' && !dbInstanceIdentifier) {
    throw new ConfigurationError(
      "Input 'db-instance-identifier' is required when 'backup' is rds-snapshot (the RDS instance to snapshot).",
      'db-instance-identifier',
    );
  }
  if (dbInstanceIdentifier !== undefined && !/^[a-zA-Z][a-zA-Z0-9-]{0,62}$/.test(dbInstanceIdentifier)) {
    throw new ConfigurationError(
      `Input 'db-instance-identifier' must be an RDS instance identifier (a letter, then letters, digits and hyphens); got '${dbInstanceIdentifier}'.`,
      'db-instance-identifier',
    );
  }
  const needsLocation = (backup === 'pg_dump' && mode !== 'status') || mode === 'restore';
  if (needsLocation && !backupLocationText) {
    throw new ConfigurationError(
      "Input 'backup-location' is required for pg_dump backups: a folder, or s3://bucket/prefix (written with SSE-KMS).",
      'backup-location',
    );
  }
  const backupLocation = backupLocationText
    ? parseBackupLocation(backupLocationText, workspace, kmsKeyId)
    : undefined;
  if (kmsKeyId !== undefined && backupLocation?.kind !== 's3') {
    throw new ConfigurationError(
      "Input 'kms-key-id' applies only to an s3:// 'backup-location'.",
      'kms-key-id',
    );
  }
  if (onFailure === 'restore') {
    if (backup !== 'pg_dump') {
      throw new ConfigurationError(
        "Input 'on-failure' is restore, which needs a pg_dump backup to restore; set 'backup: pg_dump' (an RDS snapshot restores to a new instance, not in place).",
        'on-failure',
      );
    }
    if (!allowDataLoss) {
      throw new ConfigurationError(
        "Input 'on-failure' is restore, which loses whatever the live app writes between the backup and the restore; set 'allow-data-loss: true' to accept that, or use on-failure: undo or none.",
        'on-failure',
      );
    }
  }
  if (mode === 'restore' && !restoreFrom) {
    throw new ConfigurationError(
      "Input 'restore-from' is required when 'mode' is restore: a backup id (e.g. app-20261121T160512Z) or the backup's path or s3:// URI.",
      'restore-from',
    );
  }
  if (restoreFrom !== undefined && mode !== 'restore') {
    throw new ConfigurationError("Input 'restore-from' applies only when 'mode' is restore.", 'restore-from');
  }
  if (undoTo !== undefined && mode !== 'undo') {
    throw new ConfigurationError("Input 'undo-to' applies only when 'mode' is undo.", 'undo-to');
  }
  if (pgBinDir !== undefined && !existsSync(pgBinDir)) {
    throw new ConfigurationError(
      `Input 'pg-bin-dir' must be the folder holding pg_dump and pg_restore; '${pgBinDir}' does not exist.`,
      'pg-bin-dir',
    );
  }

  return Object.freeze({
    mode,
    target: Object.freeze(target),
    url,
    workingDirectory,
    migrateCommand,
    statusCommand,
    undoCommand,
    nodeEnv,
    backup,
    dbInstanceIdentifier,
    backupLocation,
    restoreFrom,
    undoTo,
    onFailure,
    allowDataLoss,
    lockTimeoutMs,
    statementTimeoutMs,
    connectTimeoutMs,
    sslRootCert,
    dryRun,
    pgBinDir,
    region,
  });
}
