/**
 * What a run did, gathered as it happens and written at the end however the run ends: the job
 * summary a person reads and the JSON report kept as evidence.
 */
import { countOf, formatBytes, formatDuration, type SummaryBuilder } from '@white-cross/core';
import type { RowCountDifference } from './backup-manifest.js';
import type { Mode } from './inputs.js';

export interface BackupRecord {
  kind: 'pg_dump' | 'rds-snapshot';
  id: string;
  /** Path, s3:// URI or snapshot ARN. */
  location: string;
  bytes?: number;
  sha256?: string;
  tables?: number;
  rows?: number;
  encrypted?: boolean;
  /** Why it was taken: before the migration, before an undo, or as the safety net of a restore. */
  purpose: string;
}

export interface StepRecord {
  name: string;
  ms: number;
  result: 'ok' | 'failed' | 'skipped' | 'cancelled';
  detail?: string;
}

export interface MigrationRecord {
  name: string;
  before: 'applied' | 'pending';
  /** What this run did with it. */
  result:
    'applied' | 'failed' | 'not run' | 'undone' | 'already applied' | 'pending' | 'rolled back by restore';
  seconds?: number;
}

export interface RunReport {
  mode: Mode;
  dryRun: boolean;
  database: string;
  serverVersion?: string;
  databaseBytes?: number;
  pendingBefore: string[];
  applied: string[];
  undone: string[];
  migrations: MigrationRecord[];
  backups: BackupRecord[];
  restore?: {
    id: string;
    location: string;
    dropped: string[];
    tables: number;
    rows: number;
    differences: RowCountDifference[];
  };
  failure?: { migration?: string; error: string; onFailure: string; state: string };
  /** What a failed migration left: the schema's differences from the backup's, and the SQL that removes what it added. */
  halfApplied?: { migration: string; inTransaction: boolean; changes: string[]; sql: string[] };
  /** A run stopped by SIGTERM/SIGINT: during which step, and what was done before. */
  cancelled?: { signal: string; during: string; done: string[]; applied: string[] };
  steps: StepRecord[];
  /** One sentence: how the run ended. */
  conclusion: string;
}

/** A fresh report for a run. */
export function newReport(mode: Mode, dryRun: boolean, database: string): RunReport {
  return {
    mode,
    dryRun,
    database,
    pendingBefore: [],
    applied: [],
    undone: [],
    migrations: [],
    backups: [],
    steps: [],
    conclusion: '',
  };
}

/**
 * Writes the job summary: the conclusion, the migrations table, the backup(s), the restore
 * check, and the steps with their durations.
 *
 * @example
 * writeSummary(report, new SummaryBuilder()).toString(); // '## db-migrate: migrate on db:5432/health as app …'
 */
export function writeSummary(report: RunReport, summary: SummaryBuilder): SummaryBuilder {
  summary.heading(`db-migrate: ${report.mode}${report.dryRun ? ' (dry run)' : ''} on ${report.database}`);
  if (report.cancelled)
    summary.paragraph(`**Cancelled** (${report.cancelled.signal}) during ${report.cancelled.during}.`);
  summary.paragraph(report.conclusion);
  if (report.failure) {
    summary.table(
      ['Failed migration', 'Database error', 'on-failure', 'State left'],
      [
        [
          report.failure.migration ?? '—',
          report.failure.error,
          report.failure.onFailure,
          report.failure.state,
        ],
      ],
    );
  }
  if (report.halfApplied && report.halfApplied.changes.length) {
    const h = report.halfApplied;
    summary.heading('Schema differences from the backup', 3);
    summary.table(
      ['Change'],
      h.changes.map((c) => [c]),
    );
    if (h.sql.length)
      summary.details(`SQL that removes what ${h.migration} added`, (inner) =>
        inner.code(h.sql.join('\n'), 'sql'),
      );
  }
  if (report.migrations.length) {
    summary.heading('Migrations', 3);
    summary.table(
      ['Migration', 'Before', 'This run', 'Time'],
      report.migrations.map((m) => [
        m.name,
        m.before,
        m.result,
        m.seconds === undefined ? '—' : `${m.seconds.toFixed(3)} s`,
      ]),
    );
  }
  if (report.backups.length) {
    summary.heading('Backups', 3);
    summary.table(
      ['Backup', 'Kind', 'Purpose', 'Where', 'Size', 'Tables', 'Rows', 'Check'],
      report.backups.map((b) => [
        b.id,
        b.kind,
        b.purpose,
        b.location,
        b.bytes === undefined ? '—' : formatBytes(b.bytes),
        b.tables ?? '—',
        b.rows ?? '—',
        b.kind === 'pg_dump'
          ? `sha256 ${b.sha256?.slice(0, 12) ?? '?'}…, table of contents lists every table`
          : b.encrypted
            ? 'available, encrypted'
            : 'available, NOT encrypted',
      ]),
    );
  }
  if (report.restore) {
    const r = report.restore;
    summary.heading('Restore', 3);
    summary.paragraph(
      `Restored ${r.id} from ${r.location}: ${countOf(r.tables, 'table')}, ${countOf(r.rows, 'row')}; ` +
        (r.differences.length === 0
          ? 'every table’s row count matches the backup.'
          : `${r.differences.length} table(s) differ.`) +
        (r.dropped.length ? ` Dropped first (not in the backup): ${r.dropped.join(', ')}.` : ''),
    );
    if (r.differences.length) {
      summary.table(
        ['Table', 'Rows in backup', 'Rows now'],
        r.differences.map((d) => [d.table, d.expected ?? 'absent', d.actual ?? 'absent']),
      );
    }
  }
  if (report.steps.length) {
    summary.details('Steps', (inner) =>
      inner.table(
        ['Step', 'Result', 'Time', 'Detail'],
        report.steps.map((s) => [s.name, s.result, formatDuration(s.ms), s.detail ?? '']),
      ),
    );
  }
  return summary;
}
