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
import { ActionFailure, type Logger, type Sleep } from '@white-cross/core';
import { awsCaller, awsHttpStatus, isAwsError } from '@white-cross/aws';

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

/**
 * Whether a HeadObject error means "no object at this key". S3 answers a missing key with 404
 * only to a caller allowed s3:ListBucket; without it, with 403 (HeadObject, "Permissions":
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html). The evidence role is
 * not given ListBucket, so 403 is read as "absent or not readable": either way the next step is
 * the PutObject, which writes a new version and never changes a locked one.
 */
export function absentOnHead(error: unknown): boolean {
  const status = awsHttpStatus(error);
  return (
    isAwsError(error, 'NotFound', 'NoSuchKey', 'Forbidden', 'AccessDenied') ||
    status === 404 ||
    status === 403
  );
}

/**
 * Puts the bundle with Object Lock retention, after checking the bucket has Object Lock on;
 * a re-run finding the same bytes already stored (by their SHA-256) does not write again.
 * Every call goes through awsCall (the one retry layer, waits logged).
 */
export async function storeEvidence(
  s3: S3Client,
  request: StoreRequest,
  log: Logger,
  sleep: Sleep,
): Promise<StoredEvidence> {
  const uri = `s3://${request.bucket}/${request.key}`;
  const call = awsCaller({ log, sleep });
  const nothingWritten = "Nothing was written; the bundle is still in the job's artifact.";

  let lockEnabled = false;
  try {
    const lock = await call(
      { operation: 'GetObjectLockConfiguration', resource: `s3://${request.bucket}`, leftAs: nothingWritten },
      () => s3.send(new GetObjectLockConfigurationCommand({ Bucket: request.bucket })),
    );
    lockEnabled = lock.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled';
  } catch (error) {
    if (!isAwsError(error, 'ObjectLockConfigurationNotFoundError')) throw error;
  }
  if (!lockEnabled) {
    throw new ActionFailure(
      `Bucket ${request.bucket} does not have Object Lock enabled, so the evidence could be changed or deleted before its retention ends. ` +
        `Create the audit bucket with Object Lock enabled (it cannot be turned on for objects already there). ${nothingWritten}`,
    );
  }

  try {
    // With SSE-KMS, this HEAD (checksum mode) needs kms:Decrypt on the key as well.
    const existing = await call({ operation: 'HeadObject', resource: uri, leftAs: nothingWritten }, () =>
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
    if (!absentOnHead(error)) throw error;
    if (awsHttpStatus(error) === 403)
      log.info(`${uri}: HeadObject answered 403 (no s3:ListBucket, as intended): writing the bundle as new.`);
  }

  const put = await call(
    {
      operation: 'PutObject',
      resource: uri,
      leftAs: "The bundle is still in the job's artifact; re-run this job to store it.",
    },
    () =>
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
  const versionId = put.VersionId ?? '';

  // Read back what S3 holds: the retention is what matters, not what was asked for.
  const head = await call(
    {
      operation: 'HeadObject',
      resource: `${uri} (version ${versionId || 'unknown'})`,
      leftAs: 'The bundle was written; its retention could not be read back.',
    },
    () =>
      s3.send(
        new HeadObjectCommand({
          Bucket: request.bucket,
          Key: request.key,
          VersionId: versionId || undefined,
        }),
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
