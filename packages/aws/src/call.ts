/**
 * The one layer every AWS call of the suite goes through: the only retry (the SDK's own is off,
 * `maxAttempts: 1` in the client factory), each wait shown in the log, the sleep injectable so
 * retry tests take no time, and one wording for a call that failed for good:
 * `<Operation> on <resource> failed: <AWS error> (HTTP n). <what state that left>`.
 */
import { ActionCancelled, ActionFailure, isTransientError, retry, type Sleep } from '@white-cross/core';

/** What a call is, for the log and the failure message. */
export interface AwsCallTarget {
  /** The API operation, as AWS names it (e.g. `ModifyListener`). */
  operation: string;
  /** The resource it acts on (an ARN, `s3://bucket/key`, `cluster prod`). */
  resource: string;
  /** The state a failure of this call leaves, said to the user (e.g. `Traffic is unchanged.`). */
  leftAs: string;
}

export interface AwsCallOptions {
  /** Where each retry's wait is logged. */
  log?: { info(message: string): void };
  sleep?: Sleep;
  random?: () => number;
  /** Attempts in all, including the first. Default 5. */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Whether an error is worth another attempt. Default: throttling, 5xx, connection errors. */
  retryable?: (error: unknown) => boolean;
  /** Called before each attempt (call counters for the audit record and benchmarks). */
  onAttempt?: (operation: string) => void;
}

/** An AWS call that failed after its retries: an {@link ActionFailure} that keeps the AWS error. */
export class AwsCallFailure extends ActionFailure {
  readonly operation: string;
  readonly resource: string;
  /** The AWS error code (`AccessDenied`, `NoSuchKey`, …). */
  readonly awsName: string;
  readonly httpStatus: number | undefined;
  constructor(target: AwsCallTarget, cause: unknown) {
    super(
      // Cancelled while waiting to retry: not an AWS failure, and said so (with the state left).
      cause instanceof ActionCancelled
        ? `${target.operation} on ${target.resource}: ${cause.message} ${target.leftAs}`.trim()
        : `${target.operation} on ${target.resource} failed: ${awsErrorText(cause)}. ${target.leftAs}`.trim(),
      {
        cause,
      },
    );
    this.operation = target.operation;
    this.resource = target.resource;
    this.awsName = awsErrorName(cause);
    this.httpStatus = awsHttpStatus(cause);
  }
}

/**
 * Sends one AWS call with the suite's retry and failure wording.
 *
 * @example
 * const out = await awsCall(
 *   { operation: 'DescribeListeners', resource: listenerArn, leftAs: 'Traffic is unchanged.' },
 *   () => elb.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] })),
 *   { log, sleep },
 * );
 */
export async function awsCall<T>(
  target: AwsCallTarget,
  send: () => Promise<T>,
  options: AwsCallOptions = {},
): Promise<T> {
  try {
    return await retry(
      async () => {
        options.onAttempt?.(target.operation);
        return send();
      },
      {
        attempts: options.attempts ?? 5,
        baseDelayMs: options.baseDelayMs ?? 200,
        maxDelayMs: options.maxDelayMs ?? 5_000,
        retryable: options.retryable ?? isTransientError,
        ...(options.sleep ? { sleep: options.sleep } : {}),
        ...(options.random ? { random: options.random } : {}),
        onRetry: (error, attempt, delay) =>
          options.log?.info(
            `${target.operation} on ${target.resource}: ${awsErrorText(error)}; retry ${attempt} in ${delay} ms`,
          ),
      },
    );
  } catch (error) {
    throw new AwsCallFailure(target, error);
  }
}

/**
 * An {@link awsCall} with the options bound once (an adapter class keeps one).
 *
 * @example
 * const call = awsCaller({ log: ctx.log, sleep: ctx.sleep });
 * await call({ operation: 'HeadBucket', resource: `s3://${bucket}`, leftAs: 'Nothing was uploaded.' }, () => s3.send(cmd));
 */
export function awsCaller(options: AwsCallOptions) {
  return <T>(target: AwsCallTarget, send: () => Promise<T>, overrides: Partial<AwsCallOptions> = {}) =>
    awsCall(target, send, { ...options, ...overrides });
}

/** The SDK error underneath an {@link AwsCallFailure}, or the error itself. */
function underlying(error: unknown): unknown {
  return error instanceof AwsCallFailure ? error.cause : error;
}

/**
 * The AWS error code of an SDK error (or of the one inside an {@link AwsCallFailure}).
 *
 * @example
 * awsErrorName({ name: 'NoSuchKey' }); // 'NoSuchKey'
 */
export function awsErrorName(error: unknown): string {
  const e = underlying(error) as { name?: string; Code?: string } | undefined;
  return e?.name ?? e?.Code ?? 'Error';
}

/**
 * The HTTP status of an SDK error, when AWS answered.
 *
 * @example
 * awsHttpStatus({ $metadata: { httpStatusCode: 403 } }); // 403
 */
export function awsHttpStatus(error: unknown): number | undefined {
  return (underlying(error) as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
    ?.httpStatusCode;
}

/**
 * True when the error (or the AWS error inside an {@link AwsCallFailure}) has one of the names.
 *
 * @example
 * if (isAwsError(error, 'NoSuchKey', 'NotFound')) return undefined;
 */
export function isAwsError(error: unknown, ...names: string[]): boolean {
  return names.includes(awsErrorName(error));
}

/**
 * The error name and HTTP status of an SDK error, for messages.
 *
 * @example
 * awsErrorText({ name: 'AccessDenied', message: 'no', $metadata: { httpStatusCode: 403 } }); // 'AccessDenied (HTTP 403): no'
 */
export function awsErrorText(error: unknown): string {
  const e = underlying(error) as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode;
  return `${e?.name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}: ${e?.message ?? String(e)}`;
}
