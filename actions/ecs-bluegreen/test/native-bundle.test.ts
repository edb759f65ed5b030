/**
 * Strategy ecs-native through the wired action: the bundle (`dist/index.js`) run as the runner
 * runs it, with its inputs from action.yml, against moto behind the testkit's ECS native stand-in.
 * The bundle sleeps in real time, so the stand-in's clock runs {@link SCALE} times faster than
 * the wall clock: ECS's minutes (bakes, hook timeouts) pass in fractions of a second.
 *
 * Pages: ECS Developer Guide "Pause hooks for Amazon ECS service deployments" (hookId,
 * AWAITING_ACTION, timeoutConfiguration with its ROLLBACK default), "Continuing service
 * deployments" (only a hook AWAITING_ACTION of an IN_PROGRESS deployment), "Lifecycle hooks for
 * Amazon ECS service deployments" (PRE_PRODUCTION_TRAFFIC_SHIFT before every traffic step); ECS
 * API reference, AdvancedConfiguration (roleArn for ECS's listener changes).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  awsEnv,
  buildNativeService,
  NATIVE_CLUSTER,
  NATIVE_SERVICE,
  runActionBundle,
  scaledClock,
  startAwsProxy,
  startEcsNativeStandIn,
  startMoto,
  type AwsProxy,
  type EcsNativeStandIn,
  type MotoServer,
  type NativeFixture,
} from '@white-cross/testkit';

/** Stand-in minutes per wall-clock half second. */
const SCALE = 120;

describe('strategy ecs-native through the bundle', () => {
  let moto: MotoServer;
  let proxy: AwsProxy;
  let standIn: EcsNativeStandIn;
  let fx: NativeFixture;

  beforeAll(async () => {
    moto = await startMoto();
    proxy = await startAwsProxy(moto.url);
  });
  afterAll(async () => {
    await standIn?.stop();
    fx?.destroy();
    await proxy.stop();
    await moto.stop();
  });
  beforeEach(async () => {
    await standIn?.stop();
    fx?.destroy();
    await moto.reset();
    proxy.reset();
    standIn = await startEcsNativeStandIn({ upstream: proxy.url, clock: scaledClock(SCALE) });
    fx = await buildNativeService({ ecsEndpoint: standIn.url, elbEndpoint: moto.url });
  });

  const run = (inputs: Record<string, string>) =>
    runActionBundle('ecs-bluegreen', {
      inputs: {
        strategy: 'ecs-native',
        cluster: NATIVE_CLUSTER,
        service: NATIVE_SERVICE,
        'poll-interval': '100ms',
        'wait-timeout': '30s',
        ...inputs,
      },
      env: awsEnv(standIn.url),
    });
  const deploy = (over: Record<string, string> = {}) =>
    run({
      mode: 'deploy',
      'task-definition-arn': fx.taskDefinitions.v2,
      'canary-percent': '10',
      // 60 s of wall time per pause: room for a loaded machine between two steps.
      'hook-timeout': '2h',
      'job-timeout': '6h',
      ...over,
    });
  const errorOf = (r: {
    annotations: { kind?: string; level?: string; message: string }[];
    stdout: string;
  }) =>
    r.stdout
      .split('\n')
      .filter((l) => l.startsWith('::error'))
      .join('\n');

  it('takes a good release through canary 10 % → 100 %, with the outputs of every PAUSE', async () => {
    const first = await deploy();
    expect(first.exitCode).toBe(0);
    expect(first.outputs).toMatchObject({
      'native-outcome': 'paused',
      'native-stage': 'PRE_PRODUCTION_TRAFFIC_SHIFT',
      'native-traffic': '0',
      'native-status': 'IN_PROGRESS',
      'native-canary-target-group': fx.alternateTargetGroup,
      'native-baseline-target-group': fx.primaryTargetGroup,
    });
    // canary-gate's CloudWatch dimensions, under the names two-services gives them.
    expect(first.outputs['canary-target-group']).toMatch(/^targetgroup\//);
    expect(first.outputs['load-balancer']).toMatch(/^app\//);
    expect(first.outputs['native-hook-id']).toMatch(/^ecs-pause-/);
    expect(first.outputs['native-deployment-arn']).toMatch(/:service-deployment\//);

    const canary = await run({ mode: 'continue', 'hook-id': first.outputs['native-hook-id']! });
    expect(canary.exitCode).toBe(0);
    expect(canary.outputs).toMatchObject({ 'native-outcome': 'paused', 'native-traffic': '10' });
    expect(await fx.productionWeights()).toEqual({
      [fx.primaryTargetGroup]: 90,
      [fx.alternateTargetGroup]: 10,
    });

    const status = await run({ mode: 'status' });
    expect(status.exitCode).toBe(0);
    expect(status.summary).toContain('10 % new / 90 % old');
    expect(status.summary).toContain(
      `Paused at | PRE_PRODUCTION_TRAFFIC_SHIFT, hook ${canary.outputs['native-hook-id']}`,
    );
    expect(status.audit.at(-1)).toMatchObject({ facts: expect.objectContaining({ strategy: 'ecs-native' }) });

    const done = await run({
      mode: 'continue',
      'deployment-arn': first.outputs['native-deployment-arn']!,
      'wait-timeout': '60s',
    });
    expect(done.exitCode).toBe(0);
    expect(done.outputs).toMatchObject({
      'native-outcome': 'succeeded',
      'native-status': 'SUCCESSFUL',
      'native-traffic': '100',
      'native-hook-id': '',
    });
    expect(await fx.productionWeights()).toEqual({
      [fx.primaryTargetGroup]: 0,
      [fx.alternateTargetGroup]: 100,
    });
    expect(standIn.errors).toEqual([]);
  });

  it("rolls back at the first PAUSE on the gate's verdict: production as it was, the step succeeds", async () => {
    const paused = await deploy();
    expect(paused.outputs['native-outcome']).toBe('paused');
    const rolled = await run({
      mode: 'rollback',
      reason: 'canary-gate: fail (5xx rate)',
      'wait-timeout': '60s',
    });
    expect(rolled.exitCode).toBe(0);
    expect(rolled.outputs).toMatchObject({
      'native-outcome': 'rolled-back',
      'native-status': 'ROLLBACK_SUCCESSFUL',
      'native-rolled-back-by': 'requested',
    });
    expect(await fx.productionWeights()).toEqual({
      [fx.primaryTargetGroup]: 100,
      [fx.alternateTargetGroup]: 0,
    });
    // A continue after it is refused, saying nothing awaits action.
    const late = await run({ mode: 'continue' });
    expect(late.exitCode).toBe(1);
    expect(errorOf(late)).toMatch(/no PAUSE awaits action \(ROLLBACK_SUCCESSFUL at /);
  });

  it("fails the deploy step when ECS's circuit breaker rolls back, saying so", async () => {
    standIn.breakTaskDefinition(fx.taskDefinitions.v2);
    const result = await deploy({ 'wait-timeout': '60s' });
    expect(result.exitCode).toBe(1);
    expect(result.outputs).toMatchObject({
      'native-outcome': 'rolled-back',
      'native-rolled-back-by': 'circuit-breaker',
    });
    expect(errorOf(result)).toMatch(/ECS rolled the deployment back \(circuit-breaker/);
    expect(await fx.productionWeights()).toEqual({
      [fx.primaryTargetGroup]: 100,
      [fx.alternateTargetGroup]: 0,
    });
  });

  it('reports a PAUSE nobody answered as rolled back by the hook timeout', async () => {
    const paused = await deploy({ 'hook-timeout': '1m' });
    expect(paused.outputs['native-outcome']).toBe('paused');
    // One stand-in minute is half a wall-clock second; ECS then takes its ROLLBACK timeout action.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const status = await run({ mode: 'status' });
    expect(status.exitCode).toBe(0);
    expect(status.outputs).toMatchObject({
      'native-outcome': 'rolled-back',
      'native-rolled-back-by': 'hook-timeout',
    });
    const cont = await run({ mode: 'continue' });
    expect(cont.exitCode).toBe(1);
  });

  it('refuses, before any change, a service ECS cannot deploy natively, naming what to set', async () => {
    for (const [name, options, missing] of [
      [
        'api-no-advanced',
        { withAdvancedConfiguration: false },
        /has no advancedConfiguration: set alternateTargetGroupArn/,
      ],
      [
        'api-no-role',
        { withRole: false },
        /advancedConfiguration\.roleArn is missing: set the IAM role ECS assumes/,
      ],
      ['api-codedeploy', { controller: 'CODE_DEPLOY' as const }, /deploymentController\.type is CODE_DEPLOY/],
    ] as const) {
      const other = await buildNativeService({
        ecsEndpoint: standIn.url,
        elbEndpoint: moto.url,
        serviceName: name,
        ...options,
      });
      const before = proxy.count('UpdateService');
      const result = await deploy({ service: name, 'task-definition-arn': other.taskDefinitions.v2 });
      expect(result.exitCode).toBe(1);
      expect(errorOf(result)).toMatch(missing);
      expect(errorOf(result)).toMatch(/Nothing was changed\./);
      expect(proxy.count('UpdateService')).toBe(before);
      other.destroy();
    }
    expect(standIn.deployments()).toHaveLength(0);
  });

  it('refuses a configuration that can outlast the job, and mode continue without ecs-native, before any AWS call', async () => {
    const calls = proxy.count(/./);
    const long = await deploy({ 'job-timeout': '30m', 'hook-timeout': '30m' });
    expect(long.exitCode).toBe(1);
    expect(errorOf(long)).toMatch(
      /can take 61 minutes .* more than the job's timeout of 30 minutes.*raise 'job-timeout'/,
    );
    const noTimeout = await run({ mode: 'deploy', 'task-definition-arn': fx.taskDefinitions.v2 });
    expect(errorOf(noTimeout)).toMatch(/Input 'job-timeout' is required with strategy ecs-native/);
    const wrongMode = await run({ mode: 'shift' });
    expect(errorOf(wrongMode)).toMatch(
      /Input 'mode' must be one of deploy, continue, rollback, status with strategy ecs-native/,
    );
    const twoServices = await run({ strategy: 'two-services', mode: 'continue' });
    expect(errorOf(twoServices)).toMatch(/needs 'strategy: ecs-native'/);
    const stray = await deploy({ 'listener-arn': fx.productionRule });
    expect(errorOf(stray)).toMatch(/Input 'listener-arn' is for strategy two-services/);
    expect(proxy.count(/./)).toBe(calls);
    expect(standIn.deployments()).toHaveLength(0);
  });
});
