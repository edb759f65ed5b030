/**
 * The ecs-native strategy's configuration and the pure rules on it: the ECS
 * `deploymentConfiguration` it becomes, the production traffic steps ECS will take, and the
 * longest the deployment can last (so a job timeout too short for it is refused up front).
 *
 * Limits from the ECS API reference: CanaryConfiguration (canaryPercent 0.1..100 in 0.1 steps,
 * canaryBakeTimeInMinutes 0..1440), LinearConfiguration (stepPercent 3..100, stepBakeTimeInMinutes
 * 0..1440, no bake after 100 %), DeploymentLifecycleHook (PAUSE not at TEST_TRAFFIC_SHIFT or
 * PRODUCTION_TRAFFIC_SHIFT), DeploymentLifecycleHookTimeoutConfiguration (1..20160 minutes).
 */
import type { DeploymentConfiguration } from '@aws-sdk/client-ecs';
import { ConfigurationError } from '@white-cross/core';

export type NativeStrategy = 'BLUE_GREEN' | 'CANARY' | 'LINEAR';
export type HookAction = 'CONTINUE' | 'ROLLBACK';

/** The stages a PAUSE hook may stop at (API reference, DeploymentLifecycleHook.lifecycleStages). */
export const PAUSE_STAGES = [
  'RECONCILE_SERVICE',
  'PRE_SCALE_UP',
  'POST_SCALE_UP',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRE_PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT',
] as const;
export type PauseStage = (typeof PAUSE_STAGES)[number];

export interface NativeConfig {
  strategy: NativeStrategy;
  /** CANARY: production traffic on the new revision at the canary step. */
  canaryPercent?: number;
  /** LINEAR: production traffic added at each step. */
  stepPercent?: number;
  /** CANARY/LINEAR: ECS's wait after each shift but the last. Keep it short: our gate is the bake. */
  stepBakeMinutes: number;
  /** After all production traffic has moved, before the old revision goes. */
  bakeMinutes: number;
  /** Where ECS stops for our verdict; PRE_PRODUCTION_TRAFFIC_SHIFT stops before every step. */
  pauseStages: readonly PauseStage[];
  hookTimeoutMinutes: number;
  /** What ECS does if nobody answers a pause in time. ROLLBACK fails safe. */
  hookTimeoutAction: HookAction;
  /** ECS's deployment circuit breaker with rollback. */
  circuitBreaker: boolean;
  /** CloudWatch alarms that make ECS roll back. */
  alarmNames: readonly string[];
}

function checkRange(
  input: string,
  value: number | undefined,
  min: number,
  max: number,
  tenths: boolean,
): void {
  if (value === undefined) return;
  const okStep = !tenths || Math.abs(Math.round(value * 10) - value * 10) < 1e-9;
  if (!Number.isFinite(value) || value < min || value > max || !okStep) {
    throw new ConfigurationError(
      `Input '${input}' must be ${tenths ? 'a multiple of 0.1 ' : ''}from ${min} to ${max}; got ${value}.`,
      input,
    );
  }
}

/**
 * Checks a native configuration as ECS would, so a mistake is refused before UpdateService.
 *
 * @example
 * checkNativeConfig({ ...config, pauseStages: ['PRODUCTION_TRAFFIC_SHIFT'] }); // throws ConfigurationError
 */
export function checkNativeConfig(config: NativeConfig): NativeConfig {
  if (!['BLUE_GREEN', 'CANARY', 'LINEAR'].includes(config.strategy)) {
    throw new ConfigurationError(
      `Input 'native-strategy' must be one of BLUE_GREEN, CANARY, LINEAR; got '${config.strategy}'.`,
      'native-strategy',
    );
  }
  if (config.strategy === 'CANARY') checkRange('canary-percent', config.canaryPercent ?? 5, 0.1, 100, true);
  if (config.strategy === 'LINEAR') checkRange('linear-step-percent', config.stepPercent ?? 10, 3, 100, true);
  checkRange('step-bake', config.stepBakeMinutes, 0, 1440, false);
  checkRange('bake', config.bakeMinutes, 0, 1440, false);
  checkRange('hook-timeout', config.hookTimeoutMinutes, 1, 20160, false);
  for (const stage of config.pauseStages) {
    if (!(PAUSE_STAGES as readonly string[]).includes(stage)) {
      throw new ConfigurationError(
        `Input 'pause-stages' cannot hold '${stage}': ECS allows a PAUSE hook only at ${PAUSE_STAGES.join(', ')} (not at TEST_TRAFFIC_SHIFT or PRODUCTION_TRAFFIC_SHIFT).`,
        'pause-stages',
      );
    }
  }
  if (config.pauseStages.length === 0) {
    throw new ConfigurationError(
      "Input 'pause-stages' must name at least one stage (PRE_PRODUCTION_TRAFFIC_SHIFT stops before every traffic step): without a PAUSE, ECS shifts traffic without our verdict.",
      'pause-stages',
    );
  }
  return config;
}

/**
 * The production traffic on the new revision after each of ECS's shifts, in percent.
 *
 * @example
 * trafficSteps({ strategy: 'LINEAR', stepPercent: 25, ... }); // [25, 50, 75, 100]
 */
export function trafficSteps(config: NativeConfig): number[] {
  if (config.strategy === 'CANARY') {
    const p = config.canaryPercent ?? 5;
    return p >= 100 ? [100] : [p, 100];
  }
  if (config.strategy === 'LINEAR') {
    const step = config.stepPercent ?? 10;
    const steps: number[] = [];
    for (let w = step; w < 100 - 1e-9; w = Math.round((w + step) * 10) / 10) steps.push(w);
    return [...steps, 100];
  }
  return [100];
}

/** How many times ECS reaches a stage: the pre-production shift once per step, the rest once. */
function occurrences(stage: PauseStage, steps: number): number {
  if (stage === 'RECONCILE_SERVICE') return 0; // only when several revisions are ACTIVE
  return stage === 'PRE_PRODUCTION_TRAFFIC_SHIFT' ? steps : 1;
}

/**
 * The longest the deployment can last, in minutes: the bakes between steps, the final bake and
 * every pause held to its timeout.
 *
 * @example
 * maxDurationMinutes({ strategy: 'CANARY', canaryPercent: 10, stepBakeMinutes: 1, bakeMinutes: 2,
 *   pauseStages: ['PRE_PRODUCTION_TRAFFIC_SHIFT'], hookTimeoutMinutes: 15, ... }); // 1 + 2 + 2 × 15 = 33
 */
export function maxDurationMinutes(config: NativeConfig): number {
  const steps = trafficSteps(config).length;
  const pauses = config.pauseStages.reduce((n, stage) => n + occurrences(stage, steps), 0);
  return (steps - 1) * config.stepBakeMinutes + config.bakeMinutes + pauses * config.hookTimeoutMinutes;
}

/**
 * Refuses a configuration that can outlast the job: the job would be killed with ECS mid-way.
 *
 * @example
 * checkJobTimeout(config, 30); // throws when maxDurationMinutes(config) > 30
 */
export function checkJobTimeout(config: NativeConfig, jobTimeoutMinutes: number): void {
  const total = maxDurationMinutes(config);
  if (total > jobTimeoutMinutes) {
    const steps = trafficSteps(config).length;
    throw new ConfigurationError(
      `The ecs-native configuration can take ${total} minutes (${steps} traffic steps, ${config.stepBakeMinutes} min bake between, ${config.bakeMinutes} min final bake, pauses of up to ${config.hookTimeoutMinutes} min each), more than the job's timeout of ${jobTimeoutMinutes} minutes. Lower 'hook-timeout' or the bakes ('step-bake', 'bake'), or raise 'job-timeout' (and the job's timeout-minutes).`,
      'job-timeout',
    );
  }
}

/**
 * The ECS `deploymentConfiguration` for UpdateService.
 *
 * @example
 * deploymentConfigurationOf(config).strategy; // 'CANARY'
 */
export function deploymentConfigurationOf(config: NativeConfig): DeploymentConfiguration {
  return {
    strategy: config.strategy,
    bakeTimeInMinutes: config.bakeMinutes,
    ...(config.strategy === 'CANARY'
      ? {
          canaryConfiguration: {
            canaryPercent: config.canaryPercent ?? 5,
            canaryBakeTimeInMinutes: config.stepBakeMinutes,
          },
        }
      : {}),
    ...(config.strategy === 'LINEAR'
      ? {
          linearConfiguration: {
            stepPercent: config.stepPercent ?? 10,
            stepBakeTimeInMinutes: config.stepBakeMinutes,
          },
        }
      : {}),
    lifecycleHooks: [
      {
        targetType: 'PAUSE',
        lifecycleStages: [...config.pauseStages],
        timeoutConfiguration: {
          timeoutInMinutes: config.hookTimeoutMinutes,
          action: config.hookTimeoutAction,
        },
      },
    ],
    deploymentCircuitBreaker: { enable: config.circuitBreaker, rollback: config.circuitBreaker },
    ...(config.alarmNames.length > 0
      ? { alarms: { alarmNames: [...config.alarmNames], enable: true, rollback: true } }
      : {}),
  };
}
