/**
 * Cancellation, for real: the bundle is started as the runner starts it and sent SIGTERM (what
 * a cancelled workflow sends) while it waits between looks. It must stop waiting at once, say
 * that no verdict was reached and that it changed nothing, and write the summary and the audit
 * record. The endpoint is a metrics stand-in that counts what it answers.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { awsEnv, runActionBundleAndSignal } from '@white-cross/testkit';
import { startMetricsServer, type MetricsServer } from '@white-cross/testkit/metrics-server';
import { loadBalancer, targetGroup } from './helpers.js';

let metrics: MetricsServer;
beforeAll(async () => {
  metrics = await startMetricsServer({ publicationLagMs: 0 });
});
afterAll(async () => {
  await metrics?.stop();
});

test('SIGTERM while waiting between looks: exits at once as cancelled, no verdict, summary and audit record written', async () => {
  const canary = targetGroup('green', 0xc0ffee);
  const run = await runActionBundleAndSignal('canary-gate', {
    inputs: {
      'load-balancer': loadBalancer(0xc0ffee),
      'canary-target-group': canary,
      'baseline-target-group': targetGroup('blue', 0xc0ffee),
      window: '10m',
      interval: '5m',
      'metrics-delay': '0s',
    },
    env: { ...awsEnv('http://127.0.0.1:9'), ...metrics.env },
    // The line printed just before the first wait of an interval.
    when: (line) => line.startsWith('Watching from '),
  });
  const message =
    `Cancelled (SIGTERM) while watching canary ${canary}, before a verdict: no verdict output was set, ` +
    'and canary-gate changed nothing (it only reads metrics). ' +
    'Traffic is where the rollout step left it; that step decides what happens to it.';
  expect(run.exitCode).toBe(1);
  expect(run.annotations.filter((a) => a.level === 'error').map((a) => a.message)).toEqual([message]);
  // It stopped waiting: it did not sit out the 5-minute interval (nor the grace period).
  expect(run.exitedAfterMs).toBeLessThan(60_000);
  expect(run.outputs).toEqual({});
  expect(run.audit).toHaveLength(1);
  expect(run.audit[0]).toMatchObject({
    action: 'canary-gate',
    outcome: 'cancelled',
    cancellation: { signal: 'SIGTERM', stoppedInTime: true },
    facts: {
      canaryTargetGroup: canary,
      cancelled: { during: 'watching the canary', verdict: 'none' },
    },
  });
  expect(run.audit[0]).not.toHaveProperty('facts.verdict');
  expect(run.summary).toContain('### canary-gate was cancelled');
  expect(run.summary).toContain(message);
});
