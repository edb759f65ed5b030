import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { CreateBucketCommand, GetObjectCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { ConfigurationError } from '@white-cross/core';
import { awsClientConfig, awsErrorText, createAwsClient, resolveRegion } from '@white-cross/aws';
import { startAwsProxy, startMoto, type AwsProxy, type MotoServer } from '@white-cross/testkit';

describe('resolveRegion', () => {
  it('prefers the input, then AWS_REGION, then AWS_DEFAULT_REGION', () => {
    expect(resolveRegion('eu-west-1', { AWS_REGION: 'us-east-1' })).toBe('eu-west-1');
    expect(resolveRegion(undefined, { AWS_REGION: 'us-east-2', AWS_DEFAULT_REGION: 'us-west-2' })).toBe(
      'us-east-2',
    );
    expect(resolveRegion(undefined, { AWS_DEFAULT_REGION: 'us-gov-west-1' })).toBe('us-gov-west-1');
  });
  it('names the input when there is no region or a malformed one', () => {
    expect(() => resolveRegion(undefined, {})).toThrow(ConfigurationError);
    expect(() => resolveRegion(undefined, {})).toThrow(/input 'region' or AWS_REGION/);
    expect(() => resolveRegion('US East', {})).toThrow(
      "Input 'region' must be an AWS region such as us-east-1; got 'US East'.",
    );
  });
});

describe('awsClientConfig', () => {
  it('makes one attempt per SDK call (awsCall is the retry), with our user agent and timeouts', () => {
    expect(awsClientConfig({ region: 'us-east-1', action: 's3-deploy', version: '1.0.0', env: {} })).toEqual({
      region: 'us-east-1',
      maxAttempts: 1,
      retryMode: 'standard',
      customUserAgent: [
        ['white-cross-deploy', '1.0.0'],
        ['action/s3-deploy', '1.0.0'],
      ],
      requestHandler: { connectionTimeout: 5000, requestTimeout: 60000 },
    });
  });
});

describe('createAwsClient against moto', () => {
  let moto: MotoServer;
  let proxy: AwsProxy;
  const saved = { ...process.env };
  beforeAll(async () => {
    moto = await startMoto();
    proxy = await startAwsProxy(moto.url);
  });
  afterAll(async () => {
    await proxy.stop();
    await moto.stop();
  });
  afterEach(() => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  });

  it('reaches the endpoint named by the standard AWS_ENDPOINT_URL setting, with our user agent', async () => {
    Object.assign(process.env, moto.env, { AWS_ENDPOINT_URL: proxy.url });
    const s3 = createAwsClient(S3Client, { action: 'test', version: '9.9.9' });
    await s3.send(new CreateBucketCommand({ Bucket: 'factory-test' }));
    const listed = await s3.send(new ListBucketsCommand({}));
    expect(listed.Buckets?.map((b) => b.Name)).toContain('factory-test');
    const seen = proxy.requests.at(-1);
    expect(
      String(seen?.headers['user-agent'] ?? '') + String(seen?.headers['x-amz-user-agent'] ?? ''),
    ).toContain('white-cross-deploy/9.9.9');
  });

  it('honours the per-service variable AWS_ENDPOINT_URL_S3 over the global one', async () => {
    Object.assign(process.env, moto.env, {
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_ENDPOINT_URL_S3: proxy.url,
    });
    const before = proxy.requests.length;
    const s3 = createAwsClient(S3Client, { action: 'test', version: '1' }, { forcePathStyle: true });
    await s3.send(new ListBucketsCommand({}));
    expect(proxy.requests.length).toBe(before + 1);
  });

  it('describes SDK errors with their name and status', async () => {
    Object.assign(process.env, moto.env, { AWS_ENDPOINT_URL: moto.url });
    const s3 = createAwsClient(S3Client, { action: 'test', version: '1' });
    const error = await s3
      .send(new GetObjectCommand({ Bucket: 'no-such-bucket-here', Key: 'k' }))
      .catch((e: unknown) => e);
    expect(awsErrorText(error)).toMatch(/^NoSuchBucket \(HTTP 404\): /);
  });
});
