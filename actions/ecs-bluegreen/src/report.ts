/**
 * The job summary and the evidence file: weights before and after, each color's role, version,
 * task definition and task count, the steps with their timings, and what went wrong.
 */
import { formatDuration, shortArn, type SummaryBuilder } from '@white-cross/core';
import { COLORS, type Mode } from './constants.js';
import type { BlueGreenState } from './state.js';

export interface StepRecord {
  step: string;
  ms: number;
  detail?: string;
}

export interface RunReport {
  mode: Mode;
  cluster: string;
  before?: BlueGreenState;
  after?: BlueGreenState;
  steps: StepRecord[];
  /** What the run did, in one sentence. */
  outcome?: string;
  taskDefinitionArn?: string;
  version?: string;
  reason?: string;
  /** What the reader must know about this run (e.g. sticky clients after a rollback). */
  notes: string[];
  /** Lines explaining a color that did not become ready. */
  diagnostics: string[];
  awsCalls: Record<string, number>;
  deregistered: string[];
  failure?: string;
}

function when(ms: number | undefined): string {
  return ms === undefined ? '—' : new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** Writes the run into the job summary. */
export function writeSummary(summary: SummaryBuilder, report: RunReport): void {
  summary.heading(`ECS blue/green: ${report.mode}${report.failure ? ' (failed)' : ''}`);
  if (report.outcome) summary.paragraph(report.outcome);
  if (report.failure) summary.paragraph(`Failed: ${report.failure}`);
  const before = report.before;
  const after = report.after ?? before;
  if (before && after) {
    summary.table(
      [
        'Color',
        'Service',
        'Role',
        'Version',
        'Task definition',
        'Desired tasks',
        'Weight before',
        'Weight after',
        'Promoted at',
      ],
      COLORS.map((c) => {
        const a = after.colors[c];
        const role = c === after.live ? 'live' : c === after.canary ? 'canary' : (a.role ?? 'idle');
        return [
          c,
          a.serviceName,
          role,
          a.version ?? '—',
          shortArn(a.taskDefinitionArn),
          a.desiredCount,
          `${before.split[c]} %`,
          `${after.split[c]} %`,
          when(a.promotedAt),
        ];
      }),
    );
  }
  if (report.reason) summary.paragraph(`Reason given: ${report.reason}`);
  for (const note of report.notes) summary.paragraph(note);
  if (report.steps.length) {
    summary.heading('Steps', 3);
    summary.table(
      ['Step', 'Took', 'Detail'],
      report.steps.map((s) => [s.step, formatDuration(s.ms), s.detail ?? '']),
    );
  }
  if (report.diagnostics.length) {
    summary.heading('Why the new tasks did not become ready', 3);
    summary.list(report.diagnostics);
  }
  if (report.deregistered.length) {
    summary.details(`Deregistered ${report.deregistered.length} old task definition revision(s)`, (inner) =>
      inner.list(report.deregistered.map(shortArn)),
    );
  }
  const calls = Object.entries(report.awsCalls);
  if (calls.length) {
    summary.details(`AWS calls: ${calls.reduce((n, [, c]) => n + c, 0)}`, (inner) =>
      inner.table(
        ['Call', 'Count'],
        calls.map(([op, n]) => [op, n]),
      ),
    );
  }
}

/** The evidence file's content. */
export function reportJson(report: RunReport): string {
  const state = (s?: BlueGreenState) =>
    s && {
      live: s.live,
      canary: s.canary ?? null,
      weights: s.split,
      colors: Object.fromEntries(
        COLORS.map((c) => [
          c,
          {
            service: s.colors[c].serviceName,
            role: s.colors[c].role ?? null,
            version: s.colors[c].version ?? null,
            taskDefinition: s.colors[c].taskDefinitionArn,
            desiredCount: s.colors[c].desiredCount,
            targetGroup: s.colors[c].targetGroupArn ?? null,
            promotedAt:
              s.colors[c].promotedAt === undefined ? null : new Date(s.colors[c].promotedAt).toISOString(),
          },
        ]),
      ),
    };
  return `${JSON.stringify(
    {
      mode: report.mode,
      cluster: report.cluster,
      outcome: report.outcome ?? null,
      failure: report.failure ?? null,
      reason: report.reason ?? null,
      taskDefinition: report.taskDefinitionArn ?? null,
      version: report.version ?? null,
      before: state(report.before) ?? null,
      after: state(report.after ?? report.before) ?? null,
      steps: report.steps,
      notes: report.notes,
      diagnostics: report.diagnostics,
      deregistered: report.deregistered,
      awsCalls: report.awsCalls,
    },
    null,
    2,
  )}\n`;
}
