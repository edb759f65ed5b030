/**
 * The workflow runner's rules, each on a small workflow written here. GitHub's semantics are
 * cited where they are not obvious.
 */
import { describe, expect, it } from '@jest/globals';
import {
  LocalGitHub,
  runWorkflow,
  WorkflowFileError,
  type RunScenario,
  type WorkflowRunResult,
} from '../src/index.js';
import { workflowRepo } from './workflow-fixtures.js';

const push = (dir: string, extra: Partial<RunScenario> = {}): RunScenario => ({
  workflow: '.github/workflows/w.yml',
  repositoryDir: dir,
  repository: 'octo/app',
  ref: 'refs/heads/main',
  event: { name: 'push' },
  ...extra,
});

const job = (r: WorkflowRunResult, id: string) => {
  const found = r.jobs.find((j) => j.id === id);
  if (!found) throw new Error(`no job ${id} in ${r.jobs.map((j) => j.id).join(', ')}`);
  return found;
};
const lines = (r: WorkflowRunResult, jobId: string) =>
  r.logs.filter((l) => l.job === jobId).map((l) => l.line);

describe('jobs, if:, outputs, env, defaults', () => {
  it('runs jobs in needs order, passes job outputs, and evaluates if: with the status functions', async () => {
    const dir = workflowRepo(`
on: push
env:
  GREETING: hello
jobs:
  last:
    needs: [first, second]
    runs-on: ubuntu-latest
    steps:
      - env:
          FROM_FIRST: \${{ needs.first.outputs.word }}
        run: echo "last saw $FROM_FIRST and $GREETING"
  first:
    runs-on: ubuntu-latest
    outputs:
      word: \${{ steps.say.outputs.word }}
    defaults:
      run:
        working-directory: sub
    steps:
      - run: mkdir -p sub
        working-directory: .
      - id: say
        run: |
          echo "word=blue" >> "$GITHUB_OUTPUT"
          echo "in $(basename "$PWD")"
  second:
    needs: first
    runs-on: ubuntu-latest
    steps:
      - run: exit 3
      - if: failure()
        run: echo "a step saw the failure"
      - run: echo "never"
  on-failure:
    needs: second
    if: failure()
    runs-on: ubuntu-latest
    steps:
      - run: echo "the failure job ran"
  on-success:
    needs: second
    runs-on: ubuntu-latest
    steps:
      - run: echo "never"
`);
    const r = await runWorkflow(push(dir));
    expect(r.jobs.map((j) => j.id)).toEqual(['first', 'second', 'last', 'on-failure', 'on-success']);
    expect(job(r, 'first').outputs).toEqual({ word: 'blue' });
    expect(lines(r, 'first')).toContain('in sub');
    const second = job(r, 'second');
    expect(second.status).toBe('failure');
    expect(second.steps.map((s) => s.conclusion)).toEqual(['failure', 'success', 'skipped']);
    expect(second.steps[0]?.error).toBe('Process completed with exit code 3.');
    // `last` needs a failed job: the implicit success() is false.
    expect(job(r, 'last').status).toBe('skipped');
    expect(job(r, 'on-failure').status).toBe('success');
    expect(job(r, 'on-success').status).toBe('skipped');
    expect(r.conclusion).toBe('failure');
  });

  it('fails the job whose if: cannot be evaluated, and refuses a file GitHub would refuse', async () => {
    const dir = workflowRepo(`
on: push
jobs:
  broken:
    runs-on: ubuntu-latest
    if: fromJSON('not json') == 1
    steps:
      - run: echo never
  after:
    needs: broken
    if: always()
    runs-on: ubuntu-latest
    steps:
      - run: echo "after \${{ needs.broken.result }}"
`);
    const r = await runWorkflow(push(dir));
    expect(job(r, 'broken').status).toBe('failure');
    expect(job(r, 'broken').error).toMatch(/^Error when evaluating 'if' for job 'broken'/);
    expect(lines(r, 'after')).toContain('after failure');

    const bad = workflowRepo(`
on: push
jobs:
  a:
    runs-on: ubuntu-latest
    if: \${{ success() && ( }}
    steps:
      - run: echo never
`);
    await expect(runWorkflow(push(bad))).rejects.toThrow(WorkflowFileError);
  });

  it('continue-on-error: outcome failure, conclusion success, the job succeeds', async () => {
    const dir = workflowRepo(`
on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - id: soft
        continue-on-error: true
        run: exit 1
      - run: echo "outcome=\${{ steps.soft.outcome }} conclusion=\${{ steps.soft.conclusion }}"
`);
    const r = await runWorkflow(push(dir));
    expect(job(r, 'a').status).toBe('success');
    expect(job(r, 'a').steps[0]).toMatchObject({ outcome: 'failure', conclusion: 'success' });
    expect(lines(r, 'a')).toContain('outcome=failure conclusion=success');
  });

  it('timeout-minutes: a timed-out job fails (needs.x.result is failure) and its always() steps still run', async () => {
    // A job over its timeout is failed ("has exceeded the maximum execution time"); later jobs'
    // failure() is true (https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#jobsjob_idtimeout-minutes).
    const dir = workflowRepo(`
on: push
jobs:
  slow:
    runs-on: ubuntu-latest
    timeout-minutes: 1
    steps:
      - id: wait
        run: sleep 20
      - if: always()
        run: echo "cleanup ran"
  step-timeout:
    runs-on: ubuntu-latest
    steps:
      - timeout-minutes: 1
        run: sleep 20
      - if: failure()
        run: echo "saw the step time out"
  after:
    needs: slow
    if: failure()
    runs-on: ubuntu-latest
    steps:
      - run: echo "after \${{ needs.slow.result }}"
`);
    const r = await runWorkflow(push(dir, { minuteMs: 300, signals: { sigintMs: 200, sigtermMs: 200 } }));
    expect(job(r, 'slow')).toMatchObject({ status: 'failure', timedOut: true });
    expect(job(r, 'slow').steps[0]?.signals).toContain('SIGINT');
    expect(lines(r, 'slow')).toContain('cleanup ran');
    expect(job(r, 'step-timeout').steps.map((s) => s.outcome)).toEqual(['failure', 'success']);
    expect(lines(r, 'after')).toContain('after failure');
  });
});

describe('strategy.matrix', () => {
  it('runs a leg per value with the matrix context; fail-fast cancels the legs after a failure', async () => {
    const dir = workflowRepo(`
on: push
jobs:
  each:
    name: Clean up \${{ matrix.environment }}
    strategy:
      matrix:
        environment: [staging, production, sandbox]
    runs-on: ubuntu-latest
    steps:
      - env:
          TARGET: \${{ matrix.environment }}
        run: |
          echo "cleaning $TARGET"
          test "$TARGET" != production
  after:
    needs: each
    if: always()
    runs-on: ubuntu-latest
    steps:
      - run: echo "each was \${{ needs.each.result }}"
`);
    const r = await runWorkflow(push(dir));
    expect(r.jobs.map((j) => [j.id, j.name, j.status])).toEqual([
      ['each (staging)', 'Clean up staging', 'success'],
      ['each (production)', 'Clean up production', 'failure'],
      ['each (sandbox)', 'each', 'cancelled'],
      ['after', 'after', 'success'],
    ]);
    expect(lines(r, 'each (staging)')).toContain('cleaning staging');
    expect(lines(r, 'after')).toContain('each was failure');
  });
});

describe('environments', () => {
  const deployWorkflow = `
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment: production
    steps:
      - env:
          TOKEN: \${{ secrets.DEPLOY_TOKEN }}
          STAGE: \${{ vars.STAGE }}
        run: echo "deploying to $STAGE with $TOKEN"
  report:
    needs: deploy
    if: always()
    runs-on: ubuntu-latest
    steps:
      - run: echo "deploy was \${{ needs.deploy.result }}"
`;
  const production = {
    production: { reviewers: ['octo-lead'], secrets: { DEPLOY_TOKEN: 'tok-123' }, vars: { STAGE: 'prod' } },
  };

  it('waits for the approval, then runs with the environment secrets (masked) and vars', async () => {
    const r = await runWorkflow(
      push(workflowRepo(deployWorkflow), {
        environments: production,
        approvals: { production: { decision: 'approve', afterMs: 150, reviewer: 'octo-lead' } },
      }),
    );
    const deploy = job(r, 'deploy');
    expect(deploy.status).toBe('success');
    expect(deploy.approval).toMatchObject({
      environment: 'production',
      decision: 'approved',
      reviewer: 'octo-lead',
    });
    expect(deploy.approval?.waitedMs).toBeGreaterThan(0);
    expect(lines(r, 'deploy')).toContain('deploying to prod with ***');
    expect(r.logs.some((l) => l.line.includes('tok-123'))).toBe(false);
  });

  it('a refused approval fails the job', async () => {
    const r = await runWorkflow(
      push(workflowRepo(deployWorkflow), { environments: production, approvals: { production: 'reject' } }),
    );
    expect(job(r, 'deploy')).toMatchObject({ status: 'failure', steps: [] });
    expect(lines(r, 'report')).toContain('deploy was failure');
  });

  it('an approval never given keeps the job waiting until the run is cancelled', async () => {
    const r = await runWorkflow(
      push(workflowRepo(deployWorkflow), {
        environments: production,
        approvals: { production: 'never' },
        cancel: { afterMs: 300 },
      }),
    );
    expect(job(r, 'deploy')).toMatchObject({ status: 'cancelled', steps: [] });
    expect(job(r, 'deploy').approval?.decision).toBe('cancelled');
    expect(lines(r, 'report')).toContain('deploy was cancelled');
    expect(r.conclusion).toBe('cancelled');
  });

  it('a deployment tag policy refuses a run from a branch', async () => {
    const r = await runWorkflow(
      push(workflowRepo(deployWorkflow), { environments: { production: { tags: ['v*'] } } }),
    );
    expect(job(r, 'deploy').status).toBe('failure');
    expect(job(r, 'deploy').error).toBe(
      'Branch "main" is not allowed to deploy to production due to environment protection rules.',
    );
    const tagged = await runWorkflow(
      push(workflowRepo(deployWorkflow.replace('on: push', "on:\n  push:\n    tags: ['v*']")), {
        ref: 'refs/tags/v1.0.0',
        environments: { production: { tags: ['v*'] } },
      }),
    );
    expect(job(tagged, 'deploy').status).toBe('success');
  });
});

describe('cancellation', () => {
  it('signals the running step (SIGINT), then runs cancelled()/always() jobs and cancels the rest', async () => {
    // The runner sends SIGINT, then SIGTERM 7.5 s later, then kills (actions/runner
    // src/Runner.Sdk/ProcessInvoker.cs); this test shortens the waits.
    const dir = workflowRepo(`
on: push
jobs:
  shift:
    runs-on: ubuntu-latest
    steps:
      - id: hold
        run: |
          trap 'echo "got SIGINT"; exit 130' INT
          sleep 30 &
          echo "holding traffic"
          wait
      - run: echo never
      - if: cancelled()
        run: echo "step saw the cancel"
  stubborn:
    needs: shift
    if: always()
    runs-on: ubuntu-latest
    steps:
      - run: echo "always job ran"
  rollback:
    needs: shift
    if: cancelled() || failure()
    runs-on: ubuntu-latest
    steps:
      - run: echo "rollback ran"
  promote:
    needs: shift
    runs-on: ubuntu-latest
    steps:
      - run: echo never
`);
    const r = await runWorkflow(push(dir, { cancel: { whenLogLine: 'holding traffic', delayMs: 100 } }));
    const shift = job(r, 'shift');
    expect(shift.status).toBe('cancelled');
    expect(shift.steps.map((s) => s.outcome)).toEqual(['cancelled', 'skipped', 'success']);
    expect(shift.steps[0]?.signals).toEqual(['SIGINT']);
    expect(lines(r, 'shift')).toContain('got SIGINT');
    expect(lines(r, 'stubborn')).toContain('always job ran');
    expect(lines(r, 'rollback')).toContain('rollback ran');
    expect(job(r, 'promote').status).toBe('cancelled');
    expect(r.conclusion).toBe('cancelled');
  });

  it('a step that ignores SIGINT gets SIGTERM', async () => {
    const dir = workflowRepo(`
on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - id: deaf
        run: |
          trap '' INT
          trap 'echo "got SIGTERM"; exit 143' TERM
          sleep 30 &
          echo "deaf now"
          wait
`);
    const r = await runWorkflow(
      push(dir, { cancel: { whenLogLine: 'deaf now', delayMs: 100 }, signals: { sigintMs: 300 } }),
    );
    expect(job(r, 'a').steps[0]?.signals).toEqual(['SIGINT', 'SIGTERM']);
    expect(lines(r, 'a')).toContain('got SIGTERM');
  });
});

describe('concurrency', () => {
  const workflow = `
on: workflow_dispatch
concurrency:
  group: deploy-production
  cancel-in-progress: \${{ vars.CANCEL == 'yes' }}
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: sleep 1; echo "done"
`;
  const dispatch = (dir: string, extra: Partial<RunScenario> = {}) =>
    push(dir, { event: { name: 'workflow_dispatch' }, ...extra });

  it('one running and one pending: a newer pending run replaces the older one', async () => {
    const dir = workflowRepo(workflow);
    const gh = new LocalGitHub();
    const first = gh.start(dispatch(dir));
    await new Promise((r) => setTimeout(r, 150));
    const second = gh.start(dispatch(dir));
    await new Promise((r) => setTimeout(r, 50));
    const third = gh.start(dispatch(dir));
    const [r1, r2, r3] = await Promise.all([first.result, second.result, third.result]);
    expect(r1.conclusion).toBe('success');
    expect(r2.conclusion).toBe('cancelled');
    expect(r2.jobs).toEqual([]);
    expect(r3.conclusion).toBe('success');
    expect(r3.logs.some((l) => l.line.startsWith('Waiting: another run'))).toBe(true);
  });

  it('cancel-in-progress cancels the running run', async () => {
    const dir = workflowRepo(workflow);
    const gh = new LocalGitHub();
    const first = gh.start(
      dispatch(dir, { vars: { CANCEL: 'yes' }, signals: { sigintMs: 100, sigtermMs: 100 } }),
    );
    await new Promise((r) => setTimeout(r, 300));
    const second = gh.start(dispatch(dir, { vars: { CANCEL: 'yes' } }));
    const [r1, r2] = await Promise.all([first.result, second.result]);
    expect(r1.conclusion).toBe('cancelled');
    expect(r2.conclusion).toBe('success');
  });
});

describe('permissions', () => {
  it('a job without id-token: write gets no OIDC request URL', async () => {
    const dir = workflowRepo(`
on: push
permissions: {}
jobs:
  with-token:
    runs-on: ubuntu-latest
    permissions:
      id-token: write
    steps:
      - run: echo "url=\${ACTIONS_ID_TOKEN_REQUEST_URL:+set}"
  without:
    runs-on: ubuntu-latest
    steps:
      - run: echo "url=\${ACTIONS_ID_TOKEN_REQUEST_URL:-unset}"
      - uses: aws-actions/configure-aws-credentials@00943011d9042930efac3dcd3a170e4273319bc8
        with:
          role-to-assume: arn:aws:iam::111122223333:role/deploy
          aws-region: us-east-1
`);
    const r = await runWorkflow(push(dir, { aws: { endpoint: 'http://127.0.0.1:9' } }));
    expect(lines(r, 'with-token')).toContain('url=set');
    expect(lines(r, 'without')).toContain('url=unset');
    expect(job(r, 'without').steps[1]?.error).toMatch(/Did you mean to set the `id-token` permission\?/);
  });
});

describe('artifacts', () => {
  it('a name is unique per run: a second upload fails unless overwrite: true (upload-artifact v4+)', async () => {
    // https://github.com/actions/upload-artifact#not-uploading-to-the-same-artifact
    const dir = workflowRepo(`
on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: mkdir out && echo one > out/file.txt
      - uses: actions/upload-artifact@330a01c490aca151604b8cf639adc76d48f6c5d4
        with:
          name: evidence
          path: out
      - id: again
        continue-on-error: true
        uses: actions/upload-artifact@330a01c490aca151604b8cf639adc76d48f6c5d4
        with:
          name: evidence
          path: out
      - run: echo two > out/file.txt
      - uses: actions/upload-artifact@330a01c490aca151604b8cf639adc76d48f6c5d4
        with:
          name: evidence
          path: out
          overwrite: true
  b:
    needs: a
    runs-on: ubuntu-latest
    steps:
      - uses: actions/download-artifact@634f93cb2916e3fdff6788551b99b062d0335ce0
        with:
          name: evidence
          path: got
      - run: cat got/file.txt
`);
    const r = await runWorkflow(push(dir));
    const a = job(r, 'a');
    expect(a.steps[2]).toMatchObject({ outcome: 'failure', conclusion: 'success' });
    expect(a.steps[2]?.error).toMatch(
      /\(409\) Conflict: an artifact with this name already exists on the workflow run/,
    );
    expect(a.steps[4]?.outcome).toBe('success');
    expect(lines(r, 'b')).toContain('two');
  });
});
