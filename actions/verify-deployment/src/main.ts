/**
 * verify-deployment: checks a release where it runs — health endpoints, the app's smoke file, a
 * short load test against the absolute targets and against blue, and the frontend in headless
 * Chromium — and ends the step non-zero on any failure, so the workflow never sends users to it
 * (before traffic) or rolls it back (after promotion). It changes nothing anywhere: it only
 * sends requests.
 */
import {
  ActionCancelled,
  ActionFailure,
  describeError,
  runAction,
  type ActionContext,
  type ActionDefinition,
} from '@white-cross/core';
import { judgeBrowser, runChromium, type BrowserResult, type BrowserRunner } from './browser.js';
import { runHealthChecks, runSmokeTests, urlFor, type Target } from './checks.js';
import { ACTION_NAME, ACTION_VERSION, Output, REPORT_EVIDENCE, SCREENSHOT_EVIDENCE } from './constants.js';
import { sendRequest, type HttpClient } from './http.js';
import { parseInputs, type VerifyInputs } from './inputs.js';
import { runAutocannon, type LoadRunner } from './load.js';
import { judgeLoad, type LoadSample } from './load-plan.js';
import { judge, renderSummary, reportDocument, type Verification } from './report.js';
import { writeFileSync } from 'node:fs';

/** The ways out to the world, injected so a test can stand in for one of them. */
export interface VerifyDependencies {
  readonly http: HttpClient;
  readonly load: LoadRunner;
  readonly browser: BrowserRunner;
}

const realDependencies: VerifyDependencies = { http: sendRequest, load: runAutocannon, browser: runChromium };

/** A URL as it may be logged and reported: no credentials, no query. */
const shownUrl = (url: URL) => `${url.origin}${url.pathname.replace(/\/$/, '')}`;

export function verifyDeployment(
  deps: VerifyDependencies = realDependencies,
): ActionDefinition<VerifyInputs> {
  return {
    name: ACTION_NAME,
    version: ACTION_VERSION,
    parseInputs,
    async run(inputs, ctx) {
      // Cancelled (the runner's SIGINT/SIGTERM): the waits, the load and Chromium stop at once, and
      // no verdict is given: a verification cut short is not a pass.
      const stage = { now: 'checking health' };
      try {
        await verify(inputs, ctx, deps, stage);
      } catch (error) {
        if (!(error instanceof ActionCancelled)) throw error;
        ctx.fact('cancelled', { during: stage.now });
        throw new ActionFailure(
          `Cancelled (${String(ctx.signal.reason)}) while ${stage.now}: verify-deployment changed nothing and gave no verdict; the release is not verified, so the workflow must not shift traffic to it on this run.`,
        );
      }
    },
  };
}

async function verify(
  inputs: VerifyInputs,
  ctx: ActionContext,
  deps: VerifyDependencies,
  stage: { now: string },
): Promise<void> {
  for (const value of Object.values(inputs.headers)) ctx.addSecret(value);
  const started = ctx.clock.now();
  const target: Target = {
    baseUrl: inputs.baseUrl,
    headers: inputs.headers,
    ...(inputs.ca ? { ca: inputs.ca } : {}),
  };
  const baseUrl = shownUrl(inputs.baseUrl);
  ctx.fact('baseUrl', baseUrl);
  ctx.log.info(
    `Verifying ${baseUrl}${Object.keys(inputs.headers).length ? ` with header(s) ${Object.keys(inputs.headers).join(', ')}` : ''}: ` +
      `${inputs.health.length} health check(s), ${inputs.smoke.length} smoke test(s), ` +
      `load ${inputs.load ? `${inputs.load.rate}/s for ${inputs.load.durationMs / 1000}s${inputs.baselineUrl ? ` against baseline ${shownUrl(inputs.baselineUrl)}` : ''}` : 'off'}, ` +
      `browser ${inputs.browser ? inputs.browser.url.href : 'off'}.`,
  );
  const skipped: { kind: string; why: string }[] = [];
  const health = await ctx.log.group('Health', () =>
    runHealthChecks(inputs.health, target, inputs.healthTimeoutMs, {
      http: deps.http,
      clock: ctx.clock,
      sleep: ctx.sleep,
      log: ctx.log,
    }),
  );
  const healthy = health.every((c) => c.ok);
  let verification: Verification = {
    baseUrl,
    health,
    smoke: [],
    ...(inputs.smokeFile ? { smokeFile: inputs.smokeFile } : {}),
    skipped,
  };
  if (!healthy) {
    const why = 'the health checks failed: a release that is not healthy is not tested further';
    if (inputs.smoke.length) skipped.push({ kind: 'smoke', why });
    if (inputs.load) skipped.push({ kind: 'load', why });
    if (inputs.browser) skipped.push({ kind: 'browser', why });
  } else {
    stage.now = 'running the smoke tests';
    const smoke = inputs.smoke.length
      ? await ctx.log.group(`Smoke (${inputs.smokeFile ?? ''})`, () =>
          runSmokeTests(inputs.smoke, target, inputs.authToken, { http: deps.http, log: ctx.log }),
        )
      : [];
    verification = { ...verification, smoke };
    if (inputs.load) {
      const plan = inputs.load;
      const load = await ctx.log.group(`Load ${plan.rate}/s for ${plan.durationMs / 1000}s`, async () => {
        const measure = async (
          side: string,
          url: URL,
          headers: Readonly<Record<string, string>>,
        ): Promise<LoadSample> => {
          stage.now = `load testing ${side}`;
          const sample = await deps.load({ url, headers }, plan, ctx.signal).catch((error: unknown) => {
            if (error instanceof ActionCancelled) throw error;
            throw new ActionFailure(
              `Load test on ${side} (${shownUrl(url)}) could not run: ${describeError(error)}. verify-deployment changed nothing.`,
              { cause: error },
            );
          });
          ctx.log.info(
            `${side}: ${sample.requests} requests, ${sample.errors} errors, p50 ${sample.p50.toFixed(1)} ms, p95 ${sample.p95.toFixed(1)} ms, p99 ${sample.p99.toFixed(1)} ms.`,
          );
          return { ...sample, url: shownUrl(url) };
        };
        const green = await measure('green', urlFor(inputs.baseUrl, inputs.loadPath), inputs.headers);
        // Blue is measured the same way right after, without the test route's header.
        const baseline = inputs.baselineUrl
          ? await measure('baseline', urlFor(inputs.baselineUrl, inputs.loadPath), {})
          : undefined;
        return {
          plan,
          path: inputs.loadPath,
          green,
          ...(baseline ? { baseline } : {}),
          findings: judgeLoad(green, baseline, inputs.policy),
        };
      });
      verification = { ...verification, load };
    }
    if (inputs.browser) {
      const check = inputs.browser;
      stage.now = 'checking the frontend in Chromium';
      const browser = await ctx.log.group(`Browser ${check.url.href}`, async () => {
        const result = await deps
          .browser({
            check,
            headerOrigin: inputs.baseUrl.origin,
            headers: inputs.headers,
            ...(inputs.ca ? { ca: inputs.ca } : {}),
            signal: ctx.signal,
          })
          .catch((error: unknown): BrowserResult => {
            if (ctx.signal.aborted) throw new ActionCancelled('during the browser check', ctx.signal);
            return {
              url: check.url.href,
              rootRendered: false,
              consoleErrors: [],
              failedRequests: [],
              error: `Chromium (${check.chromiumPath}) could not check the page: ${describeError(error).split('\n')[0]}`,
            };
          });
        // A page that answered while Chromium was being closed was not checked.
        if (ctx.signal.aborted) throw new ActionCancelled('during the browser check', ctx.signal);
        const findings = judgeBrowser(result, check);
        for (const f of findings) ctx.log.info(`browser ${f.check}: ${f.ok ? 'ok' : 'FAILED'} — ${f.detail}`);
        let screenshot: string | undefined;
        if (result.screenshot) {
          // writeEvidence takes text (it redacts it); a PNG is bytes, written into the file it made.
          const file = ctx.writeEvidence(SCREENSHOT_EVIDENCE, '');
          writeFileSync(file, result.screenshot);
          screenshot = SCREENSHOT_EVIDENCE;
          ctx.setOutput(Output.screenshot, file);
        }
        const { screenshot: _bytes, ...shown } = result;
        return { result: shown, findings, ...(screenshot ? { screenshot } : {}) };
      });
      verification = { ...verification, browser };
    }
  }

  const judgement = judge(verification);
  const report = ctx.writeEvidence(
    REPORT_EVIDENCE,
    reportDocument(verification, judgement, {
      startedAt: new Date(started).toISOString(),
      elapsedMs: ctx.clock.now() - started,
    }),
  );
  renderSummary(ctx.summary, verification, judgement);
  ctx.setOutput(Output.verdict, judgement.verdict);
  ctx.setOutput(Output.reason, judgement.reason);
  ctx.setOutput(Output.report, report);
  const { load } = verification;
  if (load) {
    const fix = (n: number) => Number(n.toFixed(1));
    ctx.setOutput(Output.p50, fix(load.green.p50));
    ctx.setOutput(Output.p95, fix(load.green.p95));
    ctx.setOutput(Output.p99, fix(load.green.p99));
    ctx.setOutput(Output.errorRate, load.green.errorRate);
    if (load.baseline) {
      ctx.setOutput(Output.baselineP50, fix(load.baseline.p50));
      ctx.setOutput(Output.baselineP95, fix(load.baseline.p95));
      ctx.setOutput(Output.baselineP99, fix(load.baseline.p99));
      ctx.setOutput(Output.baselineErrorRate, load.baseline.errorRate);
    }
    ctx.fact('load', {
      rate: load.plan.rate,
      durationMs: load.plan.durationMs,
      green: { p95: load.green.p95, errorRate: load.green.errorRate },
      baseline: load.baseline ? { p95: load.baseline.p95, errorRate: load.baseline.errorRate } : undefined,
    });
  }
  ctx.fact('verdict', judgement.verdict);
  ctx.fact('reason', judgement.reason);
  ctx.fact(
    'health',
    health.map((c) => ({ path: c.path, ok: c.ok, status: c.status })),
  );
  ctx.fact(
    'smoke',
    verification.smoke.map((c) => ({ name: c.name, ok: c.ok })),
  );
  ctx.fact('evidence', [
    REPORT_EVIDENCE,
    ...(verification.browser?.screenshot ? [verification.browser.screenshot] : []),
  ]);
  ctx.log.info(`Report written to ${report}.`);
  if (judgement.verdict === 'fail') {
    throw new ActionFailure(
      `Verification of ${baseUrl} failed: ${judgement.reason}. verify-deployment changed nothing; the workflow must not shift traffic to this release (or must roll it back).`,
    );
  }
  ctx.log.notice(`Verification of ${baseUrl} passed: ${judgement.reason}`);
}

export const run = () => runAction(verifyDeployment());
