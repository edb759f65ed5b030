/** The action's name (its folder) and version, for the audit record and the user agent. */
export const ACTION_NAME = 's3-deploy';
export const ACTION_VERSION = '0.1.0';

/** Input names, in one place. */
export const INPUT = {
  sourceDir: 'source-dir',
  bucket: 'bucket',
  prefix: 'prefix',
  region: 'region',
  distributionId: 'distribution-id',
  cacheControl: 'cache-control',
  sse: 'sse',
  kmsKeyId: 'kms-key-id',
  delete: 'delete',
  maxDeleteRatio: 'max-delete-ratio',
  invalidationPaths: 'invalidation-paths',
  waitForInvalidation: 'wait-for-invalidation',
  invalidationTimeout: 'invalidation-timeout',
  concurrency: 'concurrency',
  dryRun: 'dry-run',
  allowUnencryptedBucket: 'allow-unencrypted-bucket',
  allowPublicBucket: 'allow-public-bucket',
} as const;

/** Output names, in one place. */
export const OUTPUT = {
  uploaded: 'uploaded',
  unchanged: 'unchanged',
  deleted: 'deleted',
  bytesUploaded: 'bytes-uploaded',
  invalidationId: 'invalidation-id',
  manifest: 'manifest',
} as const;
