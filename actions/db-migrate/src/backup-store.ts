/**
 * Where pg_dump backups are kept: a folder, or an S3 prefix written with SSE-KMS. A dump is
 * written to a staging file first and only committed (renamed into the folder, or uploaded and
 * checked) once it has been verified, so a half-written dump never looks like a backup.
 */
import {
  createReadStream,
  createWriteStream,
  mkdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ActionFailure } from '@white-cross/core';
import { awsCaller } from '@white-cross/aws';
import type { BackupLocation } from './inputs.js';

export interface BackupStore {
  /** Where `name` is (or will be) kept: a path or an s3:// URI. */
  uri(name: string): string;
  /** A local file to write `name` to before it is verified. */
  stagingPath(name: string): string;
  /** Makes a verified staged file the backup `name`. */
  commit(staged: string, name: string, contentType: string): Promise<void>;
  /** Writes a small text object (the manifest) directly. */
  putText(name: string, text: string): Promise<void>;
  /** Copies `name` to a local file (or returns the kept file itself) and returns its path. */
  fetch(name: string, scratchDir: string): Promise<string>;
  readText(name: string): Promise<string>;
}

const S3_SINGLE_PUT_LIMIT = 5 * 1024 ** 3;

/** A folder of backups, created with owner-only permissions. */
export function directoryStore(dir: string): BackupStore {
  return {
    uri: (name) => join(dir, name),
    stagingPath: (name) => {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      return join(dir, `.${name}.partial`);
    },
    commit: async (staged, name) => {
      renameSync(staged, join(dir, name));
    },
    putText: async (name, text) => {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      writeFileSync(join(dir, name), text, { mode: 0o600 });
    },
    fetch: async (name) => {
      const file = join(dir, name);
      try {
        statSync(file);
      } catch {
        throw new ActionFailure(`The backup file ${file} does not exist. Nothing was changed.`);
      }
      return file;
    },
    readText: async (name) => {
      try {
        return await readFile(join(dir, name), 'utf8');
      } catch {
        throw new ActionFailure(
          `The backup manifest ${join(dir, name)} does not exist. Nothing was changed.`,
        );
      }
    },
  };
}

/** An S3 prefix; every object is written with SSE-KMS and checked afterwards. */
export function s3Store(
  location: Extract<BackupLocation, { kind: 's3' }>,
  s3: S3Client,
  scratchDir: string,
  call: ReturnType<typeof awsCaller> = awsCaller({}),
): BackupStore {
  const key = (name: string) => (location.prefix ? `${location.prefix}/${name}` : name);
  const uri = (name: string) => `s3://${location.bucket}/${key(name)}`;
  const encryption = {
    ServerSideEncryption: 'aws:kms' as const,
    ...(location.kmsKeyId ? { SSEKMSKeyId: location.kmsKeyId } : {}),
  };
  const checkStored = async (name: string, bytes: number, leftAs: string) => {
    const head = await call({ operation: 'HeadObject', resource: uri(name), leftAs }, () =>
      s3.send(new HeadObjectCommand({ Bucket: location.bucket, Key: key(name) })),
    );
    if (head.ContentLength !== bytes) {
      throw new ActionFailure(
        `The uploaded backup ${uri(name)} has ${head.ContentLength} bytes, not ${bytes}.`,
      );
    }
    if (head.ServerSideEncryption !== 'aws:kms') {
      throw new ActionFailure(
        `The uploaded backup ${uri(name)} is not encrypted with KMS (ServerSideEncryption: ${head.ServerSideEncryption ?? 'none'}).`,
      );
    }
  };
  return {
    uri,
    stagingPath: (name) => {
      mkdirSync(scratchDir, { recursive: true, mode: 0o700 });
      return join(scratchDir, `${name}.partial`);
    },
    commit: async (staged, name, contentType) => {
      const bytes = statSync(staged).size;
      if (bytes > S3_SINGLE_PUT_LIMIT) {
        throw new ActionFailure(
          `The dump is ${bytes} bytes, over the 5 GiB a single S3 upload takes; use a folder backup-location or backup: rds-snapshot.`,
        );
      }
      const leftAs = 'The backup is not stored; nothing was changed in the database.';
      // A fresh stream per attempt: a retried PUT must send the whole file again.
      await call({ operation: 'PutObject', resource: uri(name), leftAs }, () =>
        s3.send(
          new PutObjectCommand({
            Bucket: location.bucket,
            Key: key(name),
            Body: createReadStream(staged),
            ContentLength: bytes,
            ContentType: contentType,
            ...encryption,
          }),
        ),
      );
      await checkStored(name, bytes, leftAs);
      rmSync(staged, { force: true });
    },
    putText: async (name, text) => {
      const leftAs = 'The backup has no manifest yet; nothing was changed in the database.';
      await call({ operation: 'PutObject', resource: uri(name), leftAs }, () =>
        s3.send(
          new PutObjectCommand({
            Bucket: location.bucket,
            Key: key(name),
            Body: text,
            ContentType: 'application/json',
            ...encryption,
          }),
        ),
      );
      await checkStored(name, Buffer.byteLength(text), leftAs);
    },
    fetch: async (name, dir) => {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const file = join(dir, name);
      await call(
        { operation: 'GetObject', resource: uri(name), leftAs: 'Nothing was changed.' },
        async () => {
          const object = await s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: key(name) }));
          if (!(object.Body instanceof Readable)) throw new Error('GetObject returned no body stream');
          await pipeline(object.Body, createWriteStream(file, { mode: 0o600 }));
        },
      );
      return file;
    },
    readText: async (name) => {
      return call(
        { operation: 'GetObject', resource: uri(name), leftAs: 'Nothing was changed.' },
        async () => {
          const object = await s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: key(name) }));
          return (await object.Body?.transformToString('utf8')) ?? '';
        },
      );
    },
  };
}
