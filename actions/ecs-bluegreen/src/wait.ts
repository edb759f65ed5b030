/**
 * Waiting for a color to be ready (polling with an injected clock and sleep), and gathering
 * what explains a color that never became ready: service events, stopped tasks' reasons and
 * unhealthy targets.
 */
import type { Clock, Logger, Sleep } from '@white-cross/core';
import { formatDuration, shortArn } from '@white-cross/core';
import type { BlueGreenAws, ServiceDescription, StoppedTaskInfo, TargetHealthInfo } from './aws.js';
import { assessReadiness } from './readiness.js';

/** The two reads the wait makes (tests pass a stand-in with just these). */
export type ReadinessReader = Pick<BlueGreenAws, 'describeServices' | 'targetHealth'>;

export interface WaitTarget {
  cluster: string;
  service: string;
  targetGroupArn: string;
  taskDefinitionArn: string;
  count: number;
}

export interface WaitOptions {
  timeoutMs: number;
  pollIntervalMs: number;
  clock: Clock;
  sleep: Sleep;
  log: Logger;
  /** Aborted when the job is cancelled (SIGTERM/SIGINT): the wait stops at once. */
  signal?: AbortSignal;
}

export type WaitResult =
  | { ok: true; waitedMs: number; polls: number }
  | { ok: false; waitedMs: number; polls: number; why: string; cancelled?: boolean };

/** A sleep that ends early when `signal` is aborted. */
function sleepUnlessAborted(sleep: Sleep, ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return sleep(ms);
  return Promise.race([
    // core's cancellable sleep rejects once the run is cancelled: that is the abort, not a fault.
    sleep(ms).catch((error: unknown) => {
      if (!signal.aborted) throw error;
    }),
    new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true })),
  ]);
}

/**
 * Polls until the service is steady on the task definition and enough targets are healthy,
 * the deployment fails, or the time runs out. Prints a progress line on each poll.
 */
export async function waitUntilReady(
  aws: ReadinessReader,
  target: WaitTarget,
  options: WaitOptions,
): Promise<WaitResult> {
  const started = options.clock.now();
  let polls = 0;
  let last = '';
  for (;;) {
    if (options.signal?.aborted) {
      return {
        ok: false,
        waitedMs: options.clock.now() - started,
        polls,
        why: `cancelled (${String(options.signal.reason ?? 'aborted')}) while waiting`,
        cancelled: true,
      };
    }
    polls++;
    const { found } = await aws.describeServices(target.cluster, [target.service]);
    const service = found[0];
    if (!service)
      return {
        ok: false,
        waitedMs: options.clock.now() - started,
        polls,
        why: `service ${target.service} disappeared`,
      };
    const targets = await aws.targetHealth(target.targetGroupArn);
    const readiness = assessReadiness(service, targets, target);
    const waited = options.clock.now() - started;
    if (readiness.failed) return { ok: false, waitedMs: waited, polls, why: readiness.failed };
    if (readiness.ready) {
      options.log.info(`${target.service} is ready after ${formatDuration(waited)}: ${readiness.progress}`);
      return { ok: true, waitedMs: waited, polls };
    }
    if (waited >= options.timeoutMs) {
      return {
        ok: false,
        waitedMs: waited,
        polls,
        why: `not ready within ${formatDuration(options.timeoutMs)} (${readiness.progress})`,
      };
    }
    if (readiness.progress !== last || polls % 4 === 0) {
      options.log.info(
        `Waiting for ${target.service} (${formatDuration(waited)} of ${formatDuration(options.timeoutMs)}): ${readiness.progress}`,
      );
      last = readiness.progress;
    }
    await sleepUnlessAborted(
      options.sleep,
      Math.min(options.pollIntervalMs, Math.max(0, options.timeoutMs - waited)),
      options.signal,
    );
  }
}

/** What explains a color that did not become ready. */
export interface Diagnostics {
  events: ServiceDescription['events'];
  stoppedTasks: StoppedTaskInfo[];
  unhealthyTargets: TargetHealthInfo[];
}

/** Reads the service's recent events, its stopped tasks' reasons and its unhealthy targets. */
export async function collectDiagnostics(aws: BlueGreenAws, target: WaitTarget): Promise<Diagnostics> {
  const [{ found }, stoppedTasks, targets] = await Promise.all([
    aws.describeServices(target.cluster, [target.service]),
    aws.stoppedTasks(target.cluster, target.service, target.taskDefinitionArn),
    aws.targetHealth(target.targetGroupArn),
  ]);
  return {
    events: (found[0]?.events ?? []).slice(0, 10),
    stoppedTasks,
    unhealthyTargets: targets.filter((t) => t.state !== 'healthy'),
  };
}

/**
 * Diagnostics as log lines, newest first.
 *
 * @example
 * diagnosticLines({ events: [], stoppedTasks: [{ taskArn: 'arn…/t1', stoppedReason: 'Essential container in task exited', containerReasons: [] }], unhealthyTargets: [] });
 * // ['stopped task t1: Essential container in task exited']
 */
export function diagnosticLines(d: Diagnostics): string[] {
  return [
    ...d.events.map((e) => `event${e.at ? ` ${new Date(e.at).toISOString()}` : ''}: ${e.message}`),
    ...d.stoppedTasks.map(
      (t) =>
        `stopped task ${shortArn(t.taskArn)}: ${t.stoppedReason}${t.containerReasons.length ? ` (${t.containerReasons.join('; ')})` : ''}`,
    ),
    ...d.unhealthyTargets.map(
      (t) =>
        `target ${t.id}${t.port ? `:${t.port}` : ''} ${t.state}${t.reason ? ` (${t.reason}${t.description ? `: ${t.description}` : ''})` : ''}`,
    ),
  ];
}
