/** The action's name, version, input and output names, in one place (as in action.yml). */

export const ACTION_NAME = 'db-migrate';
export const ACTION_VERSION = '0.1.0';

export const INPUT = {
  Mode: 'mode',
  DatabaseUrl: 'database-url',
  Host: 'host',
  Port: 'port',
  User: 'user',
  Password: 'password',
  Database: 'database',
  Ssl: 'ssl',
  SslRootCert: 'ssl-root-cert',
  ConnectTimeout: 'connect-timeout',
  WorkingDirectory: 'working-directory',
  MigrateCommand: 'migrate-command',
  StatusCommand: 'status-command',
  UndoCommand: 'undo-command',
  NodeEnv: 'node-env',
  Backup: 'backup',
  AllowNoBackup: 'allow-no-backup',
  DbInstanceIdentifier: 'db-instance-identifier',
  SnapshotRetention: 'snapshot-retention',
  SnapshotTimeout: 'snapshot-timeout',
  JobTimeout: 'job-timeout',
  BackupLocation: 'backup-location',
  KmsKeyId: 'kms-key-id',
  Region: 'region',
  RestoreFrom: 'restore-from',
  UndoTo: 'undo-to',
  OnFailure: 'on-failure',
  AllowDataLoss: 'allow-data-loss',
  LockTimeout: 'lock-timeout',
  StatementTimeout: 'statement-timeout',
  PgBinDir: 'pg-bin-dir',
  DryRun: 'dry-run',
} as const;

export const OUTPUT = {
  BackupId: 'backup-id',
  BackupLocation: 'backup-location',
  Applied: 'applied',
  Undone: 'undone',
  PendingBefore: 'pending-before',
  Duration: 'duration',
} as const;

/** The table sequelize-cli records applied migrations in (its `migrationStorageTableName` default). */
export const MIGRATION_TABLE = 'SequelizeMeta';

/** The evidence files every run writes. */
export const REPORT_EVIDENCE = 'db-migrate-report.json';
export const MANIFEST_EVIDENCE = 'db-migrate-backup-manifest.json';
