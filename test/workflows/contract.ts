/**
 * The contract between the workflows and the actions they use: every step of one of the
 * suite's actions passes only inputs its action.yml declares and every required one; every
 * `steps.*.outputs.*`, `needs.*.outputs.*` and `jobs.*.outputs.*` reference names an output that
 * exists; every call of a reusable workflow passes only its declared inputs and secrets and all
 * required ones; every `inputs.*` and `secrets.*` a workflow reads is declared.
 */
import {
  expressions,
  localActionOf,
  needsOf,
  reusableWorkflowOf,
  strings,
  type ActionSpec,
  type Job,
  type Step,
  type Workflow,
} from './workflow-model.js';

/** The expressions of a value; an `if:` is an expression even without `${{ }}`. */
function expressionsAt(path: string[], text: string): string[] {
  return path.at(-1) === 'if' && !text.includes('${{') ? [text] : expressions(text);
}

interface CallableInput {
  required?: boolean;
  default?: unknown;
}

function declaredOutputsOfRunStep(step: Step): Set<string> {
  const names = new Set<string>();
  for (const m of (step.run ?? '').matchAll(/(?:^|["'\s{])([\w-]+)(?:=|<<)/gm)) names.add(m[1] ?? '');
  return names;
}

function stepOutputsProblem(
  where: string,
  job: Job,
  stepId: string,
  output: string,
  actions: Map<string, ActionSpec>,
): string | undefined {
  const step = (job.steps ?? []).find((s) => s.id === stepId);
  if (!step)
    return `${where}: steps.${stepId}.outputs.${output} names no step with id '${stepId}' in this job`;
  if (step.uses) {
    const action = localActionOf(step.uses);
    if (action === undefined) return undefined; // a third-party action: its outputs are its own business
    const spec = actions.get(action);
    if (!spec) return undefined; // reported where the step is checked
    if (!(output in spec.outputs)) {
      return `${where}: steps.${stepId}.outputs.${output}: ${action} has no output '${output}' (it has ${Object.keys(spec.outputs).join(', ') || 'none'})`;
    }
    return undefined;
  }
  if (step.run !== undefined && !declaredOutputsOfRunStep(step).has(output)) {
    return `${where}: steps.${stepId}.outputs.${output}: the run step '${stepId}' never writes '${output}' to GITHUB_OUTPUT`;
  }
  return undefined;
}

/** Checks one workflow against the actions and the other workflows; returns the problems found. */
export function checkContracts(
  workflow: Workflow,
  actions: Map<string, ActionSpec>,
  workflows: Workflow[],
): string[] {
  const problems: string[] = [];
  const file = workflow.file;
  const call = (workflow.on.workflow_call ?? undefined) as
    | {
        inputs?: Record<string, CallableInput>;
        secrets?: Record<string, CallableInput>;
        outputs?: Record<string, { value?: string }>;
      }
    | undefined;
  const dispatch = (workflow.on.workflow_dispatch ?? undefined) as
    { inputs?: Record<string, unknown> } | undefined;
  const declaredInputs = new Set([
    ...Object.keys(call?.inputs ?? {}),
    ...Object.keys(dispatch?.inputs ?? {}),
  ]);
  const declaredSecrets = call ? new Set(Object.keys(call.secrets ?? {})) : undefined;

  const { text: _text, file: _file, ...content } = workflow;
  for (const { path, text } of strings(content)) {
    for (const expr of expressionsAt(path, text)) {
      for (const m of expr.matchAll(/\binputs\.([\w-]+)/g)) {
        if (!declaredInputs.has(m[1] ?? ''))
          problems.push(`${file}: inputs.${m[1]} is read but not declared`);
      }
      if (declaredSecrets) {
        for (const m of expr.matchAll(/\bsecrets\.([\w-]+)/g)) {
          if (m[1] !== 'GITHUB_TOKEN' && !declaredSecrets.has(m[1] ?? '')) {
            problems.push(`${file}: secrets.${m[1]} is read but not declared in on.workflow_call.secrets`);
          }
        }
      }
    }
  }

  for (const [name, output] of Object.entries(call?.outputs ?? {})) {
    for (const expr of expressions(output.value ?? '')) {
      for (const m of expr.matchAll(/\bjobs\.([\w-]+)\.outputs\.([\w-]+)/g)) {
        const job = workflow.jobs[m[1] ?? ''];
        if (!job) problems.push(`${file}: output ${name} reads jobs.${m[1]}, which does not exist`);
        else if (!Object.hasOwn(job.outputs ?? {}, m[2] ?? '')) {
          problems.push(
            `${file}: output ${name} reads jobs.${m[1]}.outputs.${m[2]}, which job ${m[1]} does not define`,
          );
        }
      }
    }
  }

  for (const [jobId, job] of Object.entries(workflow.jobs)) {
    const where = `${file} job ${jobId}`;
    if (job.secrets === 'inherit')
      problems.push(`${where}: secrets: inherit passes every secret; pass the ones needed`);
    const needs = needsOf(job);
    for (const n of needs)
      if (!workflow.jobs[n]) problems.push(`${where}: needs '${n}', which does not exist`);

    for (const { path, text } of strings(job)) {
      for (const expr of expressionsAt(path, text)) {
        for (const m of expr.matchAll(/\bneeds\.([\w-]+)\.outputs\.([\w-]+)/g)) {
          const [need, output] = [m[1] ?? '', m[2] ?? ''];
          if (!needs.includes(need))
            problems.push(
              `${where} (${path.join('.')}): needs.${need} is read but '${need}' is not in needs`,
            );
          else if (!Object.hasOwn(workflow.jobs[need]?.outputs ?? {}, output)) {
            problems.push(
              `${where} (${path.join('.')}): needs.${need}.outputs.${output}: job ${need} has no output '${output}'`,
            );
          }
        }
        for (const m of expr.matchAll(/\bsteps\.([\w-]+)\.outputs\.([\w-]+)/g)) {
          const problem = stepOutputsProblem(
            `${where} (${path.join('.')})`,
            job,
            m[1] ?? '',
            m[2] ?? '',
            actions,
          );
          if (problem) problems.push(problem);
        }
      }
    }

    if (job.uses) {
      const target = reusableWorkflowOf(job.uses);
      const called = target ? workflows.find((w) => w.file === target) : undefined;
      if (target && !called) problems.push(`${where}: calls ${job.uses}, which is not in .github/workflows`);
      const spec = called?.on.workflow_call as
        { inputs?: Record<string, CallableInput>; secrets?: Record<string, CallableInput> } | undefined;
      if (called && !spec) problems.push(`${where}: calls ${called.file}, which has no on.workflow_call`);
      if (spec) {
        const given = job.with ?? {};
        for (const key of Object.keys(given)) {
          if (!spec.inputs?.[key])
            problems.push(`${where}: passes input '${key}', which ${called?.file} does not declare`);
        }
        for (const [key, def] of Object.entries(spec.inputs ?? {})) {
          if (def.required && def.default === undefined && !(key in given)) {
            problems.push(`${where}: does not pass required input '${key}' of ${called?.file}`);
          }
        }
        const secrets = job.secrets === 'inherit' ? {} : (job.secrets ?? {});
        for (const key of Object.keys(secrets)) {
          if (!spec.secrets?.[key])
            problems.push(`${where}: passes secret '${key}', which ${called?.file} does not declare`);
        }
        for (const [key, def] of Object.entries(spec.secrets ?? {})) {
          if (def.required && !(key in secrets))
            problems.push(`${where}: does not pass required secret '${key}' of ${called?.file}`);
        }
      }
    }

    for (const [index, step] of (job.steps ?? []).entries()) {
      const action = step.uses ? localActionOf(step.uses) : undefined;
      if (action === undefined) continue;
      const stepName = `${where} step ${step.id ?? step.name ?? index + 1}`;
      const spec = actions.get(action);
      if (!spec) {
        problems.push(`${stepName}: uses ${step.uses}, but actions/${action}/action.yml does not exist`);
        continue;
      }
      const given = step.with ?? {};
      for (const key of Object.keys(given)) {
        if (!(key in spec.inputs))
          problems.push(`${stepName}: passes input '${key}', which ${action} does not declare`);
      }
      for (const [key, def] of Object.entries(spec.inputs)) {
        if (def.required && def.default === undefined && !(key in given)) {
          problems.push(`${stepName}: does not pass required input '${key}' of ${action}`);
        }
      }
    }
  }
  return [...new Set(problems)];
}
