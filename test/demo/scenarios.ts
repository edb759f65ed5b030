/**
 * The demo's scenarios, as a release manager would meet them: the releases the app repository
 * holds, and for each scenario the tag pushed, the reviewers' answer and any cancellation.
 */
import type { DemoTuning, Release } from './app-repo.js';
import type { DemoScenario, RollbackScenario } from './workflow-demo.js';

export interface ScenarioSettings extends DemoTuning {
  requestsPerSecond: number;
}

/** Settings from the environment: DEMO_CANARY_WINDOW (1m), DEMO_RPS (60), DEMO_ROLLOUT (10,100). */
export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): ScenarioSettings {
  const rollout = (env.DEMO_ROLLOUT ?? '10,100').replace(/\s/g, '');
  const rps = Number(env.DEMO_RPS ?? 60);
  if (!Number.isFinite(rps) || rps < 5 || rps > 200)
    throw new Error(`DEMO_RPS must be from 5 to 200; got '${env.DEMO_RPS}'`);
  return { rollout, canaryWindow: env.DEMO_CANARY_WINDOW ?? '1m', requestsPerSecond: rps };
}

export const RELEASES: Release[] = [
  { tag: 'v1.1.0' },
  // answers 10 % of requests with errors
  { tag: 'v1.2.0', containerEnv: { FAULT_ERROR_RATE: '0.1' } },
  // its database health check fails (scenario 6); below v1.3.0, so no later tag's order changes
  { tag: 'v1.2.1', containerEnv: { FAULT_DATABASE_HEALTH: 'fail' } },
  { tag: 'v1.3.0' },
];

const approve = { decision: 'approve', afterMs: 500, reviewer: 'octo-lead' } as const;

export const GOOD_RELEASE: DemoScenario = {
  name: 'good-release',
  title: 'Scenario 1: a good release, approved once, promoted',
  release: { tag: 'v1.1.0' },
  approval: approve,
};

export const FAULTY_RELEASE: DemoScenario = {
  name: 'faulty-release',
  title:
    'Scenario 2: a release with a 10 % error rate: the canary fails and the rollback runs without an approval',
  release: { tag: 'v1.2.0' },
  approval: approve,
};

export const CANCELLED_RELEASE: DemoScenario = {
  name: 'cancelled-mid-shift',
  title: 'Scenario 3: the run is cancelled while the canary takes traffic',
  release: { tag: 'v1.3.0' },
  approval: approve,
  cancel: { whenStepStarts: 'rollout/gate-1', delayMs: 3_000 },
};

/** Scenario 4: the deploy waits for its approval (the reviewers take 40 s) while cleanup starts. */
export const WAITING_RELEASE: DemoScenario = {
  name: 'cleanup-while-waiting',
  title: 'Scenario 4: cleanup is queued while a deploy waits for its approval; the deploy still runs',
  release: { tag: 'v1.3.0' },
  approval: { decision: 'approve', afterMs: 40_000, reviewer: 'octo-lead' },
};

/**
 * Scenario 6 (issue 18): a release whose database health check fails is refused on the test
 * route, before the first traffic step; green answers test-route requests only, none of
 * production's.
 */
export const REFUSED_ON_TEST_ROUTE: DemoScenario = {
  name: 'refused-on-test-route',
  title:
    'Scenario 6: a release whose database health fails is refused on the test route; green serves no production request',
  release: { tag: 'v1.2.1' },
  approval: approve,
};

/**
 * Scenario 5 (issue 12): rollback.yml dispatched on main, as the on-call person does it, once
 * to `previous` (the other color, a weight change) and once to an earlier release tag (its own
 * task definition file and image on the idle color). Neither asks the production reviewers.
 */
export const ROLLBACK_TO_PREVIOUS: RollbackScenario = {
  name: 'rollback-to-previous',
  title: 'Scenario 5a: rollback.yml to `previous`: traffic back on the other color, no approval asked',
  target: 'previous',
  reason: 'Nurses report slow student lookups since the last release',
};

export const ROLLBACK_TO_TAG: RollbackScenario = {
  name: 'rollback-to-tag',
  title:
    "Scenario 5b: rollback.yml to release tag v1.1.0: that tag's task definition and image serve all traffic",
  target: 'v1.1.0',
  reason: 'Back to the last release the district signed off',
};
