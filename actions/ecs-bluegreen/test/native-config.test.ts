/**
 * The pure rules of ecs-native: configuration checks, traffic steps, the longest duration, the
 * ECS deploymentConfiguration, reading a ServiceDeployment, and the bounded wait. Limits from
 * the ECS API reference (CanaryConfiguration, LinearConfiguration, DeploymentLifecycleHook,
 * DeploymentLifecycleHookTimeoutConfiguration); stage repetition from "Lifecycle hooks for
 * Amazon ECS service deployments".
 */
import { describe, expect, it } from '@jest/globals';
import type { ServiceDeployment } from '@aws-sdk/client-ecs';
import { ActionFailure, ConfigurationError } from '@white-cross/core';
import {
  checkJobTimeout,
  checkNativeConfig,
  deploymentConfigurationOf,
  maxDurationMinutes,
  readDeployment,
  trafficSteps,
  waitForPause,
  type NativeConfig,
  type NativeEcsApi,
  type PauseStage,
} from '../src/native/index.js';

const BASE: NativeConfig = {
  strategy: 'CANARY',
  canaryPercent: 10,
  stepBakeMinutes: 1,
  bakeMinutes: 2,
  pauseStages: ['PRE_PRODUCTION_TRAFFIC_SHIFT'],
  hookTimeoutMinutes: 15,
  hookTimeoutAction: 'ROLLBACK',
  circuitBreaker: true,
  alarmNames: [],
};

describe('native configuration', () => {
  it('steps: canary once then 100, linear in equal steps to 100, blue/green at once', () => {
    expect(trafficSteps(BASE)).toEqual([10, 100]);
    expect(trafficSteps({ ...BASE, strategy: 'LINEAR', canaryPercent: undefined, stepPercent: 25 })).toEqual([
      25, 50, 75, 100,
    ]);
    expect(trafficSteps({ ...BASE, strategy: 'LINEAR', stepPercent: 30 })).toEqual([30, 60, 90, 100]);
    expect(trafficSteps({ ...BASE, strategy: 'BLUE_GREEN' })).toEqual([100]);
  });

  it('longest duration: bakes between steps, the final bake, and every pause to its timeout', () => {
    // PRE_PRODUCTION_TRAFFIC_SHIFT comes before each of the 2 steps: 1 + 2 + 2 × 15.
    expect(maxDurationMinutes(BASE)).toBe(33);
    const once: PauseStage[] = ['POST_TEST_TRAFFIC_SHIFT'];
    expect(maxDurationMinutes({ ...BASE, pauseStages: once })).toBe(18);
    expect(maxDurationMinutes({ ...BASE, strategy: 'LINEAR', stepPercent: 25 })).toBe(3 * 1 + 2 + 4 * 15);
  });

  it('refuses a configuration longer than the job, naming both numbers', () => {
    expect(() => checkJobTimeout(BASE, 33)).not.toThrow();
    expect(() => checkJobTimeout(BASE, 30)).toThrow(ConfigurationError);
    expect(() => checkJobTimeout(BASE, 30)).toThrow(
      /can take 33 minutes .*more than the job's timeout of 30 minutes/,
    );
  });

  it('refuses a PAUSE at the traffic-shift stages, and no pause at all', () => {
    expect(() =>
      checkNativeConfig({ ...BASE, pauseStages: ['PRODUCTION_TRAFFIC_SHIFT' as PauseStage] }),
    ).toThrow(
      /Input 'pause-stages' cannot hold 'PRODUCTION_TRAFFIC_SHIFT': ECS allows a PAUSE hook only at /,
    );
    expect(() => checkNativeConfig({ ...BASE, pauseStages: [] })).toThrow(/must name at least one stage/);
    expect(() => checkNativeConfig({ ...BASE, canaryPercent: 10.05 })).toThrow(
      "Input 'canary-percent' must be a multiple of 0.1 from 0.1 to 100; got 10.05.",
    );
    expect(() => checkNativeConfig({ ...BASE, hookTimeoutMinutes: 0 })).toThrow(
      /'hook-timeout' must be from 1 to 20160/,
    );
  });

  it('becomes the ECS deploymentConfiguration with one PAUSE hook', () => {
    expect(deploymentConfigurationOf({ ...BASE, alarmNames: ['api-5xx'] })).toEqual({
      strategy: 'CANARY',
      bakeTimeInMinutes: 2,
      canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 1 },
      lifecycleHooks: [
        {
          targetType: 'PAUSE',
          lifecycleStages: ['PRE_PRODUCTION_TRAFFIC_SHIFT'],
          timeoutConfiguration: { timeoutInMinutes: 15, action: 'ROLLBACK' },
        },
      ],
      deploymentCircuitBreaker: { enable: true, rollback: true },
      alarms: { alarmNames: ['api-5xx'], enable: true, rollback: true },
    });
  });
});

describe('reading a service deployment', () => {
  const paused: ServiceDeployment = {
    serviceDeploymentArn: 'arn:aws:ecs:us-east-1:123456789012:service-deployment/c/s/abc',
    status: 'IN_PROGRESS',
    // The SDK's ServiceDeploymentLifecycleStage enum lacks this value, though the API reference
    // of ServiceDeployment.lifecycleStage lists it ("invoked before every traffic shift step").
    lifecycleStage: 'PRE_PRODUCTION_TRAFFIC_SHIFT' as ServiceDeployment['lifecycleStage'],
    sourceServiceRevisions: [{ arn: 'r1', requestedProductionTrafficWeight: 90 }],
    targetServiceRevision: { arn: 'r2', requestedProductionTrafficWeight: 10 },
    lifecycleHookDetails: [
      { hookId: 'ecs-pause-1', targetType: 'PAUSE', status: 'AWAITING_ACTION', timeoutAction: 'ROLLBACK' },
    ],
  };

  it('gives the stage, the split and the hook awaiting action', () => {
    const state = readDeployment(paused);
    expect(state).toMatchObject({
      stage: 'PRE_PRODUCTION_TRAFFIC_SHIFT',
      traffic: { source: 90, target: 10 },
      awaiting: { hookId: 'ecs-pause-1', timeoutAction: 'ROLLBACK' },
      finished: false,
      rolledBack: false,
    });
  });

  it('names who rolled back', () => {
    const by = (d: Partial<ServiceDeployment>) =>
      readDeployment({ ...paused, lifecycleHookDetails: [], ...d }).rolledBackBy;
    expect(
      by({
        status: 'ROLLBACK_SUCCESSFUL',
        statusReason: 'ECS deployment circuit breaker: tasks failed to start.',
      }),
    ).toBe('circuit-breaker');
    expect(
      by({ status: 'ROLLBACK_IN_PROGRESS', rollback: { reason: 'alarm(s) api-5xx went into ALARM' } }),
    ).toBe('alarm');
    expect(
      by({
        status: 'ROLLBACK_SUCCESSFUL',
        lifecycleHookDetails: [{ hookId: 'h', targetType: 'PAUSE', status: 'TIMED_OUT' }],
      }),
    ).toBe('hook-timeout');
    expect(by({ status: 'ROLLBACK_SUCCESSFUL', rollback: { reason: 'Rollback requested.' } })).toBe(
      'requested',
    );
    expect(by({ status: 'SUCCESSFUL' })).toBeUndefined();
    // A hook is not actionable once the deployment is not IN_PROGRESS ("Continuing service deployments").
    expect(readDeployment({ ...paused, status: 'ROLLBACK_IN_PROGRESS' }).awaiting).toBeUndefined();
  });
});

describe('waitForPause', () => {
  it('is bounded: past its timeout it fails saying where the deployment was, without real time', async () => {
    // A fake adapter: the bound is pure logic over what DescribeServiceDeployments answers; the
    // scenarios in native.test.ts run the same loop against moto and the stand-in.
    let now = 0;
    let calls = 0;
    const ecs = {
      describeDeployment: async () => {
        calls++;
        return {
          ...{ serviceDeploymentArn: 'arn:d', status: 'IN_PROGRESS', lifecycleStage: 'SCALE_UP' },
        } as ServiceDeployment;
      },
    } as unknown as NativeEcsApi;
    const lines: string[] = [];
    const wait = waitForPause(
      {
        ecs,
        log: { info: (m) => void lines.push(m) },
        sleep: async (ms) => void (now += ms),
        clock: { now: () => now },
      },
      'arn:d',
      { timeoutSeconds: 60, pollSeconds: 10 },
    );
    await expect(wait).rejects.toBeInstanceOf(ActionFailure);
    await expect(
      waitForPause(
        {
          ecs,
          log: { info: () => undefined },
          sleep: async (ms) => void (now += ms),
          clock: { now: () => now },
        },
        'arn:d',
        { timeoutSeconds: 60, pollSeconds: 10 },
      ),
    ).rejects.toThrow(/reached no PAUSE within 60 s \(last: IN_PROGRESS at SCALE_UP, 0 % new \/ 100 % old\)/);
    expect(calls).toBe(14); // 7 looks (0..60 s every 10 s) per wait
    expect(lines).toEqual(['service deployment: IN_PROGRESS at SCALE_UP, 0 % new / 100 % old']);
  });
});
