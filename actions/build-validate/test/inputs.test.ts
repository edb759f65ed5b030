import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError, Inputs, inputVariable } from '@white-cross/core';
import { parseInputs } from '../src/inputs.js';

const outside = realpathSync(mkdtempSync(join(tmpdir(), 'bv-outside-')));
const workspace = realpathSync(mkdtempSync(join(tmpdir(), 'bv-inputs-')));
writeFileSync(join(outside, 'budgets.txt'), 'API_TOKEN=do-not-echo-me\n');
symlinkSync(join(outside, 'budgets.txt'), join(workspace, 'linked-budgets.txt'));
afterAll(() => {
  rmSync(workspace, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

function parse(inputs: Record<string, string>, secrets: string[] = []) {
  const env = Object.fromEntries(Object.entries(inputs).map(([name, value]) => [inputVariable(name), value]));
  return parseInputs(new Inputs(env, (s) => secrets.push(s)), { GITHUB_WORKSPACE: workspace });
}

function errorOf(inputs: Record<string, string>): ConfigurationError {
  try {
    parse(inputs);
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('parseInputs', () => {
  it('has safe defaults', () => {
    const parsed = parse({});
    expect(parsed).toEqual({
      workingDirectory: workspace,
      installCommand: 'npm ci',
      buildCommand: 'npm run build',
      workspaces: [],
      buildEnv: {},
      artifacts: ['dist/**'],
      budgets: [],
      forbid: {
        rules: new Set(['source-maps', 'env-files', 'private-keys', 'aws-keys', 'build-secrets']),
        files: [],
        content: [],
      },
      auditLevel: 'high',
    });
  });

  it('builds each workspace and expects a dist folder in each by default', () => {
    const parsed = parse({
      'working-directory': 'app',
      workspaces: 'frontend, backend',
      'install-command': 'none',
    });
    expect(parsed.workingDirectory).toBe(join(workspace, 'app'));
    expect(parsed.installCommand).toBeUndefined();
    expect(parsed.workspaces).toEqual(['frontend', 'backend']);
    expect(parsed.artifacts).toEqual(['frontend/dist/**', 'backend/dist/**']);
  });

  it('reads build-env as secrets and never shows a value in its error', () => {
    const secrets: string[] = [];
    expect(
      parse({ 'build-env': 'API_TOKEN=abc=def\n# note\nSENTRY_DSN = https://k@sentry.test/1' }, secrets)
        .buildEnv,
    ).toEqual({
      API_TOKEN: 'abc=def',
      SENTRY_DSN: 'https://k@sentry.test/1',
    });
    // The whole input, then each value on its own, all while the inputs are read.
    expect(secrets).toEqual([
      'API_TOKEN=abc=def\n# note\nSENTRY_DSN = https://k@sentry.test/1',
      'abc=def',
      'https://k@sentry.test/1',
    ]);
    const error = errorOf({ 'build-env': 'API_TOKEN=ok\nhunter2-is-my-password' });
    expect(error.message).toBe(
      "Input 'build-env' line 2 must be KEY=VALUE with KEY a variable name (letters, digits, _); the line is not shown because the input is secret.",
    );
    expect(error.input).toBe('build-env');
  });

  it('rejects a malformed budget naming the input, the line and the syntax', () => {
    const error = errorOf({ budgets: 'frontend/dist/*.js: 250 kB gzip\nfrontend/dist/*.css: fifty kB' });
    expect(error.input).toBe('budgets');
    expect(error.message).toBe(
      "Input 'budgets' line 2: 'fifty kB' is not a size (use B, kB, MB, KiB or MiB, then optionally raw, gzip or brotli, then each or total); expected `glob: size [raw|gzip|brotli] [each|total]`, such as `frontend/dist/assets/*.js: 250 kB gzip`.",
    );
  });

  it('reads budgets from a file named on a single line', () => {
    writeFileSync(join(workspace, 'budgets.txt'), '# budgets\ndist/*.js: 10 kB gzip\n');
    expect(parse({ budgets: 'budgets.txt' }).budgets).toEqual([
      {
        pattern: 'dist/*.js',
        limit: 10_000,
        limitText: '10 kB',
        compression: 'gzip',
        scope: 'each',
        origin: 'budgets.txt line 2',
      },
    ]);
    writeFileSync(join(workspace, 'bad-budgets.txt'), 'dist/*.js: 10 furlongs\n');
    expect(errorOf({ budgets: 'bad-budgets.txt' }).message).toContain(
      "Input 'budgets' bad-budgets.txt line 1: is not a budget line (the file is not quoted); expected",
    );
    expect(errorOf({ budgets: 'missing.txt' }).message).toContain(
      "Input 'budgets' names the budget file 'missing.txt', which does not exist in the working directory",
    );
  });

  it.each([
    ['working-directory', '../outside', 'resolves outside the workspace'],
    ['budgets', `../${'x'}/budgets.txt`, 'resolves outside the workspace'],
    ['budgets', 'linked-budgets.txt', 'resolves outside the workspace through a symbolic link'],
    ['baseline', '/etc/passwd', 'resolves outside the workspace'],
  ])('refuses %s %j outside the workspace, never quoting the file', (input, value, problem) => {
    const error = errorOf({ [input]: value });
    expect(error.input).toBe(input);
    expect(error.message).toContain(`'${value}' ${problem}.`);
    expect(error.message).not.toContain('do-not-echo-me');
  });

  it('does not quote a budget file that is not one', () => {
    mkdirSync(join(workspace, 'conf'), { recursive: true });
    writeFileSync(join(workspace, 'conf', 'app.env'), 'DB_PASSWORD=hunter2-secret\n');
    const error = errorOf({ budgets: 'conf/app.env' });
    expect(error.message).toBe(
      "Input 'budgets' conf/app.env line 1: is not a budget line (the file is not quoted); expected `glob: size [raw|gzip|brotli] [each|total]`, such as `frontend/dist/assets/*.js: 250 kB gzip`.",
    );
  });

  it('masks every build-env value while reading the inputs', () => {
    const secrets: string[] = [];
    parse({ 'build-env': 'API_TOKEN=tok-123456\nSENTRY_DSN=https://k@sentry.example.org/1' }, secrets);
    expect(secrets).toEqual(expect.arrayContaining(['tok-123456', 'https://k@sentry.example.org/1']));
  });

  it('takes a baseline inline, from a file, or notes that the file is not there yet', () => {
    const manifest = JSON.stringify({
      artifacts: [{ path: 'dist/a.js', size: 3, gzipSize: 2, brotliSize: 1 }],
    });
    expect(parse({ baseline: manifest }).baseline).toEqual({
      kind: 'manifest',
      source: 'the manifest given inline',
      artifacts: [{ path: 'dist/a.js', size: 3, gzipSize: 2, brotliSize: 1 }],
    });
    writeFileSync(join(workspace, 'previous.json'), manifest);
    expect(parse({ baseline: 'previous.json' }).baseline).toMatchObject({
      kind: 'manifest',
      source: 'previous.json',
    });
    expect(parse({ baseline: 'nope.json' }).baseline).toEqual({ kind: 'missing', source: 'nope.json' });
    writeFileSync(join(workspace, 'broken.json'), '{"artifacts": 3}');
    expect(errorOf({ baseline: 'broken.json' }).message).toBe(
      "Input 'baseline' must be a manifest from an earlier build-validate run (its manifest output as JSON, or a path to its manifest file); 'broken.json' has no 'artifacts' list.",
    );
  });

  it.each([
    [
      { artifacts: '**/*.js' },
      "Input 'artifacts': the pattern '**/*.js' must start with the output folder, such as dist/** or frontend/dist/index.html.",
    ],
    [
      { artifacts: '../other/dist/**' },
      "Input 'artifacts': the pattern '../other/dist/**' must stay inside the working directory (no ..).",
    ],
    [
      { workspaces: 'frontend, ../api' },
      "Input 'workspaces' takes folder names such as frontend, backend; '../api' must stay inside the working directory (no ..).",
    ],
    [
      { workspaces: 'packages/*' },
      "Input 'workspaces' takes folder names such as frontend, backend; 'packages/*' is a glob.",
    ],
    [
      { 'audit-level': 'severe' },
      "Input 'audit-level' must be one of off, info, low, moderate, high, critical; got 'severe'.",
    ],
  ])('rejects %j', (inputs, message) => {
    expect(errorOf(inputs as Record<string, string>).message).toBe(message);
  });
});

describe('forbid', () => {
  const accepted =
    'it accepts none, or any of source-maps, env-files, private-keys, aws-keys, build-secrets, file globs such as **/*.psd, and /regex/ content patterns.';

  it('takes rule names, file globs and regexes, commas or lines', () => {
    const { forbid } = parse({ forbid: 'source-maps, aws-keys\n**/*.psd\n/internal,only/i' });
    expect([...forbid.rules]).toEqual(['source-maps', 'aws-keys']);
    expect(forbid.files).toEqual(['**/*.psd']);
    expect(forbid.content.map((p) => [p.source, p.flags])).toEqual([['internal,only', 'i']]);
  });

  it('turns everything off with none', () => {
    expect(parse({ forbid: 'none' }).forbid).toEqual({ rules: new Set(), files: [], content: [] });
  });

  it.each([
    ['source-map', "Input 'forbid': 'source-map' is not a rule name; "],
    ['aws-keys, none', "Input 'forbid': 'none' is not a rule name (none must be alone); "],
    [
      '/a(/',
      "Input 'forbid': '/a(/' is not a valid regular expression (Invalid regular expression: /a(/: Unterminated group); ",
    ],
    ['/abc/g', "Input 'forbid': '/abc/g' is not a /regex/ (flags i, m, s, u); "],
    [
      '/(a)\\1/',
      "Input 'forbid': '/(a)\\1/' cannot be matched in linear time (invalid escape sequence: `\\1`); content patterns use RE2 syntax, without backreferences, lookahead or lookbehind; ",
    ],
    [
      '/secret(?=key)/',
      "Input 'forbid': '/secret(?=key)/' cannot be matched in linear time (invalid or unsupported Perl syntax: `(?=`); content patterns use RE2 syntax, without backreferences, lookahead or lookbehind; ",
    ],
    [
      '../*.key',
      "Input 'forbid': the file pattern '../*.key' must stay inside the working directory (no ..); ",
    ],
  ])('rejects %j', (value, start) => {
    expect(errorOf({ forbid: value }).message).toBe(start + accepted);
  });
});
