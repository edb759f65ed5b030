/**
 * The evidence-bundle inputs, read and checked before anything else happens.
 */
import { ConfigurationError, type Env, type Inputs } from '@white-cross/core';
import type { RetentionMode } from './store.js';

export interface EvidenceBundleInputs {
  /** The folder the evidence artifacts were downloaded to. */
  readonly path: string;
  readonly deploymentId: string;
  readonly environment?: string;
  readonly version?: string;
  readonly auditBucket?: string;
  readonly keyPrefix: string;
  readonly retentionYears: number;
  readonly retentionMode: RetentionMode;
  readonly kmsKeyId?: string;
  readonly region?: string;
  readonly githubToken?: string;
}

const BUCKET = /^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const ID = /^[\w.-]{1,128}$/;

/**
 * Reads the inputs. The deployment id defaults to `<repository name>-<run id>-<attempt>`.
 *
 * @example
 * parseInputs(new Inputs({ INPUT_PATH: 'evidence' }), { GITHUB_REPOSITORY: 'white-cross/school-health', GITHUB_RUN_ID: '42' });
 */
export function parseInputs(inputs: Inputs, env: Env): EvidenceBundleInputs {
  const path = inputs.string('path', { default: 'evidence' });
  const repoName = (env.GITHUB_REPOSITORY ?? 'deployment').split('/').pop() ?? 'deployment';
  const fallbackId = `${repoName}-${env.GITHUB_RUN_ID ?? 'local'}-${env.GITHUB_RUN_ATTEMPT ?? '1'}`;
  const deploymentId = inputs.string('deployment-id', { default: fallbackId });
  if (!ID.test(deploymentId)) {
    throw new ConfigurationError(
      `Input 'deployment-id' must be 1–128 letters, digits, '.', '_' or '-' (it names a file and an S3 key); got '${deploymentId}'.`,
      'deployment-id',
    );
  }
  const environment = inputs.string('environment');
  const version = inputs.string('version');
  const auditBucket = inputs.string('audit-bucket');
  if (auditBucket !== undefined && !BUCKET.test(auditBucket)) {
    throw new ConfigurationError(
      `Input 'audit-bucket' must be an S3 bucket name such as school-health-audit; got '${auditBucket}'.`,
      'audit-bucket',
    );
  }
  const keyPrefix = inputs.string('key-prefix', { default: 'evidence/' });
  if (keyPrefix.startsWith('/') || keyPrefix.includes('..')) {
    throw new ConfigurationError(
      `Input 'key-prefix' must be a relative S3 key prefix such as evidence/; got '${keyPrefix}'.`,
      'key-prefix',
    );
  }
  const retentionYears = inputs.number('retention-years', { default: 7, min: 1, max: 100, integer: true });
  const retentionMode = inputs.choice('retention-mode', ['COMPLIANCE', 'GOVERNANCE'] as const, 'COMPLIANCE');
  const kmsKeyId = inputs.string('kms-key-id');
  const region = inputs.string('region');
  const githubToken = inputs.secret('github-token');
  return {
    path,
    deploymentId,
    keyPrefix,
    retentionYears,
    retentionMode,
    ...(environment === undefined ? {} : { environment }),
    ...(version === undefined ? {} : { version }),
    ...(auditBucket === undefined ? {} : { auditBucket }),
    ...(kmsKeyId === undefined ? {} : { kmsKeyId }),
    ...(region === undefined ? {} : { region }),
    ...(githubToken === undefined ? {} : { githubToken }),
  };
}
