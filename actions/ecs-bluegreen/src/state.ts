/**
 * The state of a blue/green pair as read from AWS (service facts, service tags and the
 * listener weights), and what each mode decides to do from it. Pure: the modes call AWS with
 * what these functions decide.
 */
import { ConfigurationError, shortArn } from '@white-cross/core';
import { otherColor, ROLES, TAG, type Color, type Role } from './constants.js';
import { imageTag } from './task-definition.js';
import { splitWithCanary, sameSplit, type TrafficSplit } from './traffic.js';

/** What AWS says about one color's service. */
export interface ServiceFacts {
  serviceName: string;
  serviceArn: string;
  taskDefinitionArn: string;
  desiredCount: number;
  runningCount: number;
  /** The target group the service registers its tasks in (first load balancer entry). */
  targetGroupArn?: string;
  tags: Readonly<Record<string, string>>;
}

/** One color as this action sees it. */
export interface ColorState extends ServiceFacts {
  color: Color;
  role?: Role;
  version?: string;
  /** When the color became live (ms since the epoch). */
  promotedAt?: number;
  rolledBackAt?: number;
  /** Percent of requests it receives. */
  weight: number;
}

/** Both colors, the split, which is live and which (if any) is the canary. */
export interface BlueGreenState {
  colors: Readonly<Record<Color, ColorState>>;
  split: TrafficSplit;
  live: Color;
  /** The non-live color when it is a canary: tagged `canary`, or receiving any traffic. */
  canary?: Color;
  /** Problems with the tags that the state had to resolve (shown as warnings). */
  warnings: string[];
}

function parseTime(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

function colorState(color: Color, facts: ServiceFacts, weight: number): ColorState {
  const role = facts.tags[TAG.role];
  return {
    ...facts,
    color,
    role: (ROLES as readonly string[]).includes(role ?? '') ? (role as Role) : undefined,
    version: facts.tags[TAG.version],
    promotedAt: parseTime(facts.tags[TAG.promotedAt]),
    rolledBackAt: parseTime(facts.tags[TAG.rolledBackAt]),
    weight,
  };
}

/**
 * Works out which color is live: the one tagged `live` (the later promotion if both are);
 * with no tags yet (a pair this action has never touched), the one with more traffic, blue on
 * a tie.
 *
 * @example
 * const state = deriveState({ blue: blueFacts, green: greenFacts }, { blue: 90, green: 10 });
 * state.live; // 'blue' when blue is tagged white-cross:role=live
 */
export function deriveState(
  services: Readonly<Record<Color, ServiceFacts>>,
  split: TrafficSplit,
): BlueGreenState {
  const colors = {
    blue: colorState('blue', services.blue, split.blue),
    green: colorState('green', services.green, split.green),
  };
  const warnings: string[] = [];
  const tagged = (['blue', 'green'] as const).filter((c) => colors[c].role === 'live');
  let live: Color;
  const [onlyTagged] = tagged;
  if (tagged.length === 1 && onlyTagged) {
    live = onlyTagged;
  } else if (tagged.length === 2) {
    const b = colors.blue.promotedAt ?? 0;
    const g = colors.green.promotedAt ?? 0;
    live = g > b || (g === b && split.green > split.blue) ? 'green' : 'blue';
    warnings.push(`Both services are tagged ${TAG.role}=live; taking ${live} (the later promotion) as live.`);
  } else {
    live = split.green > split.blue ? 'green' : 'blue';
  }
  const other = colors[otherColor(live)];
  const canary = other.role === 'canary' || other.weight > 0 ? other.color : undefined;
  return { colors, split, live, canary, warnings };
}

/** A tag change on one color's service. */
export interface TagChange {
  color: Color;
  set: Record<string, string>;
}

/** What a traffic mode (shift, promote, rollback to previous) will do. */
export interface TrafficDecision {
  /** The split to set; equal to the current one when nothing moves. */
  split: TrafficSplit;
  tags: TagChange[];
  /** A color that must be scaled up (to `count` tasks) and healthy before traffic moves. */
  scaleUp?: { color: Color; count: number };
  /** Why nothing changes, when nothing does. */
  nothingToDo?: string;
  /** The color that will be live afterwards. */
  live: Color;
}

/** A decision that cannot be carried out: a message for the user; nothing was changed. */
export class DecisionError extends Error {
  override readonly name = 'DecisionError';
}

/**
 * `shift`: the canary gets `percent` of requests, the live color the rest.
 *
 * @example
 * planShift(state, 25).split; // { blue: 75, green: 25 } with green the canary
 */
export function planShift(state: BlueGreenState, percent: number): TrafficDecision {
  if (!state.canary) {
    throw new DecisionError(
      `There is no canary to shift traffic to: ${state.live} is live with ${state.split[state.live]} % and ${otherColor(state.live)} is not a canary. Run mode deploy first.`,
    );
  }
  const split = splitWithCanary(state.canary, percent);
  return {
    split,
    tags: [],
    live: state.live,
    ...(sameSplit(split, state.split)
      ? { nothingToDo: `${state.canary} already receives ${percent} %.` }
      : {}),
  };
}

/**
 * `promote`: all traffic to the canary, which becomes live; the old live color becomes
 * `previous` and keeps running (cleanup scales it down later).
 *
 * @example
 * planPromote(state, '2026-11-21T16:00:00.000Z').split; // { blue: 0, green: 100 }
 */
export function planPromote(state: BlueGreenState, nowIso: string): TrafficDecision {
  const canary = state.canary;
  if (!canary) {
    if (state.split[state.live] === 100 && state.colors[state.live].role === 'live') {
      return {
        split: state.split,
        tags: [],
        live: state.live,
        nothingToDo: `${state.live} is already live with 100 %; nothing to promote.`,
      };
    }
    throw new DecisionError(
      `There is no canary to promote: ${otherColor(state.live)} is not a canary. Run mode deploy first.`,
    );
  }
  const split = splitWithCanary(canary, 100);
  const tags: TagChange[] = [
    { color: canary, set: { [TAG.role]: 'live', [TAG.promotedAt]: nowIso } },
    { color: state.live, set: { [TAG.role]: 'previous' } },
  ];
  return { split, tags, live: canary };
}

/**
 * `rollback` to `previous`: during a canary, all traffic back to the live color at once (the
 * canary is marked `rolled-back` and left running for diagnosis); after a promotion, all
 * traffic back to the previous color, scaled up first if cleanup had scaled it down.
 *
 * @example
 * planRollbackToPrevious(state, now).split; // { blue: 100, green: 0 } while green is a canary
 */
export function planRollbackToPrevious(state: BlueGreenState, nowIso: string): TrafficDecision {
  const live = state.colors[state.live];
  const other = state.colors[otherColor(state.live)];
  if (state.canary) {
    const split = splitWithCanary(state.live, 100);
    const tags: TagChange[] = [
      { color: state.canary, set: { [TAG.role]: 'rolled-back', [TAG.rolledBackAt]: nowIso } },
    ];
    return { split, tags, live: state.live };
  }
  if (other.role === 'rolled-back' && live.weight === 100) {
    return {
      split: state.split,
      tags: [],
      live: state.live,
      nothingToDo: `Already rolled back: ${live.color} is live with 100 % and ${other.color} was rolled back${other.rolledBackAt ? ` at ${new Date(other.rolledBackAt).toISOString()}` : ''}.`,
    };
  }
  if (other.role !== 'previous') {
    throw new DecisionError(
      `Nothing to roll back to: ${live.color} is live with ${live.weight} % and ${other.color} has never been live before it (no ${TAG.role}=previous tag on ${other.serviceName}). Roll back to a task definition ARN or a release tag instead.`,
    );
  }
  const split = splitWithCanary(other.color, 100);
  const tags: TagChange[] = [
    { color: other.color, set: { [TAG.role]: 'live', [TAG.promotedAt]: nowIso } },
    { color: live.color, set: { [TAG.role]: 'rolled-back', [TAG.rolledBackAt]: nowIso } },
  ];
  const count = Math.max(live.desiredCount, 1);
  const scaleUp = other.desiredCount < count ? { color: other.color, count } : undefined;
  return { split, tags, live: other.color, ...(scaleUp ? { scaleUp } : {}) };
}

/** What `deploy` (and a rollback to a given version) will do to the idle color. */
export interface DeployDecision {
  /** The color that receives the new task definition. */
  target: Color;
  /** Its task count: the live color's. */
  count: number;
  /** False when the target already runs the task definition at that count. */
  updateService: boolean;
  /** Why nothing is deployed, when nothing is. */
  nothingToDo?: string;
}

/**
 * `deploy`: the idle color gets the new task definition at the live color's count. Refuses
 * while a canary of another task definition receives traffic.
 *
 * @example
 * planDeploy(state, 'arn:aws:ecs:us-east-1:123456789012:task-definition/api:8').target; // 'green' when blue is live
 */
export function planDeploy(state: BlueGreenState, taskDefinitionArn: string): DeployDecision {
  const live = state.colors[state.live];
  const target = state.colors[otherColor(state.live)];
  if (live.taskDefinitionArn === taskDefinitionArn) {
    return {
      target: target.color,
      count: 0,
      updateService: false,
      nothingToDo: `${live.color} (live) already runs ${taskDefinitionArn}; nothing to deploy.`,
    };
  }
  if (state.canary && target.weight > 0 && target.taskDefinitionArn !== taskDefinitionArn) {
    throw new DecisionError(
      `A canary is in progress: ${target.color} runs ${target.taskDefinitionArn} and receives ${target.weight} %. Promote it or roll it back before deploying ${taskDefinitionArn}.`,
    );
  }
  const count = Math.max(live.desiredCount, 1);
  const updateService = target.taskDefinitionArn !== taskDefinitionArn || target.desiredCount !== count;
  return { target: target.color, count, updateService };
}

/** What `cleanup` will do. */
export interface CleanupDecision {
  /** The color to scale down, and to how many tasks. */
  scaleDown?: { color: Color; count: number };
  /** Why nothing is scaled down, when nothing is. */
  reason: string;
  /** When the scale-down is due (ms), when a promotion time is known. */
  dueAt?: number;
}

/**
 * `cleanup`: once the live color was promoted more than `retainMs` ago, the other color is
 * scaled to `warmCount`. Never while a canary is in progress.
 *
 * @example
 * planCleanup(state, Date.parse('2026-11-22T17:00:00Z'), 24 * 3_600_000, 0).scaleDown; // { color: 'blue', count: 0 }
 */
export function planCleanup(
  state: BlueGreenState,
  now: number,
  retainMs: number,
  warmCount: number,
): CleanupDecision {
  const live = state.colors[state.live];
  const old = state.colors[otherColor(state.live)];
  if (state.canary) {
    return {
      reason: `${state.canary} is a canary receiving ${old.weight} %; cleanup waits until it is promoted or rolled back.`,
    };
  }
  if (live.promotedAt === undefined) {
    return {
      reason: `${live.color} has no ${TAG.promotedAt} tag (it was never promoted by this action); nothing is scaled down.`,
    };
  }
  const dueAt = live.promotedAt + retainMs;
  if (now < dueAt) {
    return {
      reason: `${live.color} was promoted at ${new Date(live.promotedAt).toISOString()}; ${old.color} is kept until ${new Date(dueAt).toISOString()}.`,
      dueAt,
    };
  }
  if (old.desiredCount <= warmCount) {
    return {
      reason: `${old.color} already runs ${old.desiredCount} task(s) (warm count ${warmCount}).`,
      dueAt,
    };
  }
  return {
    scaleDown: { color: old.color, count: warmCount },
    reason: `${live.color} was promoted at ${new Date(live.promotedAt).toISOString()}, more than the retention ago; ${old.color} goes from ${old.desiredCount} to ${warmCount} task(s).`,
    dueAt,
  };
}

/**
 * `rollback` to `previous`, once the previous color's healthy targets are known: when it would
 * become live with none (its tasks are gone but its desired count says otherwise), it is scaled
 * up and waited for first, as after cleanup.
 *
 * @example
 * planRollbackToPreviousWithHealth(promoted, now, 0).scaleUp; // { color: 'blue', count: 2 }
 */
export function planRollbackToPreviousWithHealth(
  state: BlueGreenState,
  nowIso: string,
  previousHealthy: number,
): TrafficDecision {
  const decision = planRollbackToPrevious(state, nowIso);
  if (decision.nothingToDo || decision.scaleUp || decision.live === state.live || previousHealthy > 0)
    return decision;
  return {
    ...decision,
    scaleUp: { color: decision.live, count: Math.max(state.colors[state.live].desiredCount, 1) },
  };
}

/** Whether a rollback needs the previous color's target health (it becomes live without scale-up). */
export function needsPreviousHealth(state: BlueGreenState, nowIso: string): Color | undefined {
  const decision = planRollbackToPrevious(state, nowIso);
  return !decision.nothingToDo && !decision.scaleUp && decision.live !== state.live
    ? decision.live
    : undefined;
}

/** What a rollback to a given task definition (an ARN, or a release's) does. */
export type RollbackToTaskDefinitionDecision =
  | {
      kind: 'already-live';
      /** Set when a canary must first be taken out of traffic. */
      split?: TrafficSplit;
      tags: TagChange[];
      outcome: string;
    }
  | {
      kind: 'bring-up';
      /** Set when a canary must first be taken out of traffic. */
      split?: TrafficSplit;
      target: Color;
      count: number;
      /** After the target is ready: all traffic to it, and the roles. */
      finalSplit: TrafficSplit;
      tags: TagChange[];
    };

/**
 * `rollback` to a task definition: any canary first loses its traffic (this is a rollback);
 * then, unless the live color already runs it, the other color is brought up on it at the live
 * color's count and takes all traffic, and the old live color is marked rolled back.
 *
 * @example
 * planRollbackToTaskDefinition(state, 'arn…:task-definition/api:3', now).kind; // 'bring-up'
 */
export function planRollbackToTaskDefinition(
  state: BlueGreenState,
  taskDefinitionArn: string,
  nowIso: string,
): RollbackToTaskDefinitionDecision {
  const live = state.colors[state.live];
  const split = state.split[state.live] !== 100 ? splitWithCanary(state.live, 100) : undefined;
  if (live.taskDefinitionArn === taskDefinitionArn) {
    return {
      kind: 'already-live',
      ...(split ? { split } : {}),
      tags: state.canary
        ? [{ color: state.canary, set: { [TAG.role]: 'rolled-back', [TAG.rolledBackAt]: nowIso } }]
        : [],
      outcome: `${live.color} already runs ${shortArn(taskDefinitionArn)} and serves 100 %.`,
    };
  }
  const target = otherColor(state.live);
  return {
    kind: 'bring-up',
    ...(split ? { split } : {}),
    target,
    count: Math.max(live.desiredCount, 1),
    finalSplit: splitWithCanary(target, 100),
    tags: [
      { color: target, set: { [TAG.role]: 'live', [TAG.promotedAt]: nowIso } },
      { color: state.live, set: { [TAG.role]: 'rolled-back', [TAG.rolledBackAt]: nowIso } },
    ],
  };
}

/** Where a rollback to a release tag gets its task definition. */
export type ReleaseSource<F> = { kind: 'registered'; arn: string } | { kind: 'build'; files: F };

/**
 * A rollback to a release: the registered revision tagged with it if there is one, else one
 * built from the release's own files; refused (naming what was searched) when neither exists.
 *
 * @example
 * chooseReleaseSource('v1.3.0', undefined, files, ['api']); // { kind: 'build', files }
 */
export function chooseReleaseSource<F>(
  tag: string,
  registered: string | undefined,
  files: F | undefined,
  families: readonly string[],
): ReleaseSource<F> {
  if (registered) return { kind: 'registered', arn: registered };
  if (files) return { kind: 'build', files };
  throw new ConfigurationError(
    `Input 'to': no active task definition of ${families.join(', ')} is tagged ${TAG.version}=${tag}. Give 'task-definition' (the release's own task definition file) and 'image' (the release's image) to build one.`,
    'to',
  );
}

/**
 * A deploy's first traffic once the target is ready: the canary weight, unless the target
 * already receives traffic (a re-run), which is left as it is.
 *
 * @example
 * planFirstTraffic(state, 'green', 10); // { blue: 90, green: 10 } when green has 0 %
 */
export function planFirstTraffic(
  state: BlueGreenState,
  target: Color,
  traffic: number,
): TrafficSplit | undefined {
  return state.split[target] === 0 ? splitWithCanary(target, traffic) : undefined;
}

/**
 * Tags a deploy writes on the live color before anything else: a pair never touched by this
 * action gets its live color tagged, so later runs agree on which color is live.
 */
export function liveRoleTags(state: BlueGreenState): TagChange[] {
  return state.colors[state.live].role ? [] : [{ color: state.live, set: { [TAG.role]: 'live' } }];
}

/**
 * Tags that put a color back after it did not become ready: its role and version as they were
 * (a color that had no role is marked rolled back).
 */
export function restoreTags(color: Color, prior: Readonly<Record<string, string>>): TagChange {
  const version = prior[TAG.version];
  return {
    color,
    set: { [TAG.role]: prior[TAG.role] ?? 'rolled-back', ...(version ? { [TAG.version]: version } : {}) },
  };
}

/**
 * A deploy refuses to register another revision while a canary receives traffic.
 *
 * @example
 * refuseDeployDuringCanary(canaryAt10, 'task-definition.json'); // throws DecisionError
 */
export function refuseDeployDuringCanary(state: BlueGreenState, what: string): void {
  const canary = state.canary;
  if (canary && state.split[canary] > 0) {
    throw new DecisionError(
      `A canary is in progress: ${canary} runs ${state.colors[canary].taskDefinitionArn} and receives ${state.split[canary]} %. Promote it or roll it back before deploying a new task definition from ${what}.`,
    );
  }
}

/**
 * The release a task definition carries: its version tag, else the given `version` input,
 * else its main image's tag.
 */
export function versionOf(
  tags: Readonly<Record<string, string>>,
  given: string | undefined,
  image: string | undefined,
): string | undefined {
  return tags[TAG.version] ?? given ?? (image ? imageTag(image) : undefined);
}

/** A listener or rule, other than the one this action splits, that also sends requests to a color. */
export interface OtherRoute {
  kind: 'listener' | 'rule';
  arn: string;
  colors: Color[];
}

/**
 * The listeners and rules, besides the router, whose actions forward to either color's target
 * group: after a promote they keep sending requests to the old color (and 503 once cleanup
 * scaled it down), so a run refuses before changing anything while there are any.
 *
 * @example
 * otherRoutes(routes, { blue: blueTg, green: greenTg }, listenerArn, []); // [{ kind: 'rule', arn: '…', colors: ['blue'] }]
 */
export function otherRoutes(
  routes: readonly {
    kind: 'listener' | 'rule';
    arn: string;
    actions: readonly {
      TargetGroupArn?: string;
      ForwardConfig?: { TargetGroups?: { TargetGroupArn?: string }[] };
    }[];
  }[],
  targetGroups: Readonly<Record<Color, string>>,
  routerArn: string,
  ownRoutes: readonly string[],
): OtherRoute[] {
  const found: OtherRoute[] = [];
  const seen = new Set<string>();
  for (const route of routes) {
    if (route.arn === routerArn || ownRoutes.includes(route.arn) || seen.has(route.arn)) continue;
    seen.add(route.arn);
    const arns = route.actions.flatMap((a) => [
      ...(a.TargetGroupArn ? [a.TargetGroupArn] : []),
      ...(a.ForwardConfig?.TargetGroups ?? []).flatMap((t) => (t.TargetGroupArn ? [t.TargetGroupArn] : [])),
    ]);
    const colors = (['blue', 'green'] as const).filter((c) => arns.includes(targetGroups[c]));
    if (colors.length) found.push({ kind: route.kind, arn: route.arn, colors });
  }
  return found;
}

/**
 * Refuses a change while other routes send requests to the pair (see {@link otherRoutes}).
 */
export function refuseOtherRoutes(found: readonly OtherRoute[], router: { kind: string; arn: string }): void {
  if (found.length === 0) return;
  const named = found.map((r) => `${r.kind} ${r.arn} (to ${r.colors.join(' and ')})`).join('; ');
  throw new DecisionError(
    `Other routing sends requests to the pair besides the ${router.kind} ${router.arn}: ${named}. After a promote it would keep sending them to the old color, which cleanup scales down; point it at the ${router.kind} this action controls, or remove it, then run again.`,
  );
}

/**
 * What a rollback does about group-level stickiness, and what the summary says about it. With
 * stickiness kept, clients already bound to the rolled-back color stay on it until their
 * stickiness ends; with it turned off they move at once — a nurse mid-visit is moved off the
 * failing version right away, but may have to sign in again or re-enter a form that was held
 * only by the task that served it.
 *
 * @example
 * planStickiness({ durationSeconds: 3600 }, false, 'green').note; // 'Stickiness is on …'
 */
export function planStickiness(
  sticky: { durationSeconds: number } | undefined,
  disable: boolean,
  rolledBack: Color,
): { stickiness: 'keep' | 'off'; note?: string } {
  if (!sticky) return { stickiness: 'keep' };
  const duration = `${sticky.durationSeconds} s`;
  if (disable) {
    return {
      stickiness: 'off',
      note: `Stickiness (${duration}) was turned off with this rollback, so clients bound to ${rolledBack} moved at once. Trade-off: a nurse mid-visit is off the rolled-back version immediately, but may have to sign in again or re-enter a form that only ${rolledBack}'s tasks held. Turn stickiness back on when the incident is over.`,
    };
  }
  return {
    stickiness: 'keep',
    note: `Stickiness is on (${duration}): clients already bound to ${rolledBack} keep reaching it until their stickiness ends, up to ${duration} after this rollback. To move them at once, run the rollback again with disable-stickiness: true (a nurse mid-visit may then have to sign in again or re-enter an unsaved form).`,
  };
}

/**
 * The color that really serves requests, read from the weights: the tagged live color, unless
 * the other one has all the traffic (a promote interrupted after the weights moved and before
 * the tags were written), which the note explains.
 *
 * @example
 * servingColor(stateWithGreenAt100ButBlueTaggedLive).color; // 'green'
 */
export function servingColor(state: BlueGreenState): { color: Color; note?: string } {
  const other = otherColor(state.live);
  if (state.split[other] !== 100) return { color: state.live };
  return {
    color: other,
    note: `${other} serves 100 % of requests although ${state.live} is still tagged ${TAG.role}=live: a promote was interrupted after moving the traffic and before writing the tags. Run promote again to finish it, or rollback to put traffic back on ${state.live}.`,
  };
}

/** The run that holds a pair's lock, and until when. */
export interface LockHolder {
  /** `<repository>/actions/runs/<id>`, or `local/<pid>` outside Actions. */
  run: string;
  attempt: string;
  expiresAt: number;
}

const LOCK_VALUE = /^run=(\S+) attempt=(\S+) until=(\S+)$/;

/** Reads the lock tag; a value that is not a lock is no lock. */
export function parseLock(value: string | undefined): LockHolder | undefined {
  const m = value ? LOCK_VALUE.exec(value) : null;
  const expiresAt = m ? Date.parse(m[3] ?? '') : NaN;
  return m && Number.isFinite(expiresAt) ? { run: m[1] ?? '', attempt: m[2] ?? '', expiresAt } : undefined;
}

/** The lock tag's value. */
export function formatLock(holder: LockHolder): string {
  return `run=${holder.run} attempt=${holder.attempt} until=${new Date(holder.expiresAt).toISOString()}`;
}

/**
 * Whether this run may take the pair's lock. Another run's lock that has not expired refuses
 * the run before any change, naming the holder — except for a rollback, which never waits (it
 * is what a failed or cancelled deploy runs next) and takes the lock over, saying from whom; the
 * run that lost it stops before its next traffic change. The same run (a re-run attempt) and an
 * expired lock are taken over.
 *
 * @example
 * planLock(parseLock(tags['white-cross:lock']), me, Date.now(), 'deploy'); // { takeover: undefined } when free
 */
export function planLock(
  current: LockHolder | undefined,
  me: LockHolder,
  now: number,
  rollback: boolean,
): { takeover?: string } {
  if (!current || current.run === me.run) return {};
  const holder = `${current.run} (attempt ${current.attempt}, until ${new Date(current.expiresAt).toISOString()})`;
  if (current.expiresAt <= now) return { takeover: `the expired lock of ${holder}` };
  if (rollback) return { takeover: `the lock of ${holder}, which stops before its next traffic change` };
  throw new DecisionError(
    `Another run is changing this blue/green pair: ${holder} holds its lock (tag ${TAG.lock}). Wait for it to finish, or let the lock expire.`,
  );
}
