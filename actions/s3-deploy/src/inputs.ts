/**
 * Every input of s3-deploy, read and checked once, before any request to AWS.
 */
import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { ConfigurationError, type Env, type Inputs } from '@white-cross/core';
import { resolveRegion } from '@white-cross/aws';
import { parseCacheRules, type CacheRule } from './cache-rules.js';

/** `bucket-default`: no encryption header, the bucket's own default encryption applies. */
export type SseMode = 'bucket-default' | 'AES256' | 'aws:kms';
export const SSE_MODES: readonly SseMode[] = ['bucket-default', 'AES256', 'aws:kms'];

export interface DeployInputs {
  /** Absolute path of the folder to publish. */
  readonly sourceDir: string;
  readonly bucket: string;
  /** The key prefix without leading or trailing `/`; '' for the bucket's root. */
  readonly prefix: string;
  readonly region: string;
  readonly distributionId: string | undefined;
  readonly cacheRules: readonly CacheRule[];
  readonly sse: SseMode;
  readonly kmsKeyId: string | undefined;
  readonly delete: boolean;
  readonly maxDeleteRatio: number;
  /** Explicit invalidation paths; empty means "what changed". */
  readonly invalidationPaths: readonly string[];
  readonly waitForInvalidation: boolean;
  readonly invalidationTimeoutMs: number;
  readonly concurrency: number;
  readonly dryRun: boolean;
  readonly allowUnencryptedBucket: boolean;
  readonly allowPublicBucket: boolean;
}

// S3's bucket naming rules (general purpose buckets).
const BUCKET =
  /^(?!xn--|sthree-|amzn-s3-demo-)(?!.*(-s3alias|--ol-s3|--x-s3|--table-s3)$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const DISTRIBUTION_ID = /^[A-Z0-9]{10,20}$/;
const KMS_KEY =
  /^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key\/[A-Za-z0-9-]+|alias\/[A-Za-z0-9/_-]+)|alias\/[A-Za-z0-9/_-]+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;

/**
 * Reads and checks the inputs; throws ConfigurationError naming the input and what it accepts.
 *
 * @example
 * const inputs = parseInputs(new Inputs(process.env), process.env);
 */
export function parseInputs(inputs: Inputs, env: Env): DeployInputs {
  const sourceDir = parseSourceDir(inputs.string('source-dir', { required: true }), env);
  const bucket = inputs.string('bucket', { required: true });
  if (!BUCKET.test(bucket) || bucket.includes('..')) {
    throw new ConfigurationError(
      `Input 'bucket' must be an S3 bucket name (3-63 lowercase letters, digits, '.' or '-'); got '${bucket}'.`,
      'bucket',
    );
  }
  const prefix = parsePrefix(inputs.string('prefix', { default: '' }));
  const region = resolveRegion(inputs.string('region'), env);
  const distributionId = inputs.string('distribution-id');
  if (distributionId !== undefined && !DISTRIBUTION_ID.test(distributionId)) {
    throw new ConfigurationError(
      `Input 'distribution-id' must be a CloudFront distribution ID such as E2QWRUHAPOMQZL; got '${distributionId}'.`,
      'distribution-id',
    );
  }
  const cacheRules = parseCacheRules(inputs.list('cache-control'));
  const sse = inputs.choice('sse', SSE_MODES, 'bucket-default');
  const kmsKeyId = inputs.string('kms-key-id');
  if (kmsKeyId !== undefined) {
    if (sse !== 'aws:kms') {
      throw new ConfigurationError(
        `Input 'kms-key-id' needs 'sse: aws:kms'; 'sse' is '${sse}'.`,
        'kms-key-id',
      );
    }
    if (!KMS_KEY.test(kmsKeyId)) {
      throw new ConfigurationError(
        `Input 'kms-key-id' must be a KMS key ID, key ARN, alias ARN or 'alias/<name>'; got '${kmsKeyId}'.`,
        'kms-key-id',
      );
    }
  }
  const deleteStale = inputs.boolean('delete', true);
  const maxDeleteRatio = inputs.number('max-delete-ratio', { default: 0.5, min: 0, max: 1 });
  const invalidationPaths = inputs.list('invalidation-paths');
  for (const path of invalidationPaths) {
    if (!path.startsWith('/') || /\s/.test(path) || (path.includes('*') && !path.endsWith('*'))) {
      throw new ConfigurationError(
        `Input 'invalidation-paths' entries must start with '/' and may only end with '*' (such as /index.html or /assets/*); got '${path}'.`,
        'invalidation-paths',
      );
    }
  }
  if (invalidationPaths.length > 0 && distributionId === undefined) {
    throw new ConfigurationError("Input 'invalidation-paths' needs 'distribution-id'.", 'invalidation-paths');
  }
  const waitForInvalidation = inputs.boolean('wait-for-invalidation', true);
  const invalidationTimeoutMs = inputs.duration('invalidation-timeout', {
    default: '15m',
    min: 1000,
    max: 3_600_000,
  });
  const concurrency = inputs.number('concurrency', { default: 16, min: 1, max: 64, integer: true });
  const dryRun = inputs.boolean('dry-run', false);
  const allowUnencryptedBucket = inputs.boolean('allow-unencrypted-bucket', false);
  const allowPublicBucket = inputs.boolean('allow-public-bucket', false);
  return Object.freeze({
    sourceDir,
    bucket,
    prefix,
    region,
    distributionId,
    cacheRules: Object.freeze(cacheRules),
    sse,
    kmsKeyId,
    delete: deleteStale,
    maxDeleteRatio,
    invalidationPaths: Object.freeze(invalidationPaths),
    waitForInvalidation,
    invalidationTimeoutMs,
    concurrency,
    dryRun,
    allowUnencryptedBucket,
    allowPublicBucket,
  });
}

function parseSourceDir(given: string, env: Env): string {
  const workspace = resolve(env.GITHUB_WORKSPACE || process.cwd());
  const dir = isAbsolute(given) ? given : resolve(workspace, given);
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch {
    throw new ConfigurationError(
      `Input 'source-dir' must be an existing folder (the build output); '${given}' does not exist.`,
      'source-dir',
    );
  }
  if (!isDirectory) {
    throw new ConfigurationError(
      `Input 'source-dir' must be a folder (the build output); '${given}' is a file.`,
      'source-dir',
    );
  }
  // Whatever is in it is published: it must be the build, inside the workspace (symbolic links
  // resolved), never /etc or a home folder.
  const inside = relative(realpathSync(workspace), realpathSync(dir));
  if (inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    throw new ConfigurationError(
      `Input 'source-dir' must be a folder inside the workspace (GITHUB_WORKSPACE), such as dist; '${given}' resolves outside it.`,
      'source-dir',
    );
  }
  return dir;
}

/**
 * Normalises a key prefix: no leading or trailing `/`, no empty, `.` or `..` segments.
 *
 * @example
 * parsePrefix('/app/v2/'); // 'app/v2'
 */
export function parsePrefix(given: string): string {
  const prefix = given.replace(/^\/+|\/+$/g, '');
  if (prefix === '') return '';
  const segments = prefix.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..') || /[\\\r\n]/.test(prefix)) {
    throw new ConfigurationError(
      `Input 'prefix' must be a key prefix such as 'app' or 'sites/app' (no empty, '.' or '..' parts); got '${given}'.`,
      'prefix',
    );
  }
  return prefix;
}
