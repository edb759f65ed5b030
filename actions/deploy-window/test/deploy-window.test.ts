/**
 * The committed bundle, run as the runner runs it, against schedule files in a workspace.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, runActionBundle } from '@white-cross/testkit';
import { parseScheduleFile } from '../src/schedule-file.js';

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

  // Workflow commands are read from stdout line by line (\n, \r\n or a lone \r): hostile text
  // must never start a line of its own. `%0A` must stay text: escaped as %250A inside a command.
  const HOSTILE =
    'Hotfix ok%0A::error::INJECTED-1\r\n::add-mask::INJECTED-2\n::warning::INJECTED-3 :: %0D%0A\r::stop-commands::INJECTED-4';
  const injectedCommands = (stdout: string) =>
    stdout.split(/\r\n|\r|\n/).filter((line) => /^\s*::[^:]*::\s*INJECTED|^\s*::stop-commands::/.test(line));

  it.each(['schedule', 'environment', 'reason', 'at'])(
    "hostile text (%%0A, \\r\\n, ::) in '%s' never becomes a workflow command",
    async (input) => {
      const run = await runActionBundle('deploy-window', {
        workspace,
        inputs: {
          at: '2026-11-26T15:00:00Z',
          emergency: 'true',
          reason: 'Login outage for all nurses',
          [input]: HOSTILE,
        },
      });
      expect(injectedCommands(run.stdout)).toEqual([]);
      // One annotation for the one problem: the refusal of the input, or the override warning.
      const annotations = run.annotations.filter((a) => a.level === 'error' || a.level === 'warning');
      expect(annotations).toHaveLength(1);
      if (input === 'reason') {
        expect(annotations[0]?.message).toContain(`Reason: ${HOSTILE.replace(/\s+/g, ' ')}`);
        expect(run.exitCode).toBe(0);
        expect(run.outputs.override).toBe('true');
        expect(run.summary).toContain('INJECTED-4');
      } else {
        expect(annotations[0]?.message).toMatch(new RegExp(`^Input '${input}' `));
        expect(run.exitCode).toBe(1);
        expect(run.audit[0]).toMatchObject({ outcome: 'invalid-input' });
      }
    },
  );

  it('bounds the reason: 100 kB is refused with the limit, not echoed', async () => {
    const reason = 'Login outage for all nurses '.repeat(3704).slice(0, 100_000);
    const run = await runActionBundle('deploy-window', {
      workspace,
      inputs: { at: '2026-11-26T15:00:00Z', emergency: 'true', reason },
    });
    expect(run.exitCode).toBe(1);
    expect(errors(run).map((a) => a.message)).toEqual([
      "Input 'reason' must be at most 1000 characters; got 100000.",
    ]);
    expect(run.stdout.length).toBeLessThan(2_000);
    expect(run.summary).toBe('');
  });

  it.each([
    ['2026-02-31T15:00:00Z', '2026-02-31 is not a date: February 2026 has 28 days'],
    ['2028-02-30T15:00:00Z', '2028-02-30 is not a date: February 2028 has 29 days'],
    ['2026-04-31T15:00:00Z', '2026-04-31 is not a date: April 2026 has 30 days'],
    ['2026-13-01T15:00:00Z', '2026-13 has no month 13'],
    ['2026-11-24T24:30:00Z', '24:30:00 is not a time of day'],
    ['2026-11-24T07:30:00+25:00', '+25:00 is not a zone offset'],
  ])("refuses 'at' %s instead of rolling it over", async (at, why) => {
    const run = await runActionBundle('deploy-window', { workspace, inputs: { at } });
    expect(run.exitCode).toBe(1);
    expect(errors(run).map((a) => a.message)).toEqual([
      `Input 'at' must be an ISO 8601 instant with a zone, such as 2026-11-24T07:30:00Z; got '${at}' (${why}).`,
    ]);
    expect(run.outputs).toEqual({});
  });

  it('accepts 29 February in a leap year', async () => {
    const run = await runActionBundle('deploy-window', { workspace, inputs: { at: '2028-02-29T15:00:00Z' } });
    expect(errors(run)).toEqual([
      expect.objectContaining({ message: expect.stringContaining('Tue 2028-02-29 10:00') }),
    ]);
  });

  it('refuses a schedule outside the workspace, by .., by an absolute path or by a symlink, without reading it', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'wcd-window-outside-'));
    try {
      // A readable YAML file outside the checkout, with something that must never be shown.
      writeFileSync(
        join(outside, 'deploy-windows.yml'),
        'timezone: America/New_York\nwindows: SECRET-CONTENT\n',
      );
      symlinkSync(outside, join(workspace, 'linked'));
      const cases = [
        [join('..', outside.split('/').pop() ?? '', 'deploy-windows.yml'), 'resolves outside the workspace'],
        [join(outside, 'deploy-windows.yml'), 'resolves outside the workspace'],
        ['linked/deploy-windows.yml', 'resolves outside the workspace through a symbolic link'],
      ];
      for (const [schedule, why] of cases) {
        const run = await runActionBundle('deploy-window', { workspace, inputs: { schedule } });
        expect(run.exitCode).toBe(1);
        expect(errors(run).map((a) => a.message)).toEqual([
          `Input 'schedule' must be a path inside the workspace (the repository checkout); '${schedule}' ${why}.`,
        ]);
        expect(`${run.stdout}${run.summary}`).not.toContain('SECRET-CONTENT');
      }
      // An absolute path inside the workspace is still a file of the repository.
      const inside = await runActionBundle('deploy-window', {
        workspace,
        inputs: { schedule: join(workspace, '.github', 'deploy-windows.yml'), at: '2026-11-24T08:30:00Z' },
      });
      expect(inside.exitCode).toBe(0);
    } finally {
      rmSync(join(workspace, 'linked'), { force: true });
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it("ships the README's sample schedule, and the README's local run works as written", () => {
    const folder = join(repoRoot, 'actions', 'deploy-window');
    const sample = readFileSync(join(folder, 'examples', 'deploy-windows.yml'), 'utf8');
    // The README shows the sample itself, so the two cannot drift apart.
    const readme = readFileSync(join(folder, 'README.md'), 'utf8');
    const shown = /## The schedule file[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(shown).toBe(sample);
    expect(readme).toContain('schedule: .github/deploy-windows.yml # a copy of examples/deploy-windows.yml');
    const production = parseScheduleFile(sample, 'production');
    expect(production.timeZone).toBe('America/New_York');
    expect(production.windows).toHaveLength(2);
    expect(production.blackouts.map((b) => b.name)).toEqual(['School hours']);
    expect(production.federalHolidays).toBe(true);
    expect(production.freezes.map((f) => f.name)).toEqual(['Winter break', 'State testing week']);
    const staging = parseScheduleFile(sample, 'staging');
    expect([staging.windows, staging.federalHolidays]).toEqual(['always', false]);

    // `node --env-file=.env dist/index.js` from the action's folder, with .env copied from .env.example.
    const evidence = mkdtempSync(join(tmpdir(), 'wcd-window-local-'));
    try {
      writeFileSync(join(evidence, '.env'), readFileSync(join(folder, '.env.example')));
      const run = spawnSync(process.execPath, [`--env-file=${join(evidence, '.env')}`, 'dist/index.js'], {
        cwd: folder,
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', WCD_EVIDENCE_DIR: evidence },
      });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout).toContain('Deploy allowed at Tue 2026-11-24 03:30 America/New_York');
      expect(run.stdout).toContain('::set-output name=allowed::true');
    } finally {
      rmSync(evidence, { recursive: true, force: true });
    }
  });
});
