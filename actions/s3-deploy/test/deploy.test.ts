/**
 * s3-deploy as the runner runs it (the committed bundle) against a real moto server, through a
 * recording proxy that also injects faults.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  DeletePublicAccessBlockCommand,
  PutPublicAccessBlockCommand as PutAccountPublicAccessBlockCommand,
} from '@aws-sdk/client-s3-control';
import { accountHostEnv, directS3Control } from '@white-cross/testkit/account-hosts';
import { mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { DeleteObjectCommand, PutBucketEncryptionCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  CloudFrontClient,
  CreateDistributionCommand,
  ListInvalidationsCommand,
  GetInvalidationCommand,
} from '@aws-sdk/client-cloudfront';
import {
  runActionBundle,
  runActionBundleAndSignal,
  serverError,
  startAwsProxy,
  startMoto,
  throttling,
  type AwsProxy,
  type MotoServer,
  type RecordedRequest,
} from '@white-cross/testkit';
import {
  createBucket,
  directS3,
  getText,
  head,
  listKeys,
  rebuild,
  startStatusRewriter,
  writeBuild,
  type StatusRewriter,
} from './harness.js';

const RECORD = '.white-cross-deploy/s3-deploy-record.json.gz';

// A Vite-like build: content-hashed assets, unhashed HTML and public files.
const V1: Record<string, string> = {
  'index.html':
    '<!doctype html><script type="module" src="/assets/index-Bx8f2kQ1.js"></script><link rel="stylesheet" href="/assets/index-C3d9eF0a.css">',
  'assets/index-Bx8f2kQ1.js': 'console.log("v1 app");',
  'assets/index-C3d9eF0a.css': 'body{color:#123}',
  'assets/logo-9f8e7d6c.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
  'robots.txt': 'User-agent: *\nDisallow:\n',
  'about/index.html': '<!doctype html><p>About the school nurse service</p>',
};
// The next release: a new main chunk (so a new hashed name) and a new index.html.
const V2: Record<string, string> = {
  ...Object.fromEntries(
    Object.entries(V1).filter(([k]) => k !== 'assets/index-Bx8f2kQ1.js' && k !== 'index.html'),
  ),
  'index.html':
    '<!doctype html><script type="module" src="/assets/index-Zq4w7Ty2.js"></script><link rel="stylesheet" href="/assets/index-C3d9eF0a.css">',
  'assets/index-Zq4w7Ty2.js': 'console.log("v2 app");',
};

let moto: MotoServer;
let proxy: AwsProxy;
let rewriter: StatusRewriter;
const s3 = () => directS3(moto.url);
let bucketNumber = 0;
const nextBucket = () => `school-health-web-${++bucketNumber}`;

// A whole-object PUT of a site file (not a part of a multipart upload, not the deploy record).
const sitePut = (r: RecordedRequest, bucket: string) =>
  r.method === 'PUT' &&
  r.path.startsWith(`/${bucket}/`) &&
  !r.path.includes(RECORD) &&
  !r.path.includes('partNumber=');
const pathOf = (r: RecordedRequest) => r.path.split('?')[0] ?? '';
const keyOf = (r: RecordedRequest, bucket: string) => decodeURIComponent(pathOf(r).slice(bucket.length + 2));

function deploy(inputs: Record<string, string | undefined>, env: Record<string, string> = {}) {
  return runActionBundle('s3-deploy', deployOptions(inputs, env));
}

/** The bundle's inputs and environment: AWS through the proxy, CloudFront through the rewriter. */
function deployOptions(inputs: Record<string, string | undefined>, env: Record<string, string> = {}) {
  // The build is the workspace (source-dir must resolve inside GITHUB_WORKSPACE).
  const source = inputs['source-dir'];
  return {
    inputs: { region: 'us-east-1', ...inputs },
    env: {
      ...moto.env,
      ...accountHostEnv(moto.url),
      AWS_ENDPOINT_URL: proxy.url,
      AWS_ENDPOINT_URL_CLOUDFRONT: rewriter.url,
      ...env,
    },
    ...(source && isAbsolute(source) ? { workspace: source } : {}),
  };
}

const errorLines = (run: Awaited<ReturnType<typeof deploy>>) =>
  run.annotations.filter((a) => a.level === 'error').map((a) => a.message);

beforeAll(async () => {
  moto = await startMoto();
  proxy = await startAwsProxy(moto.url);
  rewriter = await startStatusRewriter(proxy.url);
});

afterAll(async () => {
  await rewriter?.stop();
  await proxy?.stop();
  await moto?.stop();
});

beforeEach(() => {
  proxy.reset();
  rewriter.createInProgress = false;
  rewriter.pollsInProgress = 0;
});

describe('content-hash sync', () => {
  it('deploys a first release with the right headers, assets before HTML and index.html last', async () => {
    const bucket = nextBucket();
    await createBucket(s3(), bucket);
    const dir = writeBuild(V1);
    const run = await deploy({ 'source-dir': dir, bucket });
    expect(errorLines(run)).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ uploaded: '6', unchanged: '0', deleted: '0', 'invalidation-id': '' });
    expect(Number(run.outputs['bytes-uploaded'])).toBe(
      Object.values(V1).reduce((s, c) => s + Buffer.byteLength(c), 0),
    );
    const manifest = JSON.parse(run.outputs.manifest ?? '{}') as Record<string, string>;
    expect(Object.keys(manifest).sort()).toEqual(Object.keys(V1).sort());
    expect(manifest['index.html']).toMatch(/^[0-9a-f]{64}$/);

    expect(await listKeys(s3(), bucket)).toEqual([...Object.keys(V1), RECORD].sort());
    const js = await head(s3(), bucket, 'assets/index-Bx8f2kQ1.js');
    expect(js.ContentType).toBe('text/javascript; charset=utf-8');
    expect(js.CacheControl).toBe('public, max-age=31536000, immutable');
    expect(js.ServerSideEncryption).toBe('AES256');
    expect(js.Metadata?.sha256).toBe(manifest['assets/index-Bx8f2kQ1.js']);
    const html = await head(s3(), bucket, 'index.html');
    expect(html.ContentType).toBe('text/html; charset=utf-8');
    expect(html.CacheControl).toBe('no-cache');
    expect((await head(s3(), bucket, 'robots.txt')).CacheControl).toBe('no-cache');

    // The order the server saw: every asset before any HTML, the root index.html last; no ACLs.
    const puts = proxy.requests.filter((r) => sitePut(r, bucket));
    const keys = puts.map((r) => keyOf(r, bucket));
    expect(keys).toHaveLength(6);
    const firstHtml = keys.findIndex((k) => k.endsWith('.html'));
    expect(keys.slice(0, firstHtml).sort()).toEqual([
      'assets/index-Bx8f2kQ1.js',
      'assets/index-C3d9eF0a.css',
      'assets/logo-9f8e7d6c.svg',
      'robots.txt',
    ]);
    expect(keys.slice(firstHtml)).toEqual(['about/index.html', 'index.html']);
    expect(
      puts.every(
        // No encryption header by default: the bucket's own default encryption applies to a PUT
        // without one (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-encryption.html),
        // so a bucket whose default is SSE-KMS is not overridden with AES256.
        (r) =>
          r.headers['x-amz-server-side-encryption'] === undefined && r.headers['x-amz-acl'] === undefined,
      ),
    ).toBe(true);

    expect(run.summary).toContain('## S3 deploy to s3://' + bucket + '/');
    expect(run.summary).toContain('| Uploaded: assets | 4 of 4 |');
    expect(run.summary).toContain('| Default encryption | AES256 |');
    const audit = run.audit.find((a) => a.action === 's3-deploy') as {
      outcome: string;
      facts: { manifest: Record<string, string> };
    };
    expect(audit.outcome).toBe('success');
    expect(audit.facts.manifest).toEqual(manifest);
    const evidence = JSON.parse(readFileSync(join(run.evidenceDir, 's3-deploy-manifest.json'), 'utf8')) as {
      objects: Record<string, string>;
    };
    expect(evidence.objects).toEqual(manifest);
  });

  it('re-sends nothing after a fresh rebuild with new file times, and one file when one changed', async () => {
    const bucket = nextBucket();
    await createBucket(s3(), bucket);
    const dir = writeBuild(V1);
    expect((await deploy({ 'source-dir': dir, bucket })).exitCode).toBe(0);

    rebuild(V1, dir, new Date(Date.now() + 3_600_000));
    proxy.reset();
    const again = await deploy({ 'source-dir': dir, bucket });
    expect(again.exitCode).toBe(0);
    expect(again.outputs).toMatchObject({
      uploaded: '0',
      unchanged: '6',
      deleted: '0',
      'bytes-uploaded': '0',
    });
    expect(proxy.requests.filter((r) => r.method === 'PUT' || r.method === 'DELETE')).toEqual([]);
    // The deploy record vouched for every object: no per-object HEAD either.
    expect(proxy.requests.filter((r) => r.method === 'HEAD')).toEqual([]);

    const changed = { ...V1, 'robots.txt': 'User-agent: *\nDisallow: /api/\n' };
    rebuild(changed, dir, new Date(Date.now() + 7_200_000));
    proxy.reset();
    const one = await deploy({ 'source-dir': dir, bucket });
    expect(one.exitCode).toBe(0);
    expect(one.outputs).toMatchObject({ uploaded: '1', unchanged: '5', deleted: '0' });
    expect(proxy.requests.filter((r) => sitePut(r, bucket)).map((r) => keyOf(r, bucket))).toEqual([
      'robots.txt',
    ]);
    expect(await getText(s3(), bucket, 'robots.txt')).toBe(changed['robots.txt']);
    expect(one.summary).toContain('| robots.txt | content |');
  });

  it('ships a new release under a prefix as its new chunk, then index.html, then deletes the old chunk', async () => {
    const bucket = nextBucket();
    await createBucket(s3(), bucket);
    // Another site in the same bucket, outside the prefix: never touched.
    await s3().send(new PutObjectCommand({ Bucket: bucket, Key: 'staff/index.html', Body: '<p>staff</p>' }));
    const dir = writeBuild(V1);
    expect((await deploy({ 'source-dir': dir, bucket, prefix: 'portal' })).exitCode).toBe(0);
    writeBuild(V2, dir);
    proxy.reset();
    const run = await deploy({ 'source-dir': dir, bucket, prefix: '/portal/' });
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ uploaded: '2', unchanged: '4', deleted: '1' });
    const changes = proxy.requests.filter(
      (r) => sitePut(r, bucket) || (r.method === 'POST' && r.path.includes('?delete')),
    );
    expect(changes.map((r) => (r.method === 'POST' ? 'DELETE' : keyOf(r, bucket)))).toEqual([
      'portal/assets/index-Zq4w7Ty2.js',
      'portal/index.html',
      'DELETE',
    ]);
    expect(await listKeys(s3(), bucket)).toEqual(
      [...Object.keys(V2).map((k) => `portal/${k}`), `portal/${RECORD}`, 'staff/index.html'].sort(),
    );
    expect(run.stdout).toContain(
      `Deployed s3://${bucket}/portal/: 2 uploaded (157 B), 4 unchanged, 1 deleted, in `,
    );
  });

  it("keeps the bucket's own SSE-KMS default (no AES256 override) and warns that aws/s3 cannot be granted to CloudFront", async () => {
    // A PUT without an encryption header gets the bucket's default encryption
    // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-encryption.html); the AWS
    // managed key's policy cannot be edited, so CloudFront OAC cannot be given kms:Decrypt on it
    // (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html).
    const bucket = nextBucket();
    await createBucket(s3(), bucket);
    await s3().send(
      new PutBucketEncryptionCommand({
        Bucket: bucket,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }],
        },
      }),
    );
    const dir = writeBuild(V1);
    proxy.reset();
    const run = await deploy({ 'source-dir': dir, bucket });
    expect(run.exitCode).toBe(0);
    expect((await head(s3(), bucket, 'index.html')).ServerSideEncryption).toBe('aws:kms');
    expect(proxy.requests.filter((r) => r.headers['x-amz-server-side-encryption'] !== undefined)).toEqual([]);
    expect(run.annotations.filter((a) => a.level === 'warning').map((a) => a.message)).toEqual([
      `Objects in ${bucket} are encrypted with the AWS managed key aws/s3, whose key policy cannot be changed: CloudFront origin access control cannot be granted kms:Decrypt on it, so CloudFront will answer 403 for them. Use a customer managed key (kms-key-id, or the bucket's default) and grant the distribution kms:Decrypt in its key policy.`,
    ]);
    // The next run finds every object as the bucket's default made it: nothing to re-send.
    rebuild(V1, dir, new Date(Date.now() + 3_600_000));
    const again = await deploy({ 'source-dir': dir, bucket });
    expect(again.outputs).toMatchObject({ uploaded: '0', unchanged: '6' });
  });

  it('finds unchanged objects by their stored SHA-256 under SSE-KMS even without the deploy record', async () => {
    const bucket = nextBucket();
    await createBucket(s3(), bucket);
    const dir = writeBuild(V1);
    const first = await deploy({ 'source-dir': dir, bucket, sse: 'aws:kms' });
    expect(first.exitCode).toBe(0);
    expect((await head(s3(), bucket, 'index.html')).ServerSideEncryption).toBe('aws:kms');
    await s3().send(new DeleteObjectCommand({ Bucket: bucket, Key: RECORD }));
    rebuild(V1, dir, new Date(Date.now() + 3_600_000));
    proxy.reset();
    const run = await deploy({ 'source-dir': dir, bucket, sse: 'aws:kms' });
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ uploaded: '0', unchanged: '6' });
    expect(proxy.requests.filter((r) => r.method === 'HEAD')).toHaveLength(6);
    expect(proxy.requests.filter((r) => sitePut(r, bucket))).toEqual([]);
  });

  it('re-puts a file whose Cache-Control rule changed, and plans without changing anything in a dry run', async () => {
    const bucket = nextBucket();
    await createBucket(s3(), bucket);
    const dir = writeBuild(V1);
    expect((await deploy({ 'source-dir': dir, bucket })).exitCode).toBe(0);
    proxy.reset();
    const dry = await deploy({
      'source-dir': dir,
      bucket,
      'cache-control': '*.txt: public, max-age=300',
      'dry-run': 'true',
    });
    expect(dry.exitCode).toBe(0);
    expect(dry.outputs).toMatchObject({ uploaded: '1', unchanged: '5' });
    expect(
      proxy.requests.filter((r) => r.method === 'PUT' || r.method === 'DELETE' || r.method === 'POST'),
    ).toEqual([]);
    expect(dry.summary).toContain('S3 deploy (dry run)');
    const run = await deploy({ 'source-dir': dir, bucket, 'cache-control': '*.txt: public, max-age=300' });
    expect(run.outputs).toMatchObject({ uploaded: '1', unchanged: '5' });
    expect(run.summary).toContain('| robots.txt | cache-control |');
    expect((await head(s3(), bucket, 'robots.txt')).CacheControl).toBe('public, max-age=300');
  });
});

describe('never a broken site', () => {
  it('refuses a deploy that would delete too much, changing nothing', async () => {
    const bucket = nextBucket();
    await createBucket(s3(), bucket);
    const dir = writeBuild(V1);
    expect((await deploy({ 'source-dir': dir, bucket })).exitCode).toBe(0);
    const before = await listKeys(s3(), bucket);
    proxy.reset();
    const wrong = writeBuild({ 'index.html': '<p>wrong folder</p>' });
    const run = await deploy({ 'source-dir': wrong, bucket });
    expect(run.exitCode).toBe(1);
    expect(errorLines(run)).toEqual([
      `Refusing to delete 5 of the 6 objects in s3://${bucket}/ (83.3%, more than max-delete-ratio 50%); nothing was changed. Check source-dir and prefix, or raise max-delete-ratio.`,
    ]);
    expect(proxy.requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD')).toEqual([]);
    expect(await listKeys(s3(), bucket)).toEqual(before);
    expect(await getText(s3(), bucket, 'index.html')).toBe(V1['index.html']);
  });

  it('refuses a bucket without default encryption or without Block Public Access unless allowed', async () => {
    const plain = nextBucket();
    await createBucket(s3(), plain, { encrypted: false });
    const dir = writeBuild(V1);
    const run = await deploy({ 'source-dir': dir, bucket: plain });
    expect(run.exitCode).toBe(1);
    expect(errorLines(run)).toEqual([
      `Bucket ${plain} has no default encryption; nothing was changed. Turn it on (aws s3api put-bucket-encryption), or set allow-unencrypted-bucket: true to deploy anyway (S3 then stores every object with SSE-S3, as it does any new object).`,
    ]);
    expect(await listKeys(s3(), plain)).toEqual([]);

    const open = nextBucket();
    await createBucket(s3(), open, { blockPublic: false });
    const refused = await deploy({ 'source-dir': dir, bucket: open });
    expect(errorLines(refused)).toEqual([
      `Bucket ${open} has no Block Public Access configuration (neither the bucket nor the account); nothing was changed. Block public access (aws s3api put-public-access-block) and serve through CloudFront, or set allow-public-bucket: true to deploy anyway.`,
    ]);
    const allowed = await deploy({ 'source-dir': dir, bucket: open, 'allow-public-bucket': 'true' });
    expect(allowed.exitCode).toBe(0);
    expect((await head(s3(), open, 'index.html')).ServerSideEncryption).toBe('AES256');
  });

  // S3 applies "the most restrictive setting between bucket-level and effective account-level
  // configurations" (Amazon S3 User Guide, "Configuring block public access settings for your
  // S3 buckets", https://docs.aws.amazon.com/AmazonS3/latest/userguide/configuring-block-public-access-bucket.html);
  // the account's is S3 Control GetPublicAccessBlock
  // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_GetPublicAccessBlock.html).
  it("deploys to a bucket with no Block Public Access of its own when the account's blocks it all", async () => {
    const older = nextBucket();
    await createBucket(s3(), older, { blockPublic: false });
    const control = directS3Control(moto.url);
    const AccountId = '123456789012'; // moto's, as STS GetCallerIdentity answers it
    await control.send(
      new PutAccountPublicAccessBlockCommand({
        AccountId,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: true,
        },
      }),
    );
    try {
      const dir = writeBuild(V1);
      // One setting neither level has: still refused, naming it.
      const refused = await deploy({ 'source-dir': dir, bucket: older });
      expect(errorLines(refused)).toEqual([
        `Bucket ${older} has Block Public Access settings off at bucket and account level: RestrictPublicBuckets; nothing was changed. Block public access (aws s3api put-public-access-block) and serve through CloudFront, or set allow-public-bucket: true to deploy anyway.`,
      ]);
      expect(await listKeys(s3(), older)).toEqual([]);
      await control.send(
        new PutAccountPublicAccessBlockCommand({
          AccountId,
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            IgnorePublicAcls: true,
            BlockPublicPolicy: true,
            RestrictPublicBuckets: true,
          },
        }),
      );
      const run = await deploy({ 'source-dir': dir, bucket: older });
      expect([run.exitCode, errorLines(run)]).toEqual([0, []]);
      expect(run.stdout).toContain(
        `Bucket ${older} leaves BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets to the account's Block Public Access, which has them on.`,
      );
      expect(await getText(s3(), older, 'index.html')).toBe(V1['index.html']);
    } finally {
      await control.send(new DeletePublicAccessBlockCommand({ AccountId }));
    }
  });

  it('says plainly when the bucket does not exist', async () => {
    const run = await deploy({ 'source-dir': writeBuild(V1), bucket: 'no-such-school-bucket' });
    expect(run.exitCode).toBe(1);
    expect(errorLines(run)).toEqual([
      'GetBucketEncryption on s3://no-such-school-bucket failed: NoSuchBucket (HTTP 404): The specified bucket does not exist. Nothing was changed.',
    ]);
    expect((run.audit[0] as { outcome: string }).outcome).toBe('failure');
  });

  it('leaves the old index.html and all its assets in place when an upload fails half-way', async () => {
    const bucket = nextBucket();
    await createBucket(s3(), bucket);
    const dir = writeBuild(V1);
    expect((await deploy({ 'source-dir': dir, bucket })).exitCode).toBe(0);
    // A release with many new assets; one of them keeps failing with 500s after others went through.
    const big: Record<string, string> = { ...V2 };
    for (let i = 0; i < 30; i++) big[`assets/chunk-${i}a${i}b9c8d7.js`] = `export const part${i} = ${i};`;
    writeBuild(big, dir);
    proxy.reset();
    proxy.addFault({
      match: (r) => r.method === 'PUT' && r.path.includes('chunk-20a20b9c8d7.js'),
      fault: serverError('s3'),
    });
    const run = await deploy({ 'source-dir': dir, bucket, concurrency: '4' });
    expect(run.exitCode).toBe(1);
    expect(errorLines(run)).toEqual([
      `PutObject on s3://${bucket}/assets/chunk-20a20b9c8d7.js failed: InternalError (HTTP 500): We encountered an internal error.. No HTML was uploaded and nothing was deleted, so the live site is unchanged (the new assets uploaded so far are not referenced yet); re-run to finish.`,
    ]);
    // The SDK retried the 500s before giving up.
    expect(proxy.requests.filter((r) => r.path.includes('chunk-20a20b9c8d7.js'))).toHaveLength(5);
    expect(proxy.requests.filter((r) => sitePut(r, bucket) && r.path.includes('.html'))).toEqual([]);
    expect(proxy.requests.filter((r) => r.method === 'DELETE' || r.path.includes('?delete'))).toEqual([]);
    expect(await getText(s3(), bucket, 'index.html')).toBe(V1['index.html']);
    for (const key of ['assets/index-Bx8f2kQ1.js', 'assets/index-C3d9eF0a.css', 'assets/logo-9f8e7d6c.svg']) {
      expect(await getText(s3(), bucket, key)).toBe(V1[key]);
    }
    expect(run.summary).toContain('Stopped while uploading assets');

    // The re-run finishes the job without re-sending what already arrived.
    proxy.reset();
    const rerun = await deploy({ 'source-dir': dir, bucket, concurrency: '4' });
    expect(rerun.exitCode).toBe(0);
    expect(Number(rerun.outputs.uploaded)).toBeLessThan(Object.keys(big).length - 4);
    expect(await getText(s3(), bucket, 'index.html')).toBe(V2['index.html']);
  });

  it('retries throttling and 5xx answers and still deploys', async () => {
    const bucket = nextBucket();
    await createBucket(s3(), bucket);
    const dir = writeBuild(V1);
    proxy.addFault({
      match: (r) => r.method === 'PUT' && pathOf(r).endsWith('/robots.txt'),
      times: 2,
      fault: throttling('s3'),
    });
    proxy.addFault({
      match: (r) => r.method === 'PUT' && pathOf(r).endsWith('/index.html'),
      times: 1,
      fault: { kind: 'drop' },
    });
    const run = await deploy({ 'source-dir': dir, bucket });
    expect(errorLines(run)).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(
      proxy.requests
        .filter((r) => r.method === 'PUT' && pathOf(r).endsWith('/robots.txt'))
        .map((r) => r.fault ?? 'ok'),
    ).toEqual(['SlowDown', 'SlowDown', 'ok']);
    expect(await getText(s3(), bucket, 'index.html')).toBe(V1['index.html']);
  });

  it('sends files over 8 MiB in parts', async () => {
    const bucket = nextBucket();
    await createBucket(s3(), bucket);
    const video = Buffer.alloc(9 * 1024 * 1024, 7);
    const dir = writeBuild({ ...V1, 'media/intro-4f5e6d7c.mp4': video });
    const run = await deploy({ 'source-dir': dir, bucket });
    expect(run.exitCode).toBe(0);
    expect(
      proxy.requests.filter(
        (r) => r.method === 'PUT' && r.path.includes('intro-4f5e6d7c.mp4') && r.path.includes('partNumber='),
      ),
    ).toHaveLength(2);
    const object = await head(s3(), bucket, 'media/intro-4f5e6d7c.mp4');
    expect(object.ContentLength).toBe(video.length);
    expect(object.ContentType).toBe('video/mp4');
    proxy.reset();
    rebuild({ ...V1, 'media/intro-4f5e6d7c.mp4': video }, dir, new Date(Date.now() + 60_000));
    const again = await deploy({ 'source-dir': dir, bucket });
    expect(again.outputs).toMatchObject({ uploaded: '0', unchanged: '7' });
    // The ETag the multipart completion answered with is the one the listing shows.
    expect(proxy.requests.filter((r) => r.method === 'HEAD')).toEqual([]);
  });

  it('aborts a multipart upload whose part failed and sends the file again as a whole', async () => {
    // The client makes one attempt per call (awsCall is the one retry layer), so a part that
    // fails fails the upload: lib-storage then aborts it (AbortMultipartUpload, so no parts are
    // left billed: https://docs.aws.amazon.com/AmazonS3/latest/API/API_AbortMultipartUpload.html)
    // and awsCall sends the file again from a fresh read.
    const bucket = nextBucket();
    await createBucket(s3(), bucket);
    const video = Buffer.alloc(9 * 1024 * 1024, 9);
    const dir = writeBuild({ ...V1, 'media/intro-5a6b7c8d.mp4': video });
    proxy.reset();
    proxy.addFault({
      match: (r) =>
        r.method === 'PUT' && r.path.includes('intro-5a6b7c8d.mp4') && r.path.includes('partNumber=2'),
      times: 1,
      fault: serverError('s3'),
    });
    const run = await deploy({ 'source-dir': dir, bucket });
    expect(errorLines(run)).toEqual([]);
    expect(run.exitCode).toBe(0);
    const aborted = proxy.requests.filter(
      (r) => r.method === 'DELETE' && r.path.includes('intro-5a6b7c8d.mp4') && r.path.includes('uploadId='),
    );
    expect(aborted).toHaveLength(1);
    expect(run.stdout).toMatch(
      /^multipart upload .* on s3:\/\/\S+\/media\/intro-5a6b7c8d\.mp4: InternalError \(HTTP 500\).*; retry 1 in \d+ ms$/m,
    );
    const object = await head(s3(), bucket, 'media/intro-5a6b7c8d.mp4');
    expect(object.ContentLength).toBe(video.length);
  });

  it('checks the distribution exists before the first write', async () => {
    const bucket = nextBucket();
    await createBucket(s3(), bucket);
    const dir = writeBuild(V1);
    proxy.reset();
    const run = await deploy({ 'source-dir': dir, bucket, 'distribution-id': 'E0NOSUCHDIST00' });
    expect(run.exitCode).toBe(1);
    expect(errorLines(run)).toEqual([
      expect.stringMatching(
        /^GetDistribution on distribution E0NOSUCHDIST00 failed: NoSuchDistribution \(HTTP 404\).*\. Nothing was changed\.$/,
      ),
    ]);
    expect(proxy.requests.filter((r) => r.method === 'PUT' || r.method === 'DELETE')).toEqual([]);
    expect(run.outputs.uploaded).toBe('0');
  });

  it('refuses a source-dir that resolves outside the workspace through a symbolic link, before any request', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'wcd-s3-ws-'));
    const outside = writeBuild({ 'index.html': 'secret-looking content' });
    symlinkSync(outside, join(workspace, 'dist'));
    proxy.reset();
    const run = await runActionBundle('s3-deploy', {
      inputs: { region: 'us-east-1', 'source-dir': 'dist', bucket: 'school-health-web-outside' },
      env: { ...moto.env, AWS_ENDPOINT_URL: proxy.url },
      workspace,
    });
    expect(run.exitCode).toBe(1);
    expect(errorLines(run)).toEqual([
      "Input 'source-dir' must be a folder inside the workspace (GITHUB_WORKSPACE), such as dist; 'dist' resolves outside it.",
    ]);
    expect(run.stdout).not.toContain('secret-looking content');
    expect(proxy.requests).toEqual([]);
  });
});

describe('CloudFront invalidation', () => {
  const cf = () =>
    new CloudFrontClient({
      region: 'us-east-1',
      endpoint: moto.url,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
  async function distribution(bucket: string): Promise<string> {
    const out = await cf().send(
      new CreateDistributionCommand({
        DistributionConfig: {
          CallerReference: bucket,
          Comment: 'school health frontend',
          Enabled: true,
          Origins: {
            Quantity: 1,
            Items: [
              {
                Id: 's3',
                DomainName: `${bucket}.s3.amazonaws.com`,
                S3OriginConfig: { OriginAccessIdentity: '' },
              },
            ],
          },
          DefaultCacheBehavior: {
            TargetOriginId: 's3',
            ViewerProtocolPolicy: 'redirect-to-https',
            CachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6',
          },
        },
      }),
    );
    return out.Distribution?.Id ?? '';
  }
  async function invalidations(id: string) {
    const list = await cf().send(new ListInvalidationsCommand({ DistributionId: id }));
    return Promise.all(
      (list.InvalidationList?.Items ?? []).map(
        async (i) =>
          (await cf().send(new GetInvalidationCommand({ DistributionId: id, Id: i.Id }))).Invalidation,
      ),
    );
  }

  it('creates one invalidation of what changed and waits until it is completed', async () => {
    const bucket = nextBucket();
    await createBucket(s3(), bucket);
    const id = await distribution(bucket);
    const dir = writeBuild(V1);
    expect((await deploy({ 'source-dir': dir, bucket, 'distribution-id': id })).exitCode).toBe(0);
    writeBuild(V2, dir);
    proxy.reset();
    // CreateInvalidation and the first poll answer InProgress; the second poll sees it completed.
    rewriter.createInProgress = true;
    rewriter.pollsInProgress = 1;
    const lines: string[] = [];
    const run = await deploy({ 'source-dir': dir, bucket, 'distribution-id': id });
    lines.push(...run.stdout.split('\n'));
    expect(run.exitCode).toBe(0);
    const all = await invalidations(id);
    expect(all).toHaveLength(2);
    const ours = all.find((i) => i?.Id === run.outputs['invalidation-id']);
    expect(ours?.InvalidationBatch?.Paths?.Items?.sort()).toEqual([
      '/',
      '/assets/index-Bx8f2kQ1.js',
      '/assets/index-Zq4w7Ty2.js',
      '/index.html',
    ]);
    expect(proxy.count('POST /2020-05-31/distribution/' + id + '/invalidation')).toBe(1);
    expect(
      lines
        .filter((l) => /^Invalidation \w+ on \w+ is InProgress after/.test(l))
        .map((l) => /next check in ([\d.]+ s)/.exec(l)?.[1]),
    ).toEqual(['2 s', '3 s']);
    expect(
      proxy.count(
        new RegExp(`^GET /2020-05-31/distribution/${id}/invalidation/${run.outputs['invalidation-id']}$`),
      ),
    ).toBe(2);
    expect(lines.some((l) => /^Invalidation \w+ on \w+ completed after/.test(l))).toBe(true);
    expect(run.summary).toMatch(/\| CloudFront invalidation|### CloudFront invalidation/);
  });

  it('fails after invalidation-timeout, and a re-run of the same workflow run waits for the same invalidation', async () => {
    const bucket = nextBucket();
    await createBucket(s3(), bucket);
    const id = await distribution(bucket);
    const dir = writeBuild(V1);
    rewriter.createInProgress = true;
    rewriter.pollsInProgress = Number.POSITIVE_INFINITY;
    const run = await deploy({
      'source-dir': dir,
      bucket,
      'distribution-id': id,
      'invalidation-timeout': '3s',
    });
    expect(run.exitCode).toBe(1);
    const invalidationId = run.outputs['invalidation-id'] ?? '';
    expect(invalidationId).not.toBe('');
    // The time waited is measured (3 s, or 3.1 s on a loaded machine): the line is asserted on
    // its meaning — timed out, on which invalidation, and what state that left.
    const errors = errorLines(run);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      new RegExp(
        `^Invalidation ${invalidationId} on ${id} was still InProgress after [\\d.]+ s \\(invalidation-timeout\\); the new site is live in S3 and CloudFront will finish invalidating on its own; a re-run waits for the same invalidation\\.$`,
      ),
    );
    expect(await getText(s3(), bucket, 'index.html')).toBe(V1['index.html']);

    rewriter.createInProgress = false;
    rewriter.pollsInProgress = 0;
    proxy.reset();
    proxy.addFault({
      match: (r) => r.operation === 'POST /2020-05-31/distribution/' + id + '/invalidation',
      times: 1,
      fault: {
        kind: 'respond',
        status: 503,
        name: 'ServiceUnavailable',
        contentType: 'text/xml',
        body: '<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code><Message>busy</Message></Error></ErrorResponse>',
      },
    });
    const rerun = await deploy({ 'source-dir': dir, bucket, 'distribution-id': id });
    expect(rerun.exitCode).toBe(0);
    expect(rerun.outputs).toMatchObject({ uploaded: '0', 'invalidation-id': invalidationId });
    expect(proxy.count('POST /2020-05-31/distribution/' + id + '/invalidation')).toBe(0);
    expect(await invalidations(id)).toHaveLength(1);
    expect(rerun.summary).toContain(`${invalidationId} (reused)`);
  });

  // A cancelled workflow run sends SIGINT, then SIGTERM ("Workflow cancellation reference",
  // https://docs.github.com/en/actions/reference/workflow-cancellation-reference). Cancelled
  // while CloudFront invalidates, the new site is already whole in S3 (HTML went last): the
  // action stops waiting at once and says so; the invalidation goes on, and a re-run waits for it.
  // Cancelled while the assets go up, the live site is the old one, whole: no HTML is sent after
  // the signal, and a re-run finishes the deploy.
  it('SIGTERM while uploading assets: no further upload starts, the old index.html stays, a re-run finishes', async () => {
    const bucket = nextBucket();
    await createBucket(s3(), bucket);
    expect((await deploy({ 'source-dir': writeBuild(V1), bucket })).exitCode).toBe(0);
    const dir = writeBuild(V2);
    proxy.reset();
    // The new chunk's PUT takes a second: the signal comes while it is in flight.
    proxy.addFault({
      match: (r) => sitePut(r, bucket) && keyOf(r, bucket).startsWith('assets/'),
      times: 1,
      fault: { kind: 'delay', ms: 1000 },
    });
    const run = await runActionBundleAndSignal('s3-deploy', {
      ...deployOptions({ 'source-dir': dir, bucket, concurrency: '1' }),
      when: (line) => line.startsWith('Uploading ') && line.includes('assets'),
    });
    expect(run.exitCode).toBe(1);
    expect(errorLines(run)).toEqual([
      'Cancelled (SIGTERM) while uploading assets: No HTML was uploaded and nothing was deleted, so the live site is unchanged (the new assets uploaded so far are not referenced yet); re-run to finish.',
    ]);
    expect(run.audit[0]).toMatchObject({
      outcome: 'cancelled',
      facts: { cancelled: { during: 'uploading assets' } },
    });
    expect(proxy.requests.filter((r) => sitePut(r, bucket) && keyOf(r, bucket).endsWith('.html'))).toEqual(
      [],
    );
    expect(await getText(s3(), bucket, 'index.html')).toBe(V1['index.html']);

    const rerun = await deploy({ 'source-dir': dir, bucket });
    expect([rerun.exitCode, errorLines(rerun)]).toEqual([0, []]);
    expect(await getText(s3(), bucket, 'index.html')).toBe(V2['index.html']);
  });

  it('SIGTERM while waiting for the invalidation: stops at once, the new site whole, the invalidation kept for a re-run', async () => {
    const bucket = nextBucket();
    await createBucket(s3(), bucket);
    const id = await distribution(bucket);
    const dir = writeBuild(V1);
    rewriter.createInProgress = true;
    rewriter.pollsInProgress = Number.POSITIVE_INFINITY;
    const run = await runActionBundleAndSignal('s3-deploy', {
      ...deployOptions({ 'source-dir': dir, bucket, 'distribution-id': id }),
      when: (line) => /^Invalidation \w+ on \w+ is InProgress after/.test(line),
    });
    const message =
      'Cancelled (SIGTERM) while invalidating CloudFront: The new site is live in S3; CloudFront finishes ' +
      'invalidating on its own, and a re-run waits for the same invalidation.';
    expect(run.exitCode).toBe(1);
    expect(errorLines(run)).toEqual([message]);
    // It stopped waiting at once: the next look was 2 s away, the grace period 5 s.
    expect(run.exitedAfterMs).toBeLessThan(2_000);
    expect(run.audit[0]).toMatchObject({
      outcome: 'cancelled',
      cancellation: { signal: 'SIGTERM', stoppedInTime: true },
      facts: { cancelled: { during: 'invalidating CloudFront' } },
    });
    expect(run.summary).toContain('Stopped while invalidating CloudFront');
    expect(run.summary).toContain(message);
    const invalidationId = run.outputs['invalidation-id'] ?? '';
    expect(invalidationId).not.toBe('');
    expect(await getText(s3(), bucket, 'index.html')).toBe(V1['index.html']);

    rewriter.createInProgress = false;
    rewriter.pollsInProgress = 0;
    proxy.reset();
    const rerun = await deploy({ 'source-dir': dir, bucket, 'distribution-id': id });
    expect([rerun.exitCode, errorLines(rerun)]).toEqual([0, []]);
    expect(rerun.outputs).toMatchObject({ uploaded: '0', 'invalidation-id': invalidationId });
    expect(proxy.count('POST /2020-05-31/distribution/' + id + '/invalidation')).toBe(0);
    expect(rerun.summary).toContain(`${invalidationId} (reused)`);
  });
});

describe('bad inputs fail before any request', () => {
  it.each([
    [
      { 'source-dir': 'no/such/dir' },
      "Input 'source-dir' must be an existing folder (the build output); 'no/such/dir' does not exist.",
    ],
    [
      { 'cache-control': 'assets/[abc: no-cache' },
      'Input \'cache-control\' rule 1 has an invalid glob \'assets/[abc\': Missing closing: "]" - use "\\\\]" to match literal characters.',
    ],
    [
      { 'cache-control': '**/*.html no-cache' },
      "Input 'cache-control' rule 1 must be a 'glob: value' rule such as '**/*.html: no-cache'; got '**/*.html no-cache'.",
    ],
    [{ sse: 'aes256' }, "Input 'sse' must be one of bucket-default, AES256, aws:kms; got 'aes256'."],
    [
      { bucket: 'School_Health' },
      "Input 'bucket' must be an S3 bucket name (3-63 lowercase letters, digits, '.' or '-'); got 'School_Health'.",
    ],
    [{ 'max-delete-ratio': '2' }, "Input 'max-delete-ratio' must be a number from 0 to 1; got 2."],
  ])('%j', async (bad, message) => {
    const dir = writeBuild(V1);
    const run = await deploy({ 'source-dir': dir, bucket: 'school-health-web', ...bad });
    expect(run.exitCode).toBe(1);
    expect(errorLines(run)).toEqual([message]);
    expect(proxy.requests).toEqual([]);
    expect((run.audit[0] as { outcome: string }).outcome).toBe('invalid-input');
  });
});
