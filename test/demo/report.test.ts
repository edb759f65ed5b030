/**
 * The demo report rendered from a small recorded run: every step's header carries the step's
 * whole name (never cut with an ellipsis), the step's summary sits one level below the
 * scenario, and the evidence bundle is a link.
 */
import { describe, expect, it } from '@jest/globals';
import type { JobResult, StepResult, WorkflowRunResult } from '@white-cross/testkit';
import { demoReport } from './report.js';
import type { DemoRun } from './workflow-demo.js';

const LONG_NAME =
  "Plan the traffic steps and check they fit the job's timeout, the canary windows of every step " +
  'and the bake time before the old color may be scaled down, for the production environment';

function step(name: string, summary: string): StepResult {
  return {
    id: name.replace(/\W+/g, '-'),
    name,
    outcome: 'success',
    conclusion: 'success',
    outputs: {},
    summary,
    signals: [],
    startedMs: 0,
    durationMs: 1200,
  };
}

function job(id: string, steps: StepResult[]): JobResult {
  return {
    id,
    name: id,
    status: 'success',
    steps,
    outputs: {},
    timedOut: false,
    startedMs: 0,
    durationMs: 4200,
  };
}

const recorded: DemoRun = {
  scenario: {
    name: 'good-release',
    title: 'A good release is promoted',
    release: { tag: 'v1.1.0' },
    approval: { decision: 'approve', reviewer: 'octo-lead' },
  } as unknown as DemoRun['scenario'],
  result: {
    workflow: '.github/workflows/production.yml',
    conclusion: 'success',
    jobs: [
      job('deploy/window', [
        step(LONG_NAME, '## Deployment plan\n\n| Step | Weight |\n| --- | --- |\n| 1 | 10 % |'),
      ]),
      job('deploy/rollout', [
        step('$/actions/canary-gate', '## Canary gate: pass\n\n### RequestCount\n\nenough traffic'),
        step('Run', ''),
      ]),
    ],
    logs: [],
    artifacts: {},
    approvals: [],
  } as unknown as WorkflowRunResult,
  load: { sent: 12, byStatus: { '200': 10, '503': 2 }, failuresByPath: { '/api/v1/students': { '503': 2 } } },
  slack: [],
  pagerDuty: [],
  builtVersion: '1.1.0',
  evidenceDir: 'reports/demo/good-release/evidence',
  weights: { blue: 0, green: 100 },
  iam: { denied: [], unused: [], listedButUsed: [], requests: { deploy: 12 }, unattributed: 0 },
  served: { production: { blue: 4, green: 6 }, testRoute: { blue: 0, green: 3 } },
  durationMs: 61_000,
};

describe('demoReport', () => {
  const report = demoReport([recorded], ['Two scenarios.'], 'reports/demo');
  const headers = report.split('\n').filter((line) => line.startsWith('#'));

  it("gives each step with a summary a header carrying the step's whole name", () => {
    expect(LONG_NAME.length).toBeGreaterThan(160);
    expect(headers).toContain(`### deploy/window ▸ ${LONG_NAME}`);
    expect(headers).toContain('### deploy/rollout ▸ $/actions/canary-gate');
    expect(headers.filter((line) => line.includes('…'))).toEqual([]);
    // A step that wrote no summary gets no header.
    expect(headers.filter((line) => line.endsWith('▸ Run'))).toEqual([]);
  });

  it("puts each step's summary one heading level below the scenario", () => {
    expect(headers).toEqual([
      '# White Cross Deploy — the workflows run on the local stack',
      '## A good release is promoted',
      `### deploy/window ▸ ${LONG_NAME}`,
      '#### Deployment plan',
      '### deploy/rollout ▸ $/actions/canary-gate',
      '#### Canary gate: pass',
      '##### RequestCount',
    ]);
  });

  it('links the evidence bundle and shows the version built', () => {
    expect(report).toContain('Evidence bundle: [good-release/evidence](good-release/evidence)');
    // Which path failed, not only how many answers did.
    expect(report).toContain(
      'Release v1.1.0, built as version 1.1.0; 12 requests (10× 200, 2× 503); not answered 2xx/3xx: `/api/v1/students` 2× 503.',
    );
    expect(report).toContain(
      '| A good release is promoted | v1.1.0 | 1.1.0 | ✅ success | blue 0 % / green 100 % |',
    );
  });
});
