/**
 * ecs-bluegreen: blue/green on ECS behind an ALB. A run reads the pair from AWS, runs the mode
 * (each decides with the pure functions in `state.ts` and changes as little as it must, in an
 * order that leaves traffic on healthy tasks if the run stops half-way), then reports: outputs,
 * the job summary, the audit record and the evidence file, however the run ended.
 */
import {
  ActionFailure,
  formatDuration,
  runAction,
  type ActionContext,
  type ActionDefinition,
} from '@white-cross/core';
import { BlueGreenAws } from './aws.js';
import { ACTION_NAME, ACTION_VERSION, EVIDENCE_FILE, OUTPUT, otherColor } from './constants.js';
import { loadBalancerDimension } from './dimensions.js';
import { BlueGreenRun } from './executor.js';
import { isNative, parseActionInputs, type ActionInputs, type EcsBlueGreenInputs } from './inputs.js';
import { runMode } from './modes.js';
import { runNative } from './native/modes.js';
import { baselineTargetGroupDimension, canaryTargetGroupDimension } from './outputs.js';
import { checkOtherRoutes, loadPair } from './pair.js';
import { findTestRoutes } from './test-route.js';
import { reportJson, writeSummary, type RunReport } from './report.js';
import { DecisionError, servingColor, type LockHolder } from './state.js';
import { formatSplit } from './traffic.js';

/** Step 1: read the pair from AWS and check it against the inputs. */
async function read(inputs: EcsBlueGreenInputs, ctx: ActionContext, aws: BlueGreenAws, report: RunReport) {
  const started = ctx.clock.now();
  const pair = await loadPair(aws, inputs);
  report.before = pair.state;
  report.steps.push({
    step: 'Read the pair from AWS',
    ms: ctx.clock.now() - started,
    detail: `${pair.state.live} live; ${formatSplit(pair.state.split)}`,
  });
  for (const warning of pair.state.warnings) ctx.log.warning(warning);
  // A rollback never waits for anything, other routing included: it only ever moves traffic back.
  // The action's own test route (a rule forwarding to the new color) is not other routing.
  if (inputs.mode !== 'status' && inputs.mode !== 'rollback') {
    const own = await findTestRoutes(aws, inputs.router.arn, pair.targetGroups);
    await checkOtherRoutes(
      aws,
      inputs,
      pair,
      own.map((r) => r.arn),
    );
  }
  ctx.log.info(
    `${pair.state.live} is live; ${formatSplit(pair.state.split)}${pair.state.canary ? `; ${pair.state.canary} is a canary` : ''}.`,
  );
  return pair;
}

/** Step 3a (step 2 is the mode, `modes.ts`): the outputs, from the pair as the run left it. */
function setOutputs(ctx: ActionContext, run: BlueGreenRun): void {
  const state = run.state();
  // The weights have the last word: a color with all the traffic is live, whatever its tags say.
  const live = servingColor(state).color;
  const canary = live === state.live ? state.canary : undefined;
  const newest = canary ?? live;
  ctx.setOutput(OUTPUT.liveColor, live);
  ctx.setOutput(OUTPUT.canaryColor, canary ?? '');
  ctx.setOutput(OUTPUT.taskDefinitionArn, run.services[newest].taskDefinitionArn);
  ctx.setOutput(OUTPUT.previousTaskDefinitionArn, run.services[otherColor(newest)].taskDefinitionArn);
  ctx.setOutput(OUTPUT.weights, { blue: state.split.blue, green: state.split.green });
  ctx.setOutput(OUTPUT.loadBalancer, loadBalancerDimension(run.inputs.router.arn));
  ctx.setOutput(OUTPUT.canaryTargetGroup, canaryTargetGroupDimension(run.pair.targetGroups, state));
  ctx.setOutput(OUTPUT.baselineTargetGroup, baselineTargetGroupDimension(run.pair.targetGroups, state));
}

/** Step 3b: the audit record, the summary and the evidence file, however the run ended. */
function record(
  inputs: EcsBlueGreenInputs,
  ctx: ActionContext,
  aws: BlueGreenAws,
  report: RunReport,
  totalMs: number,
): void {
  report.awsCalls = Object.fromEntries(aws.calls);
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
  if (inputs.mode === 'rollback') ctx.fact('reason', inputs.reason);
  ctx.fact('steps', report.steps);
  ctx.fact('awsCalls', aws.totalCalls());
  ctx.fact('durationMs', totalMs);
  writeSummary(ctx.summary, report);
  ctx.summary.paragraph(`Took ${formatDuration(totalMs)} with ${aws.totalCalls()} AWS call(s).`);
  ctx.writeEvidence(EVIDENCE_FILE, reportJson(report));
}

/** This run, as its lock names it, with an expiry past anything it may wait for. */
function lockHolder(inputs: EcsBlueGreenInputs, ctx: ActionContext): LockHolder {
  const { GITHUB_REPOSITORY: repository, GITHUB_RUN_ID: runId, GITHUB_RUN_ATTEMPT: attempt } = ctx.env;
  const ttl = Math.max(3_600_000, 2 * inputs.waitTimeoutMs + 600_000);
  return {
    run: runId ? `${repository ?? 'unknown'}/actions/runs/${runId}` : `local/${process.pid}`,
    attempt: attempt ?? '1',
    expiresAt: ctx.clock.now() + ttl,
  };
}

async function runBlueGreen(inputs: EcsBlueGreenInputs, ctx: ActionContext): Promise<void> {
  let run: BlueGreenRun | undefined;
  const aws = new BlueGreenAws(inputs.region, ctx.log, ctx.sleep, ctx.env, () =>
    run ? run.stateLeft() : 'Nothing was changed.',
  );
  const report: RunReport = {
    mode: inputs.mode,
    cluster: inputs.cluster,
    steps: [],
    notes: [],
    diagnostics: [],
    awsCalls: {},
    deregistered: [],
  };
  const started = ctx.clock.now();
  // A cancelled job gets SIGINT, then SIGTERM: core's runAction aborts ctx.signal; the run
  // stops waiting, puts back what it changed (the mode's own failure path) and says so, and the
  // summary and the audit record are still written.
  try {
    const pair = await read(inputs, ctx, aws, report);
    run = new BlueGreenRun(inputs, ctx, aws, pair, report, ctx.signal);
    if (inputs.mode !== 'status') run.lockBeforeChanges(lockHolder(inputs, ctx), inputs.mode === 'rollback');
    await runMode(run, inputs);
    setOutputs(ctx, run);
  } catch (caught) {
    // A refusal of the plan (state.ts) comes before any change.
    const error =
      caught instanceof DecisionError ? new ActionFailure(`${caught.message} Nothing was changed.`) : caught;
    report.failure = error instanceof Error ? error.message : String(error);
    throw error;
  } finally {
    if (ctx.signal.aborted) ctx.fact('cancelled', String(ctx.signal.reason));
    await run?.releaseLock().catch((error: unknown) => {
      ctx.log.warning(
        `The lock could not be given back (it expires by itself): ${error instanceof Error ? error.message : String(error)}`,
      );
    });
    if (run) report.after = run.state();
    record(inputs, ctx, aws, report, ctx.clock.now() - started);
  }
}

/** The action, for runAction and for tests: the provider of the inputs' strategy runs. */
export const ecsBlueGreen: ActionDefinition<ActionInputs> = {
  name: ACTION_NAME,
  version: ACTION_VERSION,
  parseInputs: parseActionInputs,
  run: (inputs, ctx) => (isNative(inputs) ? runNative(inputs, ctx) : runBlueGreen(inputs, ctx)),
};

/** The entry point the runner calls. */
export const run = () => runAction(ecsBlueGreen);
