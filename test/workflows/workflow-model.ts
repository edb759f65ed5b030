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

export function loadWorkflows(): Workflow[] {
  return readdirSync(workflowsDir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => parseWorkflow(f, readFileSync(join(workflowsDir, f), 'utf8')));
}

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
 * The suite's own action a `uses:` names, in either form: `./actions/X` (inside this
 * repository) or `white-cross/deploy/actions/X@ref` (from a reusable workflow or an app repo).
 */
export function localActionOf(uses: string): string | undefined {
  return /^(?:\.\/actions\/|white-cross\/deploy\/actions\/)([\w-]+)(?:@[\w.\-/]+)?$/.exec(uses)?.[1];
}

/** The suite's reusable workflow a job's `uses:` calls, in either form. */
export function reusableWorkflowOf(uses: string): string | undefined {
  return /^(?:\.\/\.github\/workflows\/|white-cross\/deploy\/\.github\/workflows\/)([\w-]+\.ya?ml)(?:@[\w.\-/]+)?$/.exec(
    uses,
  )?.[1];
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
