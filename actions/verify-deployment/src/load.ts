/**
 * One side's load run through autocannon: a fixed rate for a fixed time on one path, every
 * answer's latency kept so p50/p95/p99 are exact (autocannon's own summary has no p95).
 */
import autocannon from 'autocannon';
import { ActionCancelled } from '@white-cross/core';
import { percentile, type LoadPlan, type LoadSample } from './load-plan.js';

export interface LoadTarget {
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Runs the plan against the target; the sample's `url` is the target without its headers. An
 * abort of `signal` stops the load at once and rejects with {@link ActionCancelled}.
 */
export type LoadRunner = (target: LoadTarget, plan: LoadPlan, signal?: AbortSignal) => Promise<LoadSample>;

/** Connections for a rate: enough that a slow answer does not stall the rate, never more than asked. */
export function connectionsFor(rate: number): number {
  return Math.max(1, Math.min(rate, 10));
}

export const runAutocannon: LoadRunner = (target, plan, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new ActionCancelled('before the load test', signal));
      return;
    }
    const latencies: number[] = [];
    const started = performance.now();
    let bad = 0;
    const instance = autocannon(
      {
        url: target.url.href,
        method: 'GET',
        headers: { ...target.headers },
        connections: connectionsFor(plan.rate),
        overallRate: plan.rate,
        duration: Math.round(plan.durationMs / 1000),
        timeout: 10,
      },
      (error, result) => {
        signal?.removeEventListener('abort', stop);
        if (signal?.aborted) {
          reject(new ActionCancelled('during the load test', signal));
          return;
        }
        if (error) {
          reject(error);
          return;
        }
        latencies.sort((a, b) => a - b);
        const networkErrors = result.errors;
        const requests = latencies.length + networkErrors;
        const errors = bad + networkErrors;
        const statusCounts: Record<string, number> = {};
        for (const [code, { count }] of Object.entries(result.statusCodeStats)) statusCounts[code] = count;
        if (networkErrors) statusCounts.network = networkErrors;
        resolve({
          url: target.url.href,
          requests,
          errors,
          errorRate: requests ? errors / requests : 0,
          p50: percentile(latencies, 0.5),
          p95: percentile(latencies, 0.95),
          p99: percentile(latencies, 0.99),
          statusCounts,
          elapsedMs: performance.now() - started,
        });
      },
    );
    // autocannon's stop() ends the run and calls back with what it had: judged as cancelled above.
    const stop = () => instance.stop();
    signal?.addEventListener('abort', stop, { once: true });
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      latencies.push(responseTime);
      if (statusCode < 200 || statusCode >= 400) bad++;
    });
  });
