/**
 * ecs-bluegreen: blue/green on ECS behind an ALB. Each mode reads the pair's state from AWS,
 * decides with the pure functions in `state.ts`, and changes as little as it must, in an order
 * that leaves traffic on healthy tasks if the run stops half-way.
 */
import {
  ActionFailure,
  ConfigurationError,
  runAction,
  formatDuration,
  type ActionContext,
  type ActionDefinition,
} from '@white-cross/core';
import { AwsCallError, BlueGreenAws, type ServiceDescription } from './aws.js';
import {
  ACTION_NAME,
  ACTION_VERSION,
  COLORS,
  EVIDENCE_FILE,
  OUTPUT,
  TAG,
  otherColor,
  type Color,
  type Role,
} from './constants.js';
import { baselineTargetGroupDimension, canaryTargetGroupDimension } from './outputs.js';
import { loadBalancerDimension } from './dimensions.js';
import { parseInputs, type EcsBlueGreenInputs } from './inputs.js';
import { loadPair, type Pair } from './pair.js';
import { reportJson, writeSummary, type RunReport } from './report.js';
import {
  DecisionError,
  deriveState,
  planCleanup,
  planDeploy,
  planPromote,
  planRollbackToPrevious,
  planShift,
  type BlueGreenState,
  type TagChange,
  type TrafficDecision,
} from './state.js';
import { imageTag, mainImage, parseTaskDefinitionArn, revisionsToDeregister } from './task-definition.js';
import { formatSplit, sameSplit, splitWithCanary, withTrafficSplit, type TrafficSplit } from './traffic.js';
import { collectDiagnostics, diagnosticLines, waitUntilReady } from './wait.js';

/** One run: the pair as it is now, and the changes made to it (kept in step with AWS). */
class BlueGreenRun {
  readonly services: Record<Color, ServiceDescription>;
  split: TrafficSplit;
  readonly report: RunReport;

  constructor(
    readonly inputs: EcsBlueGreenInputs,
    readonly ctx: ActionContext,
    readonly aws: BlueGreenAws,
    readonly pair: Pair,
    report: RunReport,
  ) {
    this.services = { blue: { ...pair.services.blue }, green: { ...pair.services.green } };
    this.split = pair.state.split;
    this.report = report;
  }

  state(): BlueGreenState {
    return deriveState(this.services, this.split);
  }

  nowIso(): string {
    return new Date(this.ctx.clock.now()).toISOString();
  }

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

  /** Sets the split on the listener or rule (nothing when it is already so). */
  async setSplit(split: TrafficSplit): Promise<void> {
    if (sameSplit(split, this.split)) return;
    const from = formatSplit(this.split);
    await this.step(`Traffic ${from} → ${formatSplit(split)}`, () =>
      this.aws.modifyRouter(
        this.inputs.router.kind,
        this.inputs.router.arn,
        withTrafficSplit(this.pair.actions, this.pair.targetGroups, split),
      ),
    );
    this.ctx.log.info(`Traffic: ${from} → ${formatSplit(split)}`);
    this.split = split;
  }

  async tag(change: TagChange): Promise<void> {
    const service = this.services[change.color];
    const missing = Object.fromEntries(Object.entries(change.set).filter(([k, v]) => service.tags[k] !== v));
    if (Object.keys(missing).length === 0) return;
    await this.aws.tagResource(service.serviceArn, missing);
    service.tags = { ...service.tags, ...missing };
  }

  async updateService(
    color: Color,
    change: { taskDefinition?: string; desiredCount: number },
  ): Promise<void> {
    const service = this.services[color];
    await this.aws.updateService(this.inputs.cluster, service.serviceName, change);
    this.services[color] = {
      ...service,
      ...(change.taskDefinition ? { taskDefinitionArn: change.taskDefinition } : {}),
      desiredCount: change.desiredCount,
    };
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
        }),
      (r) => `${r.polls} poll(s)${r.ok ? '' : `; ${r.why}`}`,
    );
    if (result.ok) {
      this.services[color] = { ...this.services[color], runningCount: count };
      return;
    }
    const diagnostics = diagnosticLines(await collectDiagnostics(this.aws, target));
    this.report.diagnostics.push(...diagnostics);
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
    const priorRole = prior.tags[TAG.role];
    const priorVersion = prior.tags[TAG.version];
    await this.tag({
      color,
      set: {
        [TAG.role]: priorRole ?? 'rolled-back',
        ...(priorVersion ? { [TAG.version]: priorVersion } : {}),
      },
    });
    throw new ActionFailure(
      `${color} service ${service.serviceName} did not become ready on ${shortArn(taskDefinitionArn)}: ${result.why}; ${restored}. Traffic is unchanged (${formatSplit(this.split)}).`,
    );
  }

  /** Fails unless `color` has at least one healthy target (before giving it more traffic). */
  async requireHealthy(color: Color, what: string): Promise<void> {
    const targets = await this.aws.targetHealth(this.pair.targetGroups[color]);
    const healthy = targets.filter((t) => t.state === 'healthy').length;
    if (healthy === 0) {
      throw new ActionFailure(
        `Cannot ${what}: ${color} (${this.services[color].serviceName}) has no healthy targets in ${shortArn(this.pair.targetGroups[color])}. Traffic is unchanged (${formatSplit(this.split)}).`,
      );
    }
  }

  /** Carries out a traffic decision: scale up if needed, then weights, then roles. */
  async applyTraffic(decision: TrafficDecision): Promise<void> {
    if (decision.nothingToDo) {
      this.ctx.log.info(decision.nothingToDo);
      this.report.outcome = decision.nothingToDo;
      return;
    }
    if (decision.scaleUp) {
      const { color, count } = decision.scaleUp;
      await this.bringUp(
        color,
        this.services[color].taskDefinitionArn,
        count,
        (this.services[color].tags[TAG.role] as Role) ?? 'previous',
      );
    }
    await this.setSplit(decision.split);
    for (const change of decision.tags) await this.tag(change);
  }
}

const shortArn = (arn: string) => arn.split('/').pop() ?? arn;

async function resolveDeployTaskDefinition(run: BlueGreenRun): Promise<{ arn: string; version?: string }> {
  const { inputs, aws, ctx } = run;
  const source = inputs.taskDefinition;
  if (!source) throw new Error('deploy without a task definition source');
  if (source.kind === 'arn') {
    const td = await aws.describeTaskDefinition(source.arn);
    if (!td)
      throw new ConfigurationError(
        `Input 'task-definition-arn': no task definition ${source.arn} in ${inputs.region}.`,
        'task-definition-arn',
      );
    const version = td.tags[TAG.version] ?? inputs.version ?? imageTag(mainImage(td.containers) ?? '');
    if (version && td.tags[TAG.version] === undefined)
      await aws.tagResource(td.arn, { [TAG.version]: version });
    return { arn: td.arn, ...(version ? { version } : {}) };
  }
  // A re-run finds the revision registered by the run before (same rendered content).
  for (const color of [otherColor(run.state().live), run.state().live]) {
    const current = await aws.describeTaskDefinition(run.services[color].taskDefinitionArn);
    if (current && current.tags[TAG.specDigest] === source.digest) {
      ctx.log.info(`Reusing ${current.arn}: ${color} already runs this task definition.`);
      return {
        arn: current.arn,
        ...(current.tags[TAG.version] ? { version: current.tags[TAG.version] } : {}),
      };
    }
  }
  const state = run.state();
  if (state.canary && state.split[state.canary] > 0) {
    throw new DecisionError(
      `A canary is in progress: ${state.canary} runs ${run.services[state.canary].taskDefinitionArn} and receives ${state.split[state.canary]} %. Promote it or roll it back before deploying a new task definition from ${source.path}.`,
    );
  }
  const version = inputs.version;
  const image = mainImage(source.definition.containerDefinitions, undefined);
  const arn = await run.step(
    `Register task definition ${source.definition.family}`,
    () =>
      aws.registerTaskDefinition(source.definition, {
        [TAG.specDigest]: source.digest,
        ...(version ? { [TAG.version]: version } : {}),
        ...(source.image || image ? { [TAG.image]: (source.image ?? image ?? '').slice(0, 256) } : {}),
      }),
    (a) => shortArn(a),
  );
  ctx.log.info(`Registered ${arn}${version ? ` (version ${version})` : ''}.`);
  return { arn, ...(version ? { version } : {}) };
}

async function deploy(run: BlueGreenRun): Promise<void> {
  const { inputs, ctx } = run;
  const { arn, version } = await resolveDeployTaskDefinition(run);
  run.report.taskDefinitionArn = arn;
  if (version) run.report.version = version;
  const state = run.state();
  const decision = planDeploy(state, arn);
  if (decision.nothingToDo) {
    ctx.log.info(decision.nothingToDo);
    run.report.outcome = decision.nothingToDo;
    return;
  }
  if (!run.services[state.live].tags[TAG.role])
    await run.tag({ color: state.live, set: { [TAG.role]: 'live' } });
  ctx.log.info(
    `Deploying ${shortArn(arn)} to ${decision.target} (${run.services[decision.target].serviceName}) with ${decision.count} task(s); ${state.live} stays live.`,
  );
  await run.bringUp(decision.target, arn, decision.count, 'canary', version);
  const current = run.split[decision.target];
  if (current === 0) await run.setSplit(splitWithCanary(decision.target, inputs.traffic));
  else ctx.log.info(`${decision.target} already receives ${current} %; weights left as they are.`);
  run.report.outcome = `${decision.target} runs ${shortArn(arn)}${version ? ` (${version})` : ''} with ${decision.count} healthy task(s) and receives ${run.split[decision.target]} % of requests.`;
}

async function shift(run: BlueGreenRun): Promise<void> {
  const decision = planShift(run.state(), run.inputs.traffic);
  const canary = run.state().canary!;
  if (!decision.nothingToDo && decision.split[canary] > run.split[canary])
    await run.requireHealthy(canary, `give ${canary} more traffic`);
  await run.applyTraffic(decision);
  run.report.outcome ??= `${canary} (canary) now receives ${run.split[canary]} %.`;
}

async function promote(run: BlueGreenRun): Promise<void> {
  const before = run.state();
  const decision = planPromote(before, run.nowIso());
  if (!decision.nothingToDo && before.canary)
    await run.requireHealthy(before.canary, `promote ${before.canary}`);
  await run.applyTraffic(decision);
  run.report.outcome ??= `${decision.live} is live with 100 %; ${otherColor(decision.live)} keeps running until cleanup.`;
}

async function findReleaseTaskDefinition(run: BlueGreenRun, tag: string): Promise<string | undefined> {
  const { aws } = run;
  // Usually the release is what one of the colors runs: its service tag says so, no search needed.
  for (const color of COLORS) {
    if (run.services[color].tags[TAG.version] === tag) {
      const td = await aws.describeTaskDefinition(run.services[color].taskDefinitionArn);
      if (td?.tags[TAG.version] === tag) return td.arn;
    }
  }
  const families = [
    ...new Set(COLORS.map((c) => parseTaskDefinitionArn(run.services[c].taskDefinitionArn).family)),
  ];
  for (const family of families) {
    const arns = (await aws.listTaskDefinitions(family)).sort(
      (a, b) => parseTaskDefinitionArn(b).revision - parseTaskDefinitionArn(a).revision,
    );
    for (const arn of arns.slice(0, 100)) {
      const td = await aws.describeTaskDefinition(arn);
      if (td?.tags[TAG.version] === tag) return td.arn;
    }
  }
  return undefined;
}

async function rollback(run: BlueGreenRun): Promise<void> {
  const { inputs, ctx } = run;
  const to = inputs.rollbackTo!;
  run.report.reason = inputs.reason;
  ctx.log.info(
    `Rollback to ${to.kind === 'previous' ? 'previous' : to.kind === 'arn' ? to.arn : to.tag}; reason: ${inputs.reason}`,
  );
  if (to.kind === 'previous') {
    const before = run.state();
    const decision = planRollbackToPrevious(before, run.nowIso());
    if (!decision.nothingToDo && !decision.scaleUp && decision.live !== before.live) {
      // The previous color should be up; if its tasks are gone, scale and wait as after cleanup.
      const targets = await run.aws.targetHealth(run.pair.targetGroups[decision.live]);
      const healthy = targets.filter((t) => t.state === 'healthy').length;
      if (healthy === 0) {
        ctx.log.info(`${decision.live} has no healthy targets; scaling it up before moving traffic.`);
        decision.scaleUp = {
          color: decision.live,
          count: Math.max(run.services[before.live].desiredCount, 1),
        };
      }
    }
    await run.applyTraffic(decision);
    run.report.outcome ??= `${decision.live} serves 100 % again (${run.services[decision.live].tags[TAG.version] ?? shortArn(run.services[decision.live].taskDefinitionArn)}).`;
    return;
  }
  let arn: string;
  let version: string | undefined;
  if (to.kind === 'arn') {
    const td = await run.aws.describeTaskDefinition(to.arn);
    if (!td)
      throw new ConfigurationError(`Input 'to': no task definition ${to.arn} in ${inputs.region}.`, 'to');
    arn = td.arn;
    version = td.tags[TAG.version];
  } else {
    const found = await run.step(
      `Find the task definition of ${to.tag}`,
      () => findReleaseTaskDefinition(run, to.tag),
      (a) => (a ? shortArn(a) : 'none'),
    );
    if (found) {
      arn = found;
    } else if (inputs.taskDefinition?.kind === 'file') {
      const source = inputs.taskDefinition;
      arn = await run.step(`Register task definition ${source.definition.family}`, () =>
        run.aws.registerTaskDefinition(source.definition, {
          [TAG.specDigest]: source.digest,
          [TAG.version]: to.tag,
          ...(source.image ? { [TAG.image]: source.image.slice(0, 256) } : {}),
        }),
      );
    } else {
      throw new ConfigurationError(
        `Input 'to': no active task definition of ${[...new Set(COLORS.map((c) => parseTaskDefinitionArn(run.services[c].taskDefinitionArn).family))].join(', ')} is tagged ${TAG.version}=${to.tag}. Give 'task-definition' and 'image' to build one.`,
        'to',
      );
    }
    version = to.tag;
  }
  run.report.taskDefinitionArn = arn;
  if (version) run.report.version = version;
  const before = run.state();
  const live = before.live;
  const target = otherColor(live);
  // Take a canary out of traffic first: this is a rollback.
  if (run.split[live] !== 100) await run.setSplit(splitWithCanary(live, 100));
  if (run.services[live].taskDefinitionArn === arn) {
    if (before.canary)
      await run.tag({
        color: before.canary,
        set: { [TAG.role]: 'rolled-back', [TAG.rolledBackAt]: run.nowIso() },
      });
    run.report.outcome = `${live} already runs ${shortArn(arn)} and serves 100 %.`;
    return;
  }
  const count = Math.max(run.services[live].desiredCount, 1);
  await run.bringUp(target, arn, count, 'canary', version);
  await run.setSplit(splitWithCanary(target, 100));
  const now = run.nowIso();
  await run.tag({ color: target, set: { [TAG.role]: 'live', [TAG.promotedAt]: now } });
  await run.tag({ color: live, set: { [TAG.role]: 'rolled-back', [TAG.rolledBackAt]: now } });
  run.report.outcome = `${target} runs ${shortArn(arn)}${version ? ` (${version})` : ''} and serves 100 %; ${live} was rolled back and keeps running until cleanup.`;
}

async function cleanup(run: BlueGreenRun): Promise<void> {
  const { inputs, ctx } = run;
  const decision = planCleanup(run.state(), ctx.clock.now(), inputs.retainMs, inputs.warmCount);
  ctx.log.info(decision.reason);
  if (decision.scaleDown) {
    const { color, count } = decision.scaleDown;
    const service = run.services[color];
    await run.step(
      `Scale ${service.serviceName} to ${count}`,
      () => run.updateService(color, { desiredCount: count }),
      () => `tasks ${service.desiredCount} → ${count}`,
    );
  }
  run.report.outcome = decision.reason;
  if (inputs.keepRevisions > 0) {
    const inUse = COLORS.map((c) => run.services[c].taskDefinitionArn);
    const family = parseTaskDefinitionArn(run.services[run.state().live].taskDefinitionArn).family;
    const arns = await run.aws.listTaskDefinitions(family);
    const stale = revisionsToDeregister(arns, inputs.keepRevisions, inUse);
    for (const arn of stale) await run.aws.deregisterTaskDefinition(arn);
    run.report.deregistered.push(...stale);
    ctx.log.info(
      `Task definitions of ${family}: ${arns.length} active, ${stale.length} deregistered (keeping the newest ${inputs.keepRevisions} and those in use).`,
    );
  }
}

/** What a failed AWS call left, so the person reading knows whether traffic is safe. */
function stateLeft(run: BlueGreenRun): string {
  const colors = COLORS.map(
    (c) =>
      `${c} runs ${shortArn(run.services[c].taskDefinitionArn)} with ${run.services[c].desiredCount} task(s)`,
  );
  return `State left: traffic ${formatSplit(run.split)}; ${colors.join('; ')}. Running the same step again continues from here.`;
}

async function status(run: BlueGreenRun): Promise<void> {
  // A color deployed by other means has no version tag: read it from its task definition.
  for (const color of COLORS) {
    const service = run.services[color];
    if (service.tags[TAG.version]) continue;
    const td = await run.aws.describeTaskDefinition(service.taskDefinitionArn);
    const version = td?.tags[TAG.version] ?? imageTag(mainImage(td?.containers) ?? '');
    if (version) service.tags = { ...service.tags, [TAG.version]: version };
  }
  const state = run.state();
  run.report.outcome = `${state.live} is live; ${formatSplit(state.split)}${state.canary ? `; ${state.canary} is a canary` : ''}.`;
}

function setOutputs(ctx: ActionContext, run: BlueGreenRun): void {
  const state = run.state();
  const other = otherColor(state.live);
  const newest = state.canary ?? state.live;
  ctx.setOutput(OUTPUT.liveColor, state.live);
  ctx.setOutput(OUTPUT.canaryColor, state.canary ?? '');
  ctx.setOutput(OUTPUT.taskDefinitionArn, run.services[newest].taskDefinitionArn);
  ctx.setOutput(
    OUTPUT.previousTaskDefinitionArn,
    run.services[newest === state.live ? other : state.live].taskDefinitionArn,
  );
  ctx.setOutput(OUTPUT.weights, { blue: state.split.blue, green: state.split.green });
  ctx.setOutput(OUTPUT.loadBalancer, loadBalancerDimension(run.inputs.router.arn));
  ctx.setOutput(OUTPUT.canaryTargetGroup, canaryTargetGroupDimension(run.pair.targetGroups, state));
  ctx.setOutput(OUTPUT.baselineTargetGroup, baselineTargetGroupDimension(run.pair.targetGroups, state));
}

async function runBlueGreen(inputs: EcsBlueGreenInputs, ctx: ActionContext): Promise<void> {
  const aws = new BlueGreenAws(inputs.region, ctx.log, ctx.sleep, ctx.env);
  const report: RunReport = {
    mode: inputs.mode,
    cluster: inputs.cluster,
    steps: [],
    diagnostics: [],
    awsCalls: {},
    deregistered: [],
  };
  const started = ctx.clock.now();
  let run: BlueGreenRun | undefined;
  try {
    const pair = await loadPair(aws, inputs);
    report.before = pair.state;
    report.steps.push({
      step: 'Read the pair from AWS',
      ms: ctx.clock.now() - started,
      detail: `${pair.state.live} live; ${formatSplit(pair.state.split)}`,
    });
    for (const warning of pair.state.warnings) ctx.log.warning(warning);
    run = new BlueGreenRun(inputs, ctx, aws, pair, report);
    ctx.log.info(
      `${pair.state.live} is live; ${formatSplit(pair.state.split)}${pair.state.canary ? `; ${pair.state.canary} is a canary` : ''}.`,
    );
    try {
      if (inputs.mode === 'deploy') await deploy(run);
      else if (inputs.mode === 'shift') await shift(run);
      else if (inputs.mode === 'promote') await promote(run);
      else if (inputs.mode === 'rollback') await rollback(run);
      else if (inputs.mode === 'cleanup') await cleanup(run);
      else await status(run);
    } catch (error) {
      if (error instanceof DecisionError) throw new ActionFailure(`${error.message} Nothing was changed.`);
      if (error instanceof AwsCallError)
        throw new ActionFailure(`${error.message}. ${stateLeft(run)}`, { cause: error });
      throw error;
    }
    setOutputs(ctx, run);
  } catch (error) {
    report.failure = error instanceof Error ? error.message : String(error);
    throw error;
  } finally {
    if (run) report.after = run.state();
    report.awsCalls = Object.fromEntries(aws.calls);
    const total = ctx.clock.now() - started;
    ctx.fact('mode', inputs.mode);
    ctx.fact('cluster', inputs.cluster);
    ctx.fact('services', inputs.services);
    if (report.before) ctx.fact('before', { live: report.before.live, weights: report.before.split });
    if (report.after)
      ctx.fact('after', {
        live: report.after.live,
        canary: report.after.canary ?? null,
        weights: report.after.split,
      });
    if (report.taskDefinitionArn) ctx.fact('taskDefinitionArn', report.taskDefinitionArn);
    if (report.version) ctx.fact('version', report.version);
    if (inputs.reason) ctx.fact('reason', inputs.reason);
    ctx.fact('steps', report.steps);
    ctx.fact('awsCalls', aws.totalCalls());
    ctx.fact('durationMs', total);
    writeSummary(ctx.summary, report);
    ctx.summary.paragraph(`Took ${formatDuration(total)} with ${aws.totalCalls()} AWS call(s).`);
    ctx.writeEvidence(EVIDENCE_FILE, reportJson(report));
  }
}

/** The action, for runAction and for tests. */
export const ecsBlueGreen: ActionDefinition<EcsBlueGreenInputs> = {
  name: ACTION_NAME,
  version: ACTION_VERSION,
  parseInputs,
  run: runBlueGreen,
};

/** The entry point the runner calls. */
export const run = () => runAction(ecsBlueGreen);
