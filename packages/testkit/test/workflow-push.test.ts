/**
 * LocalGitHub's git hosting: a bare repository served over smart HTTP with GitHub's token
 * check, the push trigger (the workflows of the pushed commit whose on.push filters match the
 * ref), and GitHub's rule that a push made with a run's own GITHUB_TOKEN starts no workflow
 * (https://docs.github.com/actions/concepts/security/github_token#when-github_token-triggers-workflow-runs).
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { LOCAL_GITHUB_TOKEN, LocalGitHub, startGitServer, type GitServer } from '../src/index.js';
import { makeRepo } from './workflow-fixtures.js';

const APP_TOKEN = 'ghs_testreleaseapp0000000000000000000000';
let server: GitServer;
let github: LocalGitHub;
let bare: string;

const header = (token: string) =>
  `http.extraheader=AUTHORIZATION: basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;

/**
 * A clone of the bare repository, and git in it. Asynchronous: the server answers in this
 * process, so a synchronous git push would wait for it forever.
 */
function workClone(): (...args: string[]) => Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'wcd-push-'));
  execFileSync('git', ['clone', '--quiet', bare, dir]);
  return async (...args) =>
    (
      await promisify(execFile)('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args], {
        cwd: dir,
        encoding: 'utf8',
        // A refused push must fail, not wait at a credentials prompt.
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'false' },
      })
    ).stdout;
}

beforeAll(async () => {
  const work = makeRepo({
    '.github/workflows/production.yml': `on:
  push:
    tags: ['v*']
jobs:
  say:
    runs-on: ubuntu-latest
    steps:
      - run: echo "deploying $GITHUB_REF_NAME at $GITHUB_SHA"
`,
    '.github/workflows/staging.yml': `on:
  push:
    branches: [develop]
jobs:
  say:
    runs-on: ubuntu-latest
    steps:
      - run: echo staging
`,
  });
  bare = join(mkdtempSync(join(tmpdir(), 'wcd-bare-')), 'app.git');
  execFileSync('git', ['clone', '--quiet', '--bare', work, bare]);
  server = await startGitServer({
    repositories: { 'octo/app': bare },
    tokens: { [APP_TOKEN]: 'release-app[bot]' },
    githubToken: LOCAL_GITHUB_TOKEN,
  });
  github = new LocalGitHub();
  github.triggerOnPush(server, 'octo/app', () => ({
    workflow: 'set by the push',
    ref: 'set by the push',
    event: { name: 'push' },
  }));
}, 30_000);

afterAll(async () => {
  await server?.close();
});

describe('pushes to the local GitHub', () => {
  it('refuses a push without a token the server knows, and changes nothing', async () => {
    const git = workClone();
    await git('tag', '-a', 'v2.0.0', '-m', 'Release v2.0.0');
    await expect(
      git('-c', header('ghs_unknown'), 'push', '--quiet', `${server.url}/octo/app.git`, 'refs/tags/v2.0.0'),
    ).rejects.toThrow(/401|Authentication failed|could not read Username/);
    expect(server.pushes).toEqual([]);
    expect(() =>
      execFileSync('git', ['rev-parse', '--verify', '--quiet', 'refs/tags/v2.0.0'], { cwd: bare }),
    ).toThrow();
  });

  it('a tag pushed with an app token starts the workflow whose on.push.tags match, for that tag and its commit', async () => {
    const git = workClone();
    await git('tag', '-a', 'v1.1.0', '-m', 'Release v1.1.0');
    const commit = (await git('rev-parse', 'HEAD')).trim();
    await git('-c', header(APP_TOKEN), 'push', '--quiet', `${server.url}/octo/app.git`, 'refs/tags/v1.1.0');
    await github.pushesHandled();
    expect(server.pushes.at(-1)).toEqual(
      expect.objectContaining({ ref: 'refs/tags/v1.1.0', pusher: 'release-app[bot]', byGitHubToken: false }),
    );
    expect(github.triggered.map((t) => [t.workflow, t.push.ref])).toEqual([
      ['.github/workflows/production.yml', 'refs/tags/v1.1.0'],
    ]);
    const result = await github.triggered[0]!.run.result;
    expect(result.conclusion).toBe('success');
    expect(result.logs.map((l) => l.line)).toContain(`deploying v1.1.0 at ${commit}`);
  });

  it('a tag pushed with GITHUB_TOKEN starts nothing; a branch no workflow filters for starts nothing', async () => {
    const git = workClone();
    await git('tag', '-a', 'v1.2.0', '-m', 'Release v1.2.0');
    await git(
      '-c',
      header(LOCAL_GITHUB_TOKEN),
      'push',
      '--quiet',
      `${server.url}/octo/app.git`,
      'refs/tags/v1.2.0',
    );
    await git(
      '-c',
      header(APP_TOKEN),
      'push',
      '--quiet',
      `${server.url}/octo/app.git`,
      'HEAD:refs/heads/feature',
    );
    await github.pushesHandled();
    expect(github.triggered).toHaveLength(1);
    expect(github.untriggered.map((u) => [u.push.ref, u.reason])).toEqual([
      ['refs/tags/v1.2.0', 'pushed with the GITHUB_TOKEN of a workflow run'],
      ['refs/heads/feature', 'no workflow runs on a push of this ref'],
    ]);
    // The push itself went through: the tag is in the repository.
    expect(
      execFileSync('git', ['cat-file', '-t', 'refs/tags/v1.2.0'], { cwd: bare, encoding: 'utf8' }).trim(),
    ).toBe('tag');
  });
});
