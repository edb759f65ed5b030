/**
 * Strategy ecs-native end to end: the real ECS SDK client through the adapter, against moto
 * behind the testkit's ECS native-deployment stand-in (moto has no native deployments), which
 * moves the listener weights in moto as ECS would. The clock is the stand-in's: the action's
 * sleep advances it, so ECS's bakes and hook timeouts pass without waiting.
 *
 * Pages: ECS Developer Guide "Pause hooks for Amazon ECS service deployments" (hookId,
 * AWAITING_ACTION, timeoutConfiguration with its default ROLLBACK), "Continuing service
 * deployments" (only a hook AWAITING_ACTION of an IN_PROGRESS deployment), "Lifecycle hooks for
 * Amazon ECS service deployments" (PRE_PRODUCTION_TRAFFIC_SHIFT before every canary step).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ActionFailure, ConfigurationError } from '@white-cross/core';
import {
  buildNativeService,
  NATIVE_CLUSTER,
  NATIVE_SERVICE,
  startAwsProxy,
  startEcsNativeStandIn,
  startMoto,
  type AwsProxy,
  type EcsNativeStandIn,
  type MotoServer,
  type NativeFixture,
} from '@white-cross/testkit';
import {
  continueNative,
  nativeEcsApi,
  nativeElbApi,
  nativeStatus,
  rollbackNative,
  runNativeDeploy,
  type NativeConfig,
  type NativeDeps,
} from '../src/native/index.js';

const CONFIG: NativeConfig = {
  strategy: 'CANARY',
  canaryPercent: 10,
  stepBakeMinutes: 1,
  bakeMinutes: 1,
  pauseStages: ['PRE_PRODUCTION_TRAFFIC_SHIFT'],
  hookTimeoutMinutes: 15,
  hookTimeoutAction: 'ROLLBACK',
  circuitBreaker: true,
  alarmNames: [],
};
const WAIT = { timeoutSeconds: 30 * 60, pollSeconds: 10 };

describe('strategy ecs-native', () => {
  let moto: MotoServer;
  let proxy: AwsProxy;
  let standIn: EcsNativeStandIn;
  let fx: NativeFixture;
  let ecs: ECSClient;
  let elb: ElasticLoadBalancingV2Client;
  let lines: string[];
  let deps: NativeDeps;

  beforeAll(async () => {
    moto = await startMoto();
    proxy = await startAwsProxy(moto.url);
  });
  afterAll(async () => {
    await standIn?.stop();
    fx?.destroy();
    ecs?.destroy();
    elb?.destroy();
    await proxy.stop();
    await moto.stop();
  });
  beforeEach(async () => {
    await standIn?.stop();
    fx?.destroy();
    ecs?.destroy();
    elb?.destroy();
    await moto.reset();
    proxy.reset();
    standIn = await startEcsNativeStandIn({ upstream: proxy.url });
    fx = await buildNativeService({ ecsEndpoint: standIn.url, elbEndpoint: moto.url });
    ecs = new ECSClient({
      region: 'us-east-1',
      endpoint: standIn.url,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      maxAttempts: 1,
    });
    elb = new ElasticLoadBalancingV2Client({
      region: 'us-east-1',
      endpoint: standIn.url,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      maxAttempts: 1,
    });
    lines = [];
    const log = { info: (m: string) => void lines.push(m) };
    deps = {
      ecs: nativeEcsApi(ecs, { log, sleep: (ms) => standIn.advance(ms) }),
      elb: nativeElbApi(elb, { log }),
      log,
      sleep: (ms) => standIn.advance(ms),
      clock: standIn.clock,
    };
  });

  const inputs = (over: Partial<NativeConfig> = {}, taskDefinition?: string) => ({
    cluster: NATIVE_CLUSTER,
    service: NATIVE_SERVICE,
    taskDefinition: taskDefinition ?? fx.taskDefinitions.v2,
    config: { ...CONFIG, ...over },
    jobTimeoutMinutes: 60,
    ...WAIT,
  });
  const hookInputs = { cluster: NATIVE_CLUSTER, service: NATIVE_SERVICE, ...WAIT };
  const taskDefinitionOfService = async () =>
    (await ecs.send(new DescribeServicesCommand({ cluster: NATIVE_CLUSTER, services: [NATIVE_SERVICE] })))
      .services![0]!.taskDefinition;

  it('takes a good release through canary 10 % → 100 %, pausing before each step', async () => {
    const first = await runNativeDeploy(inputs(), deps);
    expect(first.outcome).toBe('paused');
    expect(first.outputs).toMatchObject({
      'native-stage': 'PRE_PRODUCTION_TRAFFIC_SHIFT',
      'native-traffic': '0',
    });
    expect(first.outputs['native-hook-id']).toMatch(/^ecs-pause-/);
    // canary-gate judges the new revision's target group against the one serving production.
    expect(first.outputs).toMatchObject({
      'native-canary-target-group': fx.alternateTargetGroup,
      'native-baseline-target-group': fx.primaryTargetGroup,
    });
    // Before any user request: the test listener rule sends everything to the new revision.
    expect(await fx.testWeights()).toEqual({ [fx.primaryTargetGroup]: 0, [fx.alternateTargetGroup]: 100 });
    expect(await fx.productionWeights()).toEqual({
      [fx.primaryTargetGroup]: 100,
      [fx.alternateTargetGroup]: 0,
    });

    const canary = await continueNative(hookInputs, deps);
    expect(canary.outcome).toBe('paused');
    expect(canary.outputs['native-traffic']).toBe('10');
    expect(canary.outputs['native-hook-id']).not.toBe(first.outputs['native-hook-id']);
    expect(canary.summary).toContainEqual(['Production traffic', '10 % new / 90 % old']);
    expect(await fx.productionWeights()).toEqual({
      [fx.primaryTargetGroup]: 90,
      [fx.alternateTargetGroup]: 10,
    });

    const done = await continueNative(hookInputs, deps);
    expect(done.outcome).toBe('succeeded');
    expect(done.outputs).toMatchObject({
      'native-status': 'SUCCESSFUL',
      'native-traffic': '100',
      'native-hook-id': '',
    });
    expect(await fx.productionWeights()).toEqual({
      [fx.primaryTargetGroup]: 0,
      [fx.alternateTargetGroup]: 100,
    });
    expect(await taskDefinitionOfService()).toBe(fx.taskDefinitions.v2);
    // ECS alternates the pair: the next release starts in the primary group.
    const next = await runNativeDeploy(inputs({}, fx.taskDefinitions.v3), deps);
    expect(next.outputs).toMatchObject({
      'native-canary-target-group': fx.primaryTargetGroup,
      'native-baseline-target-group': fx.alternateTargetGroup,
    });
    expect(lines).toContainEqual(
      expect.stringMatching(/^paused at PRE_PRODUCTION_TRAFFIC_SHIFT: hook ecs-pause-/),
    );
    expect(standIn.errors).toEqual([]);
  });

  it('rolls a bad release back at the first PAUSE: traffic and task definition as they were', async () => {
    const paused = await runNativeDeploy(inputs(), deps);
    expect(paused.outcome).toBe('paused');
    const updatesBefore = proxy.count('UpdateService');
    const result = await rollbackNative(hookInputs, deps);
    expect(result.outcome).toBe('rolled-back');
    expect(result.outputs).toMatchObject({
      'native-status': 'ROLLBACK_SUCCESSFUL',
      'native-rolled-back-by': 'requested',
    });
    expect(await fx.productionWeights()).toEqual({
      [fx.primaryTargetGroup]: 100,
      [fx.alternateTargetGroup]: 0,
    });
    expect(await fx.testWeights()).toEqual({ [fx.primaryTargetGroup]: 100, [fx.alternateTargetGroup]: 0 });
    expect(await taskDefinitionOfService()).toBe(fx.taskDefinitions.v1);
    // The rollback is ECS's (ContinueServiceDeployment ROLLBACK): our code sent no UpdateService;
    // the one moto saw is the stand-in putting the source revision back, as ECS does.
    expect(proxy.count('UpdateService') - updatesBefore).toBe(1);
    // Nothing awaits action any more: a continue is refused, saying why.
    await expect(continueNative(hookInputs, deps)).rejects.toThrow(
      /Cannot continue .*: no PAUSE awaits action \(ROLLBACK_SUCCESSFUL at /,
    );
  });

  it("reports ECS's own circuit-breaker rollback as such", async () => {
    standIn.breakTaskDefinition(fx.taskDefinitions.v2);
    const result = await runNativeDeploy(inputs(), deps);
    expect(result.outcome).toBe('rolled-back');
    expect(result.outputs['native-rolled-back-by']).toBe('circuit-breaker');
    expect(result.summary).toContainEqual([
      'Rolled back',
      expect.stringMatching(/^ECS's deployment circuit breaker rolled back: /),
    ]);
    expect(await fx.productionWeights()).toEqual({
      [fx.primaryTargetGroup]: 100,
      [fx.alternateTargetGroup]: 0,
    });
  });

  it('reports a PAUSE that timed out, with ECS taking its ROLLBACK timeout action', async () => {
    const paused = await runNativeDeploy(inputs({ hookTimeoutMinutes: 5 }), deps);
    expect(paused.summary).toContainEqual(['Paused at', expect.stringContaining('ECS acts (ROLLBACK) at ')]);
    await standIn.advance(5 * 60_000); // nobody answered (the job died, say)
    await standIn.advance(1000);
    const status = await nativeStatus(hookInputs, deps);
    expect(status.outcome).toBe('rolled-back');
    expect(status.outputs['native-rolled-back-by']).toBe('hook-timeout');
    expect(await fx.productionWeights()).toEqual({
      [fx.primaryTargetGroup]: 100,
      [fx.alternateTargetGroup]: 0,
    });
    await expect(continueNative(hookInputs, deps)).rejects.toBeInstanceOf(ActionFailure);
  });

  it('reports an alarm rollback by ECS as such', async () => {
    const paused = await runNativeDeploy(inputs({ alarmNames: ['school-health-api-5xx'] }), deps);
    await continueNative(hookInputs, deps); // 10 % on the canary
    await standIn.tripAlarm(paused.outputs['native-deployment-arn']!, 'school-health-api-5xx');
    const result = await rollbackNative(hookInputs, deps);
    expect(result.outputs['native-rolled-back-by']).toBe('alarm');
    expect(result.outputs['native-status']).toBe('ROLLBACK_SUCCESSFUL');
  });

  it('refuses, before any change, a service without advancedConfiguration or without the ECS role', async () => {
    for (const [name, options, missing] of [
      [
        'api-no-advanced',
        { withAdvancedConfiguration: false },
        /has no advancedConfiguration: set alternateTargetGroupArn, productionListenerRule, testListenerRule and roleArn/,
      ],
      [
        'api-no-role',
        { withRole: false },
        /advancedConfiguration\.roleArn is missing: set the IAM role ECS assumes to change the listener rules/,
      ],
    ] as const) {
      const other = await buildNativeService({
        ecsEndpoint: standIn.url,
        elbEndpoint: moto.url,
        serviceName: name,
        ...options,
      });
      const before = proxy.count('UpdateService');
      const run = runNativeDeploy(
        { ...inputs(), service: name, taskDefinition: other.taskDefinitions.v2 },
        deps,
      );
      await expect(run).rejects.toBeInstanceOf(ConfigurationError);
      await expect(
        runNativeDeploy({ ...inputs(), service: name, taskDefinition: other.taskDefinitions.v2 }, deps),
      ).rejects.toThrow(missing);
      expect(proxy.count('UpdateService')).toBe(before);
      other.destroy();
    }
  });

  it('refuses a service on another deployment controller, naming it', async () => {
    // moto keeps the controller it was created with; the stand-in reports it.
    const other = await buildNativeService({
      ecsEndpoint: standIn.url,
      elbEndpoint: moto.url,
      serviceName: 'api-codedeploy',
      controller: 'CODE_DEPLOY',
    });
    await expect(
      runNativeDeploy(
        { ...inputs(), service: 'api-codedeploy', taskDefinition: other.taskDefinitions.v2 },
        deps,
      ),
    ).rejects.toThrow(
      /its deploymentController\.type is CODE_DEPLOY: ECS native deployments need the ECS controller/,
    );
    other.destroy();
  });

  it('refuses a configuration that can outlast the job, naming both numbers, before any change', async () => {
    const before = proxy.count('UpdateService');
    await expect(runNativeDeploy({ ...inputs(), jobTimeoutMinutes: 20 }, deps)).rejects.toThrow(
      /can take 32 minutes .* more than the job's timeout of 20 minutes/,
    );
    expect(proxy.count('UpdateService')).toBe(before);
    expect(proxy.count('DescribeServices')).toBe(0);
  });

  it('the stand-in refuses what ECS refuses even when the action is bypassed', async () => {
    // Defence in depth for the pre-flight: an UpdateService with a PAUSE at PRODUCTION_TRAFFIC_SHIFT.
    await expect(
      ecs.send(
        new UpdateServiceCommand({
          cluster: NATIVE_CLUSTER,
          service: NATIVE_SERVICE,
          taskDefinition: fx.taskDefinitions.v2,
          deploymentConfiguration: {
            strategy: 'CANARY',
            lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['PRODUCTION_TRAFFIC_SHIFT'] }],
          },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });
});
