/**
 * canary-gate: judges the canary target group against the baseline from the ALB's CloudWatch
 * metrics, every interval through the window, and ends the step non-zero on a fail (or an
 * inconclusive verdict, by default) so the workflow's rollback step runs. It changes nothing in
 * AWS: it only reads metrics.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { createAwsClient } from '@white-cross/aws';
import {
  ActionCancelled,
  ActionFailure,
  formatDuration,
  runAction,
  type ActionDefinition,
} from '@white-cross/core';
import { cloudWatchSource, type MetricsSource } from './cloudwatch.js';
import { ACTION_NAME, ACTION_VERSION, Output, REPORT_EVIDENCE } from './constants.js';
import { watchCanary, type WatchResult } from './gate.js';
import { parseInputs, type CanaryGateInputs } from './inputs.js';
import { evidenceDocument, metricReports, renderSummary } from './report.js';

export const canaryGate: ActionDefinition<CanaryGateInputs> = {
  name: ACTION_NAME,
  version: ACTION_VERSION,
  parseInputs,
  async run(inputs, ctx) {
    const { policy } = inputs;
    const client = createAwsClient(CloudWatchClient, {
      region: inputs.region,
      action: ACTION_NAME,
      version: ACTION_VERSION,
      env: ctx.env,
    });
    const cloudWatch = cloudWatchSource(
      client,
      {
        loadBalancer: inputs.loadBalancer,
        canaryTargetGroup: inputs.canaryTargetGroup,
        baselineTargetGroup: inputs.baselineTargetGroup,
      },
      { sleep: ctx.sleep, log: ctx.log },
    );
    const source: MetricsSource = cloudWatch;
    if (inputs.requestsNeededGiven && policy.requestsNeeded < inputs.computedRequestsNeeded) {
      ctx.log.warning(
        `min-requests ${policy.requestsNeeded} is below the ${inputs.computedRequestsNeeded} requests the limits need at ${policy.confidence * 100} % confidence; verdicts on so few requests can be wrong.`,
      );
    }
    ctx.log.info(
      `Judging canary ${inputs.canaryTargetGroup} against baseline ${inputs.baselineTargetGroup} on ${inputs.loadBalancer}: ` +
        `window ${formatDuration(inputs.windowMs)}, a look every ${formatDuration(inputs.intervalMs)}, ` +
        `early stop ${inputs.earlyStop ? 'on' : 'off'}; a verdict needs ${policy.requestsNeeded} canary requests` +
        `${inputs.requestsNeededGiven ? ' (min-requests)' : ` (computed from the limits at ${policy.confidence * 100} % confidence)`}.`,
    );
    ctx.fact('loadBalancer', inputs.loadBalancer);
    ctx.fact('canaryTargetGroup', inputs.canaryTargetGroup);
    ctx.fact('baselineTargetGroup', inputs.baselineTargetGroup);
    ctx.fact('requestsNeeded', policy.requestsNeeded);

    // One read before any wait: missing credentials or cloudwatch:GetMetricData fail now, not
    // after the first interval. (The minute before the window: nothing is judged on it.)
    const minute = Math.floor(ctx.clock.now() / 60_000) * 60_000;
    await source.read({ start: minute - 60_000, end: minute, periodSeconds: 60, extraMetrics: [] });
    ctx.log.info('CloudWatch answered GetMetricData (credentials and permission checked).');

    let result: WatchResult;
    try {
      result = await watchCanary(
        policy,
        {
          windowMs: inputs.windowMs,
          intervalMs: inputs.intervalMs,
          periodSeconds: inputs.periodSeconds,
          earlyStop: inputs.earlyStop,
          metricsDelayMs: inputs.metricsDelayMs,
        },
        { clock: ctx.clock, sleep: ctx.sleep, log: ctx.log, source },
      );
    } catch (error) {
      if (!(error instanceof ActionCancelled)) throw error;
      // What was done and what is left: the gate only reads, so nothing needs undoing; the
      // rollout step that called it owns the traffic (ecs-bluegreen puts it back when cancelled).
      ctx.fact('cancelled', { during: 'watching the canary', verdict: 'none' });
      throw new ActionFailure(
        `Cancelled (${String(ctx.signal.reason)}) while watching canary ${inputs.canaryTargetGroup}, before a verdict: ` +
          `no verdict output was set, and canary-gate changed nothing (it only reads metrics). ` +
          `Traffic is where the rollout step left it; that step decides what happens to it.`,
      );
    }
    const { judgement } = result;
    const reports = metricReports(judgement.metrics);
    ctx.setOutput(Output.verdict, result.verdict);
    ctx.setOutput(Output.reason, judgement.reason);
    ctx.setOutput(Output.requestsSeen, judgement.requestsSeen);
    ctx.setOutput(Output.requestsNeeded, judgement.requestsNeeded);
    ctx.setOutput(Output.report, reports);
    renderSummary(ctx.summary, result, inputs);
    const evidence = ctx.writeEvidence(REPORT_EVIDENCE, evidenceDocument(result, inputs));
    ctx.fact('verdict', result.verdict);
    ctx.fact('reason', judgement.reason);
    ctx.fact('requestsSeen', judgement.requestsSeen);
    ctx.fact('score', judgement.score);
    ctx.fact('elapsedMs', result.elapsedMs);
    ctx.fact(
      'metrics',
      reports.map((r) => ({ metric: r.metric, verdict: r.verdict, pValue: r.pValue })),
    );
    ctx.fact('evidence', REPORT_EVIDENCE);
    ctx.log.info(`Report written to ${evidence}.`);

    if (result.verdict === 'fail') {
      throw new ActionFailure(
        `Canary ${inputs.canaryTargetGroup} failed: ${judgement.reason} canary-gate changed nothing; the rollback step should return traffic to ${inputs.baselineTargetGroup}.`,
      );
    }
    if (result.verdict === 'inconclusive') {
      const message = `Canary ${inputs.canaryTargetGroup} inconclusive: ${judgement.reason}`;
      if (inputs.failOnInconclusive) {
        throw new ActionFailure(
          `${message} Failing closed (fail-on-inconclusive is true); canary-gate changed nothing.`,
        );
      }
      ctx.log.warning(`${message} Passing on because fail-on-inconclusive is false.`);
      return;
    }
    ctx.log.notice(`Canary ${inputs.canaryTargetGroup} passed: ${judgement.reason}`);
  },
};

export const run = () => runAction(canaryGate);
