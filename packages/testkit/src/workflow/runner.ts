/**
 * A test double of GitHub Actions, as moto is of AWS: runs a workflow file (and the reusable
 * workflows it calls) on this machine with GitHub's semantics, on GitHub's own parser and
 * expression engine.
 *
 * Jobs run one at a time, in `needs` order (ties in file order): GitHub may run independent
 * jobs at once, but no workflow of the suite depends on that, and one at a time keeps the log
 * and the stack's load readable. Steps run as GitHub's runner runs them: `run:` in bash, the
 * suite's own actions from their committed bundles, third-party actions as named stand-ins.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseAnnotations, parseFileCommand, repoRoot } from '../run-action.js';
import {
  asString,
  evaluate,
  evaluateStringMap,
  evaluateToken,
  ExpressionFailure,
  truthy,
  type ContextValue,
  type Contexts,
  type StatusFunctions,
} from './expressions.js';
import { refPatternMatches } from './glob.js';
import type { OidcJob } from './oidc.js';
import {
  child,
  isMapping,
  loadAction,
  loadWorkflow,
  type Job,
  type LoadedWorkflow,
  type ReusableWorkflowJob,
  type Step,
  type TemplateToken,
} from './parser.js';
import type { GitPush, GitServer } from './git-server.js';
import { StandInFailure, standInFor } from './stand-ins.js';
import type {
  ApprovalAnswer,
  ApprovalRecord,
  JobResult,
  JobStatus,
  LogLine,
  RunScenario,
  StepResult,
  WorkflowRunResult,
} from './types.js';

/** The GITHUB_TOKEN (github.token) of every job LocalGitHub runs. */
export const LOCAL_GITHUB_TOKEN = 'ghs_localrunnertoken';

/**
 * Whether a workflow's `on.push` runs for a push of `ref` (refs/heads/… or refs/tags/…): the
 * `branches`/`tags` filters; a workflow that filters only branches
 * runs on no tag push, and the other way round
 * (https://docs.github.com/actions/reference/workflows-and-actions/workflow-syntax#onpushbranchestagsbranches-ignoretags-ignore).
 */
export function pushTriggers(wf: LoadedWorkflow, ref: string): boolean {
  const events = wf.template.events as Record<string, unknown>;
  if (!('push' in events)) return false;
  const push = wf.template.events.push ?? {};
  const tag = ref.startsWith('refs/tags/');
  const name = ref.replace(/^refs\/(heads|tags)\//, '');
  const filters = tag ? push.tags : push.branches;
  const other = tag ? push.branches : push.tags;
  return filters ? filters.some((p) => refPatternMatches(p, name)) : !other;
}

/** A run LocalGitHub started for a push. */
export interface TriggeredRun {
  workflow: string;
  push: GitPush;
  run: WorkflowRun;
}

// The runner's cancellation: SIGINT, then SIGTERM 7.5 s later, then a kill 2.5 s after that
// (actions/runner src/Runner.Sdk/ProcessInvoker.cs: _sigintTimeout 7500 ms, _sigtermTimeout 2500 ms).
const SIGINT_MS = 7_500;
const SIGTERM_MS = 2_500;

type Permissions = Record<string, string>;

/** A held or awaited concurrency slot. */
interface ConcurrencyHolder {
  group: string;
  start: () => void;
  replaced: () => void;
  cancelRunning: () => void;
}

/**
 * One GitHub for the runs a test starts: it owns the concurrency groups (one running and one
 * pending per group; a newer pending run replaces the older; cancel-in-progress cancels the
 * running one).
 */
export class LocalGitHub {
  private readonly groups = new Map<string, { running?: ConcurrencyHolder; pending?: ConcurrencyHolder }>();
  private nextRunId = 7000;
  private readonly runs = new Map<number, WorkflowRun>();
  /** The runs pushes started, in order. */
  readonly triggered: TriggeredRun[] = [];
  /** Pushes that started nothing, and why. */
  readonly untriggered: { push: GitPush; reason: string }[] = [];
  private readonly pending: Promise<void>[] = [];

  /** Resolves once the runs of every push so far have been started (read workflows, matched). */
  async pushesHandled(): Promise<void> {
    await Promise.all(this.pending);
  }

  /**
   * Starts, for every push to `repository` on `server`, each workflow of the pushed commit's
   * `.github/workflows/` whose `on.push` filters match the ref, as GitHub does; `scenarioFor`
   * gives the repository's settings for it (environments, secrets, the runner's env). A push
   * made with a run's own GITHUB_TOKEN starts nothing: "events triggered by the GITHUB_TOKEN,
   * with the exception of workflow_dispatch and repository_dispatch, will not create a new
   * workflow run" (https://docs.github.com/actions/concepts/security/github_token#when-github_token-triggers-workflow-runs).
   * Nor does a deletion (no commit to read workflows from).
   */
  triggerOnPush(
    server: GitServer,
    repository: string,
    scenarioFor: (workflow: string, push: GitPush) => RunScenario,
  ): void {
    server.onPush((push) => {
      const dir = server.repositories[repository];
      if (push.repository !== repository || !dir) return;
      if (push.byGitHubToken) {
        this.untriggered.push({ push, reason: 'pushed with the GITHUB_TOKEN of a workflow run' });
        return;
      }
      if (/^0+$/.test(push.after)) {
        this.untriggered.push({ push, reason: 'a deletion' });
        return;
      }
      this.pending.push(
        this.startPushed(server.url, repository, dir, push, scenarioFor).catch((error: unknown) => {
          this.untriggered.push({ push, reason: `the workflows could not be read: ${String(error)}` });
        }),
      );
    });
  }

  private async startPushed(
    serverUrl: string,
    repository: string,
    dir: string,
    push: GitPush,
    scenarioFor: (workflow: string, push: GitPush) => RunScenario,
  ): Promise<void> {
    const commit = git(dir, ['rev-parse', `${push.after}^{commit}`]);
    let files: string[] = [];
    try {
      files = git(dir, ['ls-tree', '--name-only', `${commit}:.github/workflows`])
        .split('\n')
        .filter((f) => /\.ya?ml$/.test(f));
    } catch {
      // no workflows in that commit
    }
    let started = 0;
    for (const file of files) {
      const workflow = `.github/workflows/${file}`;
      const text = git(dir, ['show', `${commit}:${workflow}`]);
      const wf = await loadWorkflow(workflow, text);
      if (!pushTriggers(wf, push.ref)) continue;
      const scenario = scenarioFor(workflow, push);
      const run = this.start({
        ...scenario,
        workflow,
        repository,
        repositoryDir: dir,
        serverUrl,
        ref: push.ref,
        sha: commit,
        // GitHub's actor of a push run is whoever pushed.
        actor: push.pusher,
        event: {
          name: 'push',
          payload: { before: push.before, after: push.after, pusher: { name: push.pusher } },
        },
      });
      this.triggered.push({ workflow, push, run });
      started++;
    }
    if (started === 0) this.untriggered.push({ push, reason: 'no workflow runs on a push of this ref' });
  }

  /** Starts a run; `result` settles when it ends. */
  start(scenario: RunScenario): WorkflowRun {
    const run = new WorkflowRun(this, scenario, scenario.run?.id ?? this.nextRunId++);
    this.runs.set(run.id, run);
    run.result = run.execute();
    return run;
  }

  /** The environment approvals of a run so far (for the run's approvals API). */
  approvalsOf(runId: number): ApprovalRecord[] | undefined {
    return this.runs.get(runId)?.approvalsSoFar;
  }

  /** Waits for a slot in the group: 'run' when it may start, 'replaced' when a newer run took its place. */
  acquire(
    group: string,
    cancelInProgress: boolean,
    onCancelRequest: () => void,
    log: (line: string) => void,
  ): Promise<'run' | 'replaced'> {
    const slot = this.groups.get(group) ?? {};
    this.groups.set(group, slot);
    return new Promise((resolvePromise) => {
      const holder: ConcurrencyHolder = {
        group,
        start: () => resolvePromise('run'),
        replaced: () => resolvePromise('replaced'),
        cancelRunning: onCancelRequest,
      };
      if (!slot.running) {
        slot.running = holder;
        holder.start();
        return;
      }
      if (slot.pending) {
        log(`Canceling since a higher priority waiting request for ${group} exists`);
        slot.pending.replaced();
      }
      slot.pending = holder;
      log(`Waiting: another run of concurrency group ${group} is in progress`);
      if (cancelInProgress) slot.running.cancelRunning();
    }).then((answer) => answer as 'run' | 'replaced');
  }

  /** Frees the group's running slot; the pending one starts. */
  release(group: string, holder?: ConcurrencyHolder): void {
    const slot = this.groups.get(group);
    if (!slot) return;
    if (holder && slot.pending === holder) {
      slot.pending = undefined;
      return;
    }
    slot.running = slot.pending;
    slot.pending = undefined;
    slot.running?.start();
  }
}

/** Runs one scenario on a fresh LocalGitHub and returns its result. */
export async function runWorkflow(scenario: RunScenario): Promise<WorkflowRunResult> {
  return new LocalGitHub().start(scenario).result;
}

/** The scope of one workflow file being run (the caller, or a called reusable workflow). */
interface Scope {
  wf: LoadedWorkflow;
  /** owner/name the file belongs to (for `$/`, `./.github/workflows`, job_workflow_ref). */
  fileRepository: string;
  fileDir: string;
  fileRef: string;
  inputs: Record<string, ContextValue>;
  secrets: Record<string, string>;
  env: Record<string, string>;
  prefix: string;
  permissionsCap: Permissions | undefined;
  defaultPermissions: Permissions | undefined;
}

interface StepProcess {
  interrupt: () => void;
}

const readIfExists = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');

function permissionsOf(token: TemplateToken | undefined): Permissions | undefined {
  if (!token) return undefined;
  const value = evaluateToken(token, {});
  if (typeof value === 'string') {
    // read-all / write-all
    const level = value.replace('-all', '');
    return Object.fromEntries(
      [
        'actions',
        'checks',
        'contents',
        'deployments',
        'id-token',
        'issues',
        'packages',
        'pull-requests',
        'statuses',
      ].map((k) => [k, level]),
    );
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asString(v)]));
  }
  return {};
}

const LEVEL = { none: 0, read: 1, write: 2 } as Record<string, number>;

/** A called workflow's job gets no more than the caller job allowed. */
function capPermissions(wanted: Permissions, cap: Permissions | undefined): Permissions {
  if (!cap) return wanted;
  return Object.fromEntries(
    Object.entries(wanted).map(([k, v]) => [
      k,
      (LEVEL[v] ?? 0) <= (LEVEL[cap[k] ?? 'none'] ?? 0) ? v : (cap[k] ?? 'none'),
    ]),
  );
}

function git(dir: string, args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function isBareRepository(dir: string): boolean {
  try {
    return git(dir, ['rev-parse', '--is-bare-repository']) === 'true';
  } catch {
    return false;
  }
}

export class WorkflowRun {
  result!: Promise<WorkflowRunResult>;
  private readonly started = Date.now();
  private readonly logs: LogLine[] = [];
  private readonly jobs: JobResult[] = [];
  private readonly approvals: ApprovalRecord[] = [];
  private readonly artifacts = new Map<string, string>();
  private readonly masks = new Set<string>();
  private readonly running = new Set<StepProcess>();
  private readonly waiting = new Set<() => void>();
  private readonly approvalQueues = new Map<string, ApprovalAnswer[]>();
  private readonly root: string;
  private readonly repository: string;
  private readonly repositoryDir: string;
  private readonly repositories: Record<string, string>;
  private readonly gitRefs = new Set<string>();
  private readonly sha: string;
  private cancelRequested = false;
  private readonly eventPath: string;

  constructor(
    private readonly github: LocalGitHub,
    private readonly scenario: RunScenario,
    readonly id: number,
  ) {
    this.root = mkdtempSync(join(tmpdir(), `wcd-workflow-${id}-`));
    this.repository = scenario.repository ?? 'white-cross/school-health';
    this.repositoryDir = scenario.repositoryDir ?? repoRoot;
    const repositories: Record<string, string> = { 'white-cross/deploy': repoRoot };
    for (const [name, spec] of Object.entries(scenario.repositories ?? {})) {
      repositories[name] = typeof spec === 'string' ? spec : spec.dir;
      if (typeof spec !== 'string' && spec.refs === 'git') this.gitRefs.add(name);
    }
    repositories[this.repository] = this.repositoryDir;
    this.repositories = repositories;
    // A bare repository (as on GitHub): its workflow files are read from the run's commit.
    if (isBareRepository(this.repositoryDir)) this.gitRefs.add(this.repository);
    this.sha = scenario.sha ?? this.resolveSha();
    for (const value of Object.values(scenario.secrets ?? {})) if (value) this.masks.add(value);
    for (const env of Object.values(scenario.environments ?? {})) {
      for (const value of Object.values(env.secrets ?? {})) if (value) this.masks.add(value);
    }
    for (const [env, answer] of Object.entries(scenario.approvals ?? {})) {
      this.approvalQueues.set(env, Array.isArray(answer) ? [...answer] : []);
    }
    this.eventPath = join(this.root, 'event.json');
  }

  private resolveSha(): string {
    try {
      return git(this.repositoryDir, ['rev-parse', `${this.scenario.ref}^{commit}`]);
    } catch {
      return '0'.repeat(40);
    }
  }

  /** Cancels the run, as the Cancel button does. */
  cancel(): void {
    if (this.cancelRequested) return;
    this.cancelRequested = true;
    this.log('', '', 'The run was cancelled');
    for (const p of this.running) p.interrupt();
    for (const wake of this.waiting) wake();
  }

  get approvalsSoFar(): ApprovalRecord[] {
    return [...this.approvals];
  }

  get isCancelled(): boolean {
    return this.cancelRequested;
  }

  private log(job: string, step: string, line: string): void {
    let text = line;
    for (const secret of this.masks) if (secret.length > 0) text = text.split(secret).join('***');
    const entry = { job, step, line: text, atMs: Date.now() - this.started };
    this.logs.push(entry);
    this.scenario.onLine?.(entry);
    const when = this.scenario.cancel?.whenLogLine;
    if (when && step && !this.cancelRequested && text.includes(when)) {
      setTimeout(() => this.cancel(), this.scenario.cancel?.delayMs ?? 0).unref();
    }
  }

  private get githubRef() {
    const ref = this.scenario.ref;
    const refType = ref.startsWith('refs/tags/') ? 'tag' : 'branch';
    const refName = ref.replace(/^refs\/(heads|tags)\//, '');
    return { ref, refType, refName };
  }

  private githubContext(workflowName: string, job = ''): Record<string, ContextValue> {
    const { ref, refType, refName } = this.githubRef;
    const [owner = ''] = this.repository.split('/');
    return {
      event_name: this.scenario.event.name,
      event: this.eventPayload(),
      ref,
      ref_name: refName,
      ref_type: refType,
      sha: this.sha,
      repository: this.repository,
      repository_owner: owner,
      actor: this.scenario.actor ?? 'octo-devops',
      triggering_actor: this.scenario.actor ?? 'octo-devops',
      run_id: String(this.id),
      run_number: String(this.scenario.run?.number ?? 1),
      run_attempt: String(this.scenario.run?.attempt ?? 1),
      workflow: workflowName,
      workflow_ref: `${this.repository}/${this.scenario.workflow}@${ref}`,
      job,
      server_url: this.scenario.serverUrl ?? 'https://github.com',
      api_url: this.scenario.env?.GITHUB_API_URL ?? 'https://api.github.com',
      token: LOCAL_GITHUB_TOKEN,
      retention_days: '90',
    };
  }

  private eventPayload(): Record<string, ContextValue> {
    const { ref } = this.githubRef;
    return {
      ref,
      repository: { full_name: this.repository, name: this.repository.split('/')[1] ?? '' },
      sender: { login: this.scenario.actor ?? 'octo-devops' },
      ...(this.scenario.event.inputs ? { inputs: this.scenario.event.inputs } : {}),
      ...this.scenario.event.payload,
    };
  }

  /** The whole run. */
  async execute(): Promise<WorkflowRunResult> {
    writeFileSync(this.eventPath, JSON.stringify(this.eventPayload()));
    const fileDir = this.repositoryAt(this.repository, this.sha);
    const wf = await loadWorkflow(
      this.scenario.workflow,
      readFileSync(join(fileDir, this.scenario.workflow), 'utf8'),
    );
    const inputs = this.triggerInputs(wf);
    const name = asString(evaluateToken(child(wf.root, 'name'), {})) || this.scenario.workflow;
    const scope: Scope = {
      wf,
      fileRepository: this.repository,
      fileDir,
      fileRef: this.scenario.ref,
      inputs,
      secrets: { ...this.scenario.secrets },
      env: {},
      prefix: '',
      permissionsCap: undefined,
      defaultPermissions: permissionsOf(child(wf.root, 'permissions')),
    };
    this.workflowName = name;
    if (this.scenario.cancel?.afterMs !== undefined) {
      const timer = setTimeout(() => this.cancel(), this.scenario.cancel.afterMs);
      timer.unref();
    }
    const release = await this.concurrency(
      wf.template.concurrency,
      { github: this.githubContext(name), inputs, vars: this.vars() },
      '',
    );
    if (release === 'replaced') {
      this.cancelRequested = true;
    } else {
      scope.env = evaluateStringMap(wf.template.env, {
        github: this.githubContext(name),
        inputs,
        vars: this.vars(),
        secrets: scope.secrets,
      });
      await this.runJobs(scope);
      release?.();
    }
    const statuses = this.jobs.map((j) => j.status);
    const conclusion = this.cancelRequested
      ? 'cancelled'
      : statuses.includes('failure')
        ? 'failure'
        : statuses.includes('cancelled')
          ? 'cancelled'
          : 'success';
    return {
      workflow: this.scenario.workflow,
      conclusion,
      jobs: this.jobs,
      logs: this.logs,
      artifacts: Object.fromEntries(this.artifacts),
      approvals: this.approvals,
      durationMs: Date.now() - this.started,
    };
  }

  private workflowName = '';

  private vars(extra?: Record<string, string>): Record<string, ContextValue> {
    return { ...this.scenario.vars, ...extra };
  }

  /** Checks the event starts this workflow, and types workflow_dispatch inputs. */
  private triggerInputs(wf: LoadedWorkflow): Record<string, ContextValue> {
    const event = this.scenario.event;
    const events = wf.template.events as Record<string, unknown>;
    if (!(event.name in events)) {
      throw new Error(
        `${wf.file} does not run on ${event.name} (it runs on ${Object.keys(events).join(', ')})`,
      );
    }
    if (event.name === 'push' && !pushTriggers(wf, this.scenario.ref)) {
      throw new Error(`${wf.file} does not run on a push of ${this.scenario.ref}`);
    }
    if (event.name !== 'workflow_dispatch') return {};
    const defs = wf.template.events.workflow_dispatch?.inputs ?? {};
    const given = event.inputs ?? {};
    const inputs: Record<string, ContextValue> = {};
    for (const [key, def] of Object.entries(defs)) {
      const value = given[key] ?? def.default;
      if (value === undefined && def.required) throw new Error(`Input required and not supplied: ${key}`);
      if (def.type === 'choice' && value !== undefined && !(def.options ?? []).includes(String(value))) {
        throw new Error(
          `Input '${key}' must be one of ${(def.options ?? []).join(', ')}; got '${String(value)}'`,
        );
      }
      inputs[key] =
        def.type === 'boolean'
          ? value === true || value === 'true'
          : value === undefined
            ? ''
            : (value as ContextValue);
    }
    for (const key of Object.keys(given)) {
      if (!(key in defs)) throw new Error(`Unexpected inputs provided: ["${key}"]`);
    }
    return inputs;
  }

  /** Waits for the concurrency group (if any); returns the release, or 'replaced'. */
  private async concurrency(
    token: TemplateToken | undefined,
    contexts: Contexts,
    job: string,
  ): Promise<(() => void) | undefined | 'replaced'> {
    if (!token) return undefined;
    const value = evaluateToken(token, contexts);
    let group = '';
    let cancelInProgress = false;
    if (typeof value === 'string') group = value;
    else if (value && typeof value === 'object' && !Array.isArray(value)) {
      group = asString(value.group);
      cancelInProgress = truthy(value['cancel-in-progress'] ?? false);
    }
    if (!group) return undefined;
    const answer = await this.github.acquire(
      group,
      cancelInProgress,
      () => this.cancel(),
      (line) => this.log(job, '', line),
    );
    if (answer === 'replaced') return 'replaced';
    return () => this.github.release(group);
  }

  /** Runs a workflow's jobs in needs order, one at a time. */
  private async runJobs(scope: Scope): Promise<Map<string, JobResult>> {
    const results = new Map<string, JobResult>();
    const jobs = scope.wf.template.jobs;
    const ancestors = (id: string, seen = new Set<string>()): Set<string> => {
      const job = jobs.find((j) => j.id.value === id);
      for (const n of job?.needs ?? []) {
        if (!seen.has(n.value)) {
          seen.add(n.value);
          ancestors(n.value, seen);
        }
      }
      return seen;
    };
    while (results.size < jobs.length) {
      const next = jobs.find(
        (j) => !results.has(j.id.value) && (j.needs ?? []).every((n) => results.has(n.value)),
      );
      if (!next) throw new Error(`${scope.wf.file}: the needs of the remaining jobs form a cycle`);
      const id = next.id.value;
      const needs = Object.fromEntries(
        (next.needs ?? []).map((n) => {
          const r = results.get(n.value);
          return [n.value, { result: r?.status ?? 'skipped', outputs: r?.outputs ?? {} }];
        }),
      );
      const status: StatusFunctions = {
        success: () =>
          !this.cancelRequested &&
          (next.needs ?? []).every((n) => results.get(n.value)?.status === 'success'),
        failure: () => [...ancestors(id)].some((a) => results.get(a)?.status === 'failure'),
        cancelled: () => this.cancelRequested,
      };
      results.set(id, await this.runMatrix(next, scope, needs as Record<string, ContextValue>, status));
    }
    return results;
  }

  private jobResult(id: string, name: string, status: JobStatus, extra: Partial<JobResult> = {}): JobResult {
    return {
      id,
      name,
      status,
      steps: [],
      outputs: {},
      timedOut: false,
      startedMs: Date.now() - this.started,
      durationMs: 0,
      ...extra,
    };
  }

  /**
   * A job with `strategy.matrix` runs once per combination (one after another, `name (values)`);
   * `needs.<job>.result` is failure when a leg failed. fail-fast (the default) cancels the legs
   * not yet run once one fails. Left out: include/exclude and max-parallel.
   */
  private async runMatrix(
    job: Job | ReusableWorkflowJob,
    scope: Scope,
    needs: Record<string, ContextValue>,
    status: StatusFunctions,
  ): Promise<JobResult> {
    const github = this.githubContext(this.workflowName, job.id.value);
    const strategy = job.strategy
      ? evaluateToken(job.strategy, { github, inputs: scope.inputs, vars: this.vars(), needs })
      : null;
    const matrix =
      strategy && typeof strategy === 'object' && !Array.isArray(strategy) ? strategy.matrix : undefined;
    if (!matrix || typeof matrix !== 'object' || Array.isArray(matrix))
      return this.runJob(job, scope, needs, status);
    let legs: Record<string, ContextValue>[] = [{}];
    for (const [key, values] of Object.entries(matrix)) {
      if (key === 'include' || key === 'exclude' || !Array.isArray(values)) continue;
      legs = legs.flatMap((leg) => values.map((v) => ({ ...leg, [key]: v })));
    }
    const failFast = !(
      strategy &&
      typeof strategy === 'object' &&
      !Array.isArray(strategy) &&
      strategy['fail-fast'] === false
    );
    const results: JobResult[] = [];
    for (const leg of legs) {
      const suffix = ` (${Object.values(leg).map(asString).join(', ')})`;
      if (failFast && results.some((r) => r.status === 'failure')) {
        const cancelled = this.jobResult(
          `${scope.prefix}${job.id.value}${suffix}`,
          job.id.value,
          'cancelled',
        );
        this.jobs.push(cancelled);
        results.push(cancelled);
        continue;
      }
      results.push(await this.runJob(job, scope, needs, status, leg, suffix));
    }
    const statuses = results.map((r) => r.status);
    const aggregate: JobStatus = statuses.includes('failure')
      ? 'failure'
      : statuses.includes('cancelled')
        ? 'cancelled'
        : statuses.every((x) => x === 'skipped')
          ? 'skipped'
          : 'success';
    return this.jobResult(`${scope.prefix}${job.id.value}`, job.id.value, aggregate, {
      outputs: Object.assign({}, ...results.map((r) => r.outputs)) as Record<string, string>,
    });
  }

  private async runJob(
    job: Job | ReusableWorkflowJob,
    scope: Scope,
    needs: Record<string, ContextValue>,
    status: StatusFunctions,
    matrix: Record<string, ContextValue> = {},
    suffix = '',
  ): Promise<JobResult> {
    const id = `${scope.prefix}${job.id.value}${suffix}`;
    const github = this.githubContext(this.workflowName, job.id.value);
    const base: Contexts = { github, inputs: scope.inputs, vars: this.vars(), needs, matrix, strategy: {} };
    const name = asString(evaluateToken(job.name, base)) || job.id.value;
    let run: boolean;
    try {
      run = truthy(evaluate(job.if.expression, base, status));
    } catch (e) {
      const error =
        e instanceof ExpressionFailure
          ? `Error when evaluating 'if' for job '${job.id.value}'. ${e.message}`
          : String(e);
      this.log(id, '', `::error::${error}`);
      const result = this.jobResult(id, name, 'failure', { error });
      this.jobs.push(result);
      return result;
    }
    if (!run) {
      const result = this.jobResult(id, name, this.cancelRequested ? 'cancelled' : 'skipped');
      this.log(id, '', `${name}: ${result.status} (if: ${job.if.expression})`);
      this.jobs.push(result);
      return result;
    }
    const rawJob = child(child(scope.wf.root, 'jobs'), job.id.value);
    if (job.type === 'reusableWorkflowJob') return this.runCall(job, rawJob, scope, base, id, name);
    return this.runNormalJob(job, rawJob, scope, base, id, name);
  }

  /** A job that calls a reusable workflow: inputs typed and defaulted, secrets, outputs. */
  private async runCall(
    job: ReusableWorkflowJob,
    rawJob: TemplateToken | undefined,
    scope: Scope,
    base: Contexts,
    id: string,
    name: string,
  ): Promise<JobResult> {
    const started = Date.now();
    const fail = (error: string) => {
      this.log(id, '', `::error::${error}`);
      const result = this.jobResult(id, name, 'failure', { error, durationMs: Date.now() - started });
      this.jobs.push(result);
      return result;
    };
    const ref = job.ref.value;
    let repository = scope.fileRepository;
    let dir = scope.fileDir;
    let file: string;
    let fileRef = scope.fileRef;
    if (ref.startsWith('./')) file = ref.slice(2);
    else {
      const m = /^([^/]+\/[^/]+)\/(.+)@(.+)$/.exec(ref);
      if (!m) return fail(`Invalid workflow reference '${ref}'`);
      const [, repo = '', path = '', at = ''] = m;
      const local = this.repositories[repo];
      if (!local) return fail(`Unable to find reusable workflow '${ref}': no local folder for ${repo}`);
      repository = repo;
      try {
        dir = this.repositoryAt(repo, at);
      } catch (e) {
        return fail(
          `Unable to find reusable workflow '${ref}': ${e instanceof Error ? e.message : String(e)}`,
        );
      }
      file = path;
      fileRef = at.startsWith('refs/') ? at : /^[0-9a-f]{40}$/.test(at) ? at : `refs/tags/${at}`;
    }
    let called: LoadedWorkflow;
    try {
      called = await loadWorkflow(file, readFileSync(join(dir, file), 'utf8'));
    } catch (e) {
      return fail(e instanceof Error ? e.message : String(e));
    }
    const call = called.template.events.workflow_call;
    if (!call) return fail(`${file} is not a reusable workflow (no on.workflow_call)`);
    const callerContexts: Contexts = { ...base, secrets: scope.secrets };
    const given = (evaluateToken(job['input-values'], callerContexts) ?? {}) as Record<string, ContextValue>;
    const inputs: Record<string, ContextValue> = {};
    for (const key of Object.keys(given)) {
      if (!(key in (call.inputs ?? {})))
        return fail(`Invalid input, ${key} is not defined in the referenced workflow.`);
    }
    for (const [key, def] of Object.entries(call.inputs ?? {})) {
      let value: ContextValue | undefined = given[key];
      if (value === undefined) {
        if (def.required) return fail(`Input required and not supplied: ${key}`);
        const d = def.default as unknown;
        value =
          d !== undefined && d !== null && typeof d === 'object'
            ? evaluateToken(d as TemplateToken, { github: base.github ?? null, inputs: {} })
            : ((d as ContextValue | undefined) ??
              (def.type === 'boolean' ? false : def.type === ('number' as never) ? 0 : ''));
      }
      const type = String(def.type);
      if (type === 'boolean' && typeof value !== 'boolean') {
        return fail(
          `The template is not valid. ${file}: Unexpected value '${asString(value)}' for boolean input '${key}'`,
        );
      }
      if (type === 'number' && typeof value !== 'number') {
        return fail(
          `The template is not valid. ${file}: Unexpected value '${asString(value)}' for number input '${key}'`,
        );
      }
      if (type === 'string' && typeof value !== 'string') value = asString(value);
      inputs[key] = value;
    }
    const secretValues = job['inherit-secrets']
      ? scope.secrets
      : evaluateStringMap(job['secret-values'], callerContexts);
    const secrets: Record<string, string> = {};
    for (const key of Object.keys(secretValues)) {
      if (!(key in (call.secrets ?? {})))
        return fail(`Invalid secret, ${key} is not defined in the referenced workflow.`);
    }
    for (const [key, def] of Object.entries(call.secrets ?? {})) {
      const value = secretValues[key] ?? '';
      if (!value && def.required) return fail(`Secret ${key} is required, but not provided while calling.`);
      if (value) secrets[key] = value;
    }
    const callerPermissions =
      permissionsOf(child(rawJob, 'permissions')) ?? scope.defaultPermissions ?? scope.permissionsCap;
    const calledScope: Scope = {
      wf: called,
      fileRepository: repository,
      fileDir: dir,
      fileRef,
      inputs,
      secrets,
      env: {},
      prefix: `${id}/`,
      permissionsCap: scope.permissionsCap
        ? capPermissions(callerPermissions ?? {}, scope.permissionsCap)
        : callerPermissions,
      defaultPermissions: permissionsOf(child(called.root, 'permissions')),
    };
    const github = this.githubContext(this.workflowName, job.id.value);
    this.log(id, '', `Calling ${repository}/${file}@${fileRef}`);
    const release = await this.concurrency(
      called.template.concurrency,
      { github, inputs, vars: this.vars() },
      id,
    );
    if (release === 'replaced') {
      this.cancelRequested = true;
      const result = this.jobResult(id, name, 'cancelled', { durationMs: Date.now() - started });
      this.jobs.push(result);
      return result;
    }
    calledScope.env = evaluateStringMap(called.template.env, { github, inputs, vars: this.vars(), secrets });
    let results: Map<string, JobResult>;
    try {
      results = await this.runJobs(calledScope);
    } finally {
      release?.();
    }
    const jobsContext = Object.fromEntries(
      [...results].map(([k, r]) => [k, { result: r.status, outputs: r.outputs }]),
    ) as Record<string, ContextValue>;
    const outputsToken = child(child(child(called.root, 'on'), 'workflow_call'), 'outputs');
    const outputs: Record<string, string> = {};
    if (outputsToken && isMapping(outputsToken)) {
      for (const pair of outputsToken) {
        outputs[asString(evaluateToken(pair.key, {}))] = asString(
          evaluateToken(child(pair.value, 'value'), { github, inputs, vars: this.vars(), jobs: jobsContext }),
        );
      }
    }
    const statuses = [...results.values()].map((r) => r.status);
    const status: JobStatus = statuses.includes('failure')
      ? 'failure'
      : statuses.includes('cancelled') || this.cancelRequested
        ? 'cancelled'
        : 'success';
    const result = this.jobResult(id, name, status, { outputs, durationMs: Date.now() - started });
    this.jobs.push(result);
    return result;
  }

  /** A reviewer's answer to a job's approval request. */
  private async requestApproval(
    environment: string,
    reviewers: string[],
    job: string,
  ): Promise<ApprovalRecord> {
    const asked = Date.now();
    this.log(job, '', `Waiting for a review from ${reviewers.join(', ')} to deploy to ${environment}`);
    const configured = this.scenario.approvals?.[environment];
    const queue = this.approvalQueues.get(environment);
    const answer: ApprovalAnswer =
      configured === undefined
        ? 'never'
        : Array.isArray(configured)
          ? (queue?.shift() ?? 'never')
          : configured;
    const decision = typeof answer === 'string' ? answer : answer.decision;
    const afterMs = typeof answer === 'string' ? 0 : (answer.afterMs ?? 0);
    const reviewer = (typeof answer === 'object' ? answer.reviewer : undefined) ?? reviewers[0];
    const outcome = await new Promise<'approved' | 'rejected' | 'cancelled'>((resolvePromise) => {
      const wake = () => resolvePromise('cancelled');
      if (this.cancelRequested) return wake();
      this.waiting.add(wake);
      if (decision !== 'never') {
        setTimeout(() => {
          this.waiting.delete(wake);
          resolvePromise(decision === 'approve' ? 'approved' : 'rejected');
        }, afterMs);
      }
    });
    const record: ApprovalRecord = {
      environment,
      decision: outcome,
      ...(outcome === 'cancelled' ? {} : { reviewer }),
      waitedMs: Date.now() - asked,
    };
    this.approvals.push(record);
    this.log(
      job,
      '',
      outcome === 'cancelled'
        ? `The review for ${environment} was cancelled`
        : `${reviewer} ${outcome} the deployment to ${environment}`,
    );
    return record;
  }

  private async runNormalJob(
    job: Job,
    rawJob: TemplateToken | undefined,
    scope: Scope,
    base: Contexts,
    id: string,
    name: string,
  ): Promise<JobResult> {
    const started = Date.now();
    const finish = (result: JobResult) => {
      result.durationMs = Date.now() - started;
      this.jobs.push(result);
      this.log(id, '', `${name}: ${result.status}`);
      return result;
    };
    // environment: a name, or { name, url }
    const envValue = job.environment ? evaluateToken(job.environment, { ...base, secrets: null }) : null;
    const environment =
      typeof envValue === 'string'
        ? envValue
        : envValue && typeof envValue === 'object' && !Array.isArray(envValue)
          ? asString(envValue.name)
          : '';
    const settings = environment ? (this.scenario.environments?.[environment] ?? {}) : {};
    const secrets = { ...scope.secrets, ...settings.secrets };
    const vars = this.vars(settings.vars);
    const contexts: Contexts = { ...base, vars, secrets };
    const release = await this.concurrency(job.concurrency, contexts, id);
    if (release === 'replaced') return finish(this.jobResult(id, name, 'cancelled', { environment }));
    try {
      let approval: ApprovalRecord | undefined;
      if (environment) {
        const { refType, refName } = this.githubRef;
        const policies = refType === 'tag' ? settings.tags : settings.branches;
        if (
          (settings.tags || settings.branches) &&
          !(policies ?? []).some((p) => refPatternMatches(p, refName))
        ) {
          const error = `${refType === 'tag' ? 'Tag' : 'Branch'} "${refName}" is not allowed to deploy to ${environment} due to environment protection rules.`;
          this.log(id, '', `::error::${error}`);
          return finish(this.jobResult(id, name, 'failure', { environment, error }));
        }
        if ((settings.reviewers ?? []).length > 0) {
          approval = await this.requestApproval(environment, settings.reviewers ?? [], id);
          if (approval.decision !== 'approved') {
            const status: JobStatus = approval.decision === 'rejected' ? 'failure' : 'cancelled';
            return finish(
              this.jobResult(id, name, status, {
                environment,
                approval,
                error:
                  approval.decision === 'rejected'
                    ? `The deployment to ${environment} was rejected`
                    : undefined,
              }),
            );
          }
        }
      }
      return finish(await this.runSteps(job, rawJob, scope, contexts, id, name, environment, approval));
    } finally {
      if (typeof release === 'function') release();
    }
  }

  private async runSteps(
    job: Job,
    rawJob: TemplateToken | undefined,
    scope: Scope,
    contexts: Contexts,
    id: string,
    name: string,
    environment: string,
    approval: ApprovalRecord | undefined,
  ): Promise<JobResult> {
    const jobDir = mkdtempSync(join(this.root, 'job-'));
    const workspace = join(jobDir, 'workspace');
    const runnerTemp = join(jobDir, 'runner-temp');
    mkdirSync(workspace, { recursive: true });
    mkdirSync(runnerTemp, { recursive: true });
    const minuteMs = this.scenario.minuteMs ?? 60_000;
    const timeoutMinutes = Number(evaluateToken(child(rawJob, 'timeout-minutes'), contexts) ?? 360);
    const permissions = capPermissions(
      permissionsOf(child(rawJob, 'permissions')) ??
        scope.defaultPermissions ?? { contents: 'read', packages: 'read' },
      scope.permissionsCap,
    );
    const runnerContext = {
      os: 'Linux',
      arch: 'X64',
      name: 'local-runner',
      temp: runnerTemp,
      tool_cache: join(jobDir, 'tool-cache'),
      environment: 'github-hosted',
    };
    const github = { ...(contexts.github as Record<string, ContextValue>), workspace };
    const withEnv: Contexts = {
      ...contexts,
      github,
      runner: runnerContext,
      env: scope.env,
      job: { status: 'success' },
    };
    const jobEnv: Record<string, string> = { ...scope.env, ...evaluateStringMap(job.env, withEnv) };
    const defaults = evaluateToken(
      child(child(child(rawJob, 'defaults'), 'run'), 'working-directory'),
      withEnv,
    );
    const defaultsShell = evaluateToken(child(child(child(rawJob, 'defaults'), 'run'), 'shell'), withEnv);
    const wfDefaults = evaluateToken(
      child(child(child(scope.wf.root, 'defaults'), 'run'), 'working-directory'),
      withEnv,
    );
    const workingDefault = asString(defaults ?? wfDefaults);
    const oidc: OidcJob | undefined =
      permissions['id-token'] === 'write'
        ? {
            repository: this.repository,
            ref: this.scenario.ref,
            sha: this.sha,
            actor: this.scenario.actor ?? 'octo-devops',
            eventName: this.scenario.event.name,
            ...(environment ? { environment } : {}),
            jobWorkflowRef: `${scope.fileRepository}/${scope.wf.file}@${scope.fileRef}`,
            workflowRef: `${this.repository}/${this.scenario.workflow}@${this.scenario.ref}`,
            workflow: this.workflowName,
            runId: String(this.id),
            runAttempt: String(this.scenario.run?.attempt ?? 1),
            ...(this.scenario.oidcSubClaimKeys ? { subClaimKeys: this.scenario.oidcSubClaimKeys } : {}),
          }
        : undefined;
    const state = {
      status: 'success' as 'success' | 'failure' | 'cancelled',
      timedOut: false,
      exported: {} as Record<string, string>,
      path: [] as string[],
      steps: {} as Record<string, ContextValue>,
    };
    // A job running when the run is cancelled is cancelled (its steps see cancelled()); a job
    // that starts afterwards (if: always() or cancelled()) runs its steps as usual.
    const cancelledBeforeStart = this.cancelRequested;
    const jobCancelled = () => state.timedOut || (this.cancelRequested && !cancelledBeforeStart);
    const jobTimer = setTimeout(() => {
      state.timedOut = true;
      this.log(
        id,
        '',
        `::error::The job running on runner local-runner has exceeded the maximum execution time of ${timeoutMinutes} minutes.`,
      );
      for (const p of this.running) if ((p as StepProcess & { job?: string }).job === id) p.interrupt();
    }, timeoutMinutes * minuteMs);
    const results: StepResult[] = [];
    const posts: Array<() => Promise<void>> = [];
    const rawSteps = child(rawJob, 'steps');
    const stepList = job.steps as Step[];
    try {
      for (let index = 0; index < stepList.length; index++) {
        const step = stepList[index] as Step & {
          if?: { expression: string };
          env?: TemplateToken;
          uses?: { value: string };
          run?: TemplateToken;
        };
        const rawStep =
          rawSteps && !isMapping(rawSteps)
            ? [...(rawSteps as unknown as Iterable<TemplateToken>)][index]
            : undefined;
        const stepName =
          asString(evaluateToken(step.name, withEnv)) ||
          (step.uses ? (step.uses.value.split('@')[0] ?? step.id) : 'Run');
        const stepContexts: Contexts = {
          ...withEnv,
          env: { ...state.exported, ...jobEnv },
          steps: state.steps,
          job: { status: state.status },
        };
        const status: StatusFunctions = {
          success: () => state.status === 'success' && !jobCancelled(),
          failure: () => state.status === 'failure',
          cancelled: () => jobCancelled(),
        };
        const stepStarted = Date.now();
        const record = (
          outcome: JobStatus,
          conclusion: JobStatus,
          extra: Partial<StepResult> = {},
        ): StepResult => {
          const r: StepResult = {
            id: step.id,
            name: stepName,
            outcome,
            conclusion,
            outputs: {},
            summary: '',
            signals: [],
            startedMs: stepStarted - this.started,
            durationMs: Date.now() - stepStarted,
            ...extra,
          };
          results.push(r);
          state.steps[step.id] = { outcome, conclusion, outputs: r.outputs };
          if (conclusion === 'failure') state.status = 'failure';
          if (conclusion === 'cancelled' && state.status === 'success') state.status = 'cancelled';
          return r;
        };
        let shouldRun: boolean;
        try {
          shouldRun = truthy(evaluate(step.if?.expression ?? 'success()', stepContexts, status));
        } catch (e) {
          const error = e instanceof Error ? e.message : String(e);
          this.log(id, stepName, `::error::${error}`);
          record('failure', 'failure', { error });
          continue;
        }
        if (!shouldRun) {
          record('skipped', 'skipped');
          continue;
        }
        this.log(id, stepName, `▶ ${stepName}`);
        this.notifyStepStart(id, step.id);
        const continueOnError = truthy(
          typeof step['continue-on-error'] === 'boolean'
            ? step['continue-on-error']
            : (evaluateToken(step['continue-on-error'] as TemplateToken | undefined, stepContexts) ?? false),
        );
        const stepTimeout = evaluateToken(child(rawStep, 'timeout-minutes'), stepContexts);
        let outcome: JobStatus = 'success';
        let outputs: Record<string, string> = {};
        let summary = '';
        let error: string | undefined;
        const signals: string[] = [];
        try {
          const stepEnv = {
            ...state.exported,
            ...jobEnv,
            ...evaluateStringMap(step.env, stepContexts, status),
          };
          const evalContexts: Contexts = { ...stepContexts, env: stepEnv };
          const processEnv = this.processEnv({
            github,
            runnerTemp,
            workspace,
            jobId: job.id.value,
            stepEnv,
            path: state.path,
            oidc,
            permissions,
          });
          const files = this.stepFiles(jobDir, results.length);
          const ran = await this.runStep({
            step,
            rawStep,
            evalContexts,
            status,
            processEnv: { ...processEnv, ...files },
            files,
            workspace,
            jobId: id,
            stepName,
            scope,
            oidc,
            workingDefault,
            shellDefault: asString(defaultsShell),
            timeoutMs: stepTimeout === null ? undefined : Number(stepTimeout) * minuteMs,
            signals,
            jobCancelled,
            posts,
          });
          outcome = ran.outcome;
          outputs = ran.outputs;
          summary = ran.summary;
          error = ran.error;
          Object.assign(state.exported, ran.exportedEnv);
          state.path.unshift(...ran.path);
        } catch (e) {
          outcome = 'failure';
          error = e instanceof Error ? e.message : String(e);
          this.log(id, stepName, `::error::${error}`);
        }
        if (outcome === 'failure' && jobCancelled() && signals.length > 0) outcome = 'cancelled';
        const conclusion: JobStatus = outcome === 'failure' && continueOnError ? 'success' : outcome;
        record(outcome, conclusion, { outputs, summary, signals, ...(error ? { error } : {}) });
      }
      for (const post of posts.reverse()) await post();
    } finally {
      clearTimeout(jobTimer);
    }
    const statusNow: JobStatus = state.timedOut
      ? 'failure'
      : jobCancelled()
        ? 'cancelled'
        : state.status === 'failure'
          ? 'failure'
          : state.status === 'cancelled'
            ? 'cancelled'
            : 'success';
    const outputs = evaluateStringMap(job.outputs, {
      ...withEnv,
      steps: state.steps,
      env: { ...state.exported, ...jobEnv },
      job: { status: statusNow },
    });
    for (const [k, v] of Object.entries(outputs)) {
      if ([...this.masks].some((m) => m && v.includes(m))) {
        this.log(id, '', `Skip output '${k}' since it may contain secret.`);
        delete outputs[k];
      }
    }
    return this.jobResult(id, name, statusNow, {
      steps: results,
      outputs,
      timedOut: state.timedOut,
      ...(environment ? { environment } : {}),
      ...(approval ? { approval } : {}),
      ...(state.timedOut
        ? { error: `The job exceeded the maximum execution time of ${timeoutMinutes} minutes.` }
        : {}),
    });
  }

  private notifyStepStart(job: string, stepId: string): void {
    const when = this.scenario.cancel?.whenStepStarts;
    if (!when) return;
    const short = job.split('/').pop() ?? job;
    if (when === stepId || when === `${job}/${stepId}` || when === `${short}/${stepId}`) {
      const timer = setTimeout(() => this.cancel(), this.scenario.cancel?.delayMs ?? 0);
      timer.unref();
    }
  }

  private stepFiles(jobDir: string, index: number): Record<string, string> {
    const dir = join(jobDir, `step-${index}`);
    mkdirSync(dir, { recursive: true });
    const files = {
      GITHUB_OUTPUT: join(dir, 'output'),
      GITHUB_STEP_SUMMARY: join(dir, 'summary.md'),
      GITHUB_STATE: join(dir, 'state'),
      GITHUB_ENV: join(dir, 'env'),
      GITHUB_PATH: join(dir, 'path'),
    };
    for (const f of Object.values(files)) writeFileSync(f, '');
    return files;
  }

  private processEnv(o: {
    github: Record<string, ContextValue>;
    runnerTemp: string;
    workspace: string;
    jobId: string;
    stepEnv: Record<string, string>;
    path: string[];
    oidc: OidcJob | undefined;
    permissions: Permissions;
  }): Record<string, string> {
    const g = (k: string) => asString(o.github[k]);
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? o.runnerTemp,
      LANG: process.env.LANG ?? 'C.UTF-8',
      TMPDIR: process.env.TMPDIR ?? tmpdir(),
      ...this.scenario.env,
      ...o.stepEnv,
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: o.workspace,
      GITHUB_REPOSITORY: g('repository'),
      GITHUB_REPOSITORY_OWNER: g('repository_owner'),
      GITHUB_SHA: g('sha'),
      GITHUB_REF: g('ref'),
      GITHUB_REF_NAME: g('ref_name'),
      GITHUB_REF_TYPE: g('ref_type'),
      GITHUB_ACTOR: g('actor'),
      GITHUB_EVENT_NAME: g('event_name'),
      GITHUB_EVENT_PATH: this.eventPath,
      GITHUB_WORKFLOW: g('workflow'),
      GITHUB_WORKFLOW_REF: g('workflow_ref'),
      GITHUB_JOB: o.jobId,
      GITHUB_RUN_ID: g('run_id'),
      GITHUB_RUN_NUMBER: g('run_number'),
      GITHUB_RUN_ATTEMPT: g('run_attempt'),
      GITHUB_SERVER_URL: g('server_url'),
      GITHUB_API_URL: g('api_url'),
      RUNNER_TEMP: o.runnerTemp,
      RUNNER_OS: 'Linux',
      RUNNER_ARCH: 'X64',
      RUNNER_NAME: 'local-runner',
    };
    if (o.path.length > 0) env.PATH = `${o.path.join(':')}:${env.PATH}`;
    env.PATH = `${this.toolsDir()}:${env.PATH}`;
    if (o.oidc) {
      // Only a job with `id-token: write` gets these (GitHub's OIDC docs, "Adding permissions settings").
      env.ACTIONS_ID_TOKEN_REQUEST_URL = `http://127.0.0.1/_local/oidc/${this.id}/${o.jobId}`;
      env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = 'local-runner-oidc-request';
    } else {
      delete env.ACTIONS_ID_TOKEN_REQUEST_URL;
      delete env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
    }
    return env;
  }

  private tools: string | undefined;

  /**
   * Tools of GitHub's runner image, as stand-ins on PATH: `gh api` against the scenario's
   * GitHub API stand-in, and `curl` whose URLs of third-party services go to the scenario's
   * local receivers (`redirects`). Everything else is this machine's own.
   */
  private toolsDir(): string {
    if (this.tools) return this.tools;
    const dir = join(this.root, 'tools');
    mkdirSync(dir, { recursive: true });
    const realCurl = (() => {
      try {
        return execFileSync('sh', ['-c', 'command -v curl'], { encoding: 'utf8' }).trim();
      } catch {
        return '';
      }
    })();
    if (realCurl) {
      const rewrites = Object.entries(this.scenario.redirects ?? {})
        .map(([from, to]) => `    "${from}"*) a="${to}\${a#"${from}"}" ;;`)
        .join('\n');
      writeFileSync(
        join(dir, 'curl'),
        `#!/usr/bin/env bash\n# curl with the scenario's redirects of third-party services to local receivers\nargs=()\nfor a in "$@"; do\n  case "$a" in\n${rewrites}\n  esac\n  args+=("$a")\ndone\nexec ${realCurl} "\${args[@]}"\n`,
        { mode: 0o755 },
      );
    }
    // aws: this machine's AWS CLI with AWS_ENDPOINT_URL passed as --endpoint-url. The runner
    // image's AWS CLI v2 honours AWS_ENDPOINT_URL for every service; AWS CLI v1 replaces it for
    // a few (rds among them: its SSL common-name override sends us-east-1 to rds.amazonaws.com).
    const realAws = (() => {
      try {
        return execFileSync('sh', ['-c', 'command -v aws'], { encoding: 'utf8' }).trim();
      } catch {
        return '';
      }
    })();
    if (realAws) {
      writeFileSync(
        join(dir, 'aws'),
        `#!/usr/bin/env bash\n# the AWS CLI with AWS_ENDPOINT_URL given explicitly (AWS CLI v1 ignores it for some services)\nif [ -n "\${AWS_ENDPOINT_URL:-}" ]; then exec ${realAws} --endpoint-url "$AWS_ENDPOINT_URL" "$@"; fi\nexec ${realAws} "$@"\n`,
        { mode: 0o755 },
      );
    }
    // gh api <path>: GET on GITHUB_API_URL with GH_TOKEN, the body on stdout (gh's own format
    // for errors); the rest of gh is left out.
    writeFileSync(
      join(dir, 'gh'),
      `#!/usr/bin/env node
const [cmd, path] = process.argv.slice(2);
if (cmd !== 'api' || !path) { console.error('gh stand-in: only "gh api <path>" is available'); process.exit(2); }
const base = (process.env.GITHUB_API_URL || 'https://api.github.com').replace(/\\/$/, '');
const token = process.env.GH_TOKEN || process.env.GITHUB_TOKEN || '';
fetch(base + '/' + path.replace(/^\\//, ''), { headers: { accept: 'application/vnd.github+json', ...(token ? { authorization: 'Bearer ' + token } : {}) } })
  .then(async (res) => {
    const text = await res.text();
    process.stdout.write(text + '\\n');
    if (!res.ok) { let m = text; try { m = JSON.parse(text).message; } catch {} console.error('gh: ' + m + ' (HTTP ' + res.status + ')'); process.exit(1); }
  })
  .catch((e) => { console.error('gh: ' + e.message); process.exit(1); });
`,
      { mode: 0o755 },
    );
    this.tools = dir;
    return dir;
  }

  /** Resolves a `uses:` of the suite's own actions to a folder, or undefined for a third party. */
  private localAction(uses: string, workspace: string, scope: Scope): string | undefined {
    if (uses.startsWith('./')) return resolve(workspace, uses);
    if (uses.startsWith('$/')) {
      // `$/` is the running workflow file's own repository at the commit it runs from.
      return resolve(scope.fileDir, uses.slice(2));
    }
    const m = /^([^/]+\/[^/@]+)\/([^@]+)@(.+)$/.exec(uses);
    if (m && this.repositories[m[1] ?? ''])
      return resolve(this.repositoryAt(m[1] ?? '', m[3] ?? ''), m[2] ?? '');
    return undefined;
  }

  private readonly snapshots = new Map<string, string>();

  /** The folder holding a repository at a ref: its working tree, or the ref's commit as committed. */
  private repositoryAt(repo: string, ref: string): string {
    const dir = this.repositories[repo] ?? '';
    if (!this.gitRefs.has(repo)) return dir;
    const sha = git(dir, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
    const key = `${repo}@${sha}`;
    const known = this.snapshots.get(key);
    if (known) return known;
    const target = join(this.root, 'repos', repo.replace('/', '+'), sha);
    mkdirSync(target, { recursive: true });
    execFileSync('sh', ['-c', `git archive --format=tar ${sha} | tar -x -C "$1"`, 'sh', target], {
      cwd: dir,
    });
    this.snapshots.set(key, target);
    return target;
  }

  private async runStep(o: {
    step: Step & { uses?: { value: string }; run?: TemplateToken };
    rawStep: TemplateToken | undefined;
    evalContexts: Contexts;
    status: StatusFunctions;
    processEnv: Record<string, string>;
    files: Record<string, string>;
    workspace: string;
    jobId: string;
    stepName: string;
    scope: Scope;
    oidc: OidcJob | undefined;
    workingDefault: string;
    shellDefault: string;
    timeoutMs: number | undefined;
    signals: string[];
    jobCancelled: () => boolean;
    posts: Array<() => Promise<void>>;
  }): Promise<{
    outcome: JobStatus;
    outputs: Record<string, string>;
    summary: string;
    exportedEnv: Record<string, string>;
    path: string[];
    error?: string;
  }> {
    const log = (line: string) => this.log(o.jobId, o.stepName, line);
    const readBack = (exitOk: boolean, error?: string) => {
      const exported = parseFileCommand(readIfExists(o.files.GITHUB_ENV ?? ''));
      return {
        outcome: (exitOk ? 'success' : 'failure') as JobStatus,
        outputs: parseFileCommand(readIfExists(o.files.GITHUB_OUTPUT ?? '')),
        summary: readIfExists(o.files.GITHUB_STEP_SUMMARY ?? ''),
        exportedEnv: exported,
        path: readIfExists(o.files.GITHUB_PATH ?? '')
          .split('\n')
          .filter(Boolean),
        ...(error ? { error } : {}),
      };
    };
    if (o.step.run) {
      const script = asString(evaluateToken(o.step.run, o.evalContexts, o.status));
      const shell =
        asString(evaluateToken(child(o.rawStep, 'shell'), o.evalContexts)) || o.shellDefault || 'bash';
      if (shell !== 'bash' && shell !== 'sh')
        throw new Error(`The local runner runs bash and sh only, not '${shell}'`);
      const dir =
        asString(evaluateToken(child(o.rawStep, 'working-directory'), o.evalContexts)) || o.workingDefault;
      const scriptFile = join(o.files.GITHUB_OUTPUT ?? '', '..', 'script.sh');
      writeFileSync(scriptFile, script);
      // GitHub's bash: `bash --noprofile --norc -eo pipefail {0}`; sh: `sh -e {0}`.
      const args =
        shell === 'bash' ? ['--noprofile', '--norc', '-eo', 'pipefail', scriptFile] : ['-e', scriptFile];
      const code = await this.spawnStep(shell, args, resolve(o.workspace, dir || '.'), o.processEnv, o, log);
      return readBack(code === 0, code === 0 ? undefined : `Process completed with exit code ${code}.`);
    }
    const uses = o.step.uses?.value ?? '';
    const withValues = evaluateStringMap(child(o.rawStep, 'with'), o.evalContexts, o.status);
    const actionDir = this.localAction(uses, o.workspace, o.scope);
    if (actionDir) {
      const actionFile = ['action.yml', 'action.yaml']
        .map((f) => join(actionDir, f))
        .find((f) => existsSync(f));
      if (!actionFile)
        throw new Error(
          `Can't find 'action.yml' under '${actionDir}'. Did you forget to run actions/checkout before running your local action?`,
        );
      const { template } = loadAction(actionFile);
      const runs = template.runs as { using: string; main?: string; post?: string; postIf?: string };
      if (!runs.using.startsWith('node'))
        throw new Error(`${uses}: the local runner runs node actions only (using: ${runs.using})`);
      const inputEnv: Record<string, string> = {};
      const tuning = this.scenario.actionDefaults?.[basename(actionDir)] ?? {};
      for (const input of template.inputs ?? []) {
        const value =
          withValues[input.id] ??
          tuning[input.id] ??
          (input.default ? asString(evaluateToken(input.default, o.evalContexts)) : undefined);
        if (value !== undefined) inputEnv[`INPUT_${input.id.replace(/ /g, '_').toUpperCase()}`] = value;
      }
      for (const [k, v] of Object.entries(withValues)) {
        if (!(template.inputs ?? []).some((i) => i.id === k))
          log(
            `::warning::Unexpected input(s) '${k}', valid inputs are ${(template.inputs ?? []).map((i) => i.id).join(', ')}`,
          );
        inputEnv[`INPUT_${k.replace(/ /g, '_').toUpperCase()}`] ??= v;
      }
      const env = { ...o.processEnv, ...inputEnv, GITHUB_ACTION_PATH: actionDir, GITHUB_ACTION: o.step.id };
      const code = await this.spawnStep(
        process.execPath,
        [join(actionDir, runs.main ?? 'dist/index.js')],
        o.workspace,
        env,
        o,
        log,
      );
      const result = readBack(
        code === 0,
        code === 0 ? undefined : `Process completed with exit code ${code}.`,
      );
      if (runs.post) {
        const post = runs.post;
        const actionState = parseFileCommand(readIfExists(o.files.GITHUB_STATE ?? ''));
        o.posts.push(async () => {
          const stateEnv = Object.fromEntries(Object.entries(actionState).map(([k, v]) => [`STATE_${k}`, v]));
          log(`Post ${o.stepName}`);
          await this.spawnStep(
            process.execPath,
            [join(actionDir, post)],
            o.workspace,
            { ...env, ...stateEnv },
            o,
            log,
          );
        });
      }
      return result;
    }
    const standIn = standInFor(uses);
    if (!standIn) throw new Error(`No stand-in for the action ${uses}: the local runner cannot run it`);
    try {
      const done = await standIn({
        inputs: withValues,
        workspace: o.workspace,
        env: o.processEnv,
        log,
        artifacts: this.artifacts,
        artifactRoot: join(this.root, 'artifacts', String(this.artifacts.size)),
        repositories: this.repositories,
        repository: this.repository,
        sha: this.sha,
        ref: this.scenario.ref,
        ...(this.scenario.serverUrl ? { serverUrl: this.scenario.serverUrl } : {}),
        oidc: o.oidc,
        aws: this.scenario.aws,
      });
      for (const s of done.secrets ?? []) if (s) this.masks.add(s);
      return {
        outcome: 'success',
        outputs: done.outputs,
        summary: '',
        exportedEnv: done.exportedEnv ?? {},
        path: [],
      };
    } catch (e) {
      const error = e instanceof StandInFailure || e instanceof Error ? e.message : String(e);
      log(`::error::${error}`);
      return { outcome: 'failure', outputs: {}, summary: '', exportedEnv: {}, path: [], error };
    }
  }

  /** Spawns a step's process in its own process group; cancellation signals go to the group. */
  private spawnStep(
    command: string,
    args: string[],
    cwd: string,
    env: Record<string, string>,
    o: { jobId: string; timeoutMs: number | undefined; signals: string[]; jobCancelled: () => boolean },
    log: (line: string) => void,
  ): Promise<number> {
    mkdirSync(cwd, { recursive: true });
    return new Promise((resolvePromise, reject) => {
      const proc = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      const timers: NodeJS.Timeout[] = [];
      const send = (signal: NodeJS.Signals) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return;
        o.signals.push(signal);
        try {
          process.kill(-(proc.pid ?? 0), signal);
        } catch {
          // already gone
        }
      };
      const handle: StepProcess & { job: string } = {
        job: o.jobId,
        interrupt: () => {
          if (o.signals.length > 0) return;
          send('SIGINT');
          timers.push(setTimeout(() => send('SIGTERM'), this.scenario.signals?.sigintMs ?? SIGINT_MS));
          timers.push(
            setTimeout(
              () => send('SIGKILL'),
              (this.scenario.signals?.sigintMs ?? SIGINT_MS) +
                (this.scenario.signals?.sigtermMs ?? SIGTERM_MS),
            ),
          );
        },
      };
      this.running.add(handle);
      if (o.timeoutMs !== undefined) {
        timers.push(
          setTimeout(() => {
            log(`::error::The action '${o.jobId}' has timed out after ${o.timeoutMs} ms.`);
            handle.interrupt();
          }, o.timeoutMs),
        );
      }
      const masks = [...this.masks];
      const onData = (stream: NodeJS.ReadableStream) => {
        let partial = '';
        stream.on('data', (d: Buffer) => {
          const lines = (partial + d.toString('utf8')).split('\n');
          partial = lines.pop() ?? '';
          for (const line of lines) this.commandLine(line, masks, log);
        });
        stream.on('end', () => {
          if (partial) this.commandLine(partial, masks, log);
        });
      };
      onData(proc.stdout);
      onData(proc.stderr);
      proc.on('error', reject);
      let settled = false;
      proc.on('exit', (code, signal) => {
        for (const t of timers) clearTimeout(t);
        this.running.delete(handle);
        // What the step left running in its process group goes with it (the runner cleans up
        // orphan processes at the end of the job; here at the end of the step).
        try {
          process.kill(-(proc.pid ?? 0), 'SIGKILL');
        } catch {
          // none left
        }
        const finish = () => {
          if (settled) return;
          settled = true;
          resolvePromise(code ?? (signal ? 130 : 1));
        };
        proc.on('close', finish);
        setTimeout(finish, 500).unref();
      });
    });
  }

  /** Workflow commands a step prints: masks, and the line itself for the log. */
  private commandLine(line: string, _masks: string[], log: (line: string) => void): void {
    const mask = /^::add-mask::(.*)$/.exec(line);
    if (mask) {
      if (mask[1]) this.masks.add(mask[1]);
      return;
    }
    if (parseAnnotations(line).length > 0 || !line.startsWith('::')) log(line);
  }
}
