/**
 * build-validate: installs and builds the app, then decides whether its output is fit to
 * deploy: every expected artifact there and non-empty, every file within its size budget,
 * nothing forbidden inside, no dependency vulnerable at or above the audit level. It writes
 * the build manifest (each file's size, gzip and brotli size and sha256) as an output and as
 * evidence, and the verdict as a job summary.
 */
import { existsSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import {
  ActionCancelled,
  ActionFailure,
  ConfigurationError,
  formatBytes,
  runAction,
  type ActionContext,
  type ActionDefinition,
} from '@white-cross/core';
import { evaluateBudgets } from './budgets.js';
import { auditDependencies, runStep, type StepResult } from './build-steps.js';
import { ACTION_NAME, ACTION_VERSION, INPUT, MANIFEST_EVIDENCE, OUTPUT } from './constants.js';
import { findForbiddenContent, findForbiddenFiles, looksLikeText } from './forbidden.js';
import { parseInputs, type BuildValidateInputs } from './inputs.js';
import { buildManifest, measureArtifact } from './manifest.js';
import { readOutputFiles } from './output-files.js';
import { checkArtifacts, outputFolders } from './paths.js';
import { problemsOf, verdictLine, writeSummary, type ValidationReport } from './report.js';

/** Runs the commands; returns the steps that ran and the one that failed, if any. */
async function installAndBuild(
  inputs: BuildValidateInputs,
  ctx: ActionContext,
): Promise<{ steps: StepResult[]; failed?: StepResult }> {
  const env = { ...ctx.env, ...inputs.buildEnv };
  const steps: StepResult[] = [];
  const plan = [
    ...(inputs.installCommand
      ? [{ name: 'Install dependencies', command: inputs.installCommand, folder: '.' }]
      : []),
    ...(inputs.workspaces.length === 0
      ? [{ name: 'Build', command: inputs.buildCommand, folder: '.' }]
      : inputs.workspaces.map((folder) => ({
          name: `Build ${folder}`,
          command: inputs.buildCommand,
          folder,
        }))),
  ];
  for (const { name, command, folder } of plan) {
    if (ctx.signal.aborted) throw new ActionCancelled(`before ${name}`, ctx.signal);
    const step = await runStep({
      name,
      command,
      folder,
      cwd: join(inputs.workingDirectory, folder),
      env,
      log: ctx.log,
      signal: ctx.signal,
    });
    steps.push(step);
    ctx.fact(
      'steps',
      steps.map((s) => ({
        name: s.name,
        exitCode: s.exitCode,
        durationMs: s.durationMs,
        cancelled: s.cancelled,
      })),
    );
    if (step.cancelled) throw new ActionCancelled(`during ${name}`, ctx.signal);
    if (step.exitCode !== 0) return { steps, failed: step };
  }
  return { steps };
}

function requireFolder(path: string, input: string, what: string): void {
  if (!existsSync(path) || !statSync(path).isDirectory()) {
    throw new ConfigurationError(
      `Input '${input}' names ${what}, which is not a folder in the workspace.`,
      input,
    );
  }
}

/**
 * An npm command run where there is no package.json fails with npm's usage text; say what is
 * wrong instead, before anything runs.
 */
function requirePackageJson(inputs: BuildValidateInputs, ctx: ActionContext): void {
  const usesNpm = (command?: string) => command !== undefined && /^npm\s/.test(command);
  const wd = inputs.workingDirectory;
  const shown = relative(ctx.workspace, wd) || '.';
  if (usesNpm(inputs.installCommand) && !existsSync(join(wd, 'package.json'))) {
    throw new ConfigurationError(
      `Input '${INPUT.WorkingDirectory}' names '${shown}', which has no package.json for \`${inputs.installCommand}\`; point it at the app's root folder.`,
      INPUT.WorkingDirectory,
    );
  }
  if (!usesNpm(inputs.buildCommand)) return;
  const folders = inputs.workspaces.length ? inputs.workspaces : ['.'];
  for (const folder of folders) {
    if (existsSync(join(wd, folder, 'package.json'))) continue;
    const input = inputs.workspaces.length ? INPUT.Workspaces : INPUT.WorkingDirectory;
    throw new ConfigurationError(
      `Input '${input}' names '${inputs.workspaces.length ? folder : shown}', which has no package.json for \`${inputs.buildCommand}\`.`,
      input,
    );
  }
}

/** Measures and judges the output of a successful build (everything but the commands). */
async function judgeOutput(
  inputs: BuildValidateInputs,
  ctx: ActionContext,
  report: ValidationReport,
): Promise<void> {
  const wd = inputs.workingDirectory;
  ctx.log.info(`Measuring the output in ${report.outputFolders.join(', ')}`);
  const files = await readOutputFiles(wd, report.outputFolders, ctx.workspace);
  const measured = files.map((file) => measureArtifact(file.path, file.content));
  const manifest = buildManifest(measured, {
    commit: ctx.env.GITHUB_SHA,
    createdAt: new Date(ctx.clock.now()).toISOString(),
  });
  report.manifest = manifest;
  report.artifactProblems = checkArtifacts(inputs.artifacts, measured);
  const baseline = inputs.baseline?.kind === 'manifest' ? inputs.baseline.artifacts : undefined;
  report.budgets = evaluateBudgets(inputs.budgets, measured, baseline);
  const secrets = Object.values(inputs.buildEnv);
  report.findings = files.flatMap((file) => [
    ...findForbiddenFiles(file.path, inputs.forbid),
    ...(looksLikeText(file.content)
      ? findForbiddenContent(file.path, file.content.toString('utf8'), inputs.forbid, secrets)
      : []),
  ]);
  const over = report.budgets.filter((b) => b.status === 'over').length;
  ctx.log.info(
    `Measured ${manifest.fileCount} files, ${formatBytes(manifest.totalSize)} (${formatBytes(manifest.totalGzipSize)} gzip): ` +
      `${over} over budget, ${report.findings.length} forbidden findings`,
  );
  if (inputs.auditLevel !== 'off') {
    report.dependencies = {
      level: inputs.auditLevel,
      lockfile: 'package-lock.json',
      result: await auditDependencies(wd, { ...ctx.env, ...inputs.buildEnv }, ctx.log, ctx.signal),
    };
  }
}

/** Outputs, the manifest evidence file and the audit record's facts. */
function publish(report: ValidationReport, ctx: ActionContext): void {
  ctx.fact(
    'steps',
    report.steps.map((s) => ({ name: s.name, exitCode: s.exitCode, durationMs: s.durationMs })),
  );
  const manifest = report.manifest;
  if (!manifest) return;
  const over = report.budgets.filter((b) => b.status === 'over');
  ctx.setOutput(OUTPUT.Manifest, JSON.stringify(manifest));
  ctx.setOutput(
    OUTPUT.ManifestFile,
    ctx.writeEvidence(MANIFEST_EVIDENCE, `${JSON.stringify(manifest, null, 2)}\n`),
  );
  ctx.setOutput(OUTPUT.TotalSize, manifest.totalSize);
  ctx.setOutput(OUTPUT.OverBudget, over.length > 0);
  ctx.fact('outputFolders', report.outputFolders);
  ctx.fact('fileCount', manifest.fileCount);
  ctx.fact('totalSize', manifest.totalSize);
  ctx.fact('totalGzipSize', manifest.totalGzipSize);
  ctx.fact(
    'overBudget',
    over.map((b) => ({
      subject: b.subject,
      size: b.actual,
      limit: b.budget.limit,
      compression: b.budget.compression,
    })),
  );
  ctx.fact(
    'findings',
    report.findings.map((f) => ({ rule: f.rule, file: f.file, line: f.line })),
  );
  const audit = report.dependencies?.result;
  if (audit && !('unavailable' in audit)) ctx.fact('vulnerabilities', audit.counts);
}

async function validateBuild(inputs: BuildValidateInputs, ctx: ActionContext): Promise<void> {
  for (const value of Object.values(inputs.buildEnv)) ctx.addSecret(value);
  const wd = inputs.workingDirectory;
  requireFolder(wd, INPUT.WorkingDirectory, `'${relative(ctx.workspace, wd) || '.'}'`);
  for (const folder of inputs.workspaces) requireFolder(join(wd, folder), INPUT.Workspaces, `'${folder}'`);
  requirePackageJson(inputs, ctx);
  // Annotations point at files relative to the repository root, where the runner looks.
  const fromRoot = (path: string) => relative(ctx.workspace, join(wd, path)).split(sep).join('/');

  const { steps, failed } = await installAndBuild(inputs, ctx);
  const report: ValidationReport = {
    steps,
    outputFolders: outputFolders(inputs.artifacts),
    artifactProblems: [],
    budgets: [],
    findings: [],
    ...(failed ? { failedStep: failed } : {}),
    ...(inputs.baseline ? { baseline: inputs.baseline } : {}),
  };
  if (!failed) await judgeOutput(inputs, ctx, report);
  publish(report, ctx);

  for (const result of report.budgets.filter((b) => b.status === 'no-match')) {
    ctx.log.warning(
      `Budget '${result.budget.pattern}' (${result.budget.origin}) matched no output file; check the glob.`,
      {
        title: 'budget matched nothing',
      },
    );
  }
  if (inputs.baseline?.kind === 'missing') {
    ctx.log.warning(`No baseline manifest at ${inputs.baseline.source}; sizes are shown without deltas.`);
  }
  const problems = problemsOf(report);
  writeSummary(ctx.summary, report, problems);
  ctx.fact('verdict', problems.length === 0 ? 'pass' : 'fail');
  // Each problem on its file; the job's one verdict line comes from the ActionFailure below.
  for (const problem of problems) {
    if (problem.file === undefined) continue;
    ctx.log.error(problem.message, {
      title: problem.title,
      file: fromRoot(problem.file),
      ...(problem.line === undefined ? {} : { startLine: problem.line }),
    });
  }
  if (problems.length > 0) throw new ActionFailure(verdictLine(problems));
  ctx.log.info(`Build validated: ${report.manifest?.fileCount ?? 0} files within budget, nothing forbidden.`);
}

export const buildValidate: ActionDefinition<BuildValidateInputs> = {
  name: ACTION_NAME,
  version: ACTION_VERSION,
  parseInputs,
  run: validateBuild,
};

/** The action's entry point. */
export const run = () => runAction(buildValidate);
