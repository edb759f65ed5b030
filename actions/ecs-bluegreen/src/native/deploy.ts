/**
 * The entry points of strategy ecs-native: one service, ECS's own BLUE_GREEN / CANARY / LINEAR
 * traffic shifting, stopped at PAUSE hooks for our verdict. Each returns a {@link NativeResult}
 * (outputs + summary rows) for main.ts to map; none decides anything by itself: the workflow's
 * canary-gate verdict comes back as `continueNative` or `rollbackNative`.
 *
 * The rules they rely on: "Continuing service deployments" (act only on a hook in
 * AWAITING_ACTION while the deployment is IN_PROGRESS), "Pause hooks for Amazon ECS service
 * deployments" (hookId from DescribeServiceDeployments), the API reference of
 * StopServiceDeployment (stopType ROLLBACK).
 */
import type { ServiceDeploymentBrief } from '@aws-sdk/client-ecs';
import { ActionFailure, type Clock, type Sleep } from '@white-cross/core';
import { loadBalancerDimension, targetGroupDimension } from '../dimensions.js';
import type { NativeEcsApi, NativeElbApi, ServiceRef } from './aws.js';
import {
  checkJobTimeout,
  checkNativeConfig,
  deploymentConfigurationOf,
  maxDurationMinutes,
  type NativeConfig,
} from './config.js';
import { readDeployment, splitText, type NativeState, type RolledBackBy } from './lifecycle.js';
import { assertNativeReady, canaryTargetGroupsOf } from './preflight.js';

export interface NativeDeps {
  ecs: NativeEcsApi;
  /** When given, runNativeDeploy outputs the canary and baseline target groups for canary-gate. */
  elb?: NativeElbApi;
  log: { info(message: string): void };
  sleep: Sleep;
  clock: Clock;
}

export interface NativeWait {
  /** How long to wait for the next PAUSE (or the end), seconds. */
  timeoutSeconds: number;
  /** Between two DescribeServiceDeployments, seconds. */
  pollSeconds: number;
}

export interface NativeDeployInputs extends ServiceRef, NativeWait {
  taskDefinition: string;
  config: NativeConfig;
  /** The job's timeout-minutes: a configuration that can outlast it is refused. */
  jobTimeoutMinutes: number;
}

export interface NativeHookInputs extends ServiceRef, NativeWait {
  /** The service deployment; default the one in progress. */
  deploymentArn?: string;
  /** The paused hook; default the one awaiting action. */
  hookId?: string;
}

/**
 * `paused`: ECS waits at a PAUSE for continue/rollback; `succeeded`; `rolled-back` (by us or by
 * ECS, see rolledBackBy); `stopped`; `in-progress` (status only).
 */
export type NativeOutcome = 'paused' | 'succeeded' | 'rolled-back' | 'stopped' | 'in-progress';

export interface NativeResult {
  outcome: NativeOutcome;
  state: NativeState;
  /** Output name → value, for main.ts (`native-stage`, `native-traffic`, `native-hook-id`, …). */
  outputs: Record<string, string>;
  /** Summary table rows: [what, value]. */
  summary: [string, string][];
}

const ROLLED_BACK_WORDS: Record<RolledBackBy, string> = {
  'circuit-breaker': "ECS's deployment circuit breaker rolled back",
  alarm: 'a CloudWatch alarm made ECS roll back',
  'hook-timeout': 'the PAUSE timed out and ECS took its timeout action (ROLLBACK)',
  requested: 'rolled back on request',
};

function outcomeOf(state: NativeState): NativeOutcome {
  if (state.awaiting) return 'paused';
  if (state.status === 'SUCCESSFUL') return 'succeeded';
  if (state.rolledBack) return 'rolled-back';
  if (state.status === 'STOPPED') return 'stopped';
  return 'in-progress';
}

/**
 * The result object of a state.
 *
 * @example
 * resultOf(readDeployment(described)).outputs['native-hook-id'];
 */
export function resultOf(state: NativeState): NativeResult {
  const outcome = outcomeOf(state);
  const outputs: Record<string, string> = {
    'native-deployment-arn': state.deploymentArn,
    'native-status': state.status,
    'native-stage': state.stage,
    'native-traffic': String(state.traffic.target),
    'native-hook-id': state.awaiting?.hookId ?? '',
    'native-outcome': outcome,
    'native-rolled-back-by': state.rolledBackBy ?? '',
  };
  const summary: [string, string][] = [
    ['Service deployment', state.deploymentArn],
    ['Status', state.status],
    ['Lifecycle stage', state.stage],
    ['Production traffic', splitText(state.traffic)],
  ];
  if (state.awaiting) {
    summary.push([
      'Paused at',
      `${state.stage}, hook ${state.awaiting.hookId}${state.awaiting.expiresAt ? `, ECS acts (${state.awaiting.timeoutAction ?? 'ROLLBACK'}) at ${state.awaiting.expiresAt.toISOString()}` : ''}`,
    ]);
  }
  if (state.rolledBackBy)
    summary.push(['Rolled back', `${ROLLED_BACK_WORDS[state.rolledBackBy]}: ${state.reason ?? ''}`.trim()]);
  return { outcome, state, outputs, summary };
}

async function describe(deps: NativeDeps, arn: string): Promise<NativeState> {
  const d = await deps.ecs.describeDeployment(arn);
  if (!d) throw new ActionFailure(`Service deployment ${arn} was not found. Nothing was changed.`);
  return readDeployment(d);
}

/**
 * Polls the deployment until ECS waits at a PAUSE or the deployment ends, logging each stage
 * change. Bounded: past the timeout it fails, saying ECS goes on by itself.
 *
 * @example
 * const result = await waitForPause(deps, arn, { timeoutSeconds: 900, pollSeconds: 10 });
 */
export async function waitForPause(
  deps: NativeDeps,
  arn: string,
  wait: NativeWait,
  options: { untilFinished?: boolean; afterHook?: string } = {},
): Promise<NativeResult> {
  const deadline = deps.clock.now() + wait.timeoutSeconds * 1000;
  let last = '';
  for (;;) {
    const state = await describe(deps, arn);
    const line = `${state.status} ${state.stage} ${splitText(state.traffic)}`;
    if (line !== last)
      deps.log.info(`service deployment: ${state.status} at ${state.stage}, ${splitText(state.traffic)}`);
    last = line;
    const pausedAnew = state.awaiting && state.awaiting.hookId !== options.afterHook;
    if (state.finished || (!options.untilFinished && pausedAnew)) {
      if (pausedAnew)
        deps.log.info(`paused at ${state.stage}: hook ${state.awaiting!.hookId} awaits continue or rollback`);
      return resultOf(state);
    }
    if (deps.clock.now() >= deadline) {
      throw new ActionFailure(
        `Service deployment ${arn} reached no ${options.untilFinished ? 'end' : 'PAUSE'} within ${wait.timeoutSeconds} s (last: ${state.status} at ${state.stage}, ${splitText(state.traffic)}). ECS goes on with it by itself; run mode status to follow it.`,
      );
    }
    await deps.sleep(wait.pollSeconds * 1000);
  }
}

function newest(list: ServiceDeploymentBrief[]): ServiceDeploymentBrief | undefined {
  return [...list].sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0))[0];
}

/**
 * Deploys `taskDefinition` to the one service with the configured native strategy and waits for
 * the first PAUSE. Refuses, before any change, a service ECS cannot deploy natively and a
 * configuration that can outlast the job.
 *
 * @example
 * const result = await runNativeDeploy({ cluster, service, taskDefinition, config, jobTimeoutMinutes: 60, timeoutSeconds: 900, pollSeconds: 10 }, deps);
 * // result.outcome === 'paused'; result.outputs['native-hook-id']
 */
export async function runNativeDeploy(inputs: NativeDeployInputs, deps: NativeDeps): Promise<NativeResult> {
  const config = checkNativeConfig(inputs.config);
  checkJobTimeout(config, inputs.jobTimeoutMinutes);
  const ref = { cluster: inputs.cluster, service: inputs.service };
  const service = await deps.ecs.describeService(ref);
  if (!service) {
    throw new ActionFailure(
      `Service ${inputs.cluster}/${inputs.service} was not found. Nothing was changed.`,
    );
  }
  assertNativeReady(service, `${inputs.cluster}/${inputs.service}`);
  const rule = service.loadBalancers?.[0]?.advancedConfiguration?.productionListenerRule;
  const groups =
    deps.elb && rule ? canaryTargetGroupsOf(service, await deps.elb.forwardWeights(rule)) : undefined;
  const before = new Set((await deps.ecs.listDeployments(ref)).map((d) => d.serviceDeploymentArn));
  deps.log.info(
    `updating ${inputs.cluster}/${inputs.service} to ${inputs.taskDefinition} with ECS ${config.strategy} (at most ${maxDurationMinutes(config)} min with every pause held to its timeout)`,
  );
  await deps.ecs.updateService(ref, inputs.taskDefinition, deploymentConfigurationOf(config));
  const created = newest(
    (await deps.ecs.listDeployments(ref)).filter((d) => !before.has(d.serviceDeploymentArn)),
  );
  if (!created?.serviceDeploymentArn) {
    throw new ActionFailure(
      `UpdateService on ${inputs.cluster}/${inputs.service} started no service deployment (was ${inputs.taskDefinition} already running?).`,
    );
  }
  deps.log.info(`service deployment ${created.serviceDeploymentArn}`);
  const result = await waitForPause(deps, created.serviceDeploymentArn, inputs);
  if (!groups) return result;
  return {
    ...result,
    outputs: {
      ...result.outputs,
      'native-canary-target-group': groups.canary,
      'native-baseline-target-group': groups.baseline,
      // The CloudWatch dimensions canary-gate reads, under the names two-services gives them.
      'canary-target-group': targetGroupDimension(groups.canary),
      'baseline-target-group': targetGroupDimension(groups.baseline),
      ...(rule ? { 'load-balancer': loadBalancerDimension(rule) } : {}),
    },
    summary: [...result.summary, ['Canary / baseline target group', `${groups.canary} / ${groups.baseline}`]],
  };
}

async function current(inputs: NativeHookInputs, deps: NativeDeps): Promise<string> {
  if (inputs.deploymentArn) return inputs.deploymentArn;
  const list = await deps.ecs.listDeployments(inputs);
  const running = newest(list.filter((d) => d.status === 'IN_PROGRESS' || d.status === 'PENDING'));
  const arn = running?.serviceDeploymentArn ?? newest(list)?.serviceDeploymentArn;
  if (!arn) throw new ActionFailure(`Service ${inputs.cluster}/${inputs.service} has no service deployment.`);
  return arn;
}

async function awaitingHook(inputs: NativeHookInputs, deps: NativeDeps, arn: string, verb: string) {
  const state = await describe(deps, arn);
  const hookId = inputs.hookId ?? state.awaiting?.hookId;
  // "Continuing service deployments": only a hook in AWAITING_ACTION of an IN_PROGRESS deployment.
  if (
    !hookId ||
    state.status !== 'IN_PROGRESS' ||
    (inputs.hookId && state.awaiting?.hookId !== inputs.hookId)
  ) {
    return {
      state,
      hookId: undefined,
      refusal: `Cannot ${verb} ${arn}: no PAUSE awaits action (${state.status} at ${state.stage}${inputs.hookId ? `; hook ${inputs.hookId} is not awaiting action` : ''}). Nothing was changed.`,
    };
  }
  return { state, hookId, refusal: undefined };
}

/**
 * Continues a deployment paused at a hook and waits for the next PAUSE or the end.
 *
 * @example
 * await continueNative({ cluster, service, timeoutSeconds: 900, pollSeconds: 10 }, deps);
 */
export async function continueNative(inputs: NativeHookInputs, deps: NativeDeps): Promise<NativeResult> {
  const arn = await current(inputs, deps);
  const { hookId, refusal } = await awaitingHook(inputs, deps, arn, 'continue');
  if (!hookId) throw new ActionFailure(refusal!);
  deps.log.info(`continuing ${arn} at hook ${hookId}`);
  await deps.ecs.continueDeployment(arn, hookId, 'CONTINUE');
  return waitForPause(deps, arn, inputs, { afterHook: hookId });
}

/**
 * Rolls the deployment back: ROLLBACK on the hook awaiting action, else StopServiceDeployment
 * with ROLLBACK while it is in progress; then waits for ECS to finish the rollback. A deployment
 * ECS already rolled back is reported as such, with who did it.
 *
 * @example
 * const result = await rollbackNative({ cluster, service, timeoutSeconds: 300, pollSeconds: 5 }, deps);
 */
export async function rollbackNative(inputs: NativeHookInputs, deps: NativeDeps): Promise<NativeResult> {
  const arn = await current(inputs, deps);
  const { state, hookId } = await awaitingHook(inputs, deps, arn, 'roll back');
  if (state.finished || state.rolledBack) {
    deps.log.info(`${arn} is already ${state.status}; nothing to roll back`);
    return state.finished ? resultOf(state) : waitForPause(deps, arn, inputs, { untilFinished: true });
  }
  if (hookId) {
    deps.log.info(`rolling back ${arn} at hook ${hookId}`);
    await deps.ecs.continueDeployment(arn, hookId, 'ROLLBACK');
  } else {
    deps.log.info(`stopping ${arn} with ROLLBACK (${state.status} at ${state.stage})`);
    await deps.ecs.stopDeployment(arn);
  }
  return waitForPause(deps, arn, inputs, { untilFinished: true });
}

/**
 * The lifecycle of the service's latest (or given) deployment, without changing anything.
 *
 * @example
 * (await nativeStatus({ cluster, service, timeoutSeconds: 0, pollSeconds: 0 }, deps)).summary;
 */
export async function nativeStatus(inputs: NativeHookInputs, deps: NativeDeps): Promise<NativeResult> {
  const arn = await current(inputs, deps);
  return resultOf(await describe(deps, arn));
}
