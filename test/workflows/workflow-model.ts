/**
 * Reading the repository's workflows and actions for the contract and style tests: parsed
 * YAML plus the raw text (comments matter: pins carry their version in one).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '@white-cross/testkit';

export interface ActionSpec {
  name: string;
  inputs: Record<string, { required?: boolean; default?: unknown; description?: string }>;
  outputs: Record<string, { description?: string }>;
}

export interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
  if?: string;
  [key: string]: unknown;
}

export interface Job {
  name?: string;
  needs?: string | string[];
  uses?: string;
  with?: Record<string, unknown>;
  secrets?: Record<string, unknown> | 'inherit';
  'runs-on'?: unknown;
  'timeout-minutes'?: unknown;
  environment?: unknown;
  permissions?: Record<string, string> | string;
  concurrency?: unknown;
  outputs?: Record<string, string>;
  steps?: Step[];
  [key: string]: unknown;
}

export interface Workflow {
  file: string;
  text: string;
  name?: string;
  on: Record<string, unknown>;
  permissions?: unknown;
  concurrency?: unknown;
  env?: Record<string, unknown>;
  jobs: Record<string, Job>;
}

export const workflowsDir = join(repoRoot, '.github', 'workflows');
/** The callers an app repository copies (they never run in this repository). */
export const exampleWorkflowsDir = join(repoRoot, 'examples', 'workflows');
/** The `file` of an example caller starts with this; this repository's own are bare names. */
export const EXAMPLES = 'examples/workflows/';

/** Parses a workflow's text (the `on:` key survives YAML 1.1's boolean reading either way). */
export function parseWorkflow(file: string, text: string): Workflow {
  const doc = parse(text) as Record<string, unknown>;
  const on = (doc.on ?? doc.true ?? {}) as Record<string, unknown> | string | string[];
  const normalized =
    typeof on === 'string'
      ? { [on]: {} }
      : Array.isArray(on)
        ? Object.fromEntries(on.map((e) => [e, {}]))
        : on;
  return {
    ...(doc as object),
    file,
    text,
    on: normalized ?? {},
    jobs: (doc.jobs ?? {}) as Record<string, Job>,
  } as Workflow;
}

function loadDir(dir: string, prefix: string): Workflow[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => parseWorkflow(`${prefix}${f}`, readFileSync(join(dir, f), 'utf8')));
}

/**
 * This repository's workflows (`ci.yml`, `deploy.yml`, …, named by their bare file name) and
 * the example callers of `examples/workflows/` (named `examples/workflows/<file>`).
 */
export function loadWorkflows(): Workflow[] {
  return [...loadDir(workflowsDir, ''), ...loadDir(exampleWorkflowsDir, EXAMPLES)];
}

export const isExample = (w: Workflow): boolean => w.file.startsWith(EXAMPLES);

export function loadActions(): Map<string, ActionSpec> {
  const out = new Map<string, ActionSpec>();
  const dir = join(repoRoot, 'actions');
  for (const name of readdirSync(dir)) {
    const file = join(dir, name, 'action.yml');
    if (!existsSync(file)) continue;
    const spec = parse(readFileSync(file, 'utf8')) as Partial<ActionSpec>;
    out.set(name, { name, inputs: spec.inputs ?? {}, outputs: spec.outputs ?? {} });
  }
  return out;
}

/**
 * The suite's own action a `uses:` names, in any of its forms: `$/actions/X` (GitHub's
 * self-repository reference: this repository at the running commit, what the reusable
 * workflows use), `./actions/X` (the checked-out workspace) or `white-cross/deploy/actions/X@ref`
 * (from an app repository). A `$/` reference never carries an `@ref`.
 */
export function localActionOf(uses: string): string | undefined {
  return (
    /^\$\/actions\/([\w-]+)$/.exec(uses)?.[1] ??
    /^(?:\.\/actions\/|white-cross\/deploy\/actions\/)([\w-]+)(?:@[\w.\-/]+)?$/.exec(uses)?.[1]
  );
}

/** The suite's reusable workflow a job's `uses:` calls, in any of its forms. */
export function reusableWorkflowOf(uses: string): string | undefined {
  return (
    /^\$\/\.github\/workflows\/([\w-]+\.ya?ml)$/.exec(uses)?.[1] ??
    /^(?:\.\/\.github\/workflows\/|white-cross\/deploy\/\.github\/workflows\/)([\w-]+\.ya?ml)(?:@[\w.\-/]+)?$/.exec(
      uses,
    )?.[1]
  );
}

export function needsOf(job: Job): string[] {
  return job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];
}

/** Every string inside a value (with its path), for scanning expressions. */
export function strings(value: unknown, path: string[] = []): { path: string[]; text: string }[] {
  if (typeof value === 'string') return [{ path, text: value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, [...path, String(i)]));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => strings(v, [...path, k]));
  return [];
}

/** The `${{ … }}` expressions in a text. */
export function expressions(text: string): string[] {
  return [...text.matchAll(/\$\{\{([\s\S]*?)\}\}/g)].map((m) => (m[1] ?? '').trim());
}
