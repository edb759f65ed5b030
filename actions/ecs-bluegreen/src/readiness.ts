/**
 * When is a color ready for traffic? What `aws ecs wait services-stable` checks (one
 * deployment, running = desired), on the expected task definition, plus what the ALB says:
 * at least as many healthy targets in the color's target group as tasks wanted. Pure; the
 * waiting loop lives in `wait.ts`.
 */
import { shortArn } from '@white-cross/core';
import type { ServiceDescription, TargetHealthInfo } from './aws.js';

export interface Readiness {
  ready: boolean;
  /** Set when waiting longer cannot help (the deployment circuit breaker failed it). */
  failed?: string;
  /** One line for the log: where the rollout is. */
  progress: string;
  healthy: number;
}

/**
 * Judges one poll of the service and its target group.
 *
 * @example
 * assessReadiness(service, targets, { taskDefinitionArn, count: 2 }).ready; // true once 2 targets are healthy and the service is steady
 */
export function assessReadiness(
  service: ServiceDescription,
  targets: readonly TargetHealthInfo[],
  expected: { taskDefinitionArn: string; count: number },
): Readiness {
  const healthy = targets.filter((t) => t.state === 'healthy').length;
  const states = countBy(targets.map((t) => t.state));
  const primary = service.deployments.find((d) => d.status === 'PRIMARY');
  const onExpected = service.taskDefinitionArn === expected.taskDefinitionArn;
  if (primary?.rolloutState === 'FAILED' && primary.taskDefinition === expected.taskDefinitionArn) {
    return {
      ready: false,
      failed: `the ECS deployment failed: ${primary.rolloutStateReason ?? 'no reason given'}`,
      progress: '',
      healthy,
    };
  }
  // The circuit breaker with rollback: ECS marks the new deployment FAILED and makes a new
  // PRIMARY deployment of the last one that completed. Waiting longer cannot help.
  const failed = service.deployments.find(
    (d) => d.taskDefinition === expected.taskDefinitionArn && d.rolloutState === 'FAILED',
  );
  if (failed) {
    const back =
      primary && primary.taskDefinition !== expected.taskDefinitionArn ? primary.taskDefinition : undefined;
    return {
      ready: false,
      failed: `the ECS deployment failed${back ? ` and ECS is rolling the service back to ${shortArn(back)}` : ''}: ${failed.rolloutStateReason ?? 'no reason given'}`,
      progress: '',
      healthy,
    };
  }
  const steady =
    onExpected &&
    service.deployments.length <= 1 &&
    service.desiredCount === expected.count &&
    service.runningCount === expected.count &&
    service.pendingCount === 0;
  const progress = [
    `tasks ${service.runningCount}/${expected.count} running${service.pendingCount ? `, ${service.pendingCount} pending` : ''}`,
    `deployments ${service.deployments.length}`,
    `targets ${healthy}/${expected.count} healthy${states.length ? ` (${states.join(', ')})` : ' (none registered)'}`,
  ].join('; ');
  return { ready: steady && healthy >= expected.count, progress, healthy };
}

function countBy(values: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n} ${k}`);
}
