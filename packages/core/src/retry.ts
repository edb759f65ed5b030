/**
 * Retry with full-jitter exponential backoff (the AWS Architecture Blog's "Exponential
 * Backoff and Jitter"): attempt n waits a random time in [0, min(cap, base·2ⁿ)). Sleep and
 * randomness are injectable, so tests of retrying code take no time.
 */

/** Waits the given milliseconds. Tests pass one that returns at once. */
/**
 * Waits `ms`. Given `signal`, a sleep may end early when it is aborted (the real one does, and
 * clears its timer, so a cancelled run's process is not kept alive by a wait it gave up).
 */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** The clock actions read the time from. */
export interface Clock {
  now(): number;
}

export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
export const systemClock: Clock = { now: () => Date.now() };

export interface RetryOptions {
  /** Attempts in all, including the first. Default 5. */
  attempts?: number;
  /** The base delay. Default 200 ms. */
  baseDelayMs?: number;
  /** The cap on one delay. Default 20 s. */
  maxDelayMs?: number;
  /** Whether an error is worth another attempt. Default {@link isTransientError}. */
  retryable?: (error: unknown) => boolean;
  sleep?: Sleep;
  random?: () => number;
  /** Called before each wait, e.g. to log a progress line. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/**
 * The full-jitter delay before retry number `attempt` (1-based).
 *
 * @example
 * backoffDelay(3, 200, 20_000, () => 0.5); // 400 (half of 200·2²)
 */
export function backoffDelay(
  attempt: number,
  baseDelayMs: number,
  maxDelayMs: number,
  random: () => number,
): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

/**
 * Runs `operation` until it succeeds, a non-retryable error is thrown, or attempts run out.
 *
 * @example
 * const page = await retry(() => s3.send(new ListObjectsV2Command(params)), { onRetry: (e, n, d) => log.info(`retry ${n} in ${d} ms`) });
 */
export async function retry<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? 5;
  const base = options.baseDelayMs ?? 200;
  const cap = options.maxDelayMs ?? 20_000;
  const retryable = options.retryable ?? isTransientError;
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= attempts || !retryable(error)) throw error;
      const delay = backoffDelay(attempt, base, cap, random);
      options.onRetry?.(error, attempt, delay);
      await sleep(delay);
    }
  }
}

const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'TransactionInProgressException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'RequestThrottled',
  'SlowDown',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
]);

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
]);

/**
 * True for throttling, 5xx and connection failures: what is worth trying again.
 *
 * @example
 * isTransientError({ name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }); // true
 */
export function isTransientError(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const e = error as {
    name?: string;
    code?: string;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: number };
    cause?: unknown;
  };
  if (e.$retryable) return true;
  if (e.name && THROTTLING_CODES.has(e.name)) return true;
  if (e.code && (THROTTLING_CODES.has(e.code) || NETWORK_CODES.has(e.code))) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  if (e.cause && e.cause !== error) return isTransientError(e.cause);
  return false;
}
