/**
 * `npm run demo`: the example production caller and the reusable deploy.yml, run by the testkit
 * workflow runner on this machine's local stack. Scenario 1 (a good release, approved once,
 * promoted) and scenario 2 (a faulty release: the canary fails, the rollback runs without an
 * approval); DEMO_ALL=1 adds scenario 3 (cancelled mid-shift). Prints the progress log
 * (job ▸ step ▸ line) and writes demo-output/report.md with each run's evidence linked.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@white-cross/testkit';
import { iamReport } from '../local-stack/iam-check.js';
import { startLocalStack } from '../local-stack/stack.js';
import { demoReport } from './report.js';
import { CANCELLED_RELEASE, FAULTY_RELEASE, GOOD_RELEASE, RELEASES, settingsFromEnv } from './scenarios.js';
import { afterReset, prepareDemo, runDemoScenario, type DemoRun } from './workflow-demo.js';

const t0 = Date.now();
const log = (line: string) => console.log(`${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s  ${line}`);
const outputDir = join(repoRoot, 'demo-output');
rmSync(outputDir, { recursive: true, force: true });
mkdirSync(outputDir, { recursive: true });
const settings = settingsFromEnv();
log(
  `demo: rollout ${settings.rollout} %, canary window ${settings.canaryWindow}, ${settings.requestsPerSecond} requests/s`,
);
const stack = await startLocalStack({ log });
const ctx = await prepareDemo(stack, RELEASES, {
  tuning: settings,
  requestsPerSecond: settings.requestsPerSecond,
  log,
});
const scenarios = [
  GOOD_RELEASE,
  FAULTY_RELEASE,
  ...(process.env.DEMO_ALL === '1' ? [CANCELLED_RELEASE] : []),
];
const runs: DemoRun[] = [];
let exitCode = 0;
try {
  for (const [i, scenario] of scenarios.entries()) {
    if (i > 0) {
      await stack.reset();
      await afterReset(ctx);
    }
    log(`━━ ${scenario.title} (${scenario.release.tag}) ━━`);
    const run = await runDemoScenario(ctx, scenario, outputDir);
    runs.push(run);
    log(
      `━━ ${scenario.title}: run ${run.result.conclusion}, traffic blue ${run.weights.blue} % / green ${run.weights.green} %, in ${(run.durationMs / 1000).toFixed(1)} s ━━`,
    );
  }
  const [good, faulty] = runs;
  const iam = runs.at(-1)?.iam;
  for (const line of iam ? iamReport(iam) : []) log(line);
  // A denial fails the demo. Statements unused by the demo's two scenarios are listed only:
  // the e2e (all scenarios, cleanup included) fails on them.
  if (
    !iam ||
    iam.denied.length > 0 ||
    good?.result.conclusion !== 'success' ||
    faulty?.result.jobs.find((j) => j.id === 'deploy/rollback')?.status !== 'success'
  ) {
    exitCode = 1;
  }
} catch (error) {
  log(`demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  exitCode = 1;
} finally {
  const report = join(outputDir, 'report.md');
  writeFileSync(
    report,
    demoReport(
      runs,
      [
        "AWS in moto (roles from examples/iam, trust evaluated on each job's OIDC token), PostgreSQL 15, the sample backend as real processes behind an HTTPS ALB stand-in with CloudWatch metrics.",
        `The example caller examples/workflows/production.yml with this stack's names, rollout ${settings.rollout} and canary window ${settings.canaryWindow} (shortened for the demo);`,
        'the local stack tunes some action inputs the workflow leaves at their defaults (poll intervals, no wait for the metrics publication lag that AWS has, no npm ci; see test/demo/workflow-demo.ts).',
      ],
      outputDir,
    ),
  );
  log(`report: ${report}`);
  await ctx.close();
  await stack.stop().catch((e: unknown) => log(`stack: stopping failed: ${String(e)}`));
  log(`demo ${exitCode === 0 ? 'finished' : 'FAILED'} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
process.exit(exitCode);
