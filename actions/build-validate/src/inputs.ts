/**
 * Reads and checks every input before anything runs. Budget and baseline files are read here
 * too (reading changes nothing), so that a mistake in them fails in a second, not after the
 * build.
 */
import { existsSync, readFileSync } from 'node:fs';
import { ConfigurationError, resolveInWorkspace, type Env, type Inputs } from '@white-cross/core';
import { BUDGET_SYNTAX, BudgetSyntaxError, parseBudgets, type Budget, type MeasuredSize } from './budgets.js';
import { INPUT } from './constants.js';
import { compileContentPattern, type ContentPattern } from './content-patterns.js';
import { BUILT_IN_RULES, type BuiltInRule, type ForbidPolicy } from './forbidden.js';
import { parseBaseline } from './manifest.js';
import { AUDIT_LEVELS, type AuditLevel } from './npm-audit.js';
import { outputFolder, patternProblem } from './paths.js';

/** The baseline to compare sizes with: a previous manifest, or a file that is not there yet. */
export type Baseline =
  { kind: 'manifest'; source: string; artifacts: MeasuredSize[] } | { kind: 'missing'; source: string };

export interface BuildValidateInputs {
  /** Absolute. */
  readonly workingDirectory: string;
  /** Undefined when `install-command` is `none`. */
  readonly installCommand?: string;
  readonly buildCommand: string;
  /** Folders (relative to the working directory) the build command runs in; empty: the root. */
  readonly workspaces: readonly string[];
  /** Extra environment for install and build; every value is a secret. */
  readonly buildEnv: Readonly<Record<string, string>>;
  readonly artifacts: readonly string[];
  readonly budgets: readonly Budget[];
  readonly baseline?: Baseline;
  readonly forbid: ForbidPolicy;
  readonly auditLevel: AuditLevel;
}

const DEFAULT_FORBID = 'source-maps, env-files, private-keys, aws-keys, build-secrets';

/**
 * Parses the inputs of build-validate.
 *
 * @throws {ConfigurationError} naming the input and what it accepts.
 * @example
 * const parsed = parseInputs(new Inputs({ INPUT_BUDGETS: 'dist/*.js: 100 kB gzip' }), {});
 */
export function parseInputs(inputs: Inputs, env: Env): BuildValidateInputs {
  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  const workingDirectory = inputs.path(INPUT.WorkingDirectory, { default: '.', workspace });
  const install = inputs.string(INPUT.InstallCommand, { default: 'npm ci' });
  const buildCommand = inputs.string(INPUT.BuildCommand, { default: 'npm run build' });
  const workspaces = inputs.list(INPUT.Workspaces, { commas: true });
  for (const folder of workspaces) {
    const problem = patternProblem(folder);
    if (problem || /[*?[\]{}]/.test(folder)) {
      throw new ConfigurationError(
        `Input '${INPUT.Workspaces}' takes folder names such as frontend, backend; '${folder}' ${problem ?? 'is a glob'}.`,
        INPUT.Workspaces,
      );
    }
  }
  const buildEnv = parseBuildEnv(inputs.secret(INPUT.BuildEnv));
  for (const value of Object.values(buildEnv)) inputs.maskDerived(value);
  const artifacts = parseArtifacts(inputs.list(INPUT.Artifacts), workspaces);
  const places = { workspace, from: workingDirectory };
  const budgets = parseBudgetInput(inputs.list(INPUT.Budgets), places);
  const baselineText = inputs.string(INPUT.Baseline);
  const baseline = baselineText === undefined ? undefined : readBaseline(baselineText, places);
  const forbid = parseForbid(inputs.string(INPUT.Forbid, { default: DEFAULT_FORBID }));
  const auditLevel = inputs.choice(INPUT.AuditLevel, AUDIT_LEVELS, 'high');
  return {
    workingDirectory,
    ...(install === 'none' ? {} : { installCommand: install }),
    buildCommand,
    workspaces,
    buildEnv,
    artifacts,
    budgets,
    ...(baseline ? { baseline } : {}),
    forbid,
    auditLevel,
  };
}

/** `KEY=VALUE` lines. The message never shows a value: they are secrets. */
function parseBuildEnv(text: string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  if (text === undefined) return env;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const key = eq > 0 ? line.slice(0, eq).trim() : '';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      throw new ConfigurationError(
        `Input '${INPUT.BuildEnv}' line ${index + 1} must be KEY=VALUE with KEY a variable name (letters, digits, _); the line is not shown because the input is secret.`,
        INPUT.BuildEnv,
      );
    }
    env[key] = line.slice(eq + 1).trim();
  });
  return env;
}

function parseArtifacts(patterns: string[], workspaces: readonly string[]): string[] {
  const artifacts =
    patterns.length > 0
      ? patterns
      : workspaces.length > 0
        ? workspaces.map((w) => `${w}/dist/**`)
        : ['dist/**'];
  for (const pattern of artifacts) {
    const problem =
      patternProblem(pattern) ??
      (outputFolder(pattern) === ''
        ? 'must start with the output folder, such as dist/** or frontend/dist/index.html'
        : undefined);
    if (problem) {
      throw new ConfigurationError(
        `Input '${INPUT.Artifacts}': the pattern '${pattern}' ${problem}.`,
        INPUT.Artifacts,
      );
    }
  }
  return artifacts;
}

/** Where user paths are: relative to the working directory, never outside the workspace. */
interface Places {
  workspace: string;
  from: string;
}

/** The real path of a file named in `input`; refused outside the workspace (after symlinks). */
function fileInWorkspace(input: string, path: string, places: Places): string {
  const resolved = resolveInWorkspace(path, places);
  if ('problem' in resolved) {
    throw new ConfigurationError(
      `Input '${input}' must name a file inside the workspace (the repository checkout); '${path}' ${resolved.problem}.`,
      input,
    );
  }
  return resolved.path;
}

/** Budget lines, or a single line naming a file of budget lines (a line without a colon). */
function parseBudgetInput(lines: string[], places: Places): Budget[] {
  const only = lines[0];
  const isFile = lines.length === 1 && only !== undefined && !only.includes(':');
  let text = lines.join('\n');
  let origin = '';
  if (isFile) {
    const file = fileInWorkspace(INPUT.Budgets, only, places);
    if (!existsSync(file)) {
      throw new ConfigurationError(
        `Input '${INPUT.Budgets}' names the budget file '${only}', which does not exist in the working directory; give budget lines as ${BUDGET_SYNTAX}, or an existing file of them.`,
        INPUT.Budgets,
      );
    }
    text = readFileSync(file, 'utf8');
    origin = only;
  }
  try {
    return parseBudgets(text, origin);
  } catch (error) {
    if (!(error instanceof BudgetSyntaxError)) throw error;
    // A file's lines are not repeated: the file named may not be a budget file at all.
    const reason = isFile ? 'is not a budget line (the file is not quoted)' : error.reason;
    throw new ConfigurationError(
      `Input '${INPUT.Budgets}' ${error.origin}: ${reason}; expected ${BUDGET_SYNTAX}.`,
      INPUT.Budgets,
    );
  }
}

/** A manifest as inline JSON, or a path to one; a path that does not exist yet is allowed. */
function readBaseline(text: string, places: Places): Baseline {
  const inline = text.startsWith('{');
  const file = inline ? undefined : fileInWorkspace(INPUT.Baseline, text, places);
  if (file !== undefined && !existsSync(file)) return { kind: 'missing', source: text };
  const parsed = parseBaseline(file === undefined ? text : readFileSync(file, 'utf8'));
  if ('problem' in parsed) {
    throw new ConfigurationError(
      `Input '${INPUT.Baseline}' must be a manifest from an earlier build-validate run (its manifest output as JSON, or a path to its manifest file); ${inline ? 'the JSON given' : `'${text}'`} ${parsed.problem}.`,
      INPUT.Baseline,
    );
  }
  return {
    kind: 'manifest',
    source: inline ? 'the manifest given inline' : text,
    artifacts: parsed.artifacts,
  };
}

/**
 * The `forbid` input: `none`, or built-in rule names, file globs and `/regex/flags` content
 * patterns, one a line or separated by commas (a regex line is never split).
 */
function parseForbid(text: string): ForbidPolicy {
  const entries = text
    .split(/\r?\n/)
    .flatMap((line) => (line.trim().startsWith('/') ? [line] : line.split(',')))
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '' && !entry.startsWith('#'));
  const rules = new Set<BuiltInRule>();
  const files: string[] = [];
  const content: ContentPattern[] = [];
  const accepted = `none, or any of ${BUILT_IN_RULES.join(', ')}, file globs such as **/*.psd, and /regex/ content patterns`;
  const fail = (why: string): never => {
    throw new ConfigurationError(`Input '${INPUT.Forbid}': ${why}; it accepts ${accepted}.`, INPUT.Forbid);
  };
  if (entries.length === 1 && entries[0] === 'none') return { rules, files, content };
  for (const entry of entries) {
    if ((BUILT_IN_RULES as readonly string[]).includes(entry)) {
      rules.add(entry as BuiltInRule);
    } else if (entry.startsWith('/')) {
      const m = /^\/(.+)\/([imsu]*)$/.exec(entry);
      if (!m) fail(`'${entry}' is not a /regex/ (flags i, m, s, u)`);
      const compiled = compileContentPattern(m?.[1] ?? '', m?.[2] ?? '');
      if ('problem' in compiled) fail(`'${entry}' ${compiled.problem}`);
      else content.push(compiled);
    } else if (/^[\w-]+$/.test(entry)) {
      // A bare word is a mistyped rule name far more often than a file glob.
      fail(`'${entry}' is not a rule name${entry === 'none' ? ' (none must be alone)' : ''}`);
    } else {
      const problem = patternProblem(entry);
      if (problem) fail(`the file pattern '${entry}' ${problem}`);
      files.push(entry);
    }
  }
  return { rules, files, content };
}
