/**
 * The release action's inputs, read and checked before any git command or API call.
 */
import { ConfigurationError, type Env, type Inputs } from '@white-cross/core';
import { INPUT } from './constants.js';
import { parseRepository, type Repository } from './github.js';
import type { BumpRequest } from './version.js';

export const BUMPS: readonly BumpRequest[] = ['auto', 'patch', 'minor', 'major'];

/**
 * Whether a GitHub release is made, and what making it needs: the token, the API and the
 * repository are there exactly when it is.
 */
export type GitHubReleaseInput =
  | { readonly githubRelease: false }
  | {
      readonly githubRelease: true;
      readonly token: string;
      /** The REST API root (GITHUB_API_URL; GitHub Enterprise Server has its own). */
      readonly apiUrl: string;
      readonly repository: Repository;
      readonly draft: boolean;
    };

export interface ReleaseInputs {
  readonly bump: BumpRequest;
  readonly emergency: boolean;
  /** Why the release is an emergency; set exactly when `emergency` is. */
  readonly reason?: string;
  /** Globs of package.json files; empty means the root and every npm workspace. */
  readonly packages: readonly string[];
  readonly changelogFile: string;
  readonly tagPrefix: string;
  /** The branch releases are made from; undefined means main or master, detected. */
  readonly releaseBranch?: string;
  readonly remote: string;
  readonly push: boolean;
  readonly github: GitHubReleaseInput;
  /** Authenticates git's fetch and push (and the GitHub release, through {@link github}). */
  readonly token?: string;
  readonly dryRun: boolean;
  readonly workingDirectory: string;
}

// A branch name git accepts, kept to the safe characters: no spaces, `..`, `//`, `@{` or `~^:?*[\`.
const REF_PART = /^(?!.*\.\.)(?!.*\/\/)(?!\/)(?!.*\/$)(?!.*\.lock$)(?!.*@\{)[\w./+-]+$/;

/** The longest `reason` accepted: it goes whole into the tag, the changelog and the release notes. */
export const MAX_REASON_LENGTH = 1_000;
/** The longest path, glob or name accepted. */
export const MAX_NAME_LENGTH = 255;

// Control characters other than tab and line breaks (ANSI escapes, NUL, backspace): never useful
// in a reason or a path, and able to rewrite what a reader of the log sees.
const CONTROL = /(?![\t\n\r])\p{Cc}/u;

/** Refuses text longer than `max` characters, or with control characters (line breaks too unless `lines`). */
function boundedText(name: string, value: string, max: number, lines = false): string {
  if (value.length > max) {
    throw new ConfigurationError(
      `Input '${name}' is ${value.length.toLocaleString('en-US')} characters long; at most ${max.toLocaleString('en-US')} are accepted.`,
      name,
    );
  }
  if (CONTROL.test(value) || (!lines && /[\r\n]/.test(value))) {
    throw new ConfigurationError(
      `Input '${name}' must not contain control characters${lines ? '' : ' or line breaks'}.`,
      name,
    );
  }
  return value;
}

function relativePath(name: string, value: string, example: string): string {
  boundedText(name, value, MAX_NAME_LENGTH);
  if (value.startsWith('/') || /^[a-z]:[\\/]/i.test(value) || value.split(/[\\/]/).includes('..')) {
    throw new ConfigurationError(
      `Input '${name}' must be a path inside the repository, such as ${example}; got '${value}'.`,
      name,
    );
  }
  return value;
}

/** Reads and checks every input. */
export function parseInputs(inputs: Inputs, env: Env): ReleaseInputs {
  const bump = inputs.choice(INPUT.bump, BUMPS, 'auto');
  const emergency = inputs.boolean(INPUT.emergency, false);
  const reasonText = inputs.string(INPUT.reason);
  if (reasonText !== undefined) boundedText(INPUT.reason, reasonText, MAX_REASON_LENGTH, true);
  if (emergency && !reasonText) {
    throw new ConfigurationError(
      `Input '${INPUT.reason}' is required when '${INPUT.emergency}' is true: say why this release cannot wait (it is recorded in the tag, the release notes and the audit record).`,
      INPUT.reason,
    );
  }
  const packages = inputs.list(INPUT.packages, { commas: true });
  for (const glob of packages) {
    relativePath(INPUT.packages, glob, 'frontend/package.json');
    if (!/(^|\/)package\.json$/.test(glob)) {
      throw new ConfigurationError(
        `Input '${INPUT.packages}' takes globs of package.json files, such as package.json or apps/*/package.json; got '${glob}'.`,
        INPUT.packages,
      );
    }
  }
  const changelogFile = relativePath(
    INPUT.changelogFile,
    inputs.string(INPUT.changelogFile, { default: 'CHANGELOG.md' }),
    'CHANGELOG.md',
  );
  const tagPrefix = boundedText(INPUT.tagPrefix, inputs.string(INPUT.tagPrefix, { default: 'v' }), 50);
  if (
    !/^[A-Za-z0-9._/-]*$/.test(tagPrefix) ||
    tagPrefix.startsWith('/') ||
    tagPrefix.startsWith('-') ||
    tagPrefix.includes('..')
  ) {
    throw new ConfigurationError(
      `Input '${INPUT.tagPrefix}' must be letters, digits, '.', '_', '-' or '/' (such as v or app/v); got '${tagPrefix}'.`,
      INPUT.tagPrefix,
    );
  }
  const releaseBranch = inputs.string(INPUT.releaseBranch);
  if (releaseBranch !== undefined) boundedText(INPUT.releaseBranch, releaseBranch, MAX_NAME_LENGTH);
  if (releaseBranch !== undefined && !REF_PART.test(releaseBranch)) {
    throw new ConfigurationError(
      `Input '${INPUT.releaseBranch}' must be a branch name such as main; got '${releaseBranch}'.`,
      INPUT.releaseBranch,
    );
  }
  const remote = boundedText(INPUT.remote, inputs.string(INPUT.remote, { default: 'origin' }), 100);
  if (!/^[A-Za-z0-9._-]+$/.test(remote)) {
    throw new ConfigurationError(
      `Input '${INPUT.remote}' must be the name of a git remote such as origin; got '${remote}'.`,
      INPUT.remote,
    );
  }
  const push = inputs.boolean(INPUT.push, true);
  const githubRelease = inputs.boolean(INPUT.githubRelease, true);
  const draft = inputs.boolean(INPUT.draft, false);
  const token = inputs.secret(INPUT.token);
  const dryRun = inputs.boolean(INPUT.dryRun, false);
  // Where it leads once symlinks are followed is checked against the workspace by state.ts.
  const workingDirectory = boundedText(
    INPUT.workingDirectory,
    inputs.string(INPUT.workingDirectory, { default: '.' }),
    MAX_NAME_LENGTH,
  );
  if (githubRelease && !push && !dryRun) {
    throw new ConfigurationError(
      `Input '${INPUT.githubRelease}' needs '${INPUT.push}: true' (a GitHub release is made from a tag on GitHub); set '${INPUT.githubRelease}: false' to release locally only.`,
      INPUT.githubRelease,
    );
  }
  if (githubRelease && !dryRun && !token) {
    throw new ConfigurationError(
      `Input '${INPUT.token}' is required to create the GitHub release (a token with contents: write, such as \${{ github.token }}); or set '${INPUT.githubRelease}: false'.`,
      INPUT.token,
    );
  }
  const repository = parseRepository(env.GITHUB_REPOSITORY);
  if (githubRelease && !dryRun && !repository) {
    throw new ConfigurationError(
      `GITHUB_REPOSITORY is not set as owner/repo, so the GitHub release cannot be created; set '${INPUT.githubRelease}: false' outside GitHub Actions. Nothing was changed.`,
      INPUT.githubRelease,
    );
  }
  // A dry run publishes nothing, so it needs neither a token nor a repository.
  const github: GitHubReleaseInput =
    githubRelease && token && repository
      ? {
          githubRelease: true,
          token,
          apiUrl: (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, ''),
          repository,
          draft,
        }
      : { githubRelease: false };
  return {
    bump,
    emergency,
    ...(emergency ? { reason: reasonText } : {}),
    packages,
    changelogFile,
    tagPrefix,
    ...(releaseBranch === undefined ? {} : { releaseBranch }),
    remote,
    push,
    github,
    ...(token === undefined ? {} : { token }),
    dryRun,
    workingDirectory,
  };
}
