/**
 * Carries out what `state.ts` decided, one AWS change at a time, keeping its picture of the
 * pair in step with AWS (so a failure can say exactly what it left) and recording each step
 * with its timing for the summary and the audit record.
 */
import { ActionFailure, shortArn, type ActionContext } from '@white-cross/core';
import type { BlueGreenAws, ServiceDescription } from './aws.js';
import { COLORS, TAG, type Color, type Role } from './constants.js';
import type { CommonInputs, TaskDefinitionFile } from './inputs.js';
import type { Pair } from './pair.js';
import type { RunReport } from './report.js';
import {
  DecisionError,
  deriveState,
  formatLock,
  parseLock,
  planLock,
  restoreTags,
  type BlueGreenState,
  type LockHolder,
  type TagChange,
  type TrafficDecision,
} from './state.js';
import { formatSplit, sameSplit, withTrafficSplit, type TrafficSplit } from './traffic.js';
import { collectDiagnostics, diagnosticLines, waitUntilReady } from './wait.js';

/** One run: the pair as it is now, and the changes made to it (kept in step with AWS). */
export class BlueGreenRun {
  readonly services: Record<Color, ServiceDescription>;
  split: TrafficSplit;

  constructor(
    readonly inputs: CommonInputs,
    readonly ctx: ActionContext,
    readonly aws: BlueGreenAws,
    readonly pair: Pair,
    readonly report: RunReport,
    /** Aborted when the job is cancelled: waits stop, no further change is started. */
    readonly signal: AbortSignal = new AbortController().signal,
  ) {
    this.services = { blue: { ...pair.services.blue }, green: { ...pair.services.green } };
    this.split = pair.state.split;
  }

  state(): BlueGreenState {
    return deriveState(this.services, this.split);
  }

  nowIso(): string {
    return new Date(this.ctx.clock.now()).toISOString();
  }

  /** Runs one step and records it (name, time taken, a detail from its result). */
  async step<T>(
    name: string,
    body: () => Promise<T>,
    detail?: (result: T) => string | undefined,
  ): Promise<T> {
    const started = this.ctx.clock.now();
    const result = await body();
    const text = detail?.(result);
    this.report.steps.push({
      step: name,
      ms: this.ctx.clock.now() - started,
      ...(text ? { detail: text } : {}),
    });
    return result;
  }

  /** What the pair is left as, for a failure message. */
  stateLeft(): string {
    const colors = COLORS.map(
      (c) =>
        `${c} runs ${shortArn(this.services[c].taskDefinitionArn)} with ${this.services[c].desiredCount} task(s)`,
    );
    return `State left: traffic ${formatSplit(this.split)}; ${colors.join('; ')}. Running the same step again continues from here.`;
  }

  private lock: LockHolder | undefined;

  private async readLock(): Promise<string | undefined> {
    const { found } = await this.aws.describeServices(this.inputs.cluster, [this.services.blue.serviceName]);
    return found[0]?.tags[TAG.lock];
  }

  private lockWanted: { me: LockHolder; rollback: boolean } | undefined;

  /**
   * Makes the run take the pair's lock before its first change (reads and refusals need none,
   * so a run that changes nothing writes nothing).
   */
  lockBeforeChanges(me: LockHolder, rollback: boolean): void {
    this.lockWanted = { me, rollback };
  }

  /**
   * Takes the pair's lock (a tag on the blue service) with a read-check: it writes its lock,
   * waits a moment, and reads it back, so of two runs that write at once only the later one goes
   * on. Refuses while another run holds it (see `planLock`). A rollback never refuses, so it
   * writes without the wait.
   */
  private async ensureLock(settleMs = 1000): Promise<void> {
    const wanted = this.lockWanted;
    if (!wanted || this.lock) return;
    this.lockWanted = undefined;
    const { me, rollback } = wanted;
    const blue = this.services.blue;
    const { takeover } = planLock(parseLock(await this.readLock()), me, this.ctx.clock.now(), rollback);
    if (takeover) this.ctx.log.warning(`Taking over ${takeover}.`);
    const value = formatLock(me);
    await this.aws.tagResource(blue.serviceArn, { [TAG.lock]: value });
    this.lock = me;
    if (!rollback) {
      await this.ctx.sleep(settleMs);
      const read = await this.readLock();
      if (read !== value) {
        this.lock = undefined;
        const other = parseLock(read);
        throw new DecisionError(
          `Another run took this blue/green pair's lock at the same moment: ${other ? `${other.run} (attempt ${other.attempt})` : 'unknown'} holds it.`,
        );
      }
    }
    blue.tags = { ...blue.tags, [TAG.lock]: value };
    this.report.steps.push({
      step: 'Take the lock',
      ms: rollback ? 0 : settleMs,
      detail: `${me.run} until ${new Date(me.expiresAt).toISOString()}`,
    });
  }

  /** Makes a change of this run that has no method here (test-route.ts): not once cancelled, under the lock. */
  async change<T>(body: () => Promise<T>): Promise<T> {
    this.requireNotCancelled();
    await this.ensureLock();
    return body();
  }

  /** Tags a task definition (its release), as a change of this run. */
  async tagTaskDefinition(arn: string, tags: Record<string, string>): Promise<void> {
    await this.ensureLock();
    await this.aws.tagResource(arn, tags);
  }

  /** Deregisters an old task definition revision, as a change of this run. */
  async deregisterTaskDefinition(arn: string): Promise<void> {
    await this.ensureLock();
    await this.aws.deregisterTaskDefinition(arn);
  }

  /** Fails (before a traffic change) when a rollback has taken the lock over from this run. */
  private async requireLock(): Promise<void> {
    if (!this.lock) return;
    const read = await this.readLock();
    if (read === formatLock(this.lock)) return;
    const other = parseLock(read);
    this.lock = undefined;
    throw new ActionFailure(
      `This run lost the lock of the blue/green pair to ${other ? `${other.run} (attempt ${other.attempt})` : 'another run'}, so it stopped before changing traffic. ${this.stateLeft()}`,
    );
  }

  /** Fails before a change once the job is cancelled. */
  private requireNotCancelled(): void {
    if (!this.signal.aborted) return;
    throw new ActionFailure(
      `Cancelled (${String(this.signal.reason)}) before the next change. ${this.stateLeft()}`,
    );
  }

  /** Gives the lock back (only if this run still holds it). */
  async releaseLock(): Promise<void> {
    if (!this.lock) return;
    const mine = formatLock(this.lock);
    this.lock = undefined;
    if ((await this.readLock()) === mine)
      await this.aws.untagResource(this.services.blue.serviceArn, [TAG.lock]);
  }

  /** Sets the split on the listener or rule (nothing when it is already so). */
  async setSplit(split: TrafficSplit, options: { stickiness?: 'keep' | 'off' } = {}): Promise<void> {
    if (sameSplit(split, this.split)) return;
    this.requireNotCancelled();
    await this.ensureLock();
    await this.requireLock();
    const from = formatSplit(this.split);
    await this.step(
      `Traffic ${from} → ${formatSplit(split)}${options.stickiness === 'off' ? ' (stickiness off)' : ''}`,
      () =>
        this.aws.modifyRouter(
          this.inputs.router.kind,
          this.inputs.router.arn,
          withTrafficSplit(this.pair.actions, this.pair.targetGroups, split, options),
        ),
    );
    this.ctx.log.info(`Traffic: ${from} → ${formatSplit(split)}`);
    this.split = split;
  }

  /** Writes the tags of a change that the service does not carry yet. */
  async tag(change: TagChange): Promise<void> {
    const service = this.services[change.color];
    const missing = Object.fromEntries(Object.entries(change.set).filter(([k, v]) => service.tags[k] !== v));
    if (Object.keys(missing).length === 0) return;
    await this.ensureLock();
    await this.aws.tagResource(service.serviceArn, missing);
    service.tags = { ...service.tags, ...missing };
  }

  async tagAll(changes: readonly TagChange[]): Promise<void> {
    for (const change of changes) await this.tag(change);
  }

  async updateService(
    color: Color,
    change: { taskDefinition?: string; desiredCount: number },
  ): Promise<void> {
    const service = this.services[color];
    await this.ensureLock();
    await this.aws.updateService(this.inputs.cluster, service.serviceName, change);
    this.services[color] = {
      ...service,
      ...(change.taskDefinition ? { taskDefinitionArn: change.taskDefinition } : {}),
      desiredCount: change.desiredCount,
    };
  }

  /** The one place a task definition is registered (deploy from a file, rollback to a release). */
  async registerTaskDefinition(file: TaskDefinitionFile, version: string | undefined): Promise<string> {
    const image = file.image ?? file.definition.containerDefinitions?.[0]?.image;
    await this.ensureLock();
    const arn = await this.step(
      `Register task definition ${file.definition.family}`,
      () =>
        this.aws.registerTaskDefinition(file.definition, {
          [TAG.specDigest]: file.digest,
          ...(version ? { [TAG.version]: version } : {}),
          ...(image ? { [TAG.image]: image.slice(0, 256) } : {}),
        }),
      (a) => shortArn(a),
    );
    this.ctx.log.info(`Registered ${arn}${version ? ` (version ${version})` : ''}.`);
    return arn;
  }

  /** The one healthy-targets check: how many targets of `color`'s target group are healthy. */
  async healthyTargets(color: Color): Promise<number> {
    const targets = await this.aws.targetHealth(this.pair.targetGroups[color]);
    return targets.filter((t) => t.state === 'healthy').length;
  }

  /** Fails unless `color` has at least one healthy target (before giving it more traffic). */
  async requireHealthy(color: Color, what: string): Promise<void> {
    if ((await this.healthyTargets(color)) > 0) return;
    throw new ActionFailure(
      `Cannot ${what}: ${color} (${this.services[color].serviceName}) has no healthy targets in ${shortArn(this.pair.targetGroups[color])}. Traffic is unchanged (${formatSplit(this.split)}).`,
    );
  }

  /**
   * Scales `color` to `count` on `taskDefinitionArn` and waits until it is ready. If it does not
   * become ready, shows why, puts the service back as it was, and fails saying so.
   */
  async bringUp(
    color: Color,
    taskDefinitionArn: string,
    count: number,
    role: Role,
    version?: string,
  ): Promise<void> {
    this.requireNotCancelled();
    const service = this.services[color];
    const prior = {
      taskDefinition: service.taskDefinitionArn,
      desiredCount: service.desiredCount,
      tags: { ...service.tags },
    };
    const changes = service.taskDefinitionArn !== taskDefinitionArn || service.desiredCount !== count;
    await this.tag({ color, set: { [TAG.role]: role, ...(version ? { [TAG.version]: version } : {}) } });
    if (changes) {
      await this.step(
        `Update ${service.serviceName}`,
        () => this.updateService(color, { taskDefinition: taskDefinitionArn, desiredCount: count }),
        () =>
          `${prior.taskDefinition === taskDefinitionArn ? '' : `task definition ${shortArn(prior.taskDefinition)} → ${shortArn(taskDefinitionArn)}, `}tasks ${prior.desiredCount} → ${count}`,
      );
    }
    const target = {
      cluster: this.inputs.cluster,
      service: service.serviceName,
      targetGroupArn: this.pair.targetGroups[color],
      taskDefinitionArn,
      count,
    };
    const result = await this.step(
      `Wait for ${color} to be ready`,
      () =>
        waitUntilReady(this.aws, target, {
          timeoutMs: this.inputs.waitTimeoutMs,
          pollIntervalMs: this.inputs.pollIntervalMs,
          clock: this.ctx.clock,
          sleep: this.ctx.sleep,
          log: this.ctx.log,
          signal: this.signal,
        }),
      (r) => `${r.polls} poll(s)${r.ok ? '' : `; ${r.why}`}`,
    );
    if (result.ok) {
      this.services[color] = { ...this.services[color], runningCount: count };
      return;
    }
    const cancelled = !result.ok && result.cancelled === true;
    const diagnostics = cancelled ? [] : diagnosticLines(await collectDiagnostics(this.aws, target));
    this.report.diagnostics.push(...diagnostics);
    if (!cancelled)
      await this.ctx.log.group(`Why ${service.serviceName} did not become ready`, async () => {
        if (diagnostics.length === 0)
          this.ctx.log.info('ECS reported no service events, stopped tasks or unhealthy targets.');
        for (const line of diagnostics) this.ctx.log.info(line);
      });
    let restored = 'it was left as it was';
    if (changes) {
      await this.step(`Restore ${service.serviceName}`, () =>
        this.updateService(color, { taskDefinition: prior.taskDefinition, desiredCount: prior.desiredCount }),
      );
      restored = `it was put back to ${shortArn(prior.taskDefinition)} with ${prior.desiredCount} task(s)`;
    }
    await this.tag(restoreTags(color, prior.tags));
    if (cancelled)
      throw new ActionFailure(
        `Cancelled (${String(this.signal.reason)}) while waiting for ${color} (${service.serviceName}) on ${shortArn(taskDefinitionArn)}: ${restored}. Traffic is unchanged (${formatSplit(this.split)}).`,
      );
    throw new ActionFailure(
      `${color} service ${service.serviceName} did not become ready on ${shortArn(taskDefinitionArn)}: ${result.why}; ${restored}. Traffic is unchanged (${formatSplit(this.split)}).`,
    );
  }

  /** Carries out a traffic decision: scale up if needed, then weights, then roles. */
  async applyTraffic(
    decision: TrafficDecision,
    options: { stickiness?: 'keep' | 'off' } = {},
  ): Promise<void> {
    if (decision.nothingToDo) {
      this.ctx.log.info(decision.nothingToDo);
      this.report.outcome = decision.nothingToDo;
      return;
    }
    if (decision.scaleUp) {
      const { color, count } = decision.scaleUp;
      const role = this.state().colors[color].role ?? 'previous';
      await this.bringUp(color, this.services[color].taskDefinitionArn, count, role);
    }
    await this.setSplit(decision.split, options);
    await this.tagAll(decision.tags);
  }
}
