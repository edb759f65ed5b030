/**
 * What a ServiceDeployment (DescribeServiceDeployments) says, read once into our terms: the
 * stage, the production split, the PAUSE awaiting our answer, and — when ECS rolled back —
 * who decided it (its circuit breaker, an alarm, a hook timeout, or a request).
 *
 * Fields and statuses: ECS API reference ServiceDeployment, ServiceRevisionSummary
 * (requestedProductionTrafficWeight), DeploymentLifecycleHookDetail, Rollback; "Pause hooks for
 * Amazon ECS service deployments" (hookId, AWAITING_ACTION, expiresAt, timeoutAction).
 */
import type { ServiceDeployment } from '@aws-sdk/client-ecs';

export type RolledBackBy = 'circuit-breaker' | 'alarm' | 'hook-timeout' | 'requested';

export interface AwaitingHook {
  hookId: string;
  expiresAt: Date | undefined;
  timeoutAction: string | undefined;
}

export interface NativeState {
  deploymentArn: string;
  status: string;
  stage: string;
  /** Production traffic in percent: the old revision(s) and the new. */
  traffic: { source: number; target: number };
  awaiting: AwaitingHook | undefined;
  finished: boolean;
  rolledBack: boolean;
  rolledBackBy: RolledBackBy | undefined;
  /** ECS's own words (statusReason / rollback.reason): no secrets or PHI are in them. */
  reason: string | undefined;
}

const TERMINAL = new Set(['SUCCESSFUL', 'STOPPED', 'ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED']);
const ROLLBACK = new Set([
  'ROLLBACK_REQUESTED',
  'ROLLBACK_IN_PROGRESS',
  'ROLLBACK_SUCCESSFUL',
  'ROLLBACK_FAILED',
]);

/**
 * Who made ECS roll back, from its reasons and the hooks.
 *
 * @example
 * rolledBackByOf({ status: 'ROLLBACK_SUCCESSFUL', statusReason: 'ECS deployment circuit breaker: tasks failed to start.' }); // 'circuit-breaker'
 */
export function rolledBackByOf(d: ServiceDeployment): RolledBackBy | undefined {
  if (!ROLLBACK.has(d.status ?? '')) return undefined;
  const words = `${d.statusReason ?? ''} ${d.rollback?.reason ?? ''}`;
  if (/circuit breaker/i.test(words)) return 'circuit-breaker';
  if (/alarm/i.test(words)) return 'alarm';
  if ((d.lifecycleHookDetails ?? []).some((h) => h.status === 'TIMED_OUT') || /timed out/i.test(words)) {
    return 'hook-timeout';
  }
  return 'requested';
}

/**
 * Reads a service deployment.
 *
 * @example
 * readDeployment(described).awaiting?.hookId;
 */
export function readDeployment(d: ServiceDeployment): NativeState {
  const status = d.status ?? 'PENDING';
  const target = d.targetServiceRevision?.requestedProductionTrafficWeight ?? 0;
  const source = (d.sourceServiceRevisions ?? []).reduce(
    (n, r) => n + (r.requestedProductionTrafficWeight ?? 0),
    0,
  );
  const hook = (d.lifecycleHookDetails ?? []).find(
    (h) => h.targetType === 'PAUSE' && h.status === 'AWAITING_ACTION',
  );
  return {
    deploymentArn: d.serviceDeploymentArn ?? '',
    status,
    stage: d.lifecycleStage ?? 'UNKNOWN',
    traffic: { source: d.sourceServiceRevisions?.length ? source : 100 - target, target },
    awaiting:
      hook?.hookId && status === 'IN_PROGRESS'
        ? { hookId: hook.hookId, expiresAt: hook.expiresAt, timeoutAction: hook.timeoutAction }
        : undefined,
    finished: TERMINAL.has(status),
    rolledBack: ROLLBACK.has(status),
    rolledBackBy: rolledBackByOf(d),
    reason: d.rollback?.reason ?? d.statusReason,
  };
}

/** "10 % new / 90 % old". */
export function splitText(traffic: NativeState['traffic']): string {
  return `${traffic.target} % new / ${traffic.source} % old`;
}
