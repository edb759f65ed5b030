/**
 * Stand-ins for the third-party actions the suite's workflows use. Each runs in the runner's
 * process with the step's inputs and says, in its comment, what it leaves out.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { refPatternMatches } from './glob.js';
import { assumeRoleByOidc, type OidcJob } from './oidc.js';

/** What a stand-in gets from the runner for one step. */
export interface StandInStep {
  inputs: Record<string, string>;
  workspace: string;
  /** The job's process env (GITHUB_*, RUNNER_*, AWS_* of the scenario, exported env). */
  env: Record<string, string>;
  log: (line: string) => void;
  /** The run's artifact store (name → folder). */
  artifacts: Map<string, string>;
  artifactRoot: string;
  /** The local repositories a checkout may clone (owner/name → folder). */
  repositories: Record<string, string>;
  repository: string;
  sha: string;
  /** The run's full ref (refs/heads/main, refs/tags/v1.2.0). */
  ref: string;
  /** The scenario's git server root, when it hosts the repositories over HTTP. */
  serverUrl?: string;
  oidc: OidcJob | undefined;
  aws: AwsStandInOptions | undefined;
}

export interface StandInResult {
  outputs: Record<string, string>;
  /** Env exported to later steps (as GITHUB_ENV would). */
  exportedEnv?: Record<string, string>;
  /** Values to mask in the log from now on. */
  secrets?: string[];
}

export interface AwsStandInOptions {
  /** moto's endpoint: STS and IAM calls of configure-aws-credentials go there. */
  endpoint: string;
  accountId?: string;
}

/** A step failed the way the real action would fail it (one `::error::` line). */
export class StandInFailure extends Error {}

export type StandIn = (step: StandInStep) => Promise<StandInResult>;

const git = (cwd: string, args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/**
 * actions/checkout: clones the local repository folder at the run's commit (or `ref`). As the
 * real action does, a branch (the run's own ref refs/heads/X, or `ref: X` naming a branch) is
 * checked out as the local branch X at its commit; a tag or a commit leaves HEAD detached. With
 * a scenario git server, `origin` is `<server>/<owner>/<name>` (actions/checkout sets
 * https://github.com/<owner>/<name>), so pushes go through the server and its token check.
 * Leaves out: fetch-depth (always a full local clone), submodules, LFS, sparse checkout, and
 * credentials (a local clone needs none, so persist-credentials has nothing to persist).
 */
const checkout: StandIn = async (step) => {
  const repository = step.inputs.repository || step.repository;
  const source = step.repositories[repository];
  if (!source)
    throw new StandInFailure(`Repository not found: ${repository} (the scenario has no local folder for it)`);
  const target = resolve(step.workspace, step.inputs.path ?? '');
  mkdirSync(target, { recursive: true });
  for (const entry of readdirSync(target)) rmSync(join(target, entry), { recursive: true, force: true });
  git(target, ['clone', '--quiet', '--no-hardlinks', source, '.']);
  if (step.serverUrl) git(target, ['remote', 'set-url', 'origin', `${step.serverUrl}/${repository}`]);
  const own = repository === step.repository;
  const ref = step.inputs.ref || (own ? step.sha : '');
  // The branch to check out: `ref` naming a branch, or (no ref) the run's own branch.
  const branchOf = (name: string) =>
    name && !/^[0-9a-f]{40}$/.test(name) && !name.startsWith('refs/tags/')
      ? name.replace(/^refs\/heads\//, '')
      : '';
  const branch = step.inputs.ref
    ? branchOf(step.inputs.ref)
    : own && step.ref.startsWith('refs/heads/')
      ? branchOf(step.ref)
      : '';
  if (branch && hasRef(target, `refs/remotes/origin/${branch}`)) {
    const at = step.inputs.ref ? `refs/remotes/origin/${branch}` : step.sha;
    git(target, ['checkout', '--quiet', '--force', '-B', branch, at]);
    git(target, ['branch', '--quiet', `--set-upstream-to=origin/${branch}`, branch]);
  } else if (ref) {
    try {
      git(target, ['checkout', '--quiet', '--detach', ref]);
    } catch {
      throw new StandInFailure(`A branch or tag with the name '${ref}' could not be found`);
    }
  }
  const commit = git(target, ['rev-parse', 'HEAD']);
  step.log(`Checked out ${repository} at ${commit}${branch ? ` on ${branch}` : ''}`);
  return { outputs: { ref: ref || 'HEAD', commit } };
};

function hasRef(dir: string, ref: string): boolean {
  try {
    git(dir, ['rev-parse', '--verify', '--quiet', ref]);
    return true;
  } catch {
    return false;
  }
}

function copyInto(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  if (statSync(from).isDirectory()) cpSync(from, to, { recursive: true });
  else cpSync(from, join(to, from.split('/').pop() ?? 'file'));
}

/**
 * actions/upload-artifact v4+: a name is unique per run — a second upload of the same name fails
 * unless `overwrite: true`. Leaves out: globs and multiple paths (one file or folder), compression,
 * retention (kept for the run only).
 */
const uploadArtifact: StandIn = async (step): Promise<StandInResult> => {
  const name = step.inputs.name || 'artifact';
  const path = resolve(step.workspace, (step.inputs.path ?? '').trim());
  const ifNone = step.inputs['if-no-files-found'] || 'warn';
  const empty = !existsSync(path) || (statSync(path).isDirectory() && readdirSync(path).length === 0);
  if (empty) {
    const message = `No files were found with the provided path: ${step.inputs.path ?? ''}. No artifacts will be uploaded.`;
    if (ifNone === 'error') throw new StandInFailure(message);
    step.log(ifNone === 'warn' ? `::warning::${message}` : message);
    return { outputs: {} };
  }
  if (step.artifacts.has(name)) {
    if (step.inputs.overwrite !== 'true') {
      throw new StandInFailure(
        'Failed to CreateArtifact: Received non-retryable error: Failed request: (409) Conflict: an artifact with this name already exists on the workflow run',
      );
    }
    rmSync(step.artifacts.get(name) ?? '', { recursive: true, force: true });
  }
  const stored = join(step.artifactRoot, name);
  copyInto(path, stored);
  step.artifacts.set(name, stored);
  step.log(`Artifact ${name} has been successfully uploaded!`);
  return { outputs: { 'artifact-id': String(step.artifacts.size), 'artifact-url': `artifact://${name}` } };
};

/**
 * actions/download-artifact v4+: by `name`, by `pattern` (each into path/<name> unless
 * merge-multiple), or all. Leaves out: artifacts of other runs (github-token, run-id).
 */
const downloadArtifact: StandIn = async (step) => {
  const target = resolve(step.workspace, step.inputs.path || '.');
  const name = step.inputs.name ?? '';
  if (name) {
    const stored = step.artifacts.get(name);
    if (!stored)
      throw new StandInFailure(`Unable to download artifact(s): Artifact not found for name: ${name}`);
    copyInto(stored, target);
    step.log(`Artifact ${name} was downloaded to ${target}`);
    return { outputs: { 'download-path': target } };
  }
  const pattern = step.inputs.pattern ?? '';
  const names = [...step.artifacts.keys()].filter((n) => !pattern || refPatternMatches(pattern, n));
  for (const n of names) {
    copyInto(
      step.artifacts.get(n) ?? '',
      step.inputs['merge-multiple'] === 'true' ? target : join(target, n),
    );
  }
  mkdirSync(target, { recursive: true });
  step.log(`Downloaded ${names.length} artifact(s): ${names.join(', ')}`);
  return { outputs: { 'download-path': target } };
};

/**
 * slackapi/slack-github-action (incoming-webhook technique): posts the payload (YAML or JSON)
 * to the webhook, which in tests is a local receiver. Leaves out: the Web API technique,
 * payload-file-path, payload-templated, retries.
 */
const slack: StandIn = async (step) => {
  const webhook = step.inputs.webhook ?? '';
  if (!webhook) throw new StandInFailure('Missing input! A webhook URL is required (webhook).');
  const text = step.inputs.payload ?? '';
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    payload = parseYaml(text);
  }
  const response = await fetch(webhook, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  });
  if (!response.ok) throw new StandInFailure(`Slack answered ${response.status}: ${await response.text()}`);
  step.log('Posted the message to the incoming webhook');
  return { outputs: { ok: 'true', response: await response.text() } };
};

/**
 * aws-actions/configure-aws-credentials (OIDC only): mints the job's token with GitHub's claims,
 * evaluates the role's trust policy against them, and calls AssumeRoleWithWebIdentity in moto.
 * Leaves out: access keys, role chaining, session tags, proxies, output-credentials, and the
 * OIDC token's signature (moto does not check it; the trust policy is evaluated here instead).
 */
const configureAwsCredentials: StandIn = async (step) => {
  if (!step.aws) throw new StandInFailure('The scenario gives no AWS endpoint for configure-aws-credentials');
  const region = step.inputs['aws-region'] ?? '';
  if (!region) throw new StandInFailure('Input required and not supplied: aws-region');
  const roleArn = step.inputs['role-to-assume'] ?? '';
  if (!roleArn) throw new StandInFailure('Input required and not supplied: role-to-assume');
  if (!step.oidc) {
    // The real action's wording when ACTIONS_ID_TOKEN_REQUEST_URL is unset.
    throw new StandInFailure(
      'Could not load credentials from any providers: It looks like you might be trying to authenticate with OIDC. Did you mean to set the `id-token` permission? If you are not trying to authenticate with OIDC and the action is working successfully, you can ignore this message.',
    );
  }
  const credentials = await assumeRoleByOidc({
    endpoint: step.aws.endpoint,
    region,
    roleArn,
    sessionName: step.inputs['role-session-name'] || 'GitHubActions',
    durationSeconds: Number(step.inputs['role-duration-seconds'] || '3600'),
    audience: step.inputs.audience || 'sts.amazonaws.com',
    job: step.oidc,
  });
  step.log(`Assumed role ${roleArn} as ${credentials.subject}`);
  return {
    outputs: { 'aws-account-id': credentials.accountId },
    exportedEnv: {
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_SESSION_TOKEN: credentials.sessionToken,
    },
    secrets: [credentials.secretAccessKey, credentials.sessionToken],
  };
};

/** The stand-in for a third-party `uses:` (owner/name[/path]@ref), or undefined. */
export function standInFor(uses: string): StandIn | undefined {
  const name = uses.split('@')[0]?.toLowerCase();
  switch (name) {
    case 'actions/checkout':
      return checkout;
    case 'actions/upload-artifact':
      return uploadArtifact;
    case 'actions/download-artifact':
      return downloadArtifact;
    case 'slackapi/slack-github-action':
      return slack;
    case 'aws-actions/configure-aws-credentials':
      return configureAwsCredentials;
    default:
      return undefined;
  }
}
