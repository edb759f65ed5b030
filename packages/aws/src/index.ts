/**
 * One factory for AWS SDK v3 clients, so that every action reaches AWS the same way: the
 * region from the input or the standard variables, the SDK's own standard endpoint settings
 * (`AWS_ENDPOINT_URL` and the per-service `AWS_ENDPOINT_URL_<SERVICE>`, which the SDK reads
 * itself — no code path exists that production does not take), one attempt per SDK call (the
 * retry is {@link awsCall}'s, logged, with an injectable sleep), a user agent
 * naming the action, and connection/request timeouts.
 */
import { ConfigurationError, type Env } from '@white-cross/core';

export interface AwsClientSettings {
  /** The `region` input; falls back to AWS_REGION, then AWS_DEFAULT_REGION. */
  region?: string;
  /** The action, for the user agent (e.g. `s3-deploy`). */
  action: string;
  version: string;
  /** Attempts per call, including the first. Default 1: {@link awsCall} is the one retry layer. */
  maxAttempts?: number;
  retryMode?: 'standard' | 'adaptive';
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  env?: Env;
}

/** The configuration every client is built with (exposed for tests and for clients built elsewhere). */
export interface AwsClientConfig {
  region: string;
  maxAttempts: number;
  retryMode: 'standard' | 'adaptive';
  customUserAgent: [string, string][];
  requestHandler: { connectionTimeout: number; requestTimeout: number };
}

const REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;

/**
 * Resolves the region, or fails with the fix.
 *
 * @example
 * resolveRegion(undefined, { AWS_REGION: 'us-east-1' }); // 'us-east-1'
 */
export function resolveRegion(input: string | undefined, env: Env = process.env): string {
  const region = input || env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new ConfigurationError(
      "No AWS region: set the input 'region' or AWS_REGION (aws-actions/configure-aws-credentials sets it).",
      'region',
    );
  }
  if (!REGION_PATTERN.test(region)) {
    throw new ConfigurationError(
      `Input 'region' must be an AWS region such as us-east-1; got '${region}'.`,
      'region',
    );
  }
  return region;
}

/**
 * The configuration for a client of any service.
 *
 * @example
 * new S3Client(awsClientConfig({ region: 'us-east-1', action: 's3-deploy', version: '1.0.0' }));
 */
export function awsClientConfig(settings: AwsClientSettings): AwsClientConfig {
  return {
    region: resolveRegion(settings.region, settings.env ?? process.env),
    maxAttempts: settings.maxAttempts ?? 1,
    retryMode: settings.retryMode ?? 'standard',
    customUserAgent: [
      ['white-cross-deploy', settings.version],
      [`action/${settings.action}`, settings.version],
    ],
    requestHandler: {
      connectionTimeout: settings.connectionTimeoutMs ?? 5_000,
      requestTimeout: settings.requestTimeoutMs ?? 60_000,
    },
  };
}

/**
 * Builds a client of any SDK v3 service with the shared configuration and any
 * service-specific extras.
 *
 * @example
 * const ecs = createAwsClient(ECSClient, { region, action: 'ecs-bluegreen', version });
 */
export function createAwsClient<C, X extends object = object>(
  Client: new (config: AwsClientConfig & X) => C,
  settings: AwsClientSettings,
  extra?: X,
): C {
  return new Client({ ...awsClientConfig(settings), ...(extra ?? ({} as X)) });
}

export * from './call.js';
