/**
 * The three ways an action can end badly, kept apart so that each is shown the right way:
 * a {@link ConfigurationError} is the user's mistake (one line with the fix, no stack), an
 * {@link ActionFailure} is an expected operational failure (a budget exceeded, a canary that
 * failed, AWS refusing a call: one line saying what was being done and what state it left),
 * and anything else is a bug in this code (shown with its stack).
 */

/**
 * The user gave the action something it cannot use. Thrown before anything is changed.
 *
 * @example
 * throw new ConfigurationError("Input 'sse' must be one of AES256, aws:kms; got 'aes'.");
 */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
  constructor(
    message: string,
    /** The input the mistake is in, when there is one. */
    readonly input?: string,
  ) {
    super(message);
  }
}

/**
 * An expected failure of the job itself (not of this code): the message says what was being
 * done, on which resource, and what state it left.
 *
 * @example
 * throw new ActionFailure('frontend/dist/assets/app.js is 312 kB gzip, 62 kB over its 250 kB budget.');
 */
export class ActionFailure extends Error {
  override readonly name = 'ActionFailure';
  constructor(
    message: string,
    readonly details: { file?: string; line?: number; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }
}

/**
 * The run was cancelled (the runner sent SIGINT or SIGTERM): thrown by work that stops early
 * because `ctx.signal` was aborted, such as a `ctx.sleep` or a command whose process group
 * was stopped.
 *
 * @example
 * if (ctx.signal.aborted) throw new ActionCancelled('before the build', ctx.signal);
 */
export class ActionCancelled extends Error {
  override readonly name = 'ActionCancelled';
  constructor(
    /** What was about to happen, or was happening, when the run was cancelled. */
    readonly during: string,
    signal?: AbortSignal,
  ) {
    super(`Cancelled ${during}${signalName(signal) ? ` (${signalName(signal)})` : ''}.`);
  }
}

function signalName(signal?: AbortSignal): string | undefined {
  const reason: unknown = signal?.reason;
  return typeof reason === 'string' ? reason : undefined;
}

/** True for errors that are the user's or the job's, not a bug in the action. */
export function isExpectedError(error: unknown): error is ConfigurationError | ActionFailure {
  return error instanceof ConfigurationError || error instanceof ActionFailure;
}

/**
 * A readable one-line description of any thrown value.
 *
 * @example
 * describeError(new Error('boom')); // 'boom'
 */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const name = error.name && error.name !== 'Error' ? `${error.name}: ` : '';
    const message = error.message || String(code ?? 'unknown error');
    return `${name}${message}`;
  }
  return String(error);
}
