/**
 * The git commands a release needs, run with `git` in the repository. The token, when given,
 * reaches git as an HTTP header through GIT_CONFIG_* variables (as actions/checkout does), so
 * it never appears in a remote URL, a command line or a log line.
 */
import { ActionCancelled, ActionFailure, runCommand, type Logger } from '@white-cross/core';

export interface GitResult {
  exitCode: number;
  stdout: string;
  /** The last lines of stdout and stderr together. */
  output: string;
}

/** The identity release commits and tags are made with when the checkout has none. */
export const DEFAULT_IDENTITY = {
  name: 'github-actions[bot]',
  email: '41898282+github-actions[bot]@users.noreply.github.com',
};

/**
 * The `http.extraheader` value git sends to GitHub for a token (basic auth with the
 * `x-access-token` user, as actions/checkout configures it).
 *
 * @example
 * authorizationHeader('t0k3n'); // 'AUTHORIZATION: basic eC1hY2Nlc3MtdG9rZW46dDBrM24='
 */
export function authorizationHeader(token: string): string {
  return `AUTHORIZATION: basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;
}

/**
 * A remote URL fit to print: any user name or password in it is removed.
 *
 * @example
 * displayUrl('https://x-access-token:abc@github.com/o/r.git'); // 'https://github.com/o/r.git'
 */
export function displayUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1');
}

/** Why a push was refused, read from git's output. */
export type PushRejection = 'branch-protection' | 'non-fast-forward' | 'other';

/**
 * Classifies a rejected push: GitHub's branch protection and rulesets answer with
 * `protected branch hook declined`, `GH006` or `GH013`.
 *
 * @example
 * classifyPushRejection(' ! [remote rejected] main -> main (protected branch hook declined)'); // 'branch-protection'
 */
export function classifyPushRejection(output: string): PushRejection {
  if (
    /protected branch hook declined|\bGH006\b|\bGH013\b|protected branch update failed|repository rule violations/i.test(
      output,
    )
  ) {
    return 'branch-protection';
  }
  if (/non-fast-forward|\[rejected\].*\(fetch first\)|\(stale info\)/i.test(output))
    return 'non-fast-forward';
  return 'other';
}

export class GitRepository {
  private readonly env: NodeJS.ProcessEnv;

  constructor(
    readonly dir: string,
    private readonly log: Logger,
    auth?: { token: string; serverUrl: string },
    /** The run's cancellation (`ctx.signal`): it stops a running git, and no git starts after it. */
    private readonly signal?: AbortSignal,
  ) {
    const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };
    if (auth) {
      // Scoped to the GitHub server; git reads these like `-c` options, without them being in argv.
      env.GIT_CONFIG_COUNT = '1';
      env.GIT_CONFIG_KEY_0 = `http.${auth.serverUrl.replace(/\/+$/, '')}/.extraheader`;
      env.GIT_CONFIG_VALUE_0 = authorizationHeader(auth.token);
    }
    this.env = env;
  }

  /** Runs git; never throws for a non-zero exit, only when the run is cancelled. */
  async run(args: string[], options: { input?: string } = {}): Promise<GitResult> {
    const result = await runCommand(['git', ...args], {
      cwd: this.dir,
      env: this.env,
      captureStdout: true,
      tailLines: 30,
      ...(options.input === undefined ? {} : { input: options.input }),
      ...(this.signal ? { signal: this.signal } : {}),
    });
    if (result.cancelled) throw new ActionCancelled(`during git ${args[0]}`, this.signal);
    return {
      exitCode: result.exitCode,
      stdout: result.stdout,
      output: result.tail.map((line) => this.log.redact(line)).join('\n'),
    };
  }

  /** Runs git and returns its trimmed stdout; a failure is an ActionFailure saying what was being done. */
  async must(args: string[], doing: string, options: { input?: string } = {}): Promise<string> {
    const result = await this.run(args, options);
    if (result.exitCode !== 0) {
      throw new ActionFailure(`git failed while ${doing} in ${this.dir}: ${lastLines(result.output)}`);
    }
    return result.stdout.trim();
  }

  async isRepository(): Promise<boolean> {
    const result = await this.run(['rev-parse', '--is-inside-work-tree']);
    return result.exitCode === 0 && result.stdout.trim() === 'true';
  }

  async topLevel(): Promise<string> {
    return this.must(['rev-parse', '--show-toplevel'], 'finding the repository root');
  }

  /** The checked-out branch, or undefined on a detached HEAD. */
  async currentBranch(): Promise<string | undefined> {
    const result = await this.run(['symbolic-ref', '--short', '-q', 'HEAD']);
    return result.exitCode === 0 ? result.stdout.trim() : undefined;
  }

  async head(): Promise<string> {
    return this.must(['rev-parse', 'HEAD'], 'reading HEAD');
  }

  async headSubject(): Promise<string> {
    return this.must(['log', '-1', '--format=%s'], 'reading the last commit');
  }

  /** `git status --porcelain` lines for tracked files that differ from HEAD, and untracked files. */
  async status(): Promise<{ changed: string[]; untracked: string[] }> {
    const result = await this.run(['status', '--porcelain=v1']);
    if (result.exitCode !== 0)
      throw new ActionFailure(
        `git failed while checking the working tree in ${this.dir}: ${lastLines(result.output)}`,
      );
    // Not trimmed: the first two columns are the status.
    const lines = result.stdout.split('\n').filter(Boolean);
    return {
      changed: lines.filter((l) => !l.startsWith('??')).map((l) => l.slice(3)),
      untracked: lines.filter((l) => l.startsWith('??')).map((l) => l.slice(3)),
    };
  }

  async localBranchExists(branch: string): Promise<boolean> {
    return (await this.run(['show-ref', '--verify', '--quiet', `refs/heads/${branch}`])).exitCode === 0;
  }

  async remoteExists(remote: string): Promise<boolean> {
    return (await this.run(['remote', 'get-url', remote])).exitCode === 0;
  }

  async remoteUrl(remote: string): Promise<string> {
    return displayUrl(
      await this.must(['remote', 'get-url', remote], `reading the URL of remote '${remote}'`),
    );
  }

  /** The branch the remote's HEAD names (its default branch), read without fetching. */
  async remoteDefaultBranch(remote: string): Promise<string | undefined> {
    const result = await this.run(['ls-remote', '--symref', remote, 'HEAD']);
    if (result.exitCode !== 0) return undefined;
    return /^ref: refs\/heads\/(\S+)\s+HEAD$/m.exec(result.stdout)?.[1];
  }

  /** Remote refs (`refs/heads/main` → sha; tags peeled to their commit), read without fetching. */
  async remoteRefs(remote: string, refs: string[]): Promise<Map<string, string>> {
    const result = await this.run([
      'ls-remote',
      remote,
      ...refs.flatMap((r) => (r.startsWith('refs/tags/') ? [r, `${r}^{}`] : [r])),
    ]);
    if (result.exitCode !== 0) {
      throw new ActionFailure(
        `Could not read the refs of remote '${remote}': ${lastLines(result.output)}${credentialsHint(result.output)}`,
      );
    }
    const map = new Map<string, string>();
    for (const line of result.stdout.split('\n').filter(Boolean)) {
      const [sha, ref] = line.split('\t');
      if (!sha || !ref) continue;
      if (ref.endsWith('^{}')) map.set(ref.slice(0, -3), sha);
      else if (!map.has(ref)) map.set(ref, sha);
    }
    return map;
  }

  /** Fetches the remote's tags (and the branch) so the last release is known. */
  async fetchTags(remote: string, branch: string): Promise<void> {
    const result = await this.run(['fetch', '--tags', '--no-recurse-submodules', remote, branch]);
    if (result.exitCode !== 0) {
      throw new ActionFailure(
        `Could not fetch tags from remote '${remote}' (nothing was changed): ${lastLines(result.output)}`,
      );
    }
  }

  /** Tags reachable from HEAD whose name starts with `prefix`. */
  async tagsMergedInto(rev: string, prefix: string): Promise<string[]> {
    const out = await this.must(['tag', '--merged', rev, '--list', `${prefix}*`], 'listing release tags');
    return out.split('\n').filter(Boolean);
  }

  /** Whether `ancestor` is an ancestor of `rev`; undefined when git cannot tell (a commit is not here). */
  async isAncestor(ancestor: string, rev: string): Promise<boolean | undefined> {
    const result = await this.run(['merge-base', '--is-ancestor', ancestor, rev]);
    return result.exitCode === 0 ? true : result.exitCode === 1 ? false : undefined;
  }

  /** Whether `rev` names a commit here (`HEAD~1` on the first commit does not). */
  async revisionExists(rev: string): Promise<boolean> {
    return (await this.run(['rev-parse', '-q', '--verify', `${rev}^{commit}`])).exitCode === 0;
  }

  /** The commit a local tag points at, or undefined when there is no such tag. */
  async tagCommit(tag: string): Promise<string | undefined> {
    const result = await this.run(['rev-parse', '-q', '--verify', `refs/tags/${tag}^{commit}`]);
    return result.exitCode === 0 ? result.stdout.trim() : undefined;
  }

  /** Commit hashes and full messages in `range`, oldest first, merges left out. */
  async commits(range: string): Promise<{ hash: string; message: string }[]> {
    const out = await this.must(
      ['log', '--no-merges', '--reverse', '--format=%H%x1f%B%x1e', range],
      'reading the commits since the last release',
    );
    return out
      .split('\x1e')
      .map((record) => record.replace(/^\s+/, ''))
      .filter(Boolean)
      .map((record) => {
        const [hash = '', message = ''] = record.split('\x1f');
        return { hash: hash.trim(), message: message.trim() };
      });
  }

  async configured(key: string): Promise<boolean> {
    const result = await this.run(['config', '--get', key]);
    return result.exitCode === 0 && result.stdout.trim() !== '';
  }

  /** `-c user.name/email` for a checkout without an identity (a fresh runner). */
  async identityArgs(): Promise<string[]> {
    const args: string[] = [];
    if (!(await this.configured('user.name'))) args.push('-c', `user.name=${DEFAULT_IDENTITY.name}`);
    if (!(await this.configured('user.email'))) args.push('-c', `user.email=${DEFAULT_IDENTITY.email}`);
    return args;
  }

  async commitFiles(files: string[], message: string): Promise<string> {
    await this.must(['add', '--', ...files], 'staging the release files');
    const identity = await this.identityArgs();
    await this.must(
      [...identity, 'commit', '--no-verify', '-F', '-', '--', ...files],
      'committing the release',
      { input: message },
    );
    return this.head();
  }

  async createAnnotatedTag(tag: string, message: string): Promise<void> {
    const identity = await this.identityArgs();
    await this.must(
      [...identity, 'tag', '-a', '--cleanup=verbatim', tag, '-F', '-', 'HEAD'],
      `creating tag ${tag}`,
      { input: message },
    );
  }

  async tagMessage(tag: string): Promise<string> {
    return this.must(['tag', '-l', '--format=%(contents)', tag], `reading the message of tag ${tag}`);
  }

  /** Pushes refspecs atomically (all or none); returns git's result for the caller to judge. */
  async push(remote: string, refspecs: string[]): Promise<GitResult> {
    return this.run(['push', '--atomic', '--no-verify', remote, ...refspecs]);
  }
}

/**
 * What the remote said about a refused push, for a one-line message: its `remote: error:`
 * lines (GitHub explains the rule there) and the refused refs.
 *
 * @example
 * pushRefusal('remote: error: GH006: Protected branch update failed\n ! [remote rejected] HEAD -> main (protected branch hook declined)');
 * // 'remote: error: GH006: Protected branch update failed / ! [remote rejected] HEAD -> main (protected branch hook declined)'
 */
export function pushRefusal(output: string): string {
  const lines = output.split('\n').map((l) => l.trim());
  const remote = lines.filter((l) => /^remote: (error|fatal)/i.test(l)).slice(0, 3);
  const refused = lines.filter((l) => /^! \[/.test(l)).slice(0, 2);
  return [...remote, ...refused].join(' / ') || lastLines(output, 3);
}

/**
 * A hint when git's output says the remote refused or wanted credentials.
 *
 * @example
 * credentialsHint("fatal: could not read Username for 'https://github.com': terminal prompts disabled");
 * // ". The remote did not accept the credentials: check that 'token' is set and may read and push to this repository (contents: write)."
 */
export function credentialsHint(output: string): string {
  return /could not read (Username|Password)|Authentication failed|\b40[13]\b|Permission to .* denied/i.test(
    output,
  )
    ? ". The remote did not accept the credentials: check that 'token' is set and may read and push to this repository (contents: write)."
    : '';
}

/** The last few lines of git's output, joined for a one-line message. */
export function lastLines(output: string, count = 4): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.slice(-count).join(' / ') || 'no output';
}
