/**
 * The evidence-bundle inputs, read and checked before anything else happens. The bundle is
 * written to WORM storage, where a bad write lasts for years: every input that shapes the S3
 * key, the encryption or the contents is checked here, before the first write.
 */
import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { ConfigurationError, type Env, type Inputs } from '@white-cross/core';
import { INPUT } from './constants.js';
import type { RetentionMode } from './store.js';

export interface EvidenceBundleInputs {
  /** The folder the evidence artifacts were downloaded to, as given. */
  readonly path: string;
  /** That folder, absolute (checked to resolve inside the workspace). */
  readonly root: string;
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
// One S3 key segment: no '/', no '.' or '..' on its own, nothing a log or a key would misread.
const ENVIRONMENT = /^(?!\.{1,2}$)[A-Za-z0-9][\w.-]{0,63}$/;
// A release version as tags carry it (1.4.0, v2.0.0-rc.1+build.5); one line.
const VERSION = /^[\w.+-]{1,64}$/;
// Key prefix: relative segments of safe characters, each followed by '/'.
const KEY_PREFIX = /^([A-Za-z0-9][\w.-]*\/)*$/;
// What PutObject's SSEKMSKeyId accepts: a key id, a multi-Region key id, a key ARN, an alias.
const KMS_KEY =
  /^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key\/[A-Za-z0-9-]+|alias\/[A-Za-z0-9/_-]+)|alias\/[A-Za-z0-9/_-]+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;

/**
 * Reads the inputs. The deployment id defaults to `<repository name>-<run id>-<attempt>`.
 *
 * @example
 * parseInputs(new Inputs({ INPUT_PATH: 'evidence' }), { GITHUB_REPOSITORY: 'white-cross/school-health', GITHUB_RUN_ID: '42' });
 */
export function parseInputs(inputs: Inputs, env: Env): EvidenceBundleInputs {
  const path = inputs.string(INPUT.path, { default: 'evidence' });
  const root = parseEvidencePath(path, env);
  const repoName = (env.GITHUB_REPOSITORY ?? 'deployment').split('/').pop() ?? 'deployment';
  const fallbackId = `${repoName}-${env.GITHUB_RUN_ID ?? 'local'}-${env.GITHUB_RUN_ATTEMPT ?? '1'}`;
  const deploymentId = inputs.string(INPUT.deploymentId, { default: fallbackId });
  if (!ID.test(deploymentId)) {
    throw new ConfigurationError(
      `Input 'deployment-id' must be 1–128 letters, digits, '.', '_' or '-' (it names a file and an S3 key); got '${printable(deploymentId)}'.`,
      INPUT.deploymentId,
    );
  }
  const environment = inputs.string(INPUT.environment);
  if (environment !== undefined && !ENVIRONMENT.test(environment)) {
    throw new ConfigurationError(
      `Input 'environment' must be one name of 1–64 letters, digits, '.', '_' or '-' such as production (it is one segment of the S3 key, under key-prefix); got '${printable(environment)}'.`,
      INPUT.environment,
    );
  }
  const version = inputs.string(INPUT.version);
  if (version !== undefined && !VERSION.test(version)) {
    throw new ConfigurationError(
      `Input 'version' must be a release version such as 1.4.0 (1–64 letters, digits, '.', '_', '+' or '-', on one line); got '${printable(version)}'.`,
      INPUT.version,
    );
  }
  const auditBucket = inputs.string(INPUT.auditBucket);
  if (auditBucket !== undefined && !BUCKET.test(auditBucket)) {
    throw new ConfigurationError(
      `Input 'audit-bucket' must be an S3 bucket name such as school-health-audit; got '${printable(auditBucket)}'.`,
      INPUT.auditBucket,
    );
  }
  const keyPrefix = inputs.string(INPUT.keyPrefix, { default: 'evidence/' }).replace(/([^/])$/, '$1/');
  if (!KEY_PREFIX.test(keyPrefix) || keyPrefix.split('/').some((s) => s === '.' || s === '..')) {
    throw new ConfigurationError(
      `Input 'key-prefix' must be a relative S3 key prefix of letters, digits, '.', '_' and '-' parts such as evidence/; got '${printable(keyPrefix)}'.`,
      INPUT.keyPrefix,
    );
  }
  const retentionYears = inputs.number(INPUT.retentionYears, { default: 7, min: 1, max: 100, integer: true });
  const retentionMode = inputs.choice(
    INPUT.retentionMode,
    ['COMPLIANCE', 'GOVERNANCE'] as const,
    'COMPLIANCE',
  );
  const kmsKeyId = inputs.string(INPUT.kmsKeyId);
  if (kmsKeyId !== undefined && !KMS_KEY.test(kmsKeyId)) {
    throw new ConfigurationError(
      `Input 'kms-key-id' must be a KMS key ID, key ARN, alias ARN or 'alias/<name>'; got '${printable(kmsKeyId)}'.`,
      INPUT.kmsKeyId,
    );
  }
  const region = inputs.string(INPUT.region);
  const githubToken = inputs.secret(INPUT.githubToken);
  return {
    path,
    root,
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

/** Control characters shown escaped, so a value quoted in an error cannot start a workflow command. */
function printable(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

/**
 * The evidence folder, resolved (symbolic links too) inside GITHUB_WORKSPACE: whatever is in
 * it is locked away for years, so it must be the downloaded artifacts, never `~/.aws` or `/etc`.
 * A folder that does not exist yet is left for the run to report (it is not a path problem).
 */
function parseEvidencePath(given: string, env: Env): string {
  const workspace = resolve(env.GITHUB_WORKSPACE || process.cwd());
  const absolute = isAbsolute(given) ? given : resolve(workspace, given);
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return resolve(p);
    }
  };
  const inside = relative(real(workspace), real(absolute));
  if (inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    throw new ConfigurationError(
      `Input 'path' must be a folder inside the workspace (GITHUB_WORKSPACE) where the evidence artifacts were downloaded; '${printable(given)}' resolves outside it.`,
      INPUT.path,
    );
  }
  return absolute;
}
