/**
 * hipaa-verify: runs the HIPAA checklist against the live system and the AWS account after a
 * deploy, writes the evidence, and fails the job when a check fails.
 */
import { createAwsClient } from '@white-cross/aws';
import {
  ActionCancelled,
  ActionFailure,
  runAction,
  type ActionContext,
  type ActionDefinition,
  type Env,
} from '@white-cross/core';
import { evaluate } from './catalogue.js';
import { ACTION_NAME, ACTION_VERSION, OUTPUT } from './constants.js';
import { gatherSources, type AwsAccess } from './gather.js';
import { parseInputs, type HipaaVerifyInputs } from './inputs.js';
import type { SourceName } from './model.js';
import { blockingResults, buildReport, toSarif, writeSummary } from './report.js';

export const ACTION = ACTION_NAME;
export const VERSION = ACTION_VERSION;

/** Loads the AWS SDK clients and readers (only when an AWS source is needed) and builds the clients. */
async function openAws(inputs: HipaaVerifyInputs, ctx: ActionContext): Promise<AwsAccess> {
  const env = ctx.env;
  const [cloudfront, cloudtrail, logs, ecs, elbv2, kms, rds, s3, s3control, sts, probes] = await Promise.all([
    import('@aws-sdk/client-cloudfront'),
    import('@aws-sdk/client-cloudtrail'),
    import('@aws-sdk/client-cloudwatch-logs'),
    import('@aws-sdk/client-ecs'),
    import('@aws-sdk/client-elastic-load-balancing-v2'),
    import('@aws-sdk/client-kms'),
    import('@aws-sdk/client-rds'),
    import('@aws-sdk/client-s3'),
    import('@aws-sdk/client-s3-control'),
    import('@aws-sdk/client-sts'),
    import('./probes/aws-probes.js'),
  ]);
  const settings = { region: inputs.region, action: ACTION, version: VERSION, env };
  return {
    probes,
    clients: {
      elbv2: createAwsClient(elbv2.ElasticLoadBalancingV2Client, settings),
      cloudfront: createAwsClient(cloudfront.CloudFrontClient, settings),
      rds: createAwsClient(rds.RDSClient, settings),
      s3: createAwsClient(s3.S3Client, settings),
      logs: createAwsClient(logs.CloudWatchLogsClient, settings),
      kms: createAwsClient(kms.KMSClient, settings),
      cloudtrail: createAwsClient(cloudtrail.CloudTrailClient, settings),
      ecs: createAwsClient(ecs.ECSClient, settings),
      s3control: createAwsClient(s3control.S3ControlClient, settings),
      sts: createAwsClient(sts.STSClient, settings),
      calls: { log: ctx.log, sleep: ctx.sleep },
    },
  };
}

/**
 * The workflow file that ran the action, from GITHUB_WORKFLOW_REF.
 *
 * @example
 * workflowFile({ GITHUB_WORKFLOW_REF: 'wc/app/.github/workflows/production.yml@refs/tags/v1.2.0' }); // '.github/workflows/production.yml'
 */
export function workflowFile(env: Env): string {
  const m = /^[^/]+\/[^/]+\/(.+?)@/.exec(env.GITHUB_WORKFLOW_REF ?? '');
  return m?.[1] ?? '.github/workflows/deploy.yml';
}

async function verify(inputs: HipaaVerifyInputs, ctx: ActionContext): Promise<void> {
  const { log } = ctx;
  // Before any use of the URLs: their credentials are masked in every form.
  for (const secret of inputs.urlSecrets) ctx.addSecret(secret);
  log.info(`Running ${inputs.checks.length} HIPAA check(s): ${inputs.checks.map((c) => c.id).join(', ')}`);
  let aws: Promise<AwsAccess> | undefined;
  const needed = new Set<SourceName>(inputs.checks.map((c) => c.source));
  let gathered;
  try {
    gathered = await gatherSources(inputs, needed, {
      log,
      clock: ctx.clock,
      sleep: ctx.sleep,
      workspace: ctx.workspace,
      aws: () => (aws ??= openAws(inputs, ctx)),
      signal: ctx.signal,
    });
  } catch (error) {
    if (!(error instanceof ActionCancelled)) throw error;
    // No verdict from half the evidence: a cancelled run writes no report and sets no output.
    ctx.fact('cancelled', { during: error.during, verdict: 'none' });
    throw new ActionFailure(
      `Cancelled (${String(ctx.signal.reason)}) ${error.during}, before a verdict: no report or output was written, ` +
        'and hipaa-verify changed nothing (it only reads). Re-run the verification for a verdict.',
    );
  }
  const { sources, gaps } = gathered;
  const now = ctx.clock.now();
  const results = evaluate(inputs.checks, sources, gaps, { now });
  const targets = {
    appUrl: inputs.appUrl?.toString(),
    apiUrl: inputs.apiUrl?.toString(),
    protectedRoutes: inputs.protectedRoutes,
    listenerArn: inputs.listenerArn,
    distributionId: inputs.distributionId,
    dbInstanceIdentifier: inputs.dbInstanceIdentifier,
    buckets: inputs.buckets,
    logGroups: inputs.logGroups,
    auditLogGroup: inputs.auditLogGroup,
    ecsCluster: inputs.ecsCluster,
    ecsServices: inputs.ecsServices,
    region: inputs.region,
  };
  const report = buildReport(results, inputs.failOn, targets, now);
  const reportJson = JSON.stringify(report, null, 2);
  const sarif = JSON.stringify(toSarif(results, VERSION, workflowFile(ctx.env)));
  const path = ctx.writeEvidence('hipaa-verify-report.json', reportJson);
  ctx.writeEvidence('hipaa-verify-sarif.json', sarif);
  log.info(`Report written to ${path}`);

  for (const r of report.results) {
    if (r.verdict !== 'FAIL' && r.verdict !== 'WARN') continue;
    const message = `${r.id} ${r.title}: ${r.evidence.filter((e) => !e.startsWith('PASS')).join('; ')}`;
    const properties = {
      title: `${r.id} ${r.verdict}`,
      ...(r.file ? { file: r.file, startLine: r.line ?? 1 } : {}),
    };
    log.warning(message, properties);
  }
  writeSummary(ctx.summary, report);

  const c = report.counts;
  ctx.setOutput(OUTPUT.passed, c.passed);
  ctx.setOutput(OUTPUT.failed, c.failed);
  ctx.setOutput(OUTPUT.warned, c.warned);
  ctx.setOutput(OUTPUT.manual, c.manual);
  ctx.setOutput(OUTPUT.skipped, c.skipped);
  ctx.setOutput(OUTPUT.report, JSON.stringify(report));
  ctx.setOutput(OUTPUT.sarif, sarif);
  ctx.fact('counts', c);
  ctx.fact('outcome', report.outcome);
  ctx.fact(
    'failedChecks',
    results.filter((r) => r.verdict === 'FAIL').map((r) => r.id),
  );
  ctx.fact('report', 'hipaa-verify-report.json');

  // In catalogue order, so the error line reads the same way as the checklist.
  const blocking = blockingResults(results, inputs.failOn);
  if (blocking.length) {
    const ids = blocking.map((r) => r.id).join(', ');
    throw new ActionFailure(
      `HIPAA verification failed: ${blocking.length} check(s) ${inputs.failOn === 'WARN' ? 'failed or warned' : 'failed'} (${ids}); nothing was changed. See the job summary and hipaa-verify-report.json.`,
    );
  }
  log.info(
    `HIPAA verification passed: ${c.passed} passed, ${c.warned} warnings, ${c.manual} manual, ${c.skipped} skipped.`,
  );
}

export const hipaaVerify: ActionDefinition<HipaaVerifyInputs> = {
  name: ACTION,
  version: VERSION,
  parseInputs,
  run: verify,
};

export const run = () => runAction(hipaaVerify);
