/**
 * Runs canary-gate's bundle while "the load balancer" reports traffic: as soon as the action
 * says where its window starts (its first progress line), the test's feed writes the metrics
 * for that window, so counts — and so the verdict lines — are exact.
 */
import { runActionBundle, type ActionRun } from '@white-cross/testkit';

export const LOAD_BALANCER = 'app/school-health-alb/50dc6c495c0c9188';

/**
 * A LoadBalancer dimension value for one test: the load balancer's own 5xx are published per
 * LoadBalancer only, so tests that run at once on one server need a load balancer each.
 */
export function loadBalancer(id: number): string {
  return `app/school-health-alb/${id.toString(16).padStart(16, '0')}`;
}

/** A TargetGroup dimension value for one test (each test its own, so they can share a server). */
export function targetGroup(color: string, id: number): string {
  return `targetgroup/school-health-${color}/${id.toString(16).padStart(16, '0')}`;
}

export async function runGateWithTraffic(
  inputs: Record<string, string>,
  env: Record<string, string>,
  feed: (windowStart: number) => Promise<void>,
  timeoutMs = 200_000,
): Promise<ActionRun & { fed: boolean }> {
  let feeding: Promise<void> | undefined;
  const run = await runActionBundle('canary-gate', {
    inputs,
    env,
    timeoutMs,
    onLine: (line) => {
      const m = /Watching from (\S+) /.exec(line);
      if (m && !feeding) feeding = feed(Date.parse(m[1] as string));
    },
  });
  if (feeding) await feeding;
  return { ...run, fed: feeding !== undefined };
}
