import { describe, expect, it } from '@jest/globals';
import { MemoryLogger, Redactor, runCommand } from '@white-cross/core';

describe('runCommand', () => {
  it('streams redacted lines to the logger and keeps the last lines', async () => {
    const redactor = new Redactor();
    redactor.addSecret('s3cr3t-pw');
    const log = new MemoryLogger(redactor);
    const result = await runCommand(
      'for i in 1 2 3 4 5; do echo "line $i"; done; echo "pw=s3cr3t-pw" >&2; exit 3',
      {
        log,
        tailLines: 2,
      },
    );
    expect(result.exitCode).toBe(3);
    expect(result.tail).toEqual(['line 5', 'pw=***']);
    expect(log.text()).toContain('info: line 1');
    expect(log.text()).not.toContain('s3cr3t-pw');
  });

  it('runs a file with arguments, no shell, and captures stdout', async () => {
    const result = await runCommand(['node', '-e', 'process.stdout.write("a; echo b")'], {
      captureStdout: true,
    });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('a; echo b');
  });

  it('feeds standard input', async () => {
    const result = await runCommand(['cat'], { input: 'from stdin\n', captureStdout: true });
    expect(result.stdout).toBe('from stdin\n');
  });

  it('kills a command that runs past its timeout', async () => {
    const result = await runCommand('sleep 20', { timeoutMs: 200 });
    expect(result.timedOut).toBe(true);
    expect(result.signal).toBe('SIGTERM');
  });
});
