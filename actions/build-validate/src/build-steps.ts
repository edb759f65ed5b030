/**
 * The commands build-validate runs: install, build (at the root or per workspace) and
 * `npm audit`. Their output streams through the redacting logger.
 */
import { ActionCancelled, formatDuration, runCommand, type Logger } from '@white-cross/core';
import { AuditUnavailable, parseNpmAudit, type DependencyAudit } from './npm-audit.js';

export interface StepResult {
  /** What the step does, e.g. `Build frontend`. */
  name: string;
  command: string;
  /** Where it ran, relative to the working directory (`.` for the root). */
  folder: string;
  exitCode: number;
  durationMs: number;
  /** True when the run was cancelled while it ran (its process group was stopped). */
  cancelled?: boolean;
  /** The last lines of its output, redacted. */
  tail: string[];
}

export interface StepOptions {
  name: string;
  command: string;
  folder: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
  /** The run's cancellation: stops the command's whole process group. */
  signal?: AbortSignal;
}

/** Lines of a failed command's output shown in the error and the summary. */
export const TAIL_LINES = 20;

/** Runs one command in a log group; never throws for a non-zero exit (the caller decides). */
export async function runStep(options: StepOptions): Promise<StepResult> {
  const { name, command, folder, cwd, env, log, signal } = options;
  return log.group(`${name}: ${command}`, async () => {
    const result = await runCommand(command, {
      cwd,
      env,
      log,
      tailLines: TAIL_LINES,
      ...(signal ? { signal } : {}),
    });
    log.info(
      result.cancelled
        ? `${name}: stopped by the cancellation after ${formatDuration(result.durationMs)}`
        : `${name}: exit code ${result.exitCode} after ${formatDuration(result.durationMs)}`,
    );
    return {
      name,
      command,
      folder,
      exitCode: result.exitCode,
      durationMs: result.durationMs,
      cancelled: result.cancelled,
      tail: result.tail,
    };
  });
}

/**
 * Runs `npm audit --json` in `cwd` and reads its report, or says why there is none (no
 * lockfile, registry unreachable).
 */
export async function auditDependencies(
  cwd: string,
  env: NodeJS.ProcessEnv,
  log: Logger,
  signal?: AbortSignal,
): Promise<DependencyAudit | { unavailable: string }> {
  log.info('Checking dependencies: npm audit --json');
  const result = await runCommand(['npm', 'audit', '--json'], {
    cwd,
    env,
    captureStdout: true,
    tailLines: 5,
    ...(signal ? { signal } : {}),
  });
  if (result.cancelled) throw new ActionCancelled('during npm audit', signal);
  try {
    return parseNpmAudit(result.stdout);
  } catch (error) {
    if (!(error instanceof AuditUnavailable)) throw error;
    const said = result.stdout.trim() === '' ? result.tail.join(' ').trim() : '';
    return { unavailable: log.redact(`${error.message}${said ? ` (${said})` : ''}`) };
  }
}
