/**
 * STYLE.md's workflow rules as a check: `permissions: {}` at the top and a commented grant per
 * job, `id-token: write` only where OIDC is used, third-party actions pinned by full commit SHA
 * with a version comment, `persist-credentials: false` on checkout, no `${{ }}` inside `run:`,
 * a concurrency group wherever an environment is changed (never cancelling a deploy half-way),
 * `timeout-minutes` on every job, `environment:` on every job that assumes an AWS role, and none
 * of `pull_request_target`, `workflow_run`, `secrets: inherit`.
 */
import { localActionOf, reusableWorkflowOf, type Job, type Workflow } from './workflow-model.js';

const PINNED = /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/;
const AWS_CREDENTIALS = 'aws-actions/configure-aws-credentials@';

function usesLine(text: string, uses: string): string | undefined {
  return text
    .split('\n')
    .find((line) => line.trim().replace(/^- /, '') === `uses: ${uses}` || line.includes(`uses: ${uses} `));
}

function changesAnEnvironment(job: Job): boolean {
  return (
    job.environment !== undefined ||
    (job.uses !== undefined && reusableWorkflowOf(job.uses) === 'deploy.yml') ||
    (job.steps ?? []).some((s) => s.uses?.startsWith(AWS_CREDENTIALS))
  );
}

/** The STYLE.md problems of one workflow. */
export function checkStyle(workflow: Workflow, workflows: Workflow[] = [workflow]): string[] {
  const problems: string[] = [];
  const file = workflow.file;
  for (const trigger of ['pull_request_target', 'workflow_run']) {
    if (trigger in workflow.on) problems.push(`${file}: uses the ${trigger} trigger`);
  }
  if (/^\s*secrets:\s*inherit\s*$/m.test(workflow.text)) problems.push(`${file}: secrets: inherit`);
  const top = workflow.permissions;
  if (!top || typeof top !== 'object' || Object.keys(top).length > 0) {
    problems.push(`${file}: the top-level permissions must be {} (grants go on the jobs that need them)`);
  }
  // A grant line without a reason comment.
  for (const [i, line] of workflow.text.split('\n').entries()) {
    if (
      /^\s+(actions|contents|id-token|packages|pull-requests|issues|deployments|checks|statuses|security-events|attestations|pages):\s*(read|write)\s*$/.test(
        line,
      )
    ) {
      problems.push(`${file}:${i + 1}: permission '${line.trim()}' has no '# needed to …' comment`);
    }
  }
  const anyChangesEnvironment = Object.values(workflow.jobs).some(changesAnEnvironment);
  for (const [jobId, job] of Object.entries(workflow.jobs)) {
    if (!changesAnEnvironment(job)) continue;
    const called = job.uses
      ? workflows.find((w) => w.file === reusableWorkflowOf(job.uses ?? ''))
      : undefined;
    if (
      workflow.concurrency === undefined &&
      job.concurrency === undefined &&
      called?.concurrency === undefined
    ) {
      problems.push(`${file} job ${jobId}: changes an environment outside any concurrency group`);
    }
  }
  for (const group of [workflow.concurrency, ...Object.values(workflow.jobs).map((j) => j.concurrency)]) {
    const cancels =
      group && typeof group === 'object' && (group as Record<string, unknown>)['cancel-in-progress'] === true;
    if (cancels && anyChangesEnvironment)
      problems.push(`${file}: cancel-in-progress: true would stop a deploy half-way`);
  }

  for (const [jobId, job] of Object.entries(workflow.jobs)) {
    const where = `${file} job ${jobId}`;
    if (job.uses === undefined && job['timeout-minutes'] === undefined)
      problems.push(`${where}: no timeout-minutes`);
    if (job.permissions === undefined)
      problems.push(`${where}: no permissions (grant what the job needs, or {})`);
    const grants = typeof job.permissions === 'object' ? job.permissions : {};
    const steps = job.steps ?? [];
    const usesOidc = steps.some((s) => s.uses?.startsWith(AWS_CREDENTIALS)) || job.uses !== undefined;
    if (grants['id-token'] === 'write' && !usesOidc)
      problems.push(`${where}: id-token: write without an OIDC login`);
    if (steps.some((s) => s.uses?.startsWith(AWS_CREDENTIALS)) && job.environment === undefined) {
      problems.push(`${where}: assumes an AWS role but names no environment`);
    }
    for (const [index, step] of steps.entries()) {
      const stepName = `${where} step ${step.id ?? step.name ?? index + 1}`;
      if (step.run !== undefined && step.run.includes('${{')) {
        problems.push(`${stepName}: \${{ }} inside run: (pass it through env: and quote "$VAR")`);
      }
      if (!step.uses || step.uses.startsWith('./') || localActionOf(step.uses) !== undefined) continue;
      if (step.uses.startsWith('docker://')) continue;
      if (!PINNED.test(step.uses)) {
        problems.push(`${stepName}: ${step.uses} is not pinned to a full commit SHA`);
        continue;
      }
      const line = usesLine(workflow.text, step.uses);
      if (!line || !/#\s*v\d+(\.\d+)*\s*$/.test(line))
        problems.push(`${stepName}: ${step.uses} has no '# vX.Y.Z' comment`);
      if (step.uses.startsWith('actions/checkout@') && (step.with ?? {})['persist-credentials'] !== false) {
        problems.push(`${stepName}: checkout without persist-credentials: false`);
      }
    }
  }
  return problems;
}
