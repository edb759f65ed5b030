/** The scenario a workflow run is given, and what the run answers. */
import type { ContextValue } from './expressions.js';
import type { AwsStandInOptions } from './stand-ins.js';

/** A GitHub environment's protection rules, secrets and variables. */
export interface EnvironmentSettings {
  /** Required reviewers: a job of this environment waits for one of them to approve. */
  reviewers?: string[];
  /** Deployment branch policy: the branches (patterns) that may deploy. */
  branches?: string[];
  /** Deployment tag policy: the tags (patterns) that may deploy. */
  tags?: string[];
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
}

/**
 * How a reviewer answers an environment's approval request: at once, after a while, or never
 * (the job waits until the run is cancelled, as GitHub waits up to 30 days).
 */
export type ApprovalAnswer =
  'approve' | 'reject' | 'never' | { decision: 'approve' | 'reject'; afterMs?: number; reviewer?: string };

export interface WorkflowEvent {
  name: 'push' | 'workflow_dispatch' | 'schedule' | (string & {});
  /** workflow_dispatch inputs. */
  inputs?: Record<string, string | number | boolean>;
  /** Extra event payload fields (github.event). */
  payload?: Record<string, ContextValue>;
}

/** When the scenario cancels the run. */
export interface CancelPlan {
  /** When a step with this id (or `job/step` path) starts; the run is cancelled `delayMs` later. */
  whenStepStarts?: string;
  delayMs?: number;
  /** This long after the run starts. */
  afterMs?: number;
  /** When a step prints a line containing this text; the run is cancelled `delayMs` later. */
  whenLogLine?: string;
}

export interface LogLine {
  /** The job's path (`deploy/rollout` for a job of a called workflow). */
  job: string;
  step: string;
  line: string;
  atMs: number;
}

export interface LocalRepository {
  dir: string;
  refs: 'git' | 'worktree';
}

export interface RunScenario {
  /** The workflow file, relative to the repository folder. */
  workflow: string;
  /** owner/name of the repository the workflow runs in. */
  repository?: string;
  /** The repository's local git folder (checkout clones it; `./` reusable workflows come from it). */
  repositoryDir?: string;
  /**
   * Other repositories by owner/name (the suite's own: white-cross/deploy, default this
   * repository's working tree), for `uses:` and checkout. A folder serves its working tree for
   * every ref; `{ dir, refs: 'git' }` serves each ref as committed (`@v1` is what v1 points to).
   */
  repositories?: Record<string, string | LocalRepository>;
  /**
   * GITHUB_SERVER_URL (default https://github.com): a local git server's root (startGitServer),
   * which checkout then sets as the `origin` of the repositories it clones, as actions/checkout
   * sets https://github.com/<owner>/<name>.
   */
  serverUrl?: string;
  /** The full ref (refs/heads/main, refs/tags/v1.2.0). */
  ref: string;
  /** The commit; default the ref's commit in repositoryDir. */
  sha?: string;
  actor?: string;
  event: WorkflowEvent;
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
  environments?: Record<string, EnvironmentSettings>;
  /** Per environment: one answer for every request, or answers in request order (then never). */
  approvals?: Record<string, ApprovalAnswer | ApprovalAnswer[]>;
  cancel?: CancelPlan;
  /** The runner machine's own env for every step (AWS_ENDPOINT_URL and the like). */
  env?: Record<string, string>;
  /** The repository's OIDC `sub` customization (include_claim_keys). */
  oidcSubClaimKeys?: string[];
  /**
   * URL prefixes of third-party services (https://events.pagerduty.com) and the local receiver
   * each goes to instead, for `curl` in `run:` steps.
   */
  redirects?: Record<string, string>;
  /**
   * Defaults for the suite's actions' inputs the workflow leaves unset, by action folder name
   * (poll intervals, skipping npm ci): the local stack's tuning, which the demo report lists.
   */
  actionDefaults?: Record<string, Record<string, string>>;
  /** configure-aws-credentials' moto. */
  aws?: AwsStandInOptions;
  /**
   * How long a minute of `timeout-minutes` lasts in this run (default 60 000 ms), so that tests
   * can reach a timeout without waiting minutes.
   */
  minuteMs?: number;
  /** The runner's cancellation signals: SIGINT, SIGTERM after sigintMs, SIGKILL sigtermMs later. */
  signals?: { sigintMs?: number; sigtermMs?: number };
  /** Each log line as it happens (the progress log). */
  onLine?: (line: LogLine) => void;
  run?: { id?: number; attempt?: number; number?: number };
}

export type JobStatus = 'success' | 'failure' | 'cancelled' | 'skipped';

export interface StepResult {
  id: string;
  name: string;
  outcome: JobStatus;
  conclusion: JobStatus;
  outputs: Record<string, string>;
  summary: string;
  /** The signals the step's process got on cancellation. */
  signals: string[];
  error?: string;
  startedMs: number;
  durationMs: number;
}

export interface ApprovalRecord {
  environment: string;
  decision: 'approved' | 'rejected' | 'cancelled';
  reviewer?: string;
  waitedMs: number;
}

export interface JobResult {
  /** The job's path (`deploy/rollout` for a job of a called workflow). */
  id: string;
  name: string;
  status: JobStatus;
  environment?: string;
  approval?: ApprovalRecord;
  steps: StepResult[];
  outputs: Record<string, string>;
  /** Why the job failed or was cancelled before or outside its steps. */
  error?: string;
  timedOut: boolean;
  startedMs: number;
  durationMs: number;
}

export interface WorkflowRunResult {
  workflow: string;
  conclusion: 'success' | 'failure' | 'cancelled';
  jobs: JobResult[];
  logs: LogLine[];
  /** The run's artifacts: name → local folder. */
  artifacts: Record<string, string>;
  approvals: ApprovalRecord[];
  durationMs: number;
}
