/**
 * The ECS native-deployment stand-in, driven with the real SDK client against moto.
 * Pages: ECS Developer Guide "Lifecycle hooks for Amazon ECS service deployments",
 * "Pause hooks for Amazon ECS service deployments", "Continuing service deployments"; API
 * reference DeploymentLifecycleHook, CanaryConfiguration, ServiceDeployment.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  ContinueServiceDeploymentCommand,
  DescribeServiceDeploymentsCommand,
  DescribeServicesCommand,
  ListServiceDeploymentsCommand,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
  type DeploymentConfiguration,
  type ServiceDeployment,
} from '@aws-sdk/client-ecs';
import {
  buildNativeService,
  NATIVE_CLUSTER,
  NATIVE_SERVICE,
  startEcsNativeStandIn,
  startMoto,
  type EcsNativeStandIn,
  type MotoServer,
  type NativeFixture,
} from '@white-cross/testkit';

const canary = (
  hookStages: string[],
  timeout?: { timeoutInMinutes: number; action: 'CONTINUE' | 'ROLLBACK' },
) =>
  ({
    strategy: 'CANARY',
    bakeTimeInMinutes: 1,
    canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 2 },
    deploymentCircuitBreaker: { enable: true, rollback: true },
    lifecycleHooks: [
      {
        targetType: 'PAUSE',
        lifecycleStages: hookStages,
        ...(timeout ? { timeoutConfiguration: timeout } : {}),
      },
    ],
  }) as DeploymentConfiguration;

describe('ECS native deployment stand-in', () => {
  let moto: MotoServer;
  let standIn: EcsNativeStandIn;
  let fx: NativeFixture;

  beforeAll(async () => {
    moto = await startMoto();
  });
  afterAll(async () => {
    await moto.stop();
  });
  beforeEach(async () => {
    await standIn?.stop();
    fx?.destroy();
    await moto.reset();
    standIn = await startEcsNativeStandIn({ upstream: moto.url });
    fx = await buildNativeService({ ecsEndpoint: standIn.url, elbEndpoint: moto.url });
  });
  afterAll(async () => {
    await standIn.stop();
    fx.destroy();
  });

  const deploy = (dc: DeploymentConfiguration, taskDefinition = fx.taskDefinitions.v2) =>
    fx.ecs.send(
      new UpdateServiceCommand({
        cluster: NATIVE_CLUSTER,
        service: NATIVE_SERVICE,
        taskDefinition,
        deploymentConfiguration: dc,
      }),
    );
  const current = async (): Promise<ServiceDeployment> => {
    const list = await fx.ecs.send(
      new ListServiceDeploymentsCommand({ cluster: NATIVE_CLUSTER, service: NATIVE_SERVICE }),
    );
    const arn = list.serviceDeployments![0]!.serviceDeploymentArn!;
    const out = await fx.ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }));
    return out.serviceDeployments![0]!;
  };

  it('refuses a PAUSE hook at PRODUCTION_TRAFFIC_SHIFT as ECS does, before any change', async () => {
    // API reference DeploymentLifecycleHook.lifecycleStages: "PAUSE hooks cannot be configured at
    // TEST_TRAFFIC_SHIFT or PRODUCTION_TRAFFIC_SHIFT stages."
    await expect(deploy(canary(['PRODUCTION_TRAFFIC_SHIFT']))).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringContaining('PRODUCTION_TRAFFIC_SHIFT'),
    });
    await expect(deploy(canary(['TEST_TRAFFIC_SHIFT']))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
    const described = await fx.ecs.send(
      new DescribeServicesCommand({ cluster: NATIVE_CLUSTER, services: [NATIVE_SERVICE] }),
    );
    expect(described.services![0]!.taskDefinition).toBe(fx.taskDefinitions.v1);
    const list = await fx.ecs.send(
      new ListServiceDeploymentsCommand({ cluster: NATIVE_CLUSTER, service: NATIVE_SERVICE }),
    );
    expect(list.serviceDeployments).toEqual([]);
  });

  it("pauses before each canary step, shifts moto's listener weights 10 % then 100 %, and succeeds", async () => {
    await deploy(canary(['PRE_PRODUCTION_TRAFFIC_SHIFT']));
    let d = await current();
    // "Lifecycle hooks ...": PRE_PRODUCTION_TRAFFIC_SHIFT "is invoked before every traffic shift step".
    expect(d.status).toBe('IN_PROGRESS');
    expect(d.lifecycleStage).toBe('PRE_PRODUCTION_TRAFFIC_SHIFT');
    const first = d.lifecycleHookDetails![0]!;
    expect(first).toMatchObject({
      targetType: 'PAUSE',
      status: 'AWAITING_ACTION',
      timeoutAction: 'ROLLBACK',
    });
    expect(await fx.testWeights()).toEqual({ [fx.primaryTargetGroup]: 0, [fx.alternateTargetGroup]: 100 });
    expect(await fx.productionWeights()).toEqual({
      [fx.primaryTargetGroup]: 100,
      [fx.alternateTargetGroup]: 0,
    });

    await fx.ecs.send(
      new ContinueServiceDeploymentCommand({
        serviceDeploymentArn: d.serviceDeploymentArn,
        hookId: first.hookId,
        action: 'CONTINUE',
      }),
    );
    d = await current();
    expect(d.lifecycleStage).toBe('PRODUCTION_TRAFFIC_SHIFT');
    expect(d.targetServiceRevision!.requestedProductionTrafficWeight).toBe(10);
    expect(await fx.productionWeights()).toEqual({
      [fx.primaryTargetGroup]: 90,
      [fx.alternateTargetGroup]: 10,
    });

    // The hook is no longer AWAITING_ACTION: "Continuing service deployments" says ECS refuses.
    await expect(
      fx.ecs.send(
        new ContinueServiceDeploymentCommand({
          serviceDeploymentArn: d.serviceDeploymentArn,
          hookId: first.hookId,
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });

    await standIn.advance(2 * 60_000); // the canary bake
    d = await current();
    expect(d.lifecycleStage).toBe('PRE_PRODUCTION_TRAFFIC_SHIFT');
    const second = d.lifecycleHookDetails![0]!;
    expect(second.hookId).not.toBe(first.hookId);
    await fx.ecs.send(
      new ContinueServiceDeploymentCommand({
        serviceDeploymentArn: d.serviceDeploymentArn,
        hookId: second.hookId,
      }),
    );
    expect(await fx.productionWeights()).toEqual({
      [fx.primaryTargetGroup]: 0,
      [fx.alternateTargetGroup]: 100,
    });
    d = await current();
    expect(d.lifecycleStage).toBe('BAKE_TIME');
    await standIn.advance(60_000);
    d = await current();
    expect(d.status).toBe('SUCCESSFUL');

    // The next deployment goes the other way: the alternate group is now production.
    await deploy(canary(['PRE_PRODUCTION_TRAFFIC_SHIFT']), fx.taskDefinitions.v3);
    d = await current();
    await fx.ecs.send(
      new ContinueServiceDeploymentCommand({
        serviceDeploymentArn: d.serviceDeploymentArn,
        hookId: d.lifecycleHookDetails![0]!.hookId,
      }),
    );
    expect(await fx.productionWeights()).toEqual({
      [fx.primaryTargetGroup]: 10,
      [fx.alternateTargetGroup]: 90,
    });
    expect(standIn.errors).toEqual([]);
  });

  it('rolls back on ROLLBACK at a pause: traffic and the task definition go back', async () => {
    await deploy(canary(['PRE_PRODUCTION_TRAFFIC_SHIFT']));
    const d = await current();
    await fx.ecs.send(
      new ContinueServiceDeploymentCommand({
        serviceDeploymentArn: d.serviceDeploymentArn,
        hookId: d.lifecycleHookDetails![0]!.hookId,
        action: 'ROLLBACK',
      }),
    );
    expect((await current()).status).toBe('ROLLBACK_IN_PROGRESS');
    await standIn.advance(1000);
    const after = await current();
    expect(after.status).toBe('ROLLBACK_SUCCESSFUL');
    expect(after.rollback!.serviceRevisionArn).toBe(after.sourceServiceRevisions![0]!.arn);
    expect(await fx.testWeights()).toEqual({ [fx.primaryTargetGroup]: 100, [fx.alternateTargetGroup]: 0 });
    const described = await fx.ecs.send(
      new DescribeServicesCommand({ cluster: NATIVE_CLUSTER, services: [NATIVE_SERVICE] }),
    );
    expect(described.services![0]!.taskDefinition).toBe(fx.taskDefinitions.v1);
    // "Continuing service deployments": the deployment must be IN_PROGRESS.
    await expect(
      fx.ecs.send(
        new ContinueServiceDeploymentCommand({
          serviceDeploymentArn: d.serviceDeploymentArn,
          hookId: d.lifecycleHookDetails![0]!.hookId,
        }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringContaining('IN_PROGRESS'),
    });
  });

  it('takes the timeout action when a pause hook times out', async () => {
    await deploy(canary(['POST_TEST_TRAFFIC_SHIFT'], { timeoutInMinutes: 5, action: 'ROLLBACK' }));
    let d = await current();
    expect(d.lifecycleStage).toBe('POST_TEST_TRAFFIC_SHIFT');
    await standIn.advance(4 * 60_000);
    expect((await current()).status).toBe('IN_PROGRESS');
    await standIn.advance(60_000);
    d = await current();
    expect(d.lifecycleHookDetails![0]!.status).toBe('TIMED_OUT');
    expect(d.status).toBe('ROLLBACK_IN_PROGRESS');
    expect(d.rollback!.reason).toMatch(/timed out/);
  });

  it("rolls back by the circuit breaker when the new revision's tasks fail", async () => {
    standIn.breakTaskDefinition(fx.taskDefinitions.v2);
    await deploy(canary(['PRE_PRODUCTION_TRAFFIC_SHIFT']));
    await standIn.advance(1000);
    const d = await current();
    expect(d.status).toBe('ROLLBACK_SUCCESSFUL');
    expect(d.statusReason).toMatch(/circuit breaker/);
    expect(await fx.productionWeights()).toEqual({
      [fx.primaryTargetGroup]: 100,
      [fx.alternateTargetGroup]: 0,
    });
  });

  it('stops a deployment with StopServiceDeployment ROLLBACK', async () => {
    await deploy({
      strategy: 'LINEAR',
      bakeTimeInMinutes: 0,
      linearConfiguration: { stepPercent: 25, stepBakeTimeInMinutes: 1 },
    });
    let d = await current();
    // No hooks: linear steps 25, 50, 75, 100 with a one-minute bake between.
    expect(d.targetServiceRevision!.requestedProductionTrafficWeight).toBe(25);
    await standIn.advance(60_000);
    d = await current();
    expect(d.targetServiceRevision!.requestedProductionTrafficWeight).toBe(50);
    expect(await fx.productionWeights()).toEqual({
      [fx.primaryTargetGroup]: 50,
      [fx.alternateTargetGroup]: 50,
    });
    await fx.ecs.send(
      new StopServiceDeploymentCommand({
        serviceDeploymentArn: d.serviceDeploymentArn,
        stopType: 'ROLLBACK',
      }),
    );
    expect(await fx.productionWeights()).toEqual({
      [fx.primaryTargetGroup]: 100,
      [fx.alternateTargetGroup]: 0,
    });
  });
});
