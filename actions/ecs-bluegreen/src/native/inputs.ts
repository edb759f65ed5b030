/**
 * The inputs of strategy ecs-native, parsed once into one typed object per mode. Every refusal
 * that needs no AWS call happens here, before anything runs: ECS's limits on the strategy
 * fields (`checkNativeConfig`) and a configuration that can outlast the job (`checkJobTimeout`).
 */
import { ConfigurationError, type Env, type Inputs } from '@white-cross/core';
import { resolveRegion } from '@white-cross/aws';
import { INPUT, NATIVE_MODE_NAMES, type NativeMode } from '../constants.js';
import { isTaskDefinitionArn } from '../task-definition.js';
import { loadTaskDefinitionFile, type TaskDefinitionSource } from '../inputs.js';
import {
  checkJobTimeout,
  checkNativeConfig,
  type HookAction,
  type NativeConfig,
  type NativeStrategy,
  type PauseStage,
} from './config.js';

/** What every ecs-native mode reads. */
export interface NativeCommonInputs {
  readonly strategy: 'ecs-native';
  readonly region: string;
  readonly cluster: string;
  /** The one service ECS deploys. */
  readonly service: string;
  /** How long one call waits for the next PAUSE (or the end), and between two looks. */
  readonly waitTimeoutMs: number;
  readonly pollIntervalMs: number;
}

export interface NativeDeployModeInputs {
  readonly mode: 'deploy';
  readonly taskDefinition: TaskDefinitionSource;
  readonly version?: string;
  readonly config: NativeConfig;
  readonly jobTimeoutMinutes: number;
}
export interface NativeContinueInputs {
  readonly mode: 'continue';
  readonly deploymentArn?: string;
  readonly hookId?: string;
}
export interface NativeRollbackInputs {
  readonly mode: 'rollback';
  readonly deploymentArn?: string;
  readonly hookId?: string;
  readonly reason: string;
}
export interface NativeStatusInputs {
  readonly mode: 'status';
  readonly deploymentArn?: string;
}

/** One input type per mode. */
export type NativeModeInputs =
  NativeDeployModeInputs | NativeContinueInputs | NativeRollbackInputs | NativeStatusInputs;

export type NativeActionInputs = NativeCommonInputs & NativeModeInputs;
export type NativeInputsOf<M extends NativeMode> = NativeCommonInputs &
  Extract<NativeModeInputs, { mode: M }>;

const SERVICE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/;
const CLUSTER = /^(arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster\/)?[A-Za-z0-9_-]{1,255}$/;
const DEPLOYMENT_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:service-deployment\/[A-Za-z0-9_/-]+$/;
const HOOK_ID = /^[A-Za-z0-9._:/-]{1,256}$/;
/** Inputs of strategy two-services that mean nothing here: refused rather than ignored. */
const TWO_SERVICES_ONLY = [
  INPUT.blueService,
  INPUT.greenService,
  INPUT.listenerArn,
  INPUT.ruleArn,
  INPUT.blueTargetGroup,
  INPUT.greenTargetGroup,
  INPUT.traffic,
  INPUT.to,
  INPUT.canarySteps,
  INPUT.canaryWindow,
] as const;

function reject(input: string, message: string): never {
  throw new ConfigurationError(`Input '${input}' ${message}`, input);
}

/** A duration input in whole minutes (ECS's strategy fields are minutes). */
function minutes(inputs: Inputs, name: string, fallback: string, max: number): number {
  const ms = inputs.duration(name, { default: fallback, min: 0, max: max * 60_000 });
  if (ms % 60_000 !== 0)
    reject(name, `must be whole minutes (ECS counts it in minutes), such as 0m, 1m or 15m.`);
  return ms / 60_000;
}

function optional(inputs: Inputs, name: string, pattern: RegExp, what: string): string | undefined {
  const value = inputs.string(name);
  if (value !== undefined && !pattern.test(value)) reject(name, `must be ${what}; got '${value}'.`);
  return value;
}

function readConfig(inputs: Inputs): NativeConfig {
  const strategy = inputs.choice<NativeStrategy>(
    INPUT.nativeStrategy,
    ['CANARY', 'LINEAR', 'BLUE_GREEN'],
    'CANARY',
  );
  const stages = inputs.list(INPUT.pauseStages, { commas: true });
  return checkNativeConfig({
    strategy,
    canaryPercent: inputs.number(INPUT.canaryPercent, { default: 10 }),
    stepPercent: inputs.number(INPUT.linearStepPercent, { default: 25 }),
    stepBakeMinutes: minutes(inputs, INPUT.stepBake, '0m', 1440),
    bakeMinutes: minutes(inputs, INPUT.bake, '1m', 1440),
    pauseStages: (stages.length ? stages : ['PRE_PRODUCTION_TRAFFIC_SHIFT']) as PauseStage[],
    hookTimeoutMinutes: minutes(inputs, INPUT.hookTimeout, '30m', 20160),
    hookTimeoutAction: inputs.choice<HookAction>(
      INPUT.hookTimeoutAction,
      ['ROLLBACK', 'CONTINUE'],
      'ROLLBACK',
    ),
    circuitBreaker: inputs.boolean(INPUT.circuitBreaker, true),
    alarmNames: inputs.list(INPUT.rollbackAlarms, { commas: true }),
  });
}

/**
 * Parses the inputs of strategy ecs-native.
 *
 * @example
 * const inputs = parseNativeInputs(new Inputs(process.env), process.env);
 */
export function parseNativeInputs(inputs: Inputs, env: Env): NativeActionInputs {
  const given = inputs.string(INPUT.mode);
  const mode = (NATIVE_MODE_NAMES as readonly string[]).includes(given ?? '')
    ? (given as NativeMode)
    : undefined;
  if (!mode)
    throw new ConfigurationError(
      `Input 'mode' must be one of ${NATIVE_MODE_NAMES.join(', ')} with strategy ecs-native (ECS moves the traffic: shift, promote and cleanup are strategy two-services); got '${given ?? ''}'.`,
      'mode',
    );
  for (const name of TWO_SERVICES_ONLY) {
    if (inputs.has(name))
      throw new ConfigurationError(
        `Input '${name}' is for strategy two-services; with strategy ecs-native the service's loadBalancers[].advancedConfiguration says where traffic goes. Remove it.`,
        name,
      );
  }
  const region = resolveRegion(inputs.string(INPUT.region), env);
  const cluster = inputs.string(INPUT.cluster, { required: true });
  if (!CLUSTER.test(cluster)) reject('cluster', `must be an ECS cluster name or ARN; got '${cluster}'.`);
  const service = inputs.string(INPUT.service, { required: true });
  if (!SERVICE.test(service))
    reject(
      'service',
      `must be the ECS service name (with strategy ecs-native, the one service); got '${service}'.`,
    );
  const waitTimeoutMs = inputs.duration(INPUT.waitTimeout, { default: '15m', min: 1000, max: 3 * 3_600_000 });
  const pollIntervalMs = inputs.duration(INPUT.pollInterval, { default: '15s', min: 100, max: 300_000 });
  if (pollIntervalMs > waitTimeoutMs)
    reject('poll-interval', `must be shorter than 'wait-timeout' (${waitTimeoutMs / 1000} s).`);
  const common = { strategy: 'ecs-native' as const, region, cluster, service, waitTimeoutMs, pollIntervalMs };
  const deploymentArn = optional(
    inputs,
    INPUT.deploymentArn,
    DEPLOYMENT_ARN,
    'a service deployment ARN (arn:aws:ecs:<region>:<account>:service-deployment/<cluster>/<service>/<id>)',
  );
  const hookId = optional(inputs, INPUT.hookId, HOOK_ID, 'the hook id of native-hook-id');
  const arn = deploymentArn ? { deploymentArn } : {};
  const hook = hookId ? { hookId } : {};

  if (mode === 'deploy') {
    const form =
      inputs.has(INPUT.taskDefinition) && inputs.has(INPUT.taskDefinitionArn)
        ? 'both'
        : inputs.has(INPUT.taskDefinitionArn)
          ? 'arn'
          : 'file';
    if (form === 'both')
      throw new ConfigurationError(
        "Inputs 'task-definition' and 'task-definition-arn' cannot both be given; give one.",
        'task-definition-arn',
      );
    let taskDefinition: TaskDefinitionSource;
    if (form === 'arn') {
      const value = inputs.string(INPUT.taskDefinitionArn, { required: true });
      if (!isTaskDefinitionArn(value))
        reject('task-definition-arn', `must be a task definition ARN with a revision; got '${value}'.`);
      taskDefinition = { kind: 'arn', arn: value };
    } else {
      const path = inputs.string(INPUT.taskDefinition);
      if (!path)
        throw new ConfigurationError(
          "Input 'task-definition' or 'task-definition-arn' is required for mode deploy.",
          'task-definition',
        );
      const image = inputs.string(INPUT.image);
      const containerName = inputs.string(INPUT.containerName);
      taskDefinition = loadTaskDefinitionFile({
        path,
        workspace: env.GITHUB_WORKSPACE || process.cwd(),
        ...(image ? { image } : {}),
        ...(containerName ? { containerName } : {}),
      });
    }
    const config = readConfig(inputs);
    if (!inputs.has(INPUT.jobTimeout))
      throw new ConfigurationError(
        "Input 'job-timeout' is required with strategy ecs-native and mode deploy: give the job's timeout-minutes (e.g. 60m), so a configuration that can outlast it is refused before ECS starts.",
        'job-timeout',
      );
    const jobTimeoutMs = inputs.duration(INPUT.jobTimeout, {
      default: '6h',
      min: 60_000,
      max: 6 * 3_600_000,
    });
    const jobTimeoutMinutes = Math.floor(jobTimeoutMs / 60_000);
    checkJobTimeout(config, jobTimeoutMinutes);
    const version = inputs.string(INPUT.version);
    return { ...common, mode, taskDefinition, config, jobTimeoutMinutes, ...(version ? { version } : {}) };
  }
  if (mode === 'continue') return { ...common, mode, ...arn, ...hook };
  if (mode === 'rollback') {
    const reason = inputs.text(INPUT.reason, { required: true, maxLength: 500 });
    return { ...common, mode, ...arn, ...hook, reason };
  }
  return { ...common, mode, ...arn };
}
