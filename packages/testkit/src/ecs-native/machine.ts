/**
 * The state machine of one ECS native service deployment (BLUE_GREEN, CANARY, LINEAR), as the
 * ECS documentation describes it. moto has no native deployments; the stand-in server
 * (`server.ts`) keeps one {@link NativeDeployment} per UpdateService and answers the
 * service-deployment APIs from it.
 *
 * Pages each rule comes from (ECS Developer Guide / API Reference):
 * - [LIFECYCLE] "Lifecycle hooks for Amazon ECS service deployments" and the API reference of
 *   `ServiceDeployment.lifecycleStage`: the stage order; RECONCILE_SERVICE only when more than one
 *   revision is ACTIVE; PRE_PRODUCTION_TRAFFIC_SHIFT and PRODUCTION_TRAFFIC_SHIFT "for linear and
 *   canary deployments ... invoked at every traffic shift step"; all other stages once.
 * - [PAUSE] "Pause hooks for Amazon ECS service deployments": a hookId per pause,
 *   `AWAITING_ACTION` until ContinueServiceDeployment or the timeout; `timeoutConfiguration`
 *   (`timeoutInMinutes` 1..20160, default 1440; `action` default ROLLBACK).
 * - [CONTINUE] "Continuing service deployments": the hook must be AWAITING_ACTION and the
 *   deployment IN_PROGRESS; CONTINUE goes to the next stage, ROLLBACK to the previous revision.
 * - [HOOK] API reference `DeploymentLifecycleHook.lifecycleStages`: "PAUSE hooks cannot be
 *   configured at TEST_TRAFFIC_SHIFT or PRODUCTION_TRAFFIC_SHIFT stages".
 * - [CONFIG] API reference `DeploymentConfiguration`, `CanaryConfiguration` (canaryPercent 0.1..100
 *   in 0.1 steps, default 5; canaryBakeTimeInMinutes 0..1440, default 10), `LinearConfiguration`
 *   (stepPercent 3..100, default 10; stepBakeTimeInMinutes 0..1440, default 6, "not applied after
 *   reaching 100 percent"); `bakeTimeInMinutes` required for BLUE_GREEN.
 * - [DEPLOYMENT] API reference `ServiceDeployment` / `Rollback`: statuses, `statusReason`
 *   ("the circuit breaker detected a failure"), `rollback.reason` / `startedAt` /
 *   `serviceRevisionArn`.
 */

export type NativeStrategy = 'BLUE_GREEN' | 'CANARY' | 'LINEAR';
export type HookAction = 'CONTINUE' | 'ROLLBACK';
export type DeploymentStatus =
  | 'PENDING'
  | 'IN_PROGRESS'
  | 'SUCCESSFUL'
  | 'STOPPED'
  | 'STOP_REQUESTED'
  | 'ROLLBACK_REQUESTED'
  | 'ROLLBACK_IN_PROGRESS'
  | 'ROLLBACK_SUCCESSFUL'
  | 'ROLLBACK_FAILED';

/** An error ECS would answer, in its JSON 1.1 `__type`. */
export class EcsApiError extends Error {
  constructor(
    readonly type: 'InvalidParameterException' | 'ClientException' | 'ServiceDeploymentNotFoundException',
    message: string,
  ) {
    super(message);
  }
}

/** A clock the tests drive: nothing in the stand-in reads the wall clock. */
export interface NativeClock {
  now(): number;
  /** Moves the clock forward. */
  advance(ms: number): void;
}

/**
 * A clock that only moves when told.
 *
 * @example
 * const clock = manualClock(Date.UTC(2026, 0, 5, 9));
 * clock.advance(60_000);
 */
export function manualClock(start = Date.UTC(2026, 0, 5, 9, 0, 0)): NativeClock {
  let now = start;
  return {
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
  };
}

/**
 * A clock that runs `scale` times faster than the wall clock (and can be moved on by hand), for
 * callers that sleep in real time, such as an action's bundle run as a process: with 120, one
 * ECS minute (a bake, a hook timeout) passes in half a second.
 *
 * @example
 * const standIn = await startEcsNativeStandIn({ upstream: proxy.url, clock: scaledClock(120) });
 */
export function scaledClock(scale: number, start = Date.UTC(2026, 0, 5, 9, 0, 0)): NativeClock {
  const startedAt = Date.now();
  let skipped = 0;
  return {
    now: () => start + (Date.now() - startedAt) * scale + skipped,
    advance: (ms) => {
      skipped += ms;
    },
  };
}

/** The strategy fields of UpdateService's `deploymentConfiguration`, as sent on the wire. */
export interface WireDeploymentConfiguration {
  strategy?: string;
  bakeTimeInMinutes?: number;
  canaryConfiguration?: { canaryPercent?: number; canaryBakeTimeInMinutes?: number };
  linearConfiguration?: { stepPercent?: number; stepBakeTimeInMinutes?: number };
  lifecycleHooks?: {
    targetType?: string;
    hookTargetArn?: string;
    roleArn?: string;
    lifecycleStages?: string[];
    timeoutConfiguration?: { timeoutInMinutes?: number; action?: string };
  }[];
  deploymentCircuitBreaker?: { enable?: boolean; rollback?: boolean };
  alarms?: { alarmNames?: string[]; enable?: boolean; rollback?: boolean };
  [other: string]: unknown;
}

const HOOK_STAGES = [
  'RECONCILE_SERVICE',
  'PRE_SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRE_PRODUCTION_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT',
];

function isMultipleOfTenth(value: number): boolean {
  return Math.abs(Math.round(value * 10) - value * 10) < 1e-9;
}

function inRange(name: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined) return;
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new EcsApiError('InvalidParameterException', `${name} must be between ${min} and ${max}.`);
  }
}

/** A native deployment plan: the production traffic steps and the waits ECS keeps. */
export interface DeploymentPlan {
  strategy: NativeStrategy;
  /** Production traffic on the new revision after each shift, in percent; the last is 100. */
  steps: number[];
  /** Wait after each shift but the last [CONFIG]. */
  stepBakeMinutes: number;
  bakeTimeMinutes: number;
  pauses: { stages: string[]; timeoutMinutes: number; timeoutAction: HookAction }[];
  circuitBreakerRollback: boolean;
  alarmRollback: boolean;
}

/**
 * Checks the strategy fields as ECS does and returns the plan, or throws the error ECS gives.
 *
 * @example
 * planOf({ strategy: 'CANARY', bakeTimeInMinutes: 0, canaryConfiguration: { canaryPercent: 10 } }).steps; // [10, 100]
 */
export function planOf(config: WireDeploymentConfiguration): DeploymentPlan {
  const strategy = config.strategy;
  if (strategy !== 'BLUE_GREEN' && strategy !== 'CANARY' && strategy !== 'LINEAR') {
    throw new EcsApiError(
      'InvalidParameterException',
      `Invalid deployment strategy '${String(strategy)}'. Valid values: ROLLING, BLUE_GREEN, LINEAR, CANARY.`,
    );
  }
  // [CONFIG] canaryConfiguration / linearConfiguration are "only valid when the strategy is ..."
  if (config.canaryConfiguration && strategy !== 'CANARY') {
    throw new EcsApiError(
      'InvalidParameterException',
      'canaryConfiguration is only valid with the CANARY strategy.',
    );
  }
  if (config.linearConfiguration && strategy !== 'LINEAR') {
    throw new EcsApiError(
      'InvalidParameterException',
      'linearConfiguration is only valid with the LINEAR strategy.',
    );
  }
  // [CONFIG] "You must provide this parameter when you use the BLUE_GREEN deployment strategy."
  if (strategy === 'BLUE_GREEN' && config.bakeTimeInMinutes === undefined) {
    throw new EcsApiError(
      'InvalidParameterException',
      'bakeTimeInMinutes is required for the BLUE_GREEN strategy.',
    );
  }
  inRange('bakeTimeInMinutes', config.bakeTimeInMinutes, 0, 1440);
  let steps = [100];
  let stepBakeMinutes = 0;
  if (strategy === 'CANARY') {
    const percent = config.canaryConfiguration?.canaryPercent ?? 5;
    inRange('canaryPercent', percent, 0.1, 100);
    if (!isMultipleOfTenth(percent)) {
      throw new EcsApiError('InvalidParameterException', 'canaryPercent must be a multiple of 0.1.');
    }
    stepBakeMinutes = config.canaryConfiguration?.canaryBakeTimeInMinutes ?? 10;
    inRange('canaryBakeTimeInMinutes', stepBakeMinutes, 0, 1440);
    steps = percent >= 100 ? [100] : [percent, 100];
  }
  if (strategy === 'LINEAR') {
    const step = config.linearConfiguration?.stepPercent ?? 10;
    inRange('stepPercent', step, 3, 100);
    if (!isMultipleOfTenth(step)) {
      throw new EcsApiError('InvalidParameterException', 'stepPercent must be a multiple of 0.1.');
    }
    stepBakeMinutes = config.linearConfiguration?.stepBakeTimeInMinutes ?? 6;
    inRange('stepBakeTimeInMinutes', stepBakeMinutes, 0, 1440);
    steps = [];
    for (let w = step; w < 100 - 1e-9; w = Math.round((w + step) * 10) / 10) steps.push(w);
    steps.push(100);
  }
  const pauses: DeploymentPlan['pauses'] = [];
  for (const hook of config.lifecycleHooks ?? []) {
    const stages = hook.lifecycleStages ?? [];
    if (stages.length === 0) {
      throw new EcsApiError(
        'InvalidParameterException',
        'lifecycleStages must be provided for a lifecycle hook.',
      );
    }
    for (const stage of stages) {
      if (!HOOK_STAGES.includes(stage)) {
        throw new EcsApiError('InvalidParameterException', `Invalid lifecycle stage '${stage}'.`);
      }
    }
    if ((hook.targetType ?? 'AWS_LAMBDA') !== 'PAUSE') {
      // Only PAUSE hooks are played by this stand-in; a Lambda hook would need a Lambda.
      throw new EcsApiError('InvalidParameterException', 'This stand-in plays PAUSE lifecycle hooks only.');
    }
    // [HOOK] "PAUSE hooks cannot be configured at TEST_TRAFFIC_SHIFT or PRODUCTION_TRAFFIC_SHIFT
    // stages. These stages are only valid for AWS_LAMBDA hooks."
    const forbidden = stages.find((s) => s === 'TEST_TRAFFIC_SHIFT' || s === 'PRODUCTION_TRAFFIC_SHIFT');
    if (forbidden) {
      throw new EcsApiError(
        'InvalidParameterException',
        `PAUSE lifecycle hooks cannot be configured at the ${forbidden} stage. This stage is only valid for AWS_LAMBDA hooks.`,
      );
    }
    const timeoutMinutes = hook.timeoutConfiguration?.timeoutInMinutes ?? 1440;
    inRange('timeoutInMinutes', timeoutMinutes, 1, 20160);
    const action = hook.timeoutConfiguration?.action ?? 'ROLLBACK';
    if (action !== 'ROLLBACK' && action !== 'CONTINUE') {
      throw new EcsApiError('InvalidParameterException', `Invalid timeout action '${action}'.`);
    }
    pauses.push({ stages, timeoutMinutes, timeoutAction: action });
  }
  return {
    strategy,
    steps,
    stepBakeMinutes,
    bakeTimeMinutes: config.bakeTimeInMinutes ?? 0,
    pauses,
    circuitBreakerRollback: Boolean(
      config.deploymentCircuitBreaker?.enable && config.deploymentCircuitBreaker.rollback,
    ),
    alarmRollback: Boolean(config.alarms?.enable && config.alarms.rollback),
  };
}

interface Phase {
  stage: string;
  /** Production traffic on the target after this stage (PRODUCTION_TRAFFIC_SHIFT). */
  productionWeight?: number;
  /** TEST_TRAFFIC_SHIFT sends all test traffic to the target. */
  testToTarget?: boolean;
  waitMinutes?: number;
}

/** [LIFECYCLE] The stages in order: the traffic-shift pair once per step, every other stage once. */
function phasesOf(plan: DeploymentPlan): Phase[] {
  const phases: Phase[] = [
    { stage: 'PRE_SCALE_UP' },
    { stage: 'SCALE_UP' },
    { stage: 'POST_SCALE_UP' },
    { stage: 'TEST_TRAFFIC_SHIFT', testToTarget: true },
    { stage: 'POST_TEST_TRAFFIC_SHIFT' },
  ];
  plan.steps.forEach((weight, i) => {
    phases.push({ stage: 'PRE_PRODUCTION_TRAFFIC_SHIFT' });
    const last = i === plan.steps.length - 1;
    phases.push({
      stage: 'PRODUCTION_TRAFFIC_SHIFT',
      productionWeight: weight,
      // [CONFIG] the step bake "is not applied after reaching 100 percent traffic".
      ...(last ? {} : { waitMinutes: plan.stepBakeMinutes }),
    });
  });
  phases.push({ stage: 'POST_PRODUCTION_TRAFFIC_SHIFT' });
  phases.push({ stage: 'BAKE_TIME', waitMinutes: plan.bakeTimeMinutes });
  phases.push({ stage: 'CLEAN_UP' });
  return phases;
}

export interface HookDetail {
  hookId: string;
  targetType: 'PAUSE';
  status: 'AWAITING_ACTION' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'IN_PROGRESS';
  expiresAt: number;
  timeoutAction: HookAction;
}

/** What the deployment asks of the load balancer: the stand-in server applies it in ELBv2. */
export interface TrafficChange {
  /** Production traffic on the target revision, percent. */
  productionToTarget: number;
  testToTarget: boolean;
}

/** Why ECS rolled back, for the scenario switches. */
export type FailureKind = 'circuit-breaker' | 'alarm';

let hookCounter = 0;

export class NativeDeployment {
  status: DeploymentStatus = 'IN_PROGRESS';
  statusReason: string | undefined;
  stage: string;
  hooks: HookDetail[] = [];
  rollback: { reason: string; startedAt: number; serviceRevisionArn: string } | undefined;
  productionToTarget = 0;
  testToTarget = false;
  readonly createdAt: number;
  startedAt: number;
  finishedAt: number | undefined;
  stoppedAt: number | undefined;
  updatedAt: number;
  private index = 0;
  private entered = false;
  private enteredAt = 0;
  private readonly phases: Phase[];
  /** A failure the scenario has armed: ECS detects it at SCALE_UP (the tasks never get healthy). */
  armedFailure: { kind: FailureKind; detail: string } | undefined;
  superseded = false;

  constructor(
    readonly arn: string,
    readonly serviceArn: string,
    readonly clusterArn: string,
    readonly sourceRevisionArn: string,
    readonly targetRevisionArn: string,
    readonly desiredCount: number,
    readonly plan: DeploymentPlan,
    readonly configuration: WireDeploymentConfiguration,
    private readonly clock: NativeClock,
  ) {
    this.phases = phasesOf(plan);
    this.stage = this.phases[0]!.stage;
    this.createdAt = clock.now();
    this.startedAt = clock.now();
    this.updatedAt = clock.now();
  }

  get awaitingHook(): HookDetail | undefined {
    return this.hooks.find((h) => h.status === 'AWAITING_ACTION');
  }

  /**
   * Moves the deployment as far as the clock allows and returns the traffic changes made on
   * the way, in order.
   */
  settle(): TrafficChange[] {
    const changes: TrafficChange[] = [];
    const now = this.clock.now();
    // [DEPLOYMENT] a rollback runs to ROLLBACK_SUCCESSFUL once the old revision has all traffic;
    // it takes at least one tick of the clock, so callers can see ROLLBACK_IN_PROGRESS.
    if (this.status === 'ROLLBACK_IN_PROGRESS' && this.rollback && now > this.rollback.startedAt) {
      this.status = 'ROLLBACK_SUCCESSFUL';
      this.finishedAt = now;
      this.updatedAt = now;
    }
    while (this.status === 'IN_PROGRESS') {
      const phase = this.phases[this.index]!;
      if (!this.entered) {
        this.entered = true;
        this.enteredAt = now;
        this.stage = phase.stage;
        this.updatedAt = now;
        this.hooks = [];
        if (phase.testToTarget) {
          this.testToTarget = true;
          changes.push({ productionToTarget: this.productionToTarget, testToTarget: true });
        }
        if (phase.productionWeight !== undefined) {
          this.productionToTarget = phase.productionWeight;
          changes.push({ productionToTarget: phase.productionWeight, testToTarget: this.testToTarget });
        }
        // [PAUSE] a hookId per pause; status AWAITING_ACTION; expiresAt from timeoutInMinutes.
        for (const pause of this.plan.pauses.filter((p) => p.stages.includes(phase.stage))) {
          hookCounter++;
          this.hooks.push({
            hookId: `ecs-pause-${hookCounter.toString(36).padStart(6, '0')}${this.arn.slice(-6)}`,
            targetType: 'PAUSE',
            status: 'AWAITING_ACTION',
            expiresAt: now + pause.timeoutMinutes * 60_000,
            timeoutAction: pause.timeoutAction,
          });
        }
      }
      const waiting = this.awaitingHook;
      if (waiting) {
        if (now < waiting.expiresAt) break;
        // [PAUSE] "until the configured timeout is reached": ECS takes the timeout action.
        waiting.status = 'TIMED_OUT';
        this.updatedAt = now;
        if (waiting.timeoutAction === 'ROLLBACK') {
          changes.push(
            ...this.startRollback(`Lifecycle hook ${waiting.hookId} timed out; timeout action ROLLBACK.`),
          );
          break;
        }
        continue;
      }
      if (phase.stage === 'SCALE_UP' && this.armedFailure) {
        changes.push(...this.fail(this.armedFailure));
        break;
      }
      if (phase.waitMinutes && now < this.enteredAt + phase.waitMinutes * 60_000) break;
      this.index++;
      this.entered = false;
      if (this.index >= this.phases.length) {
        this.status = 'SUCCESSFUL';
        this.finishedAt = now;
        this.updatedAt = now;
      }
    }
    return changes;
  }

  /** [CONTINUE] ContinueServiceDeployment: hook AWAITING_ACTION and deployment IN_PROGRESS only. */
  continueHook(hookId: string, action: HookAction): TrafficChange[] {
    if (this.status !== 'IN_PROGRESS') {
      throw new EcsApiError(
        'InvalidParameterException',
        `The service deployment ${this.arn} is in ${this.status} status. You can only continue a service deployment in IN_PROGRESS status.`,
      );
    }
    const hook = this.hooks.find((h) => h.hookId === hookId);
    if (!hook) {
      throw new EcsApiError(
        'InvalidParameterException',
        `The lifecycle hook ${hookId} was not found for the service deployment ${this.arn}.`,
      );
    }
    if (hook.status !== 'AWAITING_ACTION') {
      throw new EcsApiError(
        'InvalidParameterException',
        `The lifecycle hook ${hookId} is in ${hook.status} status. You can only act on a hook in AWAITING_ACTION status.`,
      );
    }
    hook.status = 'SUCCEEDED';
    this.updatedAt = this.clock.now();
    if (action === 'ROLLBACK')
      return this.startRollback(`Rollback requested with ContinueServiceDeployment on hook ${hookId}.`);
    return this.settle();
  }

  /** StopServiceDeployment with stopType ROLLBACK (the only value the API reference lists). */
  stop(): TrafficChange[] {
    if (this.status !== 'IN_PROGRESS' && this.status !== 'PENDING') {
      throw new EcsApiError(
        'ClientException',
        `The service deployment ${this.arn} is in ${this.status} status and can't be stopped.`,
      );
    }
    for (const hook of this.hooks) if (hook.status === 'AWAITING_ACTION') hook.status = 'FAILED';
    return this.startRollback('Service deployment stopped with StopServiceDeployment (ROLLBACK).');
  }

  /** A newer UpdateService supersedes a deployment still running. */
  supersede(): void {
    if (this.status !== 'IN_PROGRESS') return;
    this.superseded = true;
    this.status = 'STOPPED';
    this.statusReason = 'Superseded by a newer service deployment.';
    this.stoppedAt = this.clock.now();
    this.updatedAt = this.clock.now();
  }

  private fail(failure: { kind: FailureKind; detail: string }): TrafficChange[] {
    const rollback =
      failure.kind === 'circuit-breaker' ? this.plan.circuitBreakerRollback : this.plan.alarmRollback;
    // [DEPLOYMENT] statusReason says which mechanism found the failure; without its rollback
    // option the deployment stops ("the rollback option is not in use ... and the service fails").
    this.statusReason =
      failure.kind === 'circuit-breaker'
        ? `ECS deployment circuit breaker: ${failure.detail}`
        : `CloudWatch alarm(s) in ALARM: ${failure.detail}`;
    if (!rollback) {
      this.status = 'STOPPED';
      this.stoppedAt = this.clock.now();
      return [];
    }
    const reason =
      failure.kind === 'circuit-breaker'
        ? 'Service deployment rolled back because the circuit breaker threshold was exceeded.'
        : `Service deployment rolled back because alarm(s) ${failure.detail} went into ALARM.`;
    return this.startRollback(reason, this.statusReason);
  }

  /** Raises a failure now (an alarm during a bake, say), as ECS's alarm monitoring would. */
  trip(failure: { kind: FailureKind; detail: string }): TrafficChange[] {
    if (this.status !== 'IN_PROGRESS') return [];
    for (const hook of this.hooks) if (hook.status === 'AWAITING_ACTION') hook.status = 'FAILED';
    return this.fail(failure);
  }

  private startRollback(reason: string, statusReason = reason): TrafficChange[] {
    const now = this.clock.now();
    this.status = 'ROLLBACK_IN_PROGRESS';
    this.statusReason = statusReason;
    this.rollback = { reason, startedAt: now, serviceRevisionArn: this.sourceRevisionArn };
    this.productionToTarget = 0;
    this.testToTarget = false;
    this.updatedAt = now;
    return [{ productionToTarget: 0, testToTarget: false }];
  }
}
