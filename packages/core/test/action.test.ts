import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AUDIT_INPUT_LIMIT,
  ActionFailure,
  ConfigurationError,
  boundInputValue,
  actionsRuntime,
  parseAuditRecords,
  runAction,
  type ActionDefinition,
  type AnnotationProperties,
  type Runtime,
} from '@white-cross/core';

interface Captured {
  lines: { level: string; message: string; properties?: AnnotationProperties }[];
  outputs: Record<string, string>;
  summary: string;
  secrets: string[];
}

function fakeRuntime(env: Record<string, string>): { runtime: Runtime; captured: Captured } {
  const captured: Captured = { lines: [], outputs: {}, summary: '', secrets: [] };
  const push = (level: string) => (message: string, properties?: AnnotationProperties) =>
    captured.lines.push({ level, message, properties });
  return {
    captured,
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
      setOutput: (n, v) => {
        captured.outputs[n] = v;
      },
      appendSummary: (md) => {
        captured.summary += md;
      },
      registerSecret: (s) => captured.secrets.push(s),
      saveState: () => {},
      getState: () => '',
      exportVariable: () => {},
      env,
    },
  };
}

const clock = () => {
  let t = Date.parse('2026-11-21T10:00:00Z');
  return { now: () => (t += 1500) };
};

let dir: string;
let env: Record<string, string>;
const savedExitCode = process.exitCode;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wcd-core-'));
  env = {
    WCD_EVIDENCE_DIR: dir,
    GITHUB_SHA: 'abc123',
    GITHUB_ACTOR: 'octo',
    GITHUB_REPOSITORY: 'white-cross/app',
    INPUT_TOKEN: 'tok-SECRET-value',
    INPUT_COUNT: '3',
  };
});
afterEach(() => {
  process.exitCode = savedExitCode;
});

const audit = () => parseAuditRecords(readFileSync(join(dir, 'audit.jsonl'), 'utf8'));

describe('runAction', () => {
  it('runs a good action: outputs, summary and an audit record without the secret', async () => {
    const { runtime, captured } = fakeRuntime(env);
    const definition: ActionDefinition<{ token: string; count: number }> = {
      name: 'demo',
      version: '1.2.3',
      parseInputs: (i) => ({
        token: i.secret('token', { required: true }),
        count: i.number('count', { default: 1 }),
      }),
      run: async (inputs, ctx) => {
        ctx.log.info(`using ${inputs.token} for ssn 123-45-6789`);
        ctx.setOutput('report', { token: inputs.token, count: inputs.count });
        ctx.summary.heading('Done').paragraph(`token ${inputs.token}`);
        ctx.fact('count', inputs.count);
        ctx.writeEvidence('demo-report.json', JSON.stringify({ token: inputs.token }));
      },
    };
    const outcome = await runAction(definition, { runtime, clock: clock() });
    expect(outcome).toBe('success');
    expect(process.exitCode ?? 0).toBe(0);
    expect(captured.secrets).toEqual(['tok-SECRET-value']);
    expect(captured.lines).toEqual([{ level: 'info', message: 'using *** for ssn [REDACTED-SSN]' }]);
    expect(captured.outputs.report).toBe('{"token":"***","count":3}');
    expect(captured.summary).toBe('## Done\n\ntoken ***\n');
    expect(readFileSync(join(dir, 'demo-report.json'), 'utf8')).toBe('{"token":"***"}');
    const [record] = audit();
    expect(record).toMatchObject({
      schema: 'white-cross-deploy/audit@1',
      action: 'demo',
      version: '1.2.3',
      outcome: 'success',
      commit: 'abc123',
      actor: 'octo',
      repository: 'white-cross/app',
      inputs: { token: '***', count: '3' },
      facts: { count: 3 },
      durationMs: 1500,
    });
    expect(JSON.stringify(audit())).not.toContain('tok-SECRET-value');
  });

  it('redacts PHI in audit-record keys and in evidence like every other writer', async () => {
    const { runtime } = fakeRuntime(env);
    const outcome = await runAction(
      {
        name: 'demo',
        version: '1',
        parseInputs: () => ({}),
        run: async (_inputs, ctx) => {
          ctx.fact('sizes', { 'dist/jane.doe@example.org.pdf': 120, 'dist/app.js': 4 });
          ctx.writeEvidence(
            'demo-manifest.json',
            JSON.stringify({ files: { 'dist/jane.doe@example.org.pdf': { mrn: 'MRN: A7731902' } } }),
          );
        },
      },
      { runtime, clock: clock() },
    );
    expect(outcome).toBe('success');
    expect(audit()[0]?.facts).toEqual({ sizes: { 'dist/[REDACTED-EMAIL]': 120, 'dist/app.js': 4 } });
    expect(JSON.parse(readFileSync(join(dir, 'demo-manifest.json'), 'utf8'))).toEqual({
      files: { 'dist/[REDACTED-EMAIL]': { mrn: 'MRN: [REDACTED-MRN]' } },
    });
  });

  it('bounds every input value it records, saying how long it was, redacted before the cut', async () => {
    // An action that bounds `reason` with its own check (not Inputs.text) and refuses it:
    // the record is written anyway, and must not carry the 100 kB whole.
    const reason = `${'a'.repeat(994)} 123-45-6789 ${'x'.repeat(100_000)}`;
    const { runtime } = fakeRuntime({ ...env, INPUT_REASON: reason, INPUT_MODE: 'rollback' });
    const outcome = await runAction(
      {
        name: 'demo',
        version: '1',
        parseInputs: (i) => {
          const mode = i.string('mode', { required: true });
          const given = i.string('reason', { required: true });
          if (given.length > 500) throw new ConfigurationError(`Input 'reason' is too long.`, 'reason');
          return { mode, given };
        },
        run: async () => {},
      },
      { runtime, clock: clock() },
    );
    expect(outcome).toBe('invalid-input');
    const [record] = audit();
    expect(record?.inputs).toEqual({
      mode: 'rollback',
      // The SSN across the cut was redacted first: no digit of it is kept.
      reason: `${'a'.repeat(994)} [REDA… [elided: ${reason.length} characters given, the first 1000 kept]`,
    });
    expect(readFileSync(join(dir, 'audit.jsonl'), 'utf8').length).toBeLessThan(3000);
  });

  it('keeps an input value of exactly the bound whole', () => {
    expect(boundInputValue('b'.repeat(AUDIT_INPUT_LIMIT))).toBe('b'.repeat(AUDIT_INPUT_LIMIT));
    expect(boundInputValue('abcdef', undefined, 3)).toBe(
      'abc… [elided: 6 characters given, the first 3 kept]',
    );
  });

  it('stops at a bad input with one error line and never runs the action', async () => {
    const { runtime, captured } = fakeRuntime({ ...env, INPUT_COUNT: 'lots' });
    let ran = false;
    const outcome = await runAction(
      {
        name: 'demo',
        version: '1',
        parseInputs: (i) => ({ n: i.number('count', { min: 1 }) }),
        run: async () => {
          ran = true;
        },
      },
      { runtime, clock: clock() },
    );
    expect(outcome).toBe('invalid-input');
    expect(process.exitCode).toBe(1);
    expect(ran).toBe(false);
    expect(captured.lines).toEqual([
      {
        level: 'error',
        message: "Input 'count' must be a number of at least 1; got 'lots'.",
        properties: undefined,
      },
    ]);
    expect(audit()[0]).toMatchObject({
      outcome: 'invalid-input',
      error: expect.stringContaining("Input 'count'"),
    });
  });

  it('shows an ActionFailure as one annotated line, and still writes the summary', async () => {
    const { runtime, captured } = fakeRuntime(env);
    await runAction(
      {
        name: 'demo',
        version: '1',
        parseInputs: () => ({}),
        run: async (_i, ctx) => {
          ctx.summary.heading('Partial');
          throw new ActionFailure('app.js is 12 kB over budget', { file: 'dist/app.js', line: 1 });
        },
      },
      { runtime, clock: clock() },
    );
    expect(process.exitCode).toBe(1);
    expect(captured.lines).toEqual([
      {
        level: 'error',
        message: 'app.js is 12 kB over budget',
        properties: { file: 'dist/app.js', startLine: 1 },
      },
    ]);
    expect(captured.summary).toBe('## Partial\n');
    expect(audit()[0]?.outcome).toBe('failure');
  });

  it('reports a bug with its stack', async () => {
    const { runtime, captured } = fakeRuntime(env);
    await runAction(
      {
        name: 'demo',
        version: '1',
        parseInputs: () => ({}),
        run: async () => {
          throw new TypeError('cannot read x of undefined');
        },
      },
      { runtime, clock: clock() },
    );
    expect(captured.lines[0]).toEqual({
      level: 'error',
      message: 'demo failed unexpectedly: TypeError: cannot read x of undefined',
      properties: undefined,
    });
    expect(captured.lines[1]?.message).toMatch(/^TypeError: cannot read x of undefined\n\s+at /);
    expect(audit()[0]?.outcome).toBe('error');
  });

  it('treats a ConfigurationError thrown later (e.g. a missing file) as the user’s mistake', async () => {
    const { runtime, captured } = fakeRuntime(env);
    await runAction(
      {
        name: 'demo',
        version: '1',
        parseInputs: () => ({}),
        run: async () => {
          throw new ConfigurationError("Input 'source-dir' names ./dist, which does not exist.");
        },
      },
      { runtime, clock: clock() },
    );
    expect(captured.lines).toHaveLength(1);
    expect(audit()[0]?.outcome).toBe('invalid-input');
  });
});

describe('actionsRuntime', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  });

  it('writes outputs in the runner heredoc format and appends the summary file', () => {
    const files = mkdtempSync(join(tmpdir(), 'wcd-rt-'));
    process.env.GITHUB_OUTPUT = join(files, 'out');
    process.env.GITHUB_STEP_SUMMARY = join(files, 'summary');
    writeFileSync(process.env.GITHUB_OUTPUT, '');
    const runtime = actionsRuntime();
    runtime.setOutput('manifest', '{"a":1}\nsecond line');
    runtime.appendSummary('## Title');
    const text = readFileSync(process.env.GITHUB_OUTPUT, 'utf8');
    expect(text).toMatch(/^manifest<<(ghadelimiter_[0-9a-f-]+)\n\{"a":1\}\nsecond line\n\1\n$/);
    expect(readFileSync(process.env.GITHUB_STEP_SUMMARY, 'utf8')).toBe('## Title\n');
  });
});
