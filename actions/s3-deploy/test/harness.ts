/**
 * What the s3-deploy behaviour tests share: one moto server, a recording proxy in front of it,
 * a CloudFront status-rewriting proxy, buckets set up the way a hospital's would be, and
 * builds written to temporary folders.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketEncryptionCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { freePort } from '@white-cross/testkit';

/** Writes a build: path → content. */
export function writeBuild(
  files: Record<string, string | Buffer>,
  dir = mkdtempSync(join(tmpdir(), 'wcd-s3-build-')),
): string {
  rmSync(dir, { recursive: true, force: true });
  for (const [path, content] of Object.entries(files)) {
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  return dir;
}

/** Rewrites every file of a build with the same content and a new modification time (a fresh CI rebuild). */
export function rebuild(files: Record<string, string | Buffer>, dir: string, mtime: Date): void {
  writeBuild(files, dir);
  for (const path of Object.keys(files)) utimesSync(join(dir, path), mtime, mtime);
}

/** A client straight to moto (not through the proxy), for setting up and checking state. */
export function directS3(endpoint: string): S3Client {
  return new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
}

/** A bucket with default encryption and all four Block Public Access settings, unless told otherwise. */
export async function createBucket(
  s3: S3Client,
  bucket: string,
  options: { encrypted?: boolean; blockPublic?: boolean } = {},
): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  if (options.encrypted ?? true) {
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: bucket,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
      }),
    );
  }
  if (options.blockPublic ?? true) {
    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: bucket,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: true,
          RestrictPublicBuckets: true,
        },
      }),
    );
  }
}

export async function listKeys(s3: S3Client, bucket: string): Promise<string[]> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (out.Contents ?? []).map((o) => o.Key ?? '').sort();
}

export async function getText(s3: S3Client, bucket: string, key: string): Promise<string> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await out.Body?.transformToString('utf-8')) ?? '';
}

export function head(s3: S3Client, bucket: string, key: string) {
  return s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
}

export interface StatusRewriter {
  url: string;
  /** Whether invalidations created from now on are answered as InProgress. */
  createInProgress: boolean;
  /** How many more status polls of those invalidations answer InProgress (Infinity: all). */
  pollsInProgress: number;
  stop(): Promise<void>;
}

/**
 * A proxy for CloudFront that reports invalidations as InProgress for a while. moto completes
 * an invalidation the moment it is created, so without this the waiting and backoff would
 * never run against a server.
 */
export async function startStatusRewriter(target: string): Promise<StatusRewriter> {
  const port = await freePort();
  const upstream = new URL(target);
  const state: StatusRewriter = {
    url: `http://127.0.0.1:${port}`,
    createInProgress: false,
    pollsInProgress: 0,
    stop: async () => {},
  };
  const slow = new Set<string>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const forward = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (up) => {
          const body: Buffer[] = [];
          up.on('data', (c: Buffer) => body.push(c));
          up.on('end', () => {
            let text = Buffer.concat(body).toString('utf8');
            const id = /<Invalidation[ >][\s\S]*?<Id>([^<]+)<\/Id>/.exec(text)?.[1];
            const created = req.method === 'POST' && /\/invalidation$/.test(req.url ?? '');
            if (id && created && state.createInProgress) slow.add(id);
            const polled =
              req.method === 'GET' &&
              id !== undefined &&
              slow.has(id) &&
              (req.url ?? '').endsWith(`/invalidation/${id}`);
            if (id && slow.has(id) && (created || (polled && state.pollsInProgress-- > 0))) {
              text = text.replace(/<Status>[^<]*<\/Status>/g, '<Status>InProgress</Status>');
            }
            const headers = { ...up.headers };
            delete headers['content-length'];
            delete headers['transfer-encoding'];
            res.writeHead(up.statusCode ?? 502, { ...headers, 'content-length': Buffer.byteLength(text) });
            res.end(text);
          });
        },
      );
      forward.on('error', (error) => {
        res.writeHead(502);
        res.end(String(error));
      });
      forward.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  state.stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
