/**
 * The health and smoke checks: requests through an injected {@link HttpClient}, judged with
 * {@link checkResponse}. Health checks are retried until they pass or the bounded time is up
 * (a task that just became healthy may still be warming its pool); smoke tests run once.
 */
import { formatDuration, type Clock, type Logger, type Sleep } from '@white-cross/core';
import { checkResponse, type AssertionResult } from './assertions.js';
import { networkErrorText, type HttpClient } from './http.js';
import type { HealthCheck } from './inputs.js';
import type { SmokeTest } from './smoke.js';

export interface CheckResult {
  readonly kind: 'health' | 'smoke';
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly ok: boolean;
  /** The last answer's status, or undefined after a network error. */
  readonly status?: number;
  readonly ms?: number;
  readonly attempts: number;
  readonly assertions: readonly AssertionResult[];
  /** One line on what failed (never the body). */
  readonly detail?: string;
}

export interface Target {
  readonly baseUrl: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly ca?: string;
}

/** Joins a path onto the base URL, keeping the base's own path prefix. */
export function urlFor(base: URL, path: string): URL {
  const prefix = base.pathname.replace(/\/$/, '');
  return new URL(`${prefix}${path}`, base.origin);
}

const REQUEST_TIMEOUT_MS = 10_000;
const HEALTH_INTERVAL_MS = 2_000;

function failedDetail(results: readonly AssertionResult[]): string {
  return results
    .filter((r) => !r.ok)
    .map((r) => `${r.assertion}: ${r.detail ?? 'failed'}`)
    .join('; ');
}

/**
 * Runs each health check, retrying every 2 s until it passes or `timeoutMs` has gone by since
 * the first attempt of all.
 */
export async function runHealthChecks(
  checks: readonly HealthCheck[],
  target: Target,
  timeoutMs: number,
  deps: { http: HttpClient; clock: Clock; sleep: Sleep; log: Logger },
): Promise<CheckResult[]> {
  const deadline = deps.clock.now() + timeoutMs;
  const results: CheckResult[] = [];
  for (const check of checks) {
    let attempts = 0;
    for (;;) {
      attempts++;
      let result: CheckResult;
      try {
        const response = await deps.http({
          method: 'GET',
          url: urlFor(target.baseUrl, check.path),
          headers: { accept: 'application/json', ...target.headers },
          ...(target.ca ? { ca: target.ca } : {}),
          timeoutMs: REQUEST_TIMEOUT_MS,
        });
        // Health endpoints carry no PHI: their status strings may be shown.
        const assertions = checkResponse(response, check.assertions, { revealStrings: true });
        const ok = assertions.every((a) => a.ok);
        result = {
          kind: 'health',
          name: check.path,
          method: 'GET',
          path: check.path,
          ok,
          status: response.status,
          ms: response.ms,
          attempts,
          assertions,
          ...(ok ? {} : { detail: failedDetail(assertions) }),
        };
      } catch (error) {
        result = {
          kind: 'health',
          name: check.path,
          method: 'GET',
          path: check.path,
          ok: false,
          attempts,
          assertions: [],
          detail: `no answer: ${networkErrorText(error)}`,
        };
      }
      const left = deadline - deps.clock.now();
      if (result.ok || left <= 0) {
        if (!result.ok) {
          result = {
            ...result,
            detail: `${result.detail ?? 'failed'} (still failing after ${attempts} attempt(s) in ${formatDuration(timeoutMs)})`,
          };
        }
        results.push(result);
        deps.log.info(
          `health ${check.path}: ${result.ok ? 'ok' : 'FAILED'} (${result.status ?? 'no answer'}, attempt ${attempts})${result.ok ? '' : ` — ${result.detail}`}`,
        );
        break;
      }
      deps.log.info(
        `health ${check.path}: not yet (${result.detail}); trying again in ${formatDuration(Math.min(HEALTH_INTERVAL_MS, left))}.`,
      );
      await deps.sleep(Math.min(HEALTH_INTERVAL_MS, left));
    }
  }
  return results;
}

/** Runs each smoke test once, in file order. */
export async function runSmokeTests(
  tests: readonly SmokeTest[],
  target: Target,
  authToken: string | undefined,
  deps: { http: HttpClient; log: Logger },
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const test of tests) {
    const headers: Record<string, string> = { ...target.headers, ...test.headers };
    if (test.auth && authToken) headers.authorization = `Bearer ${authToken}`;
    let result: CheckResult;
    try {
      const response = await deps.http({
        method: test.method,
        url: urlFor(target.baseUrl, test.path),
        headers,
        ...(test.body === undefined ? {} : { body: test.body }),
        ...(target.ca ? { ca: target.ca } : {}),
        timeoutMs: REQUEST_TIMEOUT_MS,
      });
      const assertions = checkResponse(response, test.assertions);
      const ok = assertions.every((a) => a.ok);
      result = {
        kind: 'smoke',
        name: test.name,
        method: test.method,
        path: test.path,
        ok,
        status: response.status,
        ms: response.ms,
        attempts: 1,
        assertions,
        ...(ok ? {} : { detail: failedDetail(assertions) }),
      };
    } catch (error) {
      result = {
        kind: 'smoke',
        name: test.name,
        method: test.method,
        path: test.path,
        ok: false,
        attempts: 1,
        assertions: [],
        detail: `no answer: ${networkErrorText(error)}`,
      };
    }
    deps.log.info(
      `smoke '${test.name}' (${test.method} ${test.path}): ${result.ok ? 'ok' : `FAILED — ${result.detail}`}`,
    );
    results.push(result);
  }
  return results;
}
