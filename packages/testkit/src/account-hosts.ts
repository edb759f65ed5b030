/**
 * S3 Control puts the account id in front of the host: the SDK's endpoint rules turn a custom
 * endpoint `http://localhost:4566` into `http://111122223333.localhost:4566` (and reject an IP
 * endpoint outright), as they turn `s3-control.us-east-1.amazonaws.com` into
 * `111122223333.s3-control.us-east-1.amazonaws.com` (Amazon S3 API Reference,
 * GetPublicAccessBlock (S3 Control): "Host: <AccountId>.s3-control.amazonaws.com",
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_GetPublicAccessBlock.html).
 *
 * RFC 6761 §6.3 reserves every name under `localhost.` for the loopback address, but the C
 * library's lookup here answers only `localhost` itself. {@link accountHostEnv} gives an action
 * bundle a Node preload that resolves `*.localhost` to 127.0.0.1, and points the standard
 * per-service setting AWS_ENDPOINT_URL_S3_CONTROL at `localhost`: the action's code and the SDK
 * take their production path (the account-prefixed host), only name resolution is the test's.
 * moto routes `/v20180820/...` to S3 Control whatever the host, and reads the account from the
 * `x-amz-account-id` header the SDK sends beside it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { S3ControlClient } from '@aws-sdk/client-s3-control';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PRELOAD = `import dns from 'node:dns';
const lookup = dns.lookup;
dns.lookup = function (host, ...rest) {
  return lookup.call(this, typeof host === 'string' && host.endsWith('.localhost') ? '127.0.0.1' : host, ...rest);
};
`;

let preload: string | undefined;

/**
 * Environment for an action bundle whose S3 Control calls must reach `endpoint` (moto or the
 * AWS proxy, on 127.0.0.1).
 *
 * @example
 * runActionBundle('hipaa-verify', { env: { ...moto.env, ...accountHostEnv(moto.url) } });
 */
export function accountHostEnv(endpoint: string): Record<string, string> {
  if (!preload) {
    preload = join(mkdtempSync(join(tmpdir(), 'wcd-account-hosts-')), 'localhost-subdomains.mjs');
    writeFileSync(preload, PRELOAD);
  }
  const url = new URL(endpoint);
  url.hostname = 'localhost';
  return {
    AWS_ENDPOINT_URL_S3_CONTROL: url.toString().replace(/\/$/, ''),
    NODE_OPTIONS: `--import=${preload}`,
  };
}

/**
 * An S3 Control client for a test's own set-up that reaches moto on its 127.0.0.1 address
 * directly (a short cut for the set-up only; the action under test takes the SDK's own path
 * through {@link accountHostEnv}).
 *
 * @example
 * await directS3Control(moto.url).send(new PutPublicAccessBlockCommand({ AccountId, PublicAccessBlockConfiguration }));
 */
export function directS3Control(motoUrl: string): S3ControlClient {
  const client = new S3ControlClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  const url = new URL(motoUrl);
  client.middlewareStack.add(
    (next) => async (args) => {
      Object.assign(args.request as object, {
        hostname: url.hostname,
        port: Number(url.port),
        protocol: url.protocol,
      });
      return next(args);
    },
    { step: 'finalizeRequest', name: 'toMotoDirectly' },
  );
  return client;
}
