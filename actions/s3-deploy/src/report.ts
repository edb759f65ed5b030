/**
 * The job summary of a deploy: what was sent, kept and deleted, how long it took, which files
 * changed (the first ones), the bucket checks and the invalidation.
 */
import { formatBytes, formatDuration, type SummaryBuilder } from '@white-cross/core';
import { uploadsOf, type PlannedUpload, type SyncPlan } from './plan.js';
import type { BucketSafety } from './remote.js';

export interface DeployReport {
  target: string;
  dryRun: boolean;
  started: number;
  ended?: number;
  /** What the run was doing (the last step reached, when it failed). */
  stage: string;
  /** The state the site is in should the run stop now (the `leftAs` of the last AWS call). */
  leftAs?: string;
  safety?: BucketSafety;
  plan?: SyncPlan;
  inspected?: number;
  uploaded: PlannedUpload[];
  deleted: string[];
  unchanged: number;
  bytesUploaded: number;
  manifest?: Record<string, string>;
  invalidation?: { id: string; paths: string[]; status: string; reused: boolean; waitedMs?: number };
}

/** How many changed files the summary lists. */
export const CHANGED_FILES_SHOWN = 50;

/** Writes the summary of a deploy (complete, failed or dry run). */
export function writeDeploySummary(summary: SummaryBuilder, report: DeployReport): void {
  const title = report.dryRun ? `S3 deploy (dry run) to ${report.target}` : `S3 deploy to ${report.target}`;
  summary.heading(title, 2);
  const elapsed = formatDuration((report.ended ?? report.started) - report.started);
  if (report.stage !== 'done' && !report.dryRun)
    summary.paragraph(`Stopped while ${report.stage}, after ${elapsed}.`);
  const plan = report.plan;
  if (plan) {
    const planned = uploadsOf(plan);
    const rows = plan.phases.map((phase) => {
      const sent = report.dryRun ? phase.uploads : report.uploaded.filter((u) => phase.uploads.includes(u));
      return [
        `Uploaded: ${phase.name}`,
        `${sent.length} of ${phase.uploads.length}`,
        formatBytes(sent.reduce((s, u) => s + u.file.size, 0)),
      ];
    });
    summary.table(
      ['Step', 'Objects', 'Bytes'],
      [
        ...rows,
        [
          'Unchanged (same SHA-256 and headers)',
          String(plan.unchanged.length),
          formatBytes(plan.unchanged.reduce((s, f) => s + f.size, 0)),
        ],
        [
          'Deleted (stale)',
          `${report.dryRun ? plan.deletions.length : report.deleted.length} of ${plan.deletions.length}`,
          '—',
        ],
        [
          'Total sent',
          String(report.dryRun ? planned.length : report.uploaded.length),
          formatBytes(report.dryRun ? plan.bytesToUpload : report.bytesUploaded),
        ],
      ],
    );
    summary.paragraph(
      `Time: ${elapsed}. Objects whose SHA-256 was read from S3 (not vouched for by the deploy record): ${report.inspected ?? 0}.`,
    );
    const changed = report.dryRun ? planned : report.uploaded;
    if (changed.length > 0) {
      const shown = [...changed]
        .sort((a, b) => a.file.key.localeCompare(b.file.key))
        .slice(0, CHANGED_FILES_SHOWN);
      const title = `Changed files${changed.length > shown.length ? ` (first ${shown.length} of ${changed.length})` : ''}`;
      const table = (inner: SummaryBuilder) =>
        inner.table(
          ['File', 'Why', 'Size', 'Content-Type', 'Cache-Control'],
          shown.map((u) => [
            u.file.path,
            u.reason,
            formatBytes(u.file.size),
            u.file.contentType,
            u.file.cacheControl,
          ]),
        );
      // A long list folds away, so the counts above stay in view.
      if (shown.length > 10) summary.details(title, table);
      else table(summary.heading(title, 3));
    }
    if (plan.deletions.length > 0) {
      const shown = plan.deletions.slice(0, CHANGED_FILES_SHOWN);
      summary.details(`${plan.deletions.length} stale objects${report.dryRun ? ' to delete' : ''}`, (inner) =>
        inner.list(shown),
      );
    }
  }
  if (report.safety) {
    const gaps = report.safety.publicAccessGaps;
    summary.heading('Bucket checks', 3);
    summary.table(
      ['Check', 'Found'],
      [
        ['Default encryption', report.safety.defaultEncryption ?? 'none'],
        [
          'Block Public Access',
          gaps === undefined
            ? 'not configured'
            : gaps.length === 0
              ? 'all four settings on'
              : `off: ${gaps.join(', ')}`,
        ],
      ],
    );
  }
  if (report.invalidation) {
    const inv = report.invalidation;
    summary.heading('CloudFront invalidation', 3);
    summary.table(
      ['Invalidation', 'Paths', 'Status', 'Waited'],
      [
        [
          `${inv.id}${inv.reused ? ' (reused)' : ''}`,
          inv.paths.length <= 5 ? inv.paths.join(' ') : `${inv.paths.length} paths`,
          inv.status,
          inv.waitedMs === undefined ? '—' : formatDuration(inv.waitedMs),
        ],
      ],
    );
  }
}
