import { describe, expect, test } from '@jest/globals';
import type { ServiceDescription, TargetHealthInfo } from '../src/aws.js';
import { assessReadiness } from '../src/readiness.js';
import { diagnosticLines } from '../src/wait.js';

const TD = 'arn:aws:ecs:us-east-1:123456789012:task-definition/api:8';
const OLD = 'arn:aws:ecs:us-east-1:123456789012:task-definition/api:7';

function service(over: Partial<ServiceDescription> = {}): ServiceDescription {
  return {
    serviceName: 'api-green',
    serviceArn: 'arn:aws:ecs:us-east-1:123456789012:service/c/api-green',
    taskDefinitionArn: TD,
    desiredCount: 2,
    runningCount: 2,
    pendingCount: 0,
    tags: {},
    deployments: [
      { status: 'PRIMARY', taskDefinition: TD, rolloutState: 'COMPLETED', runningCount: 2, desiredCount: 2 },
    ],
    events: [],
    ...over,
  };
}
const healthy = (n: number): TargetHealthInfo[] =>
  Array.from({ length: n }, (_, i) => ({ id: `10.0.1.${i}`, port: 3000, state: 'healthy' }));
const expected = { taskDefinitionArn: TD, count: 2 };

describe('assessReadiness', () => {
  // ECS API reference, DeploymentCircuitBreaker: with rollback on, a failed deployment is FAILED
  // and the service goes back to the last deployment that completed (a new PRIMARY on it).
  test('the circuit breaker rolled back: failed at once with ECS reason, naming where ECS goes back to', () => {
    const rolledBack = service({
      taskDefinitionArn: OLD,
      deployments: [
        { status: 'PRIMARY', taskDefinition: OLD, rolloutState: 'IN_PROGRESS' },
        {
          status: 'ACTIVE',
          taskDefinition: TD,
          rolloutState: 'FAILED',
          rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
        },
      ],
    });
    expect(assessReadiness(rolledBack, healthy(2), expected)).toMatchObject({
      ready: false,
      failed:
        'the ECS deployment failed and ECS is rolling the service back to api:7: ECS deployment circuit breaker: tasks failed to start.',
    });
  });

  test('ready: steady on the task definition with as many healthy targets as tasks', () => {
    expect(assessReadiness(service(), healthy(2), expected)).toMatchObject({ ready: true, healthy: 2 });
  });

  test('not ready while the old deployment drains, tasks are pending, or targets are not yet healthy', () => {
    const draining = service({
      deployments: [...service().deployments, { status: 'ACTIVE', taskDefinition: OLD }],
    });
    // Old tasks may still be healthy targets: steady state (one deployment) is what rules them out.
    expect(assessReadiness(draining, healthy(4), expected).ready).toBe(false);
    expect(assessReadiness(service({ runningCount: 1, pendingCount: 1 }), healthy(1), expected).ready).toBe(
      false,
    );
    const initial: TargetHealthInfo[] = [
      ...healthy(1),
      { id: '10.0.1.9', state: 'initial', reason: 'Elb.RegistrationInProgress' },
    ];
    const r = assessReadiness(service(), initial, expected);
    expect(r.ready).toBe(false);
    expect(r.progress).toBe('tasks 2/2 running; deployments 1; targets 1/2 healthy (1 healthy, 1 initial)');
  });

  test('not ready on another task definition', () => {
    expect(assessReadiness(service({ taskDefinitionArn: OLD }), healthy(2), expected).ready).toBe(false);
  });

  test('a deployment the circuit breaker failed ends the wait', () => {
    const failed = service({
      deployments: [
        {
          status: 'PRIMARY',
          taskDefinition: TD,
          rolloutState: 'FAILED',
          rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
        },
      ],
    });
    expect(assessReadiness(failed, [], expected).failed).toBe(
      'the ECS deployment failed: ECS deployment circuit breaker: tasks failed to start.',
    );
  });
});

test('diagnosticLines: service events, stopped tasks, unhealthy targets', () => {
  expect(
    diagnosticLines({
      events: [
        {
          at: Date.parse('2026-11-21T16:00:00Z'),
          message: '(service api-green) has started 2 tasks: (task 1a2b).',
        },
      ],
      stoppedTasks: [
        {
          taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/c/1a2b',
          stoppedReason: 'Essential container in task exited',
          containerReasons: ['api: exit code 1'],
        },
      ],
      unhealthyTargets: [
        {
          id: '10.0.1.5',
          port: 3000,
          state: 'unhealthy',
          reason: 'Target.ResponseCodeMismatch',
          description: 'Health checks failed with these codes: [502]',
        },
      ],
    }),
  ).toEqual([
    'event 2026-11-21T16:00:00.000Z: (service api-green) has started 2 tasks: (task 1a2b).',
    'stopped task 1a2b: Essential container in task exited (api: exit code 1)',
    'target 10.0.1.5:3000 unhealthy (Target.ResponseCodeMismatch: Health checks failed with these codes: [502])',
  ]);
});
