/**
 * The six modes. Each reads what it needs, asks `state.ts` what to do, and has the executor do
 * it; none decides anything itself.
 */
import { ConfigurationError, shortArn } from '@white-cross/core';
import { COLORS, TAG, otherColor, type Mode } from './constants.js';
import type { BlueGreenRun } from './executor.js';
import { loadTaskDefinitionFile, type InputsOf, type RollbackTarget } from './inputs.js';
import {
  chooseReleaseSource,
  liveRoleTags,
  needsPreviousHealth,
  planCleanup,
  planDeploy,
  planFirstTraffic,
  planPromote,
  planRollbackToPreviousWithHealth,
  planRollbackToTaskDefinition,
  planShift,
  planStickiness,
  refuseDeployDuringCanary,
  servingColor,
  versionOf,
} from './state.js';
import { mainImage, parseTaskDefinitionArn, revisionsToDeregister } from './task-definition.js';
import { closeTestRoutes, openTestRoute } from './test-route.js';
import { formatSplit, stickiness } from './traffic.js';

/** A mode: what it does to the pair. */
type ModeRun<M extends Mode> = (run: BlueGreenRun, inputs: InputsOf<M>) => Promise<void>;

/** The task definition a deploy puts on the idle color, and its release. */
async function deployTaskDefinition(
  run: BlueGreenRun,
  inputs: InputsOf<'deploy'>,
): Promise<{ arn: string; version?: string }> {
  const { aws, ctx } = run;
  const source = inputs.taskDefinition;
  if (source.kind === 'arn') {
    const td = await aws.describeTaskDefinition(source.arn);
    if (!td)
      throw new ConfigurationError(
        `Input 'task-definition-arn': no task definition ${source.arn} in ${inputs.region}.`,
        'task-definition-arn',
      );
    const version = versionOf(td.tags, inputs.version, mainImage(td.containers));
    if (version && td.tags[TAG.version] === undefined)
      await run.tagTaskDefinition(td.arn, { [TAG.version]: version });
    return { arn: td.arn, ...(version ? { version } : {}) };
  }
  // A re-run finds the revision registered by the run before (same rendered content).
  const state = run.state();
  for (const color of [otherColor(state.live), state.live]) {
    const current = await aws.describeTaskDefinition(run.services[color].taskDefinitionArn);
    if (current && current.tags[TAG.specDigest] === source.digest) {
      ctx.log.info(`Reusing ${current.arn}: ${color} already runs this task definition.`);
      const version = current.tags[TAG.version];
      return { arn: current.arn, ...(version ? { version } : {}) };
    }
  }
  refuseDeployDuringCanary(state, source.path);
  return {
    arn: await run.registerTaskDefinition(source, inputs.version),
    ...(inputs.version ? { version: inputs.version } : {}),
  };
}

const deploy: ModeRun<'deploy'> = async (run, inputs) => {
  const { ctx } = run;
  const { arn, version } = await deployTaskDefinition(run, inputs);
  run.report.taskDefinitionArn = arn;
  if (version) run.report.version = version;
  const state = run.state();
  const decision = planDeploy(state, arn);
  if (decision.nothingToDo) {
    ctx.log.info(decision.nothingToDo);
    run.report.outcome = decision.nothingToDo;
    return;
  }
  await run.tagAll(liveRoleTags(state));
  ctx.log.info(
    `Deploying ${shortArn(arn)} to ${decision.target} (${run.services[decision.target].serviceName}) with ${decision.count} task(s); ${state.live} stays live.`,
  );
  const rerun = run.services[decision.target].taskDefinitionArn === arn;
  await run.bringUp(decision.target, arn, decision.count, 'canary', version);
  // The test route opens before any weight, so verification can see green before any user does.
  if (inputs.testRoute === 'header') await openTestRoute(run, decision.target, { reuse: rerun });
  else await closeTestRoutes(run);
  const first = inputs.traffic > 0 && planFirstTraffic(run.state(), decision.target, inputs.traffic);
  if (first) await run.setSplit(first);
  else if (inputs.traffic > 0)
    ctx.log.info(
      `${decision.target} already receives ${run.split[decision.target]} %; weights left as they are.`,
    );
  run.report.outcome = `${decision.target} runs ${shortArn(arn)}${version ? ` (${version})` : ''} with ${decision.count} healthy task(s) and receives ${run.split[decision.target]} % of requests${inputs.testRoute === 'header' ? ', and the test route' : ''}.`;
};

const shift: ModeRun<'shift'> = async (run, inputs) => {
  const before = run.state();
  const decision = planShift(before, inputs.traffic);
  const canary = otherColor(decision.live);
  if (!decision.nothingToDo && decision.split[canary] > before.split[canary])
    await run.requireHealthy(canary, `give ${canary} more traffic`);
  await run.applyTraffic(decision);
  run.report.outcome ??= `${canary} (canary) now receives ${run.split[canary]} %.`;
};

const promote: ModeRun<'promote'> = async (run) => {
  const before = run.state();
  const decision = planPromote(before, run.nowIso());
  if (!decision.nothingToDo && before.canary)
    await run.requireHealthy(before.canary, `promote ${before.canary}`);
  await run.applyTraffic(decision);
  await closeTestRoutes(run);
  run.report.outcome ??= `${decision.live} is live with 100 %; ${otherColor(decision.live)} keeps running until cleanup.`;
};

/** The revision tagged with a release: what a color runs, else the newest 100 of each family. */
async function findReleaseTaskDefinition(run: BlueGreenRun, tag: string): Promise<string | undefined> {
  const { aws } = run;
  for (const color of COLORS) {
    if (run.services[color].tags[TAG.version] === tag) {
      const td = await aws.describeTaskDefinition(run.services[color].taskDefinitionArn);
      if (td?.tags[TAG.version] === tag) return td.arn;
    }
  }
  for (const family of families(run)) {
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

function families(run: BlueGreenRun): string[] {
  return [...new Set(COLORS.map((c) => parseTaskDefinitionArn(run.services[c].taskDefinitionArn).family))];
}

/** The task definition a rollback to an ARN or a release goes to, and its release. */
async function rollbackTaskDefinition(
  run: BlueGreenRun,
  inputs: InputsOf<'rollback'>,
  to: Exclude<RollbackTarget, { kind: 'previous' }>,
): Promise<{ arn: string; version?: string }> {
  if (to.kind === 'arn') {
    const td = await run.aws.describeTaskDefinition(to.arn);
    if (!td)
      throw new ConfigurationError(`Input 'to': no task definition ${to.arn} in ${inputs.region}.`, 'to');
    const version = td.tags[TAG.version];
    return { arn: td.arn, ...(version ? { version } : {}) };
  }
  const found = await run.step(
    `Find the task definition of ${to.tag}`,
    () => findReleaseTaskDefinition(run, to.tag),
    (a) => (a ? shortArn(a) : 'none'),
  );
  const source = chooseReleaseSource(to.tag, found, to.files, families(run));
  if (source.kind === 'registered') return { arn: source.arn, version: to.tag };
  const file = loadTaskDefinitionFile(source.files);
  return { arn: await run.registerTaskDefinition(file, to.tag), version: to.tag };
}

const rollback: ModeRun<'rollback'> = async (run, inputs) => {
  const { ctx } = run;
  const to = inputs.to;
  run.report.reason = inputs.reason;
  ctx.log.info(
    `Rollback to ${to.kind === 'previous' ? 'previous' : to.kind === 'arn' ? to.arn : to.tag}; reason: ${inputs.reason}`,
  );
  const before = run.state();
  const sticky = planStickiness(
    stickiness(run.pair.actions),
    inputs.disableStickiness,
    before.canary ?? before.live,
  );
  if (sticky.note) run.report.notes.push(sticky.note);
  if (to.kind === 'previous') {
    const previous = needsPreviousHealth(before, run.nowIso());
    const healthy = previous ? await run.healthyTargets(previous) : 1;
    if (previous && healthy === 0)
      ctx.log.info(`${previous} has no healthy targets; scaling it up before moving traffic.`);
    const decision = planRollbackToPreviousWithHealth(before, run.nowIso(), healthy);
    await run.applyTraffic(decision, sticky);
    // Traffic first; then the rolled-back color's test route goes too.
    await closeTestRoutes(run);
    const live = run.services[decision.live];
    run.report.outcome ??= `${decision.live} serves 100 % again (${live.tags[TAG.version] ?? shortArn(live.taskDefinitionArn)}).`;
    return;
  }
  const { arn, version } = await rollbackTaskDefinition(run, inputs, to);
  run.report.taskDefinitionArn = arn;
  if (version) run.report.version = version;
  const live = run.state().live;
  const decision = planRollbackToTaskDefinition(run.state(), arn, run.nowIso());
  if (decision.split) await run.setSplit(decision.split, sticky);
  if (decision.kind === 'already-live') {
    await run.tagAll(decision.tags);
    await closeTestRoutes(run);
    run.report.outcome = decision.outcome;
    return;
  }
  await run.bringUp(decision.target, arn, decision.count, 'canary', version);
  await run.setSplit(decision.finalSplit, sticky);
  await run.tagAll(decision.tags);
  await closeTestRoutes(run);
  run.report.outcome = `${decision.target} runs ${shortArn(arn)}${version ? ` (${version})` : ''} and serves 100 %; ${live} was rolled back and keeps running until cleanup.`;
};

const cleanup: ModeRun<'cleanup'> = async (run, inputs) => {
  const { ctx } = run;
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
    for (const arn of stale) await run.deregisterTaskDefinition(arn);
    run.report.deregistered.push(...stale);
    ctx.log.info(
      `Task definitions of ${family}: ${arns.length} active, ${stale.length} deregistered (keeping the newest ${inputs.keepRevisions} and those in use).`,
    );
  }
};

const status: ModeRun<'status'> = async (run) => {
  // A color deployed by other means has no version tag: read it from its task definition.
  for (const color of COLORS) {
    const service = run.services[color];
    if (service.tags[TAG.version]) continue;
    const td = await run.aws.describeTaskDefinition(service.taskDefinitionArn);
    const version = td && versionOf(td.tags, undefined, mainImage(td.containers));
    if (version) service.tags = { ...service.tags, [TAG.version]: version };
  }
  const state = run.state();
  const serving = servingColor(state);
  if (serving.note) {
    run.ctx.log.warning(serving.note);
    run.report.notes.push(serving.note);
    run.report.outcome = `${serving.color} serves 100 %; ${formatSplit(state.split)}.`;
    return;
  }
  run.report.outcome = `${state.live} is live; ${formatSplit(state.split)}${state.canary ? `; ${state.canary} is a canary` : ''}.`;
};

type InputsByMode = { [M in Mode]: InputsOf<M> };

/** Each mode's run, by name. */
export const MODES: { [M in Mode]: (run: BlueGreenRun, inputs: InputsByMode[M]) => Promise<void> } = {
  deploy,
  shift,
  promote,
  rollback,
  cleanup,
  status,
};

/**
 * Runs the mode the inputs name, with the inputs of that mode.
 *
 * @example
 * await runMode(run, { ...common, mode: 'shift', traffic: 25 });
 */
export function runMode<M extends Mode>(
  run: BlueGreenRun,
  inputs: InputsByMode[M] & { mode: M },
): Promise<void> {
  return MODES[inputs.mode](run, inputs);
}
