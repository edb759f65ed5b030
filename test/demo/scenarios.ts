/**
 * The two scenarios: a good release promoted, and a release answering 10 % of requests with
 * errors, caught by the canary gate and rolled back. The canary window and the traffic are
 * short and configurable, so the whole run fits in a few minutes.
 */
import type { Scenario } from './pipeline.js';

export interface ScenarioSettings {
  canaryWindow: string;
  canaryInterval: string;
  requestsPerSecond: number;
  rollout: number[];
}

/** Settings from the environment: DEMO_CANARY_WINDOW (30s), DEMO_CANARY_INTERVAL (5s), DEMO_RPS (60), DEMO_ROLLOUT (10,100). */
export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): ScenarioSettings {
  const rollout = (env.DEMO_ROLLOUT ?? '10,100').split(',').map((w) => Number(w.trim()));
  if (rollout.some((w) => !Number.isInteger(w) || w < 1 || w > 100) || rollout.at(-1) !== 100) {
    throw new Error(
      `DEMO_ROLLOUT must be percentages ending at 100, such as 10,100; got '${env.DEMO_ROLLOUT}'`,
    );
  }
  const rps = Number(env.DEMO_RPS ?? 60);
  if (!Number.isFinite(rps) || rps < 5 || rps > 200)
    throw new Error(`DEMO_RPS must be from 5 to 200; got '${env.DEMO_RPS}'`);
  return {
    // Whole minutes: canary-gate reads ALB metrics, which are published once a minute.
    canaryWindow: env.DEMO_CANARY_WINDOW ?? '1m',
    canaryInterval: env.DEMO_CANARY_INTERVAL ?? '1m',
    requestsPerSecond: rps,
    rollout,
  };
}

export function scenarios(settings: ScenarioSettings): Scenario[] {
  return [
    {
      name: 'good-release',
      title: 'Scenario 1: a good release is promoted',
      version: 'v1.1.0',
      containerEnv: {},
      ...settings,
    },
    {
      name: 'faulty-release',
      title: 'Scenario 2: a release with a 10 % error rate is caught and rolled back',
      version: 'v1.2.0',
      containerEnv: { FAULT_ERROR_RATE: '0.1' },
      ...settings,
    },
  ];
}
