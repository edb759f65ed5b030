import { describe, expect, it } from '@jest/globals';
import {
  ConfigurationError,
  Inputs,
  formatBytes,
  formatDuration,
  formatPercent,
  inputVariable,
  parseDuration,
  parseSize,
  shortArn,
} from '@white-cross/core';

const reader = (inputs: Record<string, string>, secrets: string[] = []) =>
  new Inputs(Object.fromEntries(Object.entries(inputs).map(([k, v]) => [inputVariable(k), v])), (s) =>
    secrets.push(s),
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

describe('Inputs', () => {
  it('maps names to the runner variables like @actions/core', () => {
    expect(inputVariable('max-delete ratio')).toBe('INPUT_MAX-DELETE_RATIO');
  });

  it('reads required and defaulted strings, trimmed', () => {
    const i = reader({ bucket: '  site-bucket \n' });
    expect(i.string('bucket', { required: true })).toBe('site-bucket');
    expect(i.string('prefix', { default: 'app/' })).toBe('app/');
    expect(i.string('nothing')).toBeUndefined();
  });

  it('names a missing required input', () => {
    const e = errorOf(() => reader({}).string('cluster', { required: true }));
    expect(e.message).toBe("Input 'cluster' is required but was not given.");
    expect(e.input).toBe('cluster');
  });

  it('accepts only the YAML 1.2 core booleans', () => {
    const i = reader({ a: 'True', b: 'FALSE', c: 'yes' });
    expect(i.boolean('a', false)).toBe(true);
    expect(i.boolean('b', true)).toBe(false);
    expect(i.boolean('missing', true)).toBe(true);
    expect(errorOf(() => i.boolean('c', false)).message).toBe("Input 'c' must be true or false; got 'yes'.");
  });

  it('checks numbers, integers and bounds', () => {
    const i = reader({ n: '16', f: '1.5', big: '99', word: 'many' });
    expect(i.number('n', { default: 1, integer: true, min: 1, max: 64 })).toBe(16);
    expect(i.number('absent', { default: 7 })).toBe(7);
    expect(errorOf(() => i.number('f', { integer: true, min: 1, max: 64 })).message).toBe(
      "Input 'f' must be a whole number from 1 to 64; got '1.5'.",
    );
    expect(errorOf(() => i.number('big', { max: 50 })).message).toBe(
      "Input 'big' must be a number of at most 50; got 99.",
    );
    expect(errorOf(() => i.number('word')).message).toBe("Input 'word' must be a number; got 'many'.");
  });

  it('checks choices and lists what is accepted', () => {
    const i = reader({ sse: 'aes' });
    expect(errorOf(() => i.choice('sse', ['AES256', 'aws:kms'] as const, 'AES256')).message).toBe(
      "Input 'sse' must be one of AES256, aws:kms; got 'aes'.",
    );
    expect(reader({}).choice('sse', ['AES256', 'aws:kms'] as const, 'AES256')).toBe('AES256');
  });

  it('splits lists by line and optionally by comma, dropping blanks and comments', () => {
    const i = reader({ globs: 'a/*.js\n\n# comment\n  b.css  ', ws: 'frontend, backend\nworker' });
    expect(i.list('globs')).toEqual(['a/*.js', 'b.css']);
    expect(i.list('ws', { commas: true })).toEqual(['frontend', 'backend', 'worker']);
    expect(i.list('absent')).toEqual([]);
  });

  it('parses durations with bounds', () => {
    const i = reader({ window: '5m', interval: '90', bad: 'soon', tiny: '1s' });
    expect(i.duration('window', { default: '5m' })).toBe(300_000);
    expect(i.duration('interval', { default: '60s' })).toBe(90_000);
    expect(i.duration('absent', { default: '15 min' })).toBe(900_000);
    expect(errorOf(() => i.duration('bad', { default: '1m' })).message).toBe(
      "Input 'bad' must be a duration such as 90s, 5m or 1h; got 'soon'.",
    );
    expect(errorOf(() => i.duration('tiny', { default: '1m', min: 5000 })).message).toBe(
      "Input 'tiny' must be at least 5 s; got '1s'.",
    );
  });

  it('parses percentages into fractions', () => {
    const i = reader({ a: '5%', b: '2.5', c: '150%' });
    expect(i.percent('a', { default: 0.05 })).toBeCloseTo(0.05);
    expect(i.percent('b', { default: 0.05 })).toBeCloseTo(0.025);
    expect(errorOf(() => i.percent('c', { default: 0.05 })).message).toBe(
      "Input 'c' must be a percentage from 0% to 100%, such as 5%; got '150%'.",
    );
  });

  it('hands secrets to the masker and records them only as ***', () => {
    const secrets: string[] = [];
    const i = reader({ token: 'ghp_secret', region: 'us-east-1' }, secrets);
    expect(i.secret('token', { required: true })).toBe('ghp_secret');
    i.string('region');
    expect(secrets).toEqual(['ghp_secret']);
    expect(i.recorded()).toEqual({ token: '***', region: 'us-east-1' });
  });
});

describe('units', () => {
  it.each([
    ['500ms', 500],
    ['90s', 90_000],
    ['15 min', 900_000],
    ['1.5h', 5_400_000],
    ['2', 2000],
  ])('parseDuration(%s)', (text, ms) => expect(parseDuration(text)).toBe(ms));
  it('rejects unknown duration units', () => expect(parseDuration('5 fortnights')).toBeUndefined());
  it.each([
    ['250 kB', 250_000],
    ['1.5MB', 1_500_000],
    ['100KiB', 102_400],
    ['512', 512],
  ])('parseSize(%s)', (text, bytes) => expect(parseSize(text)).toBe(bytes));
  it('formats sizes and durations for people', () => {
    expect(formatBytes(87)).toBe('87 B');
    expect(formatBytes(312_400)).toBe('312.4 kB');
    expect(formatBytes(52_000_000)).toBe('52 MB');
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(12_340)).toBe('12.3 s');
    expect(formatDuration(245_000)).toBe('4 min 05 s');
    expect(formatDuration(90_600_000)).toBe('25 h 10 min');
  });
});

describe('formatPercent and shortArn', () => {
  it.each([
    [0.05, {}, '5%'],
    [0.1234, {}, '12.3%'],
    [0.1234, { digits: 2, spaced: true }, '12.34 %'],
    [1, { spaced: true }, '100 %'],
    [undefined, {}, '—'],
    [Number.NaN, {}, '—'],
  ] as const)('formatPercent(%s, %j) is %s', (fraction, options, text) => {
    expect(formatPercent(fraction, options)).toBe(text);
  });
  it.each([
    ['arn:aws:ecs:us-east-1:123456789012:task-definition/app:42', 'app:42'],
    ['arn:aws:ecs:us-east-1:123456789012:task/cluster/0a1b2c3d', '0a1b2c3d'],
    ['arn:aws:sns:us-east-1:123456789012:deploys', 'deploys'],
    ['not-an-arn', 'not-an-arn'],
  ])('shortArn(%s) is %s', (arn, short) => expect(shortArn(arn)).toBe(short));
});
