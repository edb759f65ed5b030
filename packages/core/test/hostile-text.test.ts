import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigurationError,
  Inputs,
  RedactingLogger,
  Redactor,
  actionsRuntime,
  commandSafeLines,
  escapeCommandData,
  inputVariable,
  parseCalendarDate,
  parseDecimal,
  parseInstant,
} from '@white-cross/core';
import { runnerReads } from './runner-commands.js';

const HOSTILE = [
  'rollback because\n::add-mask::hunter2',
  'reason\r\n::error::deploy approved by security',
  'lone CR\r::warning file=x.js::bad',
  'encoded %0A::add-mask::abc and %0D%0A::error::x',
  '   ::set-output name=approved::true',
  'legacy ##[add-mask]s3cr3t inline',
  'nested ::stop-commands::abc\n::add-mask::after-stop',
];

describe('workflow-command injection', () => {
  let written = '';
  const original = process.stdout.write.bind(process.stdout);
  beforeEach(() => {
    written = '';
    process.stdout.write = ((chunk: string | Uint8Array) => {
      written += chunk.toString();
      return true;
    }) as typeof process.stdout.write;
  });
  afterEach(() => {
    process.stdout.write = original;
  });

  it.each(HOSTILE)('no line of %j becomes a command, through the real @actions/core', (text) => {
    const log = new RedactingLogger(actionsRuntime().sink, new Redactor());
    log.info(`Rolling back: ${text}`);
    log.warning(`Reason given: ${text}`);
    log.error(text, { title: text });
    log.debug(text);
    process.stdout.write = original;
    const { commands, shown } = runnerReads(written);
    // Only our own warning, error and debug run, each carrying the whole text as its data.
    expect(commands.map((c) => c.name)).toEqual(['warning', 'error', 'debug']);
    expect(commands.map((c) => c.data)).toEqual([`Reason given: ${text}`, text, text]);
    // The info text is shown as it was, line for line.
    expect(shown.join('\n')).toBe(`Rolling back: ${text}`.split(/\r\n|\r|\n/).join('\n'));
  });

  it('prints a harmless message unchanged, and wraps one that could be a command', () => {
    expect(commandSafeLines('Deploying 3::1 traffic')).toEqual(['Deploying 3::1 traffic']);
    expect(commandSafeLines('a\n::add-mask::b', 'tok')).toEqual([
      '::stop-commands::tok',
      'a',
      '::add-mask::b',
      '::tok::',
    ]);
    const [start, , end] = commandSafeLines('::x::', undefined);
    expect(start).toMatch(/^::stop-commands::[0-9a-f]{32}$/);
    expect(end).toBe(`::${start?.slice('::stop-commands::'.length)}::`);
  });

  it('never uses a token the text contains', () => {
    const lines = commandSafeLines('::tok:: ::stop-commands::tok', 'tok');
    expect(lines[0]).not.toBe('::stop-commands::tok');
  });

  it('escapes command data as the runner unescapes it', () => {
    expect(escapeCommandData('50%\r\nnext %0A')).toBe('50%25%0D%0Anext %250A');
  });
});

const reader = (inputs: Record<string, string>, secrets: string[] = [], env: Record<string, string> = {}) =>
  new Inputs(
    { ...env, ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [inputVariable(k), v])) },
    (s) => secrets.push(s),
  );

function errorOf(fn: () => unknown): ConfigurationError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('Inputs.text', () => {
  it('bounds free text, saying the limit and not the text', () => {
    const e = errorOf(() => reader({ reason: 'x'.repeat(100_000) }).text('reason'));
    expect(e.message).toBe("Input 'reason' must be at most 1000 characters; got 100000.");
    expect(e.input).toBe('reason');
    expect(errorOf(() => reader({ reason: 'too long' }).text('reason', { maxLength: 5 })).message).toBe(
      "Input 'reason' must be at most 5 characters; got 8.",
    );
  });

  it.each(['a\nb', 'a\r\nb', 'a\rb', 'a\u2028b'])('refuses a line break in one-line text (%j)', (text) => {
    expect(errorOf(() => reader({ env: text }).text('env')).message).toBe(
      "Input 'env' must be one line; it has a line break.",
    );
  });

  it('accepts lines when multiline, and refuses escape codes', () => {
    expect(reader({ notes: 'one\r\ntwo' }).text('notes', { multiline: true })).toBe('one\ntwo');
    expect(errorOf(() => reader({ t: 'red \u001b[31m' }).text('t')).message).toMatch(/control character/);
    expect(reader({}).text('t', { default: 'none' })).toBe('none');
    expect(errorOf(() => reader({}).text('t', { required: true })).message).toBe(
      "Input 't' is required but was not given.",
    );
  });
});

describe('Inputs.url', () => {
  it('masks the user name, password and credential query parameters at read time', () => {
    const secrets: string[] = [];
    const i = reader(
      {
        'app-url':
          'https://deploy:p%40ss-w0rd@app.example.org/health?api_key=K3Y123&X-Amz-Signature=abcd1234&page=2',
      },
      secrets,
    );
    const url = i.url('app-url', { required: true });
    expect(url.hostname).toBe('app.example.org');
    expect(secrets).toEqual(
      expect.arrayContaining(['deploy', 'p%40ss-w0rd', 'p@ss-w0rd', 'K3Y123', 'abcd1234']),
    );
    expect(secrets).not.toContain('2');
    expect(i.recorded()['app-url']).toBe(
      'https://***:***@app.example.org/health?api_key=***&X-Amz-Signature=***&page=2',
    );
  });

  it('refuses other schemes, spaces and line breaks, and non-URLs without echoing credentials', () => {
    expect(errorOf(() => reader({ u: 'http://app.example.org' }).url('u')).message).toBe(
      "Input 'u' must be a https URL such as https://app.example.org/health; got a http URL.",
    );
    expect(errorOf(() => reader({ u: 'https://app.example.org/\n::add-mask::x' }).url('u')).message).toMatch(
      /on one line without spaces/,
    );
    const secrets: string[] = [];
    const e = errorOf(() => reader({ u: 'https://bob:hunter2@[bad' }, secrets).url('u'));
    expect(e.message).not.toContain('hunter2');
    expect(secrets).toContain('hunter2');
    expect(reader({ u: 'http://localhost:8080/x' }).url('u', { protocols: ['http:', 'https:'] })?.port).toBe(
      '8080',
    );
  });
});

describe('Inputs.number and the shared number parser', () => {
  it.each(['0x10', '1e3', 'Infinity', '+5', '5 000', '0b11', '1_000', '.', '-', '12.'])(
    'refuses %j',
    (text) => {
      expect(parseDecimal(text)).toBeUndefined();
      expect(errorOf(() => reader({ n: text }).number('n')).message).toMatch(
        /^Input 'n' must be a number; got '/,
      );
    },
  );
  it.each([
    ['16', 16],
    ['-3', -3],
    ['0.25', 0.25],
    ['007', 7],
  ])('reads %j', (text, n) => expect(reader({ n: text }).number('n')).toBe(n));
});

describe('dates and instants', () => {
  it.each(['2026-02-31', '2026-02-29', '2026-13-01', '2026-04-31', '2026-4-1', 'Feb 31'])(
    'refuses the date %j',
    (text) => {
      expect(parseCalendarDate(text)).toBeUndefined();
      expect(errorOf(() => reader({ d: text }).date('d')).message).toBe(
        `Input 'd' must be a date that exists, written YYYY-MM-DD such as 2026-11-24; got '${text}'.`,
      );
    },
  );
  it('reads dates that exist, leap days included', () => {
    expect(parseCalendarDate('2028-02-29')).toEqual({ year: 2028, month: 2, day: 29 });
    expect(reader({ d: '2026-11-24' }).date('d')).toEqual({ year: 2026, month: 11, day: 24 });
  });
  it.each([
    '2026-02-31T07:30:00Z',
    '2026-11-24T24:00:00Z',
    '2026-11-24T07:60Z',
    '2026-11-24T07:30:00',
    '2026-11-24T07:30+15:00',
  ])('refuses the instant %j', (text) => {
    expect(parseInstant(text)).toBeUndefined();
    expect(errorOf(() => reader({ at: text }).instant('at')).input).toBe('at');
  });
  it('reads instants with a zone', () => {
    expect(parseInstant('2026-11-24T07:30:00Z')).toBe(Date.parse('2026-11-24T07:30:00Z'));
    expect(reader({ at: '2026-11-24T08:30+01:00' }).instant('at')).toBe(Date.parse('2026-11-24T07:30:00Z'));
  });
});

describe('Inputs.path', () => {
  let root: string;
  let workspace: string;
  beforeEach(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'wcd-paths-')));
    workspace = join(root, 'repo');
    mkdirSync(join(workspace, 'app'), { recursive: true });
    mkdirSync(join(root, 'outside'));
    writeFileSync(join(root, 'outside', 'passwd'), 'root:x:0:0:SECRET-CONTENT');
    symlinkSync(join(root, 'outside'), join(workspace, 'app', 'linked'));
  });
  const paths = (value: string) => reader({ p: value }, [], { GITHUB_WORKSPACE: workspace });

  it('resolves a path inside the workspace, relative to `from`', () => {
    expect(paths('app').path('p')).toBe(join(workspace, 'app'));
    expect(paths('budgets.txt').path('p', { from: join(workspace, 'app') })).toBe(
      join(workspace, 'app', 'budgets.txt'),
    );
  });

  it.each([
    ['../outside/passwd', 'resolves outside the workspace'],
    [`${'/'}etc`, 'resolves outside the workspace'],
    ['app/linked/passwd', 'resolves outside the workspace through a symbolic link'],
  ])('refuses %j, naming the input and never the contents', (value, problem) => {
    const e = errorOf(() => paths(value).path('p'));
    expect(e.message).toBe(
      `Input 'p' must be a path inside the workspace (the repository checkout); '${value}' ${problem}.`,
    );
    expect(e.message).not.toContain('SECRET-CONTENT');
  });

  it('refuses a missing path when it must exist', () => {
    expect(errorOf(() => paths('app/nope.txt').path('p', { mustExist: true })).message).toBe(
      "Input 'p' names 'app/nope.txt', which does not exist in the workspace.",
    );
  });
});
