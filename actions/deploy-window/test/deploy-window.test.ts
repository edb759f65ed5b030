/**
 * The committed bundle, run as the runner runs it, against schedule files in a workspace.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runActionBundle } from '@white-cross/testkit';

const SCHEDULE = `timezone: America/New_York
windows:
  - { days: Tue-Thu, from: "02:00", to: "06:00" }
  - { days: Sat, from: "06:00", to: "10:00" }
blackouts:
  - { name: School hours, days: Mon-Fri, from: "07:00", to: "16:00" }
holidays: us-federal
environments:
  staging:
    windows: always
    holidays: none
`;

let workspace: string;

beforeAll(() => {
  workspace = mkdtempSync(join(tmpdir(), 'wcd-window-'));
  mkdirSync(join(workspace, '.github'));
  writeFileSync(join(workspace, '.github', 'deploy-windows.yml'), SCHEDULE);
  writeFileSync(
    join(workspace, 'broken.yml'),
    'timezone: America/New_York\nwindows:\n  - { days: Tue-Thu, from: "2am", to: "06:00" }\n',
  );
});

afterAll(() => rmSync(workspace, { recursive: true, force: true }));

const errors = (run: Awaited<ReturnType<typeof runActionBundle>>) =>
  run.annotations.filter((a) => a.level === 'error');

describe('deploy-window bundle', () => {
  it('refuses a deploy during school hours, names the next window, and audits the refusal', async () => {
    const run = await runActionBundle('deploy-window', {
      workspace,
      inputs: { environment: 'production', at: '2026-11-25T15:15:00Z' },
    });
    expect(run.exitCode).toBe(1);
    expect(errors(run).map((a) => a.message)).toEqual([
      'Deploys to production are not allowed at Wed 2026-11-25 10:15 America/New_York: School hours (Mon–Fri 07:00–16:00). ' +
        'Next allowed window: Sat 2026-11-28 06:00–10:00 America/New_York (starts 2026-11-28T11:00:00.000Z). ' +
        'To deploy anyway, set emergency: true with a reason.',
    ]);
    expect(run.outputs).toMatchObject({
      allowed: 'false',
      override: 'false',
      'next-window': 'Sat 2026-11-28 06:00–10:00 America/New_York',
      'next-window-start': '2026-11-28T11:00:00.000Z',
    });
    expect(run.summary).toContain('## Deployment window: Refused');
    expect(run.summary).toContain(
      '| Sat 2026-11-28 06:00–10:00 America/New_York | 2026-11-28T11:00:00.000Z | 2026-11-28T15:00:00.000Z |',
    );
    expect(run.audit).toHaveLength(1);
    expect(run.audit[0]).toMatchObject({
      action: 'deploy-window',
      outcome: 'failure',
      facts: { allowed: false, override: false },
    });
  });

  it('allows a deploy inside a window and outputs when it ends', async () => {
    const run = await runActionBundle('deploy-window', { workspace, inputs: { at: '2026-11-24T08:30:00Z' } });
    expect(run.exitCode).toBe(0);
    expect(errors(run)).toEqual([]);
    expect(run.outputs).toMatchObject({
      allowed: 'true',
      override: 'false',
      'window-end': '2026-11-24T11:00:00.000Z',
    });
    expect(run.summary).toContain('## Deployment window: Allowed');
  });

  it("uses the environment's section: staging is open at any time outside blackouts", async () => {
    const open = await runActionBundle('deploy-window', {
      workspace,
      inputs: { environment: 'staging', at: '2026-11-22T15:00:00Z' },
    });
    expect(open.exitCode).toBe(0);
    expect(open.summary).toContain(
      '| Current window | open at any time outside blackouts (next blackout from 2026-11-23T12:00:00.000Z at the latest) |',
    );
    expect(open.summary).not.toContain('Upcoming windows');
    const blocked = await runActionBundle('deploy-window', {
      workspace,
      inputs: { environment: 'staging', at: '2026-11-23T15:00:00Z' },
    });
    expect(blocked.exitCode).toBe(1);
    expect(blocked.outputs['next-window-start']).toBe('2026-11-23T21:00:00.000Z');
  });

  it('lets an emergency through with a warning and writes the reason to the audit record', async () => {
    const reason = 'Login outage for all nurses, INC-2291';
    const run = await runActionBundle('deploy-window', {
      workspace,
      inputs: { at: '2026-11-26T15:00:00Z', emergency: true, reason },
    });
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ allowed: 'true', override: 'true' });
    const warnings = run.annotations.filter((a) => a.level === 'warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toBe(
      `Emergency override: deploying at Thu 2026-11-26 10:00 America/New_York although School hours (Mon–Fri 07:00–16:00); federal holiday: Thanksgiving Day. Reason: ${reason}. Recorded in the audit record.`,
    );
    expect(run.audit[0]).toMatchObject({
      outcome: 'success',
      inputs: { emergency: 'true', reason },
      facts: {
        override: true,
        emergency: true,
        emergencyReason: reason,
        blockedBy: ['School hours (Mon–Fri 07:00–16:00)', 'federal holiday: Thanksgiving Day'],
      },
    });
  });

  it('fails at once, before reading the schedule, on an emergency without a reason', async () => {
    const run = await runActionBundle('deploy-window', { workspace, inputs: { emergency: 'true' } });
    expect(run.exitCode).toBe(1);
    expect(errors(run).map((a) => a.message)).toEqual([
      "Input 'reason' is required with emergency: true: say in at least 10 characters why the deploy cannot wait for the next window.",
    ]);
    expect(run.outputs).toEqual({});
    expect(run.audit[0]).toMatchObject({ outcome: 'invalid-input' });
  });

  it('rejects a malformed instant and a missing schedule file, naming the input', async () => {
    const bad = await runActionBundle('deploy-window', { workspace, inputs: { at: 'next tuesday' } });
    expect(errors(bad).map((a) => a.message)).toEqual([
      "Input 'at' must be an ISO 8601 instant with a zone, such as 2026-11-24T07:30:00Z; got 'next tuesday'.",
    ]);
    const missing = await runActionBundle('deploy-window', {
      workspace,
      inputs: { schedule: 'windows.yml' },
    });
    expect(missing.exitCode).toBe(1);
    expect(errors(missing).map((a) => a.message)).toEqual([
      "Input 'schedule' names windows.yml, which does not exist in the repository; add the schedule file or point 'schedule' at it.",
    ]);
  });

  it('annotates the schedule file on the line of a mistake', async () => {
    const run = await runActionBundle('deploy-window', { workspace, inputs: { schedule: 'broken.yml' } });
    expect(run.exitCode).toBe(1);
    expect(errors(run)).toEqual([
      {
        level: 'error',
        message:
          'Schedule file broken.yml line 3: windows[0].from: must be a quoted local time "HH:MM" from "00:00" to "24:00"; got "2am". No deploy was started.',
        properties: { file: 'broken.yml', line: '3' },
      },
    ]);
  });
});
