/**
 * `npm run demo`: the deploy pipeline end to end on this machine. Starts the local stack,
 * runs scenario 1 (a good release, promoted) and scenario 2 (a faulty release, caught by the
 * canary gate and rolled back to blue), prints progress as it goes, and writes a Markdown
 * report with each step's summary and the evidence bundles to demo-output/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@white-cross/testkit';
import { startLocalStack } from '../local-stack/stack.js';
import { runPipeline, type PipelineResult } from './pipeline.js';
import { demoReport } from './report.js';
import { scenarios, settingsFromEnv } from './scenarios.js';

const t0 = Date.now();
const log = (line: string) => console.log(`${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s  ${line}`);
const outputDir = join(repoRoot, 'demo-output');
mkdirSync(outputDir, { recursive: true });
const settings = settingsFromEnv();
log(
  `demo: rollout ${settings.rollout.join(' → ')} %, canary window ${settings.canaryWindow}, ${settings.requestsPerSecond} requests/s`,
);
const stack = await startLocalStack({ log });
const results: PipelineResult[] = [];
let exitCode = 0;
try {
  for (const [i, scenario] of scenarios(settings).entries()) {
    if (i > 0) await stack.reset();
    log(`━━ ${scenario.title} (${scenario.version}) ━━`);
    const result = await runPipeline(stack, scenario, { log, outputDir });
    results.push(result);
    log(
      `━━ ${scenario.title}: ${result.outcome.toUpperCase()} in ${(result.durationMs / 1000).toFixed(1)} s ━━`,
    );
  }
  const expected = ['promoted', 'rolled-back'];
  if (results.some((r, i) => r.outcome !== expected[i])) exitCode = 1;
} catch (error) {
  log(`demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  exitCode = 1;
} finally {
  const report = join(outputDir, 'report.md');
  writeFileSync(
    report,
    demoReport(results, [
      'AWS in moto',
      'PostgreSQL 15',
      'the sample backend as real processes',
      'an HTTPS ALB stand-in with CloudWatch metrics',
    ]),
  );
  log(`report: ${report}`);
  await stack.stop();
  log(`demo ${exitCode === 0 ? 'finished' : 'FAILED'} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
process.exit(exitCode);
