import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ActionCancelled,
  ActionFailure,
  MemoryLogger,
  parseAuditRecords,
  realSleep,
  runAction,
  runCommand,
  type Runtime,
} from '@white-cross/core';
import { liveGroupMembers } from './process-groups.js';

const groupGone = (pgid: number) => until(() => liveGroupMembers(pgid).length === 0, `group ${pgid} to end`);

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('runCommand and cancellation', () => {
  it('stops the whole process group when the signal is aborted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wcd-cancel-'));
    const controller = new AbortController();
    const running = runCommand(`sleep 300 & sleep 300 & echo $$ > ${dir}/started; wait`, {
      signal: controller.signal,
    });
    await until(() => {
      try {
        return readFileSync(join(dir, 'started'), 'utf8') !== '';
      } catch {
        return false;
      }
    }, 'the command to start');
    // The shell and its two sleeps, in one group led by the shell.
    const pgid = Number(readFileSync(join(dir, 'started'), 'utf8'));
    await until(() => liveGroupMembers(pgid).length === 3, 'the shell and both sleeps');
    controller.abort('SIGTERM');
    const result = await running;
    expect(result.cancelled).toBe(true);
    expect(result.pid).toBe(pgid);
    await groupGone(pgid);
  });

  it('kills a group that ignores SIGTERM once the grace period is over', async () => {
    const controller = new AbortController();
    const log = new MemoryLogger();
    const running = runCommand(`trap '' TERM; echo ready; sleep 300`, {
      signal: controller.signal,
      killGraceMs: 200,
      log,
    });
    await until(() => log.text().includes('ready'), 'the command to start');
    controller.abort('SIGTERM');
    const result = await running;
    expect(result.cancelled).toBe(true);
    expect(result.signal).toBe('SIGKILL');
    await groupGone(result.pid ?? 0);
  });

  it('does not start a command once the run is cancelled', async () => {
    const controller = new AbortController();
    controller.abort('SIGINT');
    const dir = mkdtempSync(join(tmpdir(), 'wcd-cancel-'));
    const result = await runCommand(`touch ${dir}/ran`, { signal: controller.signal });
    expect(result.cancelled).toBe(true);
    expect(() => readFileSync(join(dir, 'ran'))).toThrow();
  });
});

function fakeRuntime(env: Record<string, string>): {
  runtime: Runtime;
  lines: string[];
  summary: () => string;
} {
  const lines: string[] = [];
  let summary = '';
  const push = (level: string) => (message: string) => lines.push(`${level}: ${message}`);
  return {
    lines,
    summary: () => summary,
    runtime: {
      sink: {
        debug: push('debug'),
        info: push('info'),
        notice: push('notice'),
        warning: push('warning'),
        error: push('error'),
        startGroup: push('group'),
        endGroup: () => {},
      },
      setOutput: () => {},
      appendSummary: (md) => {
        summary += md;
      },
      registerSecret: () => {},
      saveState: () => {},
      getState: () => '',
      exportVariable: () => {},
      env,
    },
  };
}

// A real SIGTERM to a running process is tested on the bundles (build-validate's action
// test): jest's sandboxed `process` does not hand signals to handlers a test registers.
describe('runAction and cancellation', () => {
  let dir: string;
  const savedExitCode = process.exitCode;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wcd-cancel-run-'));
  });
  afterEach(() => {
    process.exitCode = savedExitCode;
  });
  const audit = () => parseAuditRecords(readFileSync(join(dir, 'audit.jsonl'), 'utf8'));

  it('the real sleep clears its timer when the run is cancelled (nothing keeps the process alive)', async () => {
    const cancel = new AbortController();
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const sleeping = realSleep(600_000, cancel.signal);
    expect(timers()).toBe(before + 1);
    cancel.abort('SIGTERM');
    await sleeping;
    expect(timers()).toBe(before);
  });

  it('aborts ctx.signal, ends ctx.sleep, and records a cancelled run with what was done', async () => {
    const { runtime, lines, summary } = fakeRuntime({ WCD_EVIDENCE_DIR: dir });
    const cancel = new AbortController();
    let seen: unknown;
    const outcome = await runAction(
      {
        name: 'demo',
        version: '1',
        parseInputs: () => ({}),
        run: async (_inputs, ctx) => {
          ctx.fact('uploaded', 3);
          setTimeout(() => cancel.abort('SIGTERM'), 10);
          try {
            await ctx.sleep(600_000);
          } catch (error) {
            seen = error;
            expect(ctx.signal.aborted).toBe(true);
            expect(ctx.signal.reason).toBe('SIGTERM');
            throw error;
          }
        },
      },
      { runtime, cancel: cancel.signal, sleep: (ms) => new Promise((r) => setTimeout(r, ms).unref()) },
    );
    expect(seen).toBeInstanceOf(ActionCancelled);
    expect(outcome).toBe('cancelled');
    expect(process.exitCode).toBe(1);
    const [record] = audit();
    expect(record).toMatchObject({
      outcome: 'cancelled',
      facts: { uploaded: 3 },
      cancellation: { signal: 'SIGTERM', stoppedInTime: true },
    });
    expect(lines.filter((l) => l.startsWith('error: '))).toEqual([
      expect.stringMatching(/^error: demo was cancelled \(SIGTERM\) after .+; its work stopped\.$/),
    ]);
    expect(summary()).toContain('### demo was cancelled');
    expect(summary()).toContain('facts: uploaded');
  });

  it("shows the action's own account of a cancellation (what it had done, what it left) when it gives one", async () => {
    const { runtime, lines, summary } = fakeRuntime({ WCD_EVIDENCE_DIR: dir });
    const cancel = new AbortController();
    const outcome = await runAction(
      {
        name: 'migrator',
        version: '1',
        parseInputs: () => ({}),
        run: async (_inputs, ctx) => {
          setTimeout(() => cancel.abort('SIGTERM'), 10);
          await ctx.sleep(600_000).catch(() => {
            throw new ActionFailure('Cancelled during run migrations: none applied; the backup is kept.');
          });
        },
      },
      { runtime, cancel: cancel.signal, sleep: (ms) => new Promise((r) => setTimeout(r, ms).unref()) },
    );
    expect(outcome).toBe('cancelled');
    expect(lines.filter((l) => l.startsWith('error: '))).toEqual([
      'error: Cancelled during run migrations: none applied; the backup is kept.',
    ]);
    expect(summary()).toContain('Cancelled during run migrations: none applied; the backup is kept.');
    expect(audit()[0]).toMatchObject({ outcome: 'cancelled' });
  });

  it('writes the records and ends the process when the work does not stop in time', async () => {
    const { runtime } = fakeRuntime({ WCD_EVIDENCE_DIR: dir });
    const cancel = new AbortController();
    const exits: number[] = [];
    const outcome = await runAction(
      {
        name: 'stubborn',
        version: '1',
        parseInputs: () => ({}),
        run: async (_inputs, ctx) => {
          ctx.fact('started', true);
          setTimeout(() => cancel.abort('SIGINT'), 10);
          // Work that ignores the signal.
          await new Promise((r) => setTimeout(r, 60_000).unref());
        },
      },
      { runtime, cancel: cancel.signal, cancelGraceMs: 100, exit: (code) => exits.push(code) },
    );
    expect(outcome).toBe('cancelled');
    expect(exits).toEqual([1]);
    expect(audit()[0]).toMatchObject({
      outcome: 'cancelled',
      facts: { started: true },
      cancellation: { signal: 'SIGINT', stoppedInTime: false },
    });
  });
});
