/**
 * The S3 side of the deploy: the bucket's safety settings, the listing, object metadata,
 * uploads (multipart for large files), deletions and the deploy record. Thin adapters; the
 * decisions are in plan.ts.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import { createReadStream } from 'node:fs';
import {
  DeleteObjectsCommand,
  GetBucketEncryptionCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  GetPublicAccessBlockCommand as GetAccountPublicAccessBlockCommand,
  type S3ControlClient,
} from '@aws-sdk/client-s3-control';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { Upload } from '@aws-sdk/lib-storage';
import { isAwsError } from '@white-cross/aws';
import { mapConcurrent } from './concurrency.js';
import type { LocalFile } from './local-files.js';
import type { SseMode } from './inputs.js';
import { DEPLOY_RECORD_SCHEMA, type DeployRecord, type ListedObject, type ObjectState } from './plan.js';

/** Files above this size are sent in parts (as the AWS CLI does). */
export const MULTIPART_THRESHOLD = 8 * 1024 * 1024;
export const PART_SIZE = 8 * 1024 * 1024;

export interface Encryption {
  mode: SseMode;
  kmsKeyId: string | undefined;
}

/**
 * Sends one AWS call through awsCall (the one retry layer), with the operation and resource for
 * the log and the failure message; the caller binds what state a failure leaves.
 */
export type S3Call = <T>(operation: string, resource: string, send: () => Promise<T>) => Promise<T>;

export interface BucketSafety {
  /** The default encryption rule, e.g. `aws:kms` or `AES256`; undefined when there is none. */
  defaultEncryption: string | undefined;
  /** The default rule's KMS key; undefined for SSE-S3, or for SSE-KMS with the AWS managed key aws/s3. */
  defaultKmsKeyId?: string | undefined;
  /** The Block Public Access settings off at both bucket and account level; undefined when neither has any. */
  publicAccessGaps: string[] | undefined;
  /** The settings the bucket leaves off that the account's Block Public Access turns on. */
  publicAccessFromAccount?: string[];
}

export const PUBLIC_ACCESS_SETTINGS = [
  'BlockPublicAcls',
  'IgnorePublicAcls',
  'BlockPublicPolicy',
  'RestrictPublicBuckets',
] as const;
export type PublicAccessSetting = (typeof PUBLIC_ACCESS_SETTINGS)[number];

/**
 * Reads the bucket's default encryption and Block Public Access configuration; `readAccount`
 * gives the account's Block Public Access (undefined when it has none), asked only when the
 * bucket's own is absent or partial.
 */
export async function readBucketSafety(
  s3: S3Client,
  call: S3Call,
  bucket: string,
  readAccount?: () => Promise<Partial<Record<PublicAccessSetting, boolean>> | undefined>,
): Promise<BucketSafety> {
  let defaultEncryption: string | undefined;
  let defaultKmsKeyId: string | undefined;
  try {
    const out = await call('GetBucketEncryption', `s3://${bucket}`, () =>
      s3.send(new GetBucketEncryptionCommand({ Bucket: bucket })),
    );
    const rule = out.ServerSideEncryptionConfiguration?.Rules?.find(
      (r) => r.ApplyServerSideEncryptionByDefault?.SSEAlgorithm,
    );
    defaultEncryption = rule?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm;
    defaultKmsKeyId = rule?.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID;
  } catch (error) {
    if (!isAwsError(error, 'ServerSideEncryptionConfigurationNotFoundError')) throw error;
  }
  let own: Partial<Record<PublicAccessSetting, boolean>> | undefined;
  try {
    const out = await call('GetPublicAccessBlock', `s3://${bucket}`, () =>
      s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket })),
    );
    own = out.PublicAccessBlockConfiguration ?? {};
  } catch (error) {
    if (!isAwsError(error, 'NoSuchPublicAccessBlockConfiguration')) throw error;
  }
  // S3 applies the most restrictive combination of the bucket's and the account's settings: a
  // bucket whose own are absent or partial is judged with the account's too.
  const ownGaps = PUBLIC_ACCESS_SETTINGS.filter((k) => own?.[k] !== true);
  const account = ownGaps.length > 0 && readAccount ? await readAccount() : undefined;
  const publicAccessGaps =
    own || account
      ? PUBLIC_ACCESS_SETTINGS.filter((k) => own?.[k] !== true && account?.[k] !== true)
      : undefined;
  const fromAccount = ownGaps.filter((k) => account?.[k] === true);
  return {
    defaultEncryption,
    ...(defaultKmsKeyId ? { defaultKmsKeyId } : {}),
    publicAccessGaps,
    ...(fromAccount.length ? { publicAccessFromAccount: fromAccount } : {}),
  };
}

/**
 * The account's Block Public Access: S3 Control GetPublicAccessBlock for the account of the
 * credentials (STS GetCallerIdentity); undefined when the account has none.
 */
export function accountPublicAccessReader(
  sts: STSClient,
  s3control: S3ControlClient,
  call: S3Call,
): () => Promise<Partial<Record<PublicAccessSetting, boolean>> | undefined> {
  return async () => {
    const account = (
      await call('GetCallerIdentity', 'the credentials', () => sts.send(new GetCallerIdentityCommand({})))
    ).Account;
    if (!account) throw new Error('STS GetCallerIdentity answered no account id');
    try {
      const out = await call('GetPublicAccessBlock (account)', `account ${account}`, () =>
        s3control.send(new GetAccountPublicAccessBlockCommand({ AccountId: account })),
      );
      return out.PublicAccessBlockConfiguration ?? {};
    } catch (error) {
      if (!isAwsError(error, 'NoSuchPublicAccessBlockConfiguration')) throw error;
      return undefined;
    }
  };
}

/** Every object under the prefix (`''` for the whole bucket). */
export async function listObjects(
  s3: S3Client,
  call: S3Call,
  bucket: string,
  prefix: string,
): Promise<Map<string, ListedObject>> {
  const objects = new Map<string, ListedObject>();
  let token: string | undefined;
  do {
    const page = await call('ListObjectsV2', `s3://${bucket}/${prefix}`, () =>
      s3.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix === '' ? undefined : `${prefix}/`,
          ContinuationToken: token,
        }),
      ),
    );
    for (const o of page.Contents ?? []) {
      if (!o.Key || o.Key.endsWith('/')) continue;
      objects.set(o.Key, {
        key: o.Key,
        size: o.Size ?? 0,
        etag: o.ETag ?? '',
      });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return objects;
}

/**
 * Reads an object's state from S3 itself: the SHA-256 this action stores in
 * `x-amz-meta-sha256`, else S3's full-object SHA-256 checksum when another tool stored one.
 */
export async function inspectObject(
  s3: S3Client,
  call: S3Call,
  bucket: string,
  key: string,
): Promise<ObjectState> {
  // With SSE-KMS, checksum mode needs kms:Decrypt on the object's key as well.
  const head = await call('HeadObject', `s3://${bucket}/${key}`, () =>
    s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' })),
  );
  const fromMetadata = head.Metadata?.sha256;
  const checksum = head.ChecksumSHA256;
  // A composite checksum (of parts) ends in -N and is not the file's SHA-256.
  const fromChecksum =
    checksum && !checksum.includes('-') ? Buffer.from(checksum, 'base64').toString('hex') : undefined;
  return {
    sha256: fromMetadata && /^[0-9a-f]{64}$/.test(fromMetadata) ? fromMetadata : fromChecksum,
    contentType: head.ContentType,
    cacheControl: head.CacheControl,
    sse: head.ServerSideEncryption,
  };
}

/** Inspects many objects, `concurrency` at a time. */
export async function inspectObjects(
  s3: S3Client,
  call: S3Call,
  bucket: string,
  keys: readonly string[],
  concurrency: number,
): Promise<Map<string, ObjectState>> {
  const states = await mapConcurrent(keys, concurrency, (key) => inspectObject(s3, call, bucket, key));
  return new Map(keys.map((key, i) => [key, states[i] as ObjectState]));
}

/** The encryption headers of a PUT: none for `bucket-default`, so the bucket's own default applies. */
export function encryptionHeaders(encryption: Encryption) {
  if (encryption.mode === 'bucket-default') return {};
  return {
    ServerSideEncryption: encryption.mode,
    ...(encryption.mode === 'aws:kms' && encryption.kmsKeyId ? { SSEKMSKeyId: encryption.kmsKeyId } : {}),
  };
}

/**
 * Puts one file with its SHA-256 (metadata, and S3's own SHA-256 checksum so S3 verifies what
 * it received), Content-Type, Cache-Control and the server-side encryption; never an ACL.
 * Returns the ETag S3 gave the object. A large file goes in parts; a part that fails makes
 * lib-storage abort the multipart upload (AbortMultipartUpload, `leavePartsOnError: false`),
 * and awsCall retries the upload as a whole, from a fresh read of the file.
 */
export async function uploadFile(
  s3: S3Client,
  call: S3Call,
  bucket: string,
  file: LocalFile,
  encryption: Encryption,
): Promise<string> {
  const common = {
    Bucket: bucket,
    Key: file.key,
    ContentType: file.contentType,
    CacheControl: file.cacheControl,
    Metadata: { sha256: file.sha256 },
    ...encryptionHeaders(encryption),
  } as const;
  const where = `s3://${bucket}/${file.key}`;
  if (file.size <= MULTIPART_THRESHOLD) {
    const body = await readFile(file.absolutePath);
    const out = await call('PutObject', where, () =>
      s3.send(
        new PutObjectCommand({
          ...common,
          Body: body,
          ChecksumSHA256: Buffer.from(file.sha256, 'hex').toString('base64'),
        }),
      ),
    );
    return out.ETag ?? '';
  }
  const out = await call(
    'multipart upload (CreateMultipartUpload, UploadPart, CompleteMultipartUpload)',
    where,
    () =>
      new Upload({
        client: s3,
        params: { ...common, Body: createReadStream(file.absolutePath), ChecksumAlgorithm: 'SHA256' },
        partSize: PART_SIZE,
        queueSize: 4,
        leavePartsOnError: false,
      }).done(),
  );
  return out.ETag ?? '';
}

/** Deletes keys, 1,000 per request; returns the keys S3 reported as not deleted. */
export async function deleteObjects(
  s3: S3Client,
  call: S3Call,
  bucket: string,
  keys: readonly string[],
): Promise<{ key: string; message: string }[]> {
  const failed: { key: string; message: string }[] = [];
  for (let i = 0; i < keys.length; i += 1000) {
    const batch = keys.slice(i, i + 1000);
    const out = await call('DeleteObjects', `s3://${bucket}`, () =>
      s3.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      ),
    );
    for (const e of out.Errors ?? [])
      failed.push({ key: e.Key ?? '?', message: `${e.Code ?? 'Error'}: ${e.Message ?? ''}` });
  }
  return failed;
}

/** Reads the deploy record; undefined when there is none (or it is not one this action wrote). */
export async function readDeployRecord(
  s3: S3Client,
  call: S3Call,
  bucket: string,
  key: string,
): Promise<DeployRecord | undefined> {
  try {
    const body = await call('GetObject', `s3://${bucket}/${key}`, async () => {
      const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Buffer.from((await out.Body?.transformToByteArray()) ?? []);
    });
    const record = JSON.parse(gunzipSync(body).toString('utf8')) as DeployRecord;
    return record?.schema === DEPLOY_RECORD_SCHEMA && record.objects && typeof record.objects === 'object'
      ? record
      : undefined;
  } catch (error) {
    // A missing or unreadable record only costs a HeadObject per object.
    if (
      isAwsError(error, 'NoSuchKey') ||
      error instanceof SyntaxError ||
      (error as { code?: string }).code?.startsWith('Z_')
    )
      return undefined;
    throw error;
  }
}

/** Writes the deploy record, gzipped (never cached, encrypted like the site). */
export async function writeDeployRecord(
  s3: S3Client,
  call: S3Call,
  bucket: string,
  key: string,
  record: DeployRecord,
  encryption: Encryption,
): Promise<void> {
  await call('PutObject', `s3://${bucket}/${key}`, () =>
    s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: gzipSync(JSON.stringify(record)),
        ContentType: 'application/gzip',
        CacheControl: 'no-store',
        ...encryptionHeaders(encryption),
      }),
    ),
  );
}
