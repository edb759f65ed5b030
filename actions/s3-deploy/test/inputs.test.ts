import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError, Inputs } from '@white-cross/core';
import { parseInputs, parsePrefix } from '../src/inputs.js';

const workspace = mkdtempSync(join(tmpdir(), 'wcd-s3-inputs-'));
writeFileSync(join(workspace, 'a-file'), 'x');

function parse(values: Record<string, string>) {
  const env: Record<string, string> = { GITHUB_WORKSPACE: workspace, AWS_REGION: 'us-east-1' };
  for (const [name, value] of Object.entries({ 'source-dir': '.', bucket: 'school-health-web', ...values }))
    env[`INPUT_${name.toUpperCase()}`] = value;
  return parseInputs(new Inputs(env), env);
}

describe('parseInputs', () => {
  it('reads the defaults', () => {
    const inputs = parse({});
    expect(inputs).toMatchObject({
      sourceDir: workspace,
      bucket: 'school-health-web',
      prefix: '',
      region: 'us-east-1',
      distributionId: undefined,
      sse: 'bucket-default',
      delete: true,
      maxDeleteRatio: 0.5,
      invalidationPaths: [],
      waitForInvalidation: true,
      invalidationTimeoutMs: 900_000,
      concurrency: 16,
      dryRun: false,
      allowUnencryptedBucket: false,
      allowPublicBucket: false,
    });
    expect(Object.isFrozen(inputs)).toBe(true);
  });

  it('reads every input', () => {
    const inputs = parse({
      prefix: '/sites/nurse/',
      region: 'us-gov-west-1',
      'distribution-id': 'E2QWRUHAPOMQZL',
      sse: 'aws:kms',
      'kms-key-id': 'alias/school-health-web',
      delete: 'false',
      'max-delete-ratio': '0.1',
      'invalidation-paths': '/index.html\n/assets/*',
      'wait-for-invalidation': 'false',
      'invalidation-timeout': '5m',
      concurrency: '32',
      'dry-run': 'true',
      'cache-control': '**/*.txt: max-age=60',
    });
    expect(inputs).toMatchObject({
      prefix: 'sites/nurse',
      region: 'us-gov-west-1',
      distributionId: 'E2QWRUHAPOMQZL',
      sse: 'aws:kms',
      kmsKeyId: 'alias/school-health-web',
      delete: false,
      maxDeleteRatio: 0.1,
      invalidationPaths: ['/index.html', '/assets/*'],
      waitForInvalidation: false,
      invalidationTimeoutMs: 300_000,
      concurrency: 32,
      dryRun: true,
    });
    expect(inputs.cacheRules.map((r) => [r.glob, r.value])).toEqual([['**/*.txt', 'max-age=60']]);
  });

  it.each([
    [
      { 'source-dir': 'a-file' },
      "Input 'source-dir' must be a folder (the build output); 'a-file' is a file.",
      'source-dir',
    ],
    [{ bucket: '' }, "Input 'bucket' is required but was not given.", 'bucket'],
    [
      { bucket: 'a..b' },
      "Input 'bucket' must be an S3 bucket name (3-63 lowercase letters, digits, '.' or '-'); got 'a..b'.",
      'bucket',
    ],
    [
      { prefix: 'a/../b' },
      "Input 'prefix' must be a key prefix such as 'app' or 'sites/app' (no empty, '.' or '..' parts); got 'a/../b'.",
      'prefix',
    ],
    [{ region: 'moon-1' }, "Input 'region' must be an AWS region such as us-east-1; got 'moon-1'.", 'region'],
    [
      { 'distribution-id': 'e123' },
      "Input 'distribution-id' must be a CloudFront distribution ID such as E2QWRUHAPOMQZL; got 'e123'.",
      'distribution-id',
    ],
    [
      { 'kms-key-id': 'alias/x' },
      "Input 'kms-key-id' needs 'sse: aws:kms'; 'sse' is 'bucket-default'.",
      'kms-key-id',
    ],
    [
      { sse: 'aws:kms', 'kms-key-id': 'my key' },
      "Input 'kms-key-id' must be a KMS key ID, key ARN, alias ARN or 'alias/<name>'; got 'my key'.",
      'kms-key-id',
    ],
    [
      { 'invalidation-paths': 'index.html' },
      "Input 'invalidation-paths' entries must start with '/' and may only end with '*' (such as /index.html or /assets/*); got 'index.html'.",
      'invalidation-paths',
    ],
    [
      { 'invalidation-paths': '/index.html' },
      "Input 'invalidation-paths' needs 'distribution-id'.",
      'invalidation-paths',
    ],
    [
      { 'invalidation-timeout': 'soon' },
      "Input 'invalidation-timeout' must be a duration such as 90s, 5m or 1h; got 'soon'.",
      'invalidation-timeout',
    ],
    [{ concurrency: '0' }, "Input 'concurrency' must be a whole number from 1 to 64; got 0.", 'concurrency'],
    [{ delete: 'yes' }, "Input 'delete' must be true or false; got 'yes'.", 'delete'],
  ])('refuses %j', (values, message, input) => {
    expect(() => parse(values)).toThrow(new ConfigurationError(message, input));
    try {
      parse(values);
    } catch (error) {
      expect((error as ConfigurationError).input).toBe(input);
    }
  });
});

describe('parsePrefix', () => {
  it('trims slashes', () => {
    expect(parsePrefix('/')).toBe('');
    expect(parsePrefix('app/')).toBe('app');
  });
});
