/**
 * Writing the bundle to an S3 bucket under Object Lock, so that nobody — not even an account
 * administrator in compliance mode — can change or delete it before the retention date.
 */
import {
  GetObjectLockConfigurationCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { ActionFailure, retry, type Logger, type Sleep } from '@white-cross/core';
import { awsErrorText } from '@white-cross/aws';

export type RetentionMode = 'COMPLIANCE' | 'GOVERNANCE';

export interface StoreRequest {
  bucket: string;
  key: string;
  body: Buffer;
  /** SHA-256 of the body, hex. */
  sha256: string;
  mode: RetentionMode;
  retainUntil: Date;
  kmsKeyId?: string;
}

export interface StoredEvidence {
  uri: string;
  versionId: string;
  retainUntil: string;
  mode: string;
  /** False when an identical object was already there (a re-run). */
  written: boolean;
}

/**
 * The date retention ends: `years` calendar years after `from` (29 February → 28 February).
 *
 * @example
 * retainUntil(new Date('2026-11-21T16:00:00Z'), 7).toISOString(); // '2033-11-21T16:00:00.000Z'
 */
export function retainUntil(from: Date, years: number): Date {
  const d = new Date(from.getTime());
  const month = d.getUTCMonth();
  d.setUTCFullYear(d.getUTCFullYear() + years);
  if (d.getUTCMonth() !== month) d.setUTCDate(0);
  return d;
}

const hexToBase64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');

function notFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

/**
 * Puts the bundle with Object Lock retention, after checking the bucket has Object Lock on;
 * a re-run finding the same bytes already stored (by their SHA-256) does not write again.
 */
export async function storeEvidence(
  s3: S3Client,
  request: StoreRequest,
  log: Logger,
  sleep: Sleep,
): Promise<StoredEvidence> {
  const uri = `s3://${request.bucket}/${request.key}`;
  const call = <T>(what: string, operation: () => Promise<T>) =>
    retry(operation, {
      sleep,
      onRetry: (e, n, ms) =>
        log.info(`${what}: attempt ${n} failed (${awsErrorText(e)}); retrying in ${ms} ms`),
    });

  let lockEnabled = false;
  try {
    const lock = await call('GetObjectLockConfiguration', () =>
      s3.send(new GetObjectLockConfigurationCommand({ Bucket: request.bucket })),
    );
    lockEnabled = lock.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled';
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name !== 'ObjectLockConfigurationNotFoundError') {
      throw new ActionFailure(
        `Reading the Object Lock configuration of bucket ${request.bucket} failed: ${awsErrorText(error)}. Nothing was written; the bundle is still in the job's artifact.`,
        { cause: error },
      );
    }
  }
  if (!lockEnabled) {
    throw new ActionFailure(
      `Bucket ${request.bucket} does not have Object Lock enabled, so the evidence could be changed or deleted before its retention ends. ` +
        "Create the audit bucket with Object Lock enabled (it cannot be turned on for objects already there). Nothing was written; the bundle is still in the job's artifact.",
    );
  }

  try {
    const existing = await call('HeadObject', () =>
      s3.send(new HeadObjectCommand({ Bucket: request.bucket, Key: request.key, ChecksumMode: 'ENABLED' })),
    );
    if (existing.Metadata?.sha256 === request.sha256 && existing.ObjectLockRetainUntilDate) {
      log.info(`${uri} already holds this bundle (SHA-256 ${request.sha256}); not writing it again.`);
      return {
        uri,
        versionId: existing.VersionId ?? '',
        retainUntil: existing.ObjectLockRetainUntilDate.toISOString(),
        mode: existing.ObjectLockMode ?? '',
        written: false,
      };
    }
  } catch (error) {
    if (!notFound(error)) {
      throw new ActionFailure(`Checking ${uri} failed: ${awsErrorText(error)}. Nothing was written.`, {
        cause: error,
      });
    }
  }

  let versionId: string;
  try {
    const put = await call('PutObject', () =>
      s3.send(
        new PutObjectCommand({
          Bucket: request.bucket,
          Key: request.key,
          Body: request.body,
          ContentType: 'application/json',
          // Object Lock puts must carry an integrity checksum; SHA-256 ties it to the bundle's hash.
          ChecksumAlgorithm: 'SHA256',
          ChecksumSHA256: hexToBase64(request.sha256),
          Metadata: { sha256: request.sha256 },
          ObjectLockMode: request.mode,
          ObjectLockRetainUntilDate: request.retainUntil,
          ...(request.kmsKeyId
            ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: request.kmsKeyId }
            : { ServerSideEncryption: 'AES256' as const }),
        }),
      ),
    );
    versionId = put.VersionId ?? '';
  } catch (error) {
    throw new ActionFailure(
      `Writing the evidence bundle to ${uri} failed: ${awsErrorText(error)}. The bundle is still in the job's artifact; re-run this job to store it.`,
      {
        cause: error,
      },
    );
  }

  // Read back what S3 holds: the retention is what matters, not what was asked for.
  const head = await call('HeadObject', () =>
    s3.send(
      new HeadObjectCommand({ Bucket: request.bucket, Key: request.key, VersionId: versionId || undefined }),
    ),
  );
  if (!head.ObjectLockRetainUntilDate || head.ObjectLockMode !== request.mode) {
    throw new ActionFailure(
      `${uri} was written (version ${versionId || 'unknown'}) but S3 reports no ${request.mode} retention on it; check the bucket's Object Lock settings.`,
    );
  }
  return {
    uri,
    versionId,
    retainUntil: head.ObjectLockRetainUntilDate.toISOString(),
    mode: head.ObjectLockMode,
    written: true,
  };
}
