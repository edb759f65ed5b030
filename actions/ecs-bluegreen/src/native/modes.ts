/**
 * Strategy ecs-native as a provider beside two-services: the four modes, by name, and the run
 * that reports them (outputs at every PAUSE, the summary, the audit record, the evidence file).
 * main.ts picks the provider by `strategy`; nothing else branches on it.
 */
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ActionFailure, ConfigurationError, formatDuration, type ActionContext } from '@white-cross/core';
import { createAwsClient } from '@white-cross/aws';
import { BlueGreenAws } from '../aws.js';
import { ACTION_NAME, ACTION_VERSION, EVIDENCE_FILE, TAG, type NativeMode } from '../constants.js';
import { nativeEcsApi, nativeElbApi } from './aws.js';
import {
  continueNative,
  nativeStatus,
  rollbackNative,
  runNativeDeploy,
  type NativeDeps,
  type NativeResult,
} from './deploy.js';
import type { NativeActionInputs, NativeInputsOf } from './inputs.js';

/** What a native mode gets: the ECS/ELB adapters and the registry of task definitions. */
interface NativeRun {
  deps: NativeDeps;
  aws: BlueGreenAws;
  ctx: ActionContext;
}

type NativeModeRun<M extends NativeMode> = (
  run: NativeRun,
  inputs: NativeInputsOf<M>,
) => Promise<NativeResult>;

function wait(inputs: NativeActionInputs) {
  return {
    cluster: inputs.cluster,
    service: inputs.service,
    timeoutSeconds: inputs.waitTimeoutMs / 1000,
    pollSeconds: inputs.pollIntervalMs / 1000,
  };
}

/** The task definition to deploy: the given ARN, or the file registered (once: a re-run reuses it). */
async function taskDefinitionOf(run: NativeRun, inputs: NativeInputsOf<'deploy'>): Promise<string> {
  const source = inputs.taskDefinition;
  if (source.kind === 'arn') {
    if (!(await run.aws.describeTaskDefinition(source.arn)))
      throw new ConfigurationError(
        `Input 'task-definition-arn': no task definition ${source.arn} in ${inputs.region}.`,
        'task-definition-arn',
      );
    return source.arn;
  }
  const image = source.image ?? source.definition.containerDefinitions?.[0]?.image;
  return run.aws.registerTaskDefinition(source.definition, {
    [TAG.specDigest]: source.digest,
    ...(inputs.version ? { [TAG.version]: inputs.version } : {}),
    ...(image ? { [TAG.image]: image.slice(0, 256) } : {}),
  });
}

const deploy: NativeModeRun<'deploy'> = async (run, inputs) => {
  const taskDefinition = await taskDefinitionOf(run, inputs);
  return runNativeDeploy(
    { ...wait(inputs), taskDefinition, config: inputs.config, jobTimeoutMinutes: inputs.jobTimeoutMinutes },
    run.deps,
  );
};

const hookRef = (inputs: { deploymentArn?: string; hookId?: string }) => ({
  ...(inputs.deploymentArn ? { deploymentArn: inputs.deploymentArn } : {}),
  ...(inputs.hookId ? { hookId: inputs.hookId } : {}),
});

/** Each mode of strategy ecs-native, by name. */
export const NATIVE_MODES: { [M in NativeMode]: NativeModeRun<M> } = {
  deploy,
  continue: (run, inputs) => continueNative({ ...wait(inputs), ...hookRef(inputs) }, run.deps),
  rollback: (run, inputs) => {
    run.ctx.log.info(`Rollback; reason: ${inputs.reason}`);
    return rollbackNative({ ...wait(inputs), ...hookRef(inputs) }, run.deps);
  },
  status: (run, inputs) => nativeStatus({ ...wait(inputs), ...hookRef(inputs) }, run.deps),
};

function runNativeMode(run: NativeRun, inputs: NativeActionInputs): Promise<NativeResult> {
  return (NATIVE_MODES[inputs.mode] as NativeModeRun<NativeMode>)(run, inputs as NativeInputsOf<NativeMode>);
}

/**
 * Runs one mode of strategy ecs-native and reports it. A deploy or continue that ECS ended by
 * rolling back (its circuit breaker, an alarm, a PAUSE that timed out) fails the step, saying
 * who rolled back, after the outputs are set; a rollback that ends rolled back succeeds.
 *
 * @example
 * await runNative(inputs, ctx);
 */
export async function runNative(inputs: NativeActionInputs, ctx: ActionContext): Promise<void> {
  const aws = new BlueGreenAws(inputs.region, ctx.log, ctx.sleep, ctx.env);
  const settings = { region: inputs.region, action: ACTION_NAME, version: ACTION_VERSION, env: ctx.env };
  const count = (operation: string) => aws.calls.set(operation, (aws.calls.get(operation) ?? 0) + 1);
  const options = { log: ctx.log, sleep: ctx.sleep, onAttempt: count };
  const deps: NativeDeps = {
    ecs: nativeEcsApi(createAwsClient(ECSClient, settings), options),
    elb: nativeElbApi(createAwsClient(ElasticLoadBalancingV2Client, settings), options),
    log: ctx.log,
    sleep: ctx.sleep,
    clock: ctx.clock,
  };
  const started = ctx.clock.now();
  let result: NativeResult | undefined;
  let failure: string | undefined;
  try {
    result = await runNativeMode({ deps, aws, ctx }, inputs);
    for (const [name, value] of Object.entries(result.outputs)) ctx.setOutput(name, value);
    if (result.outcome === 'rolled-back' && (inputs.mode === 'deploy' || inputs.mode === 'continue')) {
      const by = result.state.rolledBackBy ?? 'ECS';
      throw new ActionFailure(
        `ECS rolled the deployment back (${by}${result.state.reason ? `: ${result.state.reason}` : ''}); production is on the previous revision.`,
      );
    }
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
    throw error;
  } finally {
    const totalMs = ctx.clock.now() - started;
    const calls = [...aws.calls.values()].reduce((a, b) => a + b, 0);
    ctx.fact('strategy', 'ecs-native');
    ctx.fact('mode', inputs.mode);
    ctx.fact('cluster', inputs.cluster);
    ctx.fact('service', inputs.service);
    if (inputs.mode === 'rollback') ctx.fact('reason', inputs.reason);
    if (result)
      ctx.fact('native', {
        outcome: result.outcome,
        deploymentArn: result.state.deploymentArn,
        stage: result.state.stage,
        traffic: result.state.traffic,
        rolledBackBy: result.state.rolledBackBy ?? null,
      });
    ctx.fact('awsCalls', calls);
    ctx.fact('durationMs', totalMs);
    ctx.summary.heading(
      `ecs-bluegreen ${inputs.mode} (ecs-native) on ${inputs.cluster}/${inputs.service}`,
      3,
    );
    if (result) ctx.summary.table(['', ''], result.summary);
    if (failure) ctx.summary.paragraph(`Failed: ${failure}`);
    ctx.summary.paragraph(`Took ${formatDuration(totalMs)} with ${calls} AWS call(s).`);
    ctx.writeEvidence(
      EVIDENCE_FILE,
      `${JSON.stringify(
        {
          strategy: 'ecs-native',
          mode: inputs.mode,
          cluster: inputs.cluster,
          service: inputs.service,
          outcome: result?.outcome ?? null,
          outputs: result?.outputs ?? {},
          failure: failure ?? null,
          awsCalls: Object.fromEntries(aws.calls),
        },
        null,
        2,
      )}\n`,
    );
  }
}
