/** The action's name (its folder) and version, for the audit record and the user agent. */
export const ACTION_NAME = 'evidence-bundle';
export const ACTION_VERSION = '0.1.0';

/** Input names, in one place. */
export const INPUT = {
  path: 'path',
  deploymentId: 'deployment-id',
  environment: 'environment',
  version: 'version',
  auditBucket: 'audit-bucket',
  keyPrefix: 'key-prefix',
  retentionYears: 'retention-years',
  retentionMode: 'retention-mode',
  kmsKeyId: 'kms-key-id',
  region: 'region',
  githubToken: 'github-token',
} as const;

/** Output names, in one place. */
export const OUTPUT = {
  path: 'path',
  sha256: 'sha256',
  deploymentId: 'deployment-id',
  outcome: 'outcome',
  parts: 'parts',
  s3Uri: 's3-uri',
  versionId: 'version-id',
  retainUntil: 'retain-until',
} as const;
