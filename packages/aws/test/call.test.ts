import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { GetObjectCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { ActionCancelled, ActionFailure } from '@white-cross/core';
import {
  AwsCallFailure,
  awsCall,
  awsCaller,
  awsErrorName,
  awsErrorText,
  awsHttpStatus,
  createAwsClient,
  isAwsError,
} from '@white-cross/aws';
import { startAwsProxy, startMoto, throttling, type AwsProxy, type MotoServer } from '@white-cross/testkit';

const target = { operation: 'ListBuckets', resource: 'the account', leftAs: 'Nothing was changed.' };

describe('awsCall against moto through the fault proxy', () => {
  let moto: MotoServer;
  let proxy: AwsProxy;
  const saved = { ...process.env };
  let s3: S3Client;
  beforeAll(async () => {
    moto = await startMoto();
    proxy = await startAwsProxy(moto.url);
    Object.assign(process.env, moto.env, { AWS_ENDPOINT_URL: proxy.url });
    s3 = createAwsClient(S3Client, { action: 'test', version: '1' }, { forcePathStyle: true });
  });
  afterAll(async () => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
    await proxy.stop();
    await moto.stop();
  });
  afterEach(() => {
    proxy.clearFaults();
    proxy.reset();
  });

  it('retries throttling with logged waits and no real sleep; the SDK itself sends once per attempt', async () => {
    proxy.addFault({ match: (r) => r.operation === 'GET /', times: 2, fault: throttling('s3') });
    const lines: string[] = [];
    const waits: number[] = [];
    const out = await awsCall(target, () => s3.send(new ListBucketsCommand({})), {
      log: { info: (m) => lines.push(m) },
      sleep: async (ms) => void waits.push(ms),
      random: () => 0.5,
    });
    expect(out.Buckets).toBeDefined();
    // Three requests reached the proxy: two throttled, one answered. With the SDK's own retry
    // also on, there would be more than three.
    expect(proxy.count('GET /')).toBe(3);
    expect(waits).toEqual([100, 200]);
    expect(lines).toEqual([
      expect.stringMatching(/^ListBuckets on the account: SlowDown \(HTTP 503\): .*; retry 1 in 100 ms$/),
      expect.stringMatching(/; retry 2 in 200 ms$/),
    ]);
  });

  it('gives up after its attempts with one ActionFailure naming call, resource and the state left', async () => {
    proxy.addFault({ match: (r) => r.operation === 'GET /', fault: throttling('s3') });
    const counted: string[] = [];
    const error = await awsCall(target, () => s3.send(new ListBucketsCommand({})), {
      attempts: 3,
      sleep: async () => undefined,
      onAttempt: (op) => counted.push(op),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsCallFailure);
    expect(error).toBeInstanceOf(ActionFailure);
    expect((error as Error).message).toMatch(
      /^ListBuckets on the account failed: SlowDown \(HTTP 503\): .*\. Nothing was changed\.$/,
    );
    expect(counted).toEqual(['ListBuckets', 'ListBuckets', 'ListBuckets']);
    expect(awsHttpStatus(error)).toBe(503);
  });

  it('cancelled while waiting to retry: says so, not that AWS failed, with the state left', async () => {
    proxy.addFault({ match: (r) => r.operation === 'GET /', fault: throttling('s3') });
    const error = await awsCall(target, () => s3.send(new ListBucketsCommand({})), {
      // The run's sleep rejects as core's does once the run is cancelled.
      sleep: async () => {
        throw new ActionCancelled('while waiting', AbortSignal.abort('SIGTERM'));
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsCallFailure);
    expect((error as Error).message).toBe(
      'ListBuckets on the account: Cancelled while waiting (SIGTERM). Nothing was changed.',
    );
    expect((error as Error).cause).toBeInstanceOf(ActionCancelled);
    expect(proxy.count('GET /')).toBe(1);
  });

  it('does not retry what is not transient, and keeps the AWS error name for callers to branch on', async () => {
    const call = awsCaller({ sleep: async () => undefined });
    const before = proxy.requests.length;
    const error = await call(
      { operation: 'GetObject', resource: 's3://no-such-bucket-here/k', leftAs: '' },
      () => s3.send(new GetObjectCommand({ Bucket: 'no-such-bucket-here', Key: 'k' })),
    ).catch((e: unknown) => e);
    expect(proxy.requests.length - before).toBe(1);
    expect(isAwsError(error, 'NoSuchBucket')).toBe(true);
    expect(awsErrorName(error)).toBe('NoSuchBucket');
    expect(awsErrorText(error)).toMatch(/^NoSuchBucket \(HTTP 404\): /);
    expect((error as Error).message).toMatch(
      /^GetObject on s3:\/\/no-such-bucket-here\/k failed: NoSuchBucket/,
    );
  });
});
