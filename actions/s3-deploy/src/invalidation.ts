/**
 * The CloudFront invalidation: created once per deploy (a re-run finds and reuses it by its
 * CallerReference), then waited for with backoff until Completed or the timeout, with a
 * progress line on each poll.
 */
import {
  CreateInvalidationCommand,
  GetDistributionCommand,
  GetInvalidationCommand,
  ListInvalidationsCommand,
  type CloudFrontClient,
} from '@aws-sdk/client-cloudfront';
import { AwsCallFailure } from '@white-cross/aws';
import type { S3Call as AwsCall } from './remote.js';
import { formatDuration, isTransientError, type Clock, type Logger, type Sleep } from '@white-cross/core';

export interface InvalidationRef {
  id: string;
  status: string;
  /** True when an earlier run had already created it. */
  reused: boolean;
}

// How many of the most recent invalidations are checked for our CallerReference.
const RECENT_INVALIDATIONS = 20;

/**
 * Finds an invalidation of the distribution with this CallerReference among the recent ones.
 * CloudFront itself answers a repeated CallerReference with the existing invalidation, but
 * not every implementation of its API does (moto creates a second one), and looking first
 * also tells the summary that the invalidation was reused.
 */
export async function findInvalidation(
  cf: CloudFrontClient,
  call: AwsCall,
  distributionId: string,
  callerReference: string,
): Promise<InvalidationRef | undefined> {
  const list = await call('ListInvalidations', `distribution ${distributionId}`, () =>
    cf.send(new ListInvalidationsCommand({ DistributionId: distributionId, MaxItems: 100 })),
  );
  const recent = [...(list.InvalidationList?.Items ?? [])]
    .sort((a, b) => (b.CreateTime?.getTime() ?? 0) - (a.CreateTime?.getTime() ?? 0))
    .slice(0, RECENT_INVALIDATIONS);
  for (const summary of recent) {
    if (!summary.Id) continue;
    const id = summary.Id;
    const out = await call('GetInvalidation', `invalidation ${id} on ${distributionId}`, () =>
      cf.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: id })),
    );
    if (out.Invalidation?.InvalidationBatch?.CallerReference === callerReference) {
      return { id: summary.Id, status: out.Invalidation.Status ?? 'Unknown', reused: true };
    }
  }
  return undefined;
}

/** Creates the invalidation, or returns the one an earlier run of this deploy created. */
export async function ensureInvalidation(
  cf: CloudFrontClient,
  call: AwsCall,
  distributionId: string,
  callerReference: string,
  paths: readonly string[],
): Promise<InvalidationRef> {
  const existing = await findInvalidation(cf, call, distributionId, callerReference);
  if (existing) return existing;
  const out = await call('CreateInvalidation', `distribution ${distributionId}`, () =>
    cf.send(
      new CreateInvalidationCommand({
        DistributionId: distributionId,
        InvalidationBatch: {
          CallerReference: callerReference,
          Paths: { Quantity: paths.length, Items: [...paths] },
        },
      }),
    ),
  );
  return { id: out.Invalidation?.Id ?? '', status: out.Invalidation?.Status ?? 'InProgress', reused: false };
}

export interface WaitOptions {
  /** The status CreateInvalidation (or the lookup) answered. */
  initialStatus: string;
  /** Reads the invalidation's status (`InProgress`, `Completed`). */
  getStatus: () => Promise<string>;
  timeoutMs: number;
  clock: Clock;
  sleep: Sleep;
  log: Logger;
  /** For the progress lines, e.g. `I2J0I21PCUYOIK on E2QWRUHAPOMQZL`. */
  label: string;
  /** The first wait; doubled (×1.5) each poll up to `maxDelayMs`. Defaults 2 s and 30 s. */
  initialDelayMs?: number;
  maxDelayMs?: number;
}

export interface WaitResult {
  status: string;
  completed: boolean;
  waitedMs: number;
  polls: number;
}

/**
 * The delay before poll `n` (1-based): `initial·1.5ⁿ⁻¹`, capped.
 *
 * @example
 * pollDelay(3, 2000, 30_000); // 4500
 */
export function pollDelay(poll: number, initialDelayMs: number, maxDelayMs: number): number {
  return Math.min(maxDelayMs, Math.round(initialDelayMs * 1.5 ** (poll - 1)));
}

/**
 * Waits until the invalidation is Completed or `timeoutMs` has passed: a progress line, a
 * wait with backoff, a poll, and again. A throttled or failed poll (503, throttling, a dropped connection)
 * is logged and the next poll tries again; any other error is thrown.
 */
export async function waitForInvalidation(options: WaitOptions): Promise<WaitResult> {
  const initial = options.initialDelayMs ?? 2000;
  const cap = options.maxDelayMs ?? 30_000;
  const started = options.clock.now();
  let status = options.initialStatus;
  for (let poll = 0; ; poll++) {
    const waited = options.clock.now() - started;
    if (status.toLowerCase() === 'completed') {
      options.log.info(`Invalidation ${options.label} completed after ${formatDuration(waited)}.`);
      return { status, completed: true, waitedMs: waited, polls: poll };
    }
    const remaining = options.timeoutMs - waited;
    if (remaining <= 0) return { status, completed: false, waitedMs: waited, polls: poll };
    const delay = Math.min(pollDelay(poll + 1, initial, cap), remaining);
    options.log.info(
      `Invalidation ${options.label} is ${status} after ${formatDuration(waited)}; next check in ${formatDuration(delay)} (gives up after ${formatDuration(options.timeoutMs)}).`,
    );
    await options.sleep(delay);
    try {
      status = await options.getStatus();
    } catch (error) {
      const cause = error instanceof AwsCallFailure ? error.cause : error;
      if (!isTransientError(cause)) throw error;
      options.log.info(
        `Invalidation ${options.label}: status check failed (${(error as Error).name}); trying again.`,
      );
    }
  }
}

/** Reads an invalidation's status (one attempt: the wait's next poll is the retry). */
export function invalidationStatus(
  cf: CloudFrontClient,
  call: AwsCall,
  distributionId: string,
  id: string,
): () => Promise<string> {
  return async () => {
    const out = await call('GetInvalidation', `invalidation ${id} on ${distributionId}`, () =>
      cf.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: id })),
    );
    return out.Invalidation?.Status ?? 'Unknown';
  };
}

/**
 * Checks that the distribution exists before anything is written, so a wrong distribution-id
 * fails while the site is unchanged. Returns its domain name.
 */
export async function checkDistribution(
  cf: CloudFrontClient,
  call: AwsCall,
  distributionId: string,
): Promise<string> {
  const out = await call('GetDistribution', `distribution ${distributionId}`, () =>
    cf.send(new GetDistributionCommand({ Id: distributionId })),
  );
  return out.Distribution?.DomainName ?? '';
}
