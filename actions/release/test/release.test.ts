/**
 * The release bundle, run as the runner runs it, against real git repositories (a bare remote
 * and a clone, built commit by commit) and a local GitHub REST API stand-in reached through
 * GITHUB_API_URL.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import {
  repoRoot,
  runActionBundle,
  runActionBundleAndSignal,
  type ActionRun,
  type RunActionOptions,
} from '@white-cross/testkit';
import { startGitHubApi, type GitHubApiStandIn } from '@white-cross/testkit/github-api';
import { startGitHttpServer } from './git-http-server.js';
import { createRepo, git, gitEnv, type RepoOptions, type TestRepo } from './repo.js';

const TOKEN = 'ghs_releaseTestToken0123456789abcdef';
const OWNER = 'white-cross';
const REPO = 'school-health';

let github: GitHubApiStandIn;
let current: TestRepo | undefined;
let tagsOnRemote: () => Set<string> = () => new Set();

beforeAll(async () => {
  github = await startGitHubApi({
    owner: OWNER,
    repo: REPO,
    token: TOKEN,
    // GitHub makes a release from a tag that is on GitHub: the tag must have been pushed first.
    tagExists: (tag) => tagsOnRemote().has(tag),
  });
});

afterAll(async () => {
  await github.stop();
});

afterEach(() => {
  current?.cleanup();
  current = undefined;
  github.requests.length = 0;
  github.releases.length = 0;
  github.violations.length = 0;
});

function repo(options?: RepoOptions): TestRepo {
  current = createRepo(options);
  const r = current;
  tagsOnRemote = () =>
    new Set(
      Object.keys(r.remoteRefs())
        .filter((ref) => ref.startsWith('refs/tags/'))
        .map((ref) => ref.slice('refs/tags/'.length)),
    );
  return r;
}

/** The bundle's options for a release in `r`: the token, git's identity, the API stand-in. */
function releaseOptions(
  r: TestRepo,
  inputs: Record<string, string> = {},
  env: Record<string, string> = {},
): RunActionOptions {
  return {
    workspace: r.work,
    inputs: { token: TOKEN, ...inputs },
    env: {
      ...gitEnv,
      GITHUB_API_URL: github.url,
      GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
      GITHUB_SERVER_URL: 'https://github.com',
      ...env,
    },
  };
}

function release(
  r: TestRepo,
  inputs: Record<string, string> = {},
  env: Record<string, string> = {},
): Promise<ActionRun> {
  return runActionBundle('release', releaseOptions(r, inputs, env));
}

const errors = (run: ActionRun) => run.annotations.filter((a) => a.level === 'error').map((a) => a.message);
const log = (r: TestRepo, range = 'HEAD') => git(r.work, ['log', '--format=%s', range]).split('\n');
const snapshot = (r: TestRepo) => ({
  head: git(r.work, ['rev-parse', 'HEAD']),
  status: git(r.work, ['status', '--porcelain']),
  tags: git(r.work, ['tag', '--list']),
  remote: r.remoteRefs(),
  files: [
    'package.json',
    'frontend/package.json',
    'backend/package.json',
    'package-lock.json',
    'CHANGELOG.md',
  ].map((f) => r.read(f)),
});

describe('a release from conventional commits', () => {
  test('feat → minor: one version in root, frontend, backend and the lockfile; changelog, commit, tag, push, GitHub release', async () => {
    const r = repo({ frontendVersion: '1.1.0' });
    r.tag('v1.2.0');
    const feat = r.commit('feat(students): export immunization records as CSV\n\nCloses #41');
    const fix = r.commit('fix(api): answer 401 without credentials on /api/v1/students');
    r.commit('docs: explain the export');
    r.push();

    const run = await release(r);

    expect(errors(run)).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({
      released: 'true',
      version: '1.3.0',
      'previous-version': '1.2.0',
      tag: 'v1.3.0',
      emergency: 'false',
    });
    expect(run.outputs['release-url']).toBe(
      'https://github.com/white-cross/school-health/releases/tag/v1.3.0',
    );
    // Lockstep: every package.json and every lockfile entry of the app, including the frontend that had drifted.
    for (const file of ['package.json', 'frontend/package.json', 'backend/package.json'])
      expect(r.json(file).version).toBe('1.3.0');
    const lock = r.json('package-lock.json') as {
      version: string;
      packages: Record<string, { version?: string }>;
    };
    expect(lock.version).toBe('1.3.0');
    expect(lock.packages['']?.version).toBe('1.3.0');
    expect(lock.packages.frontend?.version).toBe('1.3.0');
    expect(lock.packages.backend?.version).toBe('1.3.0');
    expect(lock.packages['node_modules/express']?.version).toBe('4.21.2');
    expect(run.annotations).toContainEqual(
      expect.objectContaining({
        level: 'warning',
        message: 'frontend/package.json was at 1.1.0, not 1.2.0; it moves to 1.3.0 with the others.',
        properties: expect.objectContaining({ file: 'frontend/package.json' }),
      }),
    );
    // The changelog: the new section under the title, above nothing older, with compare and commit links.
    const changelog = r.read('CHANGELOG.md');
    expect(
      changelog.startsWith(
        '# Changelog\n\nAll notable changes to the school-health app.\n\n## [1.3.0](https://github.com/white-cross/school-health/compare/v1.2.0...v1.3.0) (',
      ),
    ).toBe(true);
    expect(changelog).toContain(
      `### Features\n\n* **students:** export immunization records as CSV ([${feat.slice(0, 7)}](https://github.com/white-cross/school-health/commit/${feat})), closes [#41](https://github.com/white-cross/school-health/issues/41)`,
    );
    expect(changelog).toContain(
      `### Bug Fixes\n\n* **api:** answer 401 without credentials on /api/v1/students ([${fix.slice(0, 7)}](https://github.com/white-cross/school-health/commit/${fix}))`,
    );
    expect(changelog).not.toContain('explain the export');
    expect(run.outputs.changelog).toBe(changelog.slice(changelog.indexOf('## [1.3.0]')));
    // The commit and the annotated tag are on the remote.
    const remote = r.remoteRefs();
    const head = git(r.work, ['rev-parse', 'HEAD']);
    expect(remote['refs/heads/main']).toBe(head);
    expect(remote['refs/tags/v1.3.0']).toBe(head);
    expect(git(r.remote, ['log', '-1', '--format=%s%n%an <%ae>', 'main'])).toBe(
      'chore(release): v1.3.0\ngithub-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>',
    );
    expect(git(r.remote, ['cat-file', '-t', 'v1.3.0'])).toBe('tag');
    expect(git(r.remote, ['show', '-s', '--format=%B', 'main'])).toBe('chore(release): v1.3.0');
    expect(git(r.remote, ['diff', '--name-only', 'main~1', 'main']).split('\n')).toEqual([
      'CHANGELOG.md',
      'backend/package.json',
      'frontend/package.json',
      'package-lock.json',
      'package.json',
    ]);
    // The GitHub release, made after the tag was on the remote, with the section as its notes.
    expect(github.violations).toEqual([]);
    expect(github.requests.map((q) => `${q.method} ${q.path} ${q.status}`)).toEqual([
      'GET /repos/white-cross/school-health/releases/tags/v1.3.0 404',
      'POST /repos/white-cross/school-health/releases 201',
    ]);
    expect(github.requests[1]?.body).toEqual({
      tag_name: 'v1.3.0',
      name: 'v1.3.0',
      body: run.outputs.changelog,
      draft: false,
      prerelease: false,
    });
    // The summary a person reads, and the token nowhere.
    expect(run.summary).toContain('## Release v1.3.0');
    expect(run.summary).toContain('`1.2.0` → **`1.3.0`**');
    expect(run.summary).toContain('| minor (1 feature, 1 fix/perf) |');
    expect(run.summary).toContain(
      '[GitHub release v1.3.0](https://github.com/white-cross/school-health/releases/tag/v1.3.0)',
    );
    expect(run.summary).toContain(
      '[Changes since v1.2.0](https://github.com/white-cross/school-health/compare/v1.2.0...v1.3.0)',
    );
    expect(run.summary).toContain('##### Features');
    // The only place the token may appear is the runner's own ::add-mask:: command.
    const shown = run.stdout
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n');
    for (const text of [shown, run.summary, JSON.stringify(run.audit), JSON.stringify(run.outputs)])
      expect(text).not.toContain(TOKEN);
    expect(run.audit[0]).toMatchObject({
      action: 'release',
      outcome: 'success',
      facts: { version: '1.3.0', tag: 'v1.3.0', released: true, emergency: false, releaseCommit: head },
    });
    expect((run.audit[0] as { inputs: Record<string, string> }).inputs.token).toBe('***');
  });

  test.each([
    ['fix', 'fix: keep the nurse session alive during uploads', '1.2.1'],
    ['perf', 'perf(db): index visits by student and date', '1.2.1'],
    [
      'a BREAKING CHANGE footer',
      'refactor(api): move health routes\n\nBREAKING CHANGE: /health/db is now /api/v1/health/database',
      '2.0.0',
    ],
    ['a ! after the type', 'feat(auth)!: require SSO for staff accounts', '2.0.0'],
  ])('auto bump from %s', async (_rule, message, expected) => {
    const r = repo();
    r.tag('v1.2.0');
    r.commit('chore: tidy scripts');
    r.commit(message);
    r.push();

    const run = await release(r);

    expect(errors(run)).toEqual([]);
    expect(run.outputs.version).toBe(expected);
    expect(r.json('backend/package.json').version).toBe(expected);
    expect(r.remoteRefs()[`refs/tags/v${expected}`]).toBe(git(r.work, ['rev-parse', 'HEAD']));
    if (expected === '2.0.0') expect(r.read('CHANGELOG.md')).toContain('### ⚠ BREAKING CHANGES');
  });

  test('below 1.0.0 a breaking change bumps the minor version; an explicit major makes 1.0.0', async () => {
    const r = repo({ version: '0.4.2' });
    r.tag('v0.4.2');
    r.commit('feat(api)!: version the API under /api/v1');
    r.push();

    const first = await release(r);
    expect(errors(first)).toEqual([]);
    expect(first.outputs).toMatchObject({ version: '0.5.0', 'previous-version': '0.4.2', tag: 'v0.5.0' });

    r.commit('chore: ready for schools');
    r.push();
    const second = await release(r, { bump: 'major' });
    expect(errors(second)).toEqual([]);
    expect(second.outputs).toMatchObject({ version: '1.0.0', 'previous-version': '0.5.0', tag: 'v1.0.0' });
    expect(r.json('package.json').version).toBe('1.0.0');
    expect(log(r, 'v0.4.2..HEAD')).toEqual([
      'chore(release): v1.0.0',
      'chore: ready for schools',
      'chore(release): v0.5.0',
      'feat(api)!: version the API under /api/v1',
    ]);
  });

  test('nothing releasable: released=false, not an error, and nothing written, pushed or published (master detected)', async () => {
    const r = repo({ branch: 'master' });
    r.tag('v1.2.0');
    r.commit('docs: runbook for releases');
    r.commit('chore(deps): bump express');
    r.push();
    const before = snapshot(r);

    const run = await release(r);

    expect(run.exitCode).toBe(0);
    expect(run.outputs).toEqual({
      released: 'false',
      version: '1.2.0',
      'previous-version': '1.2.0',
      tag: '',
      'release-url': '',
      changelog: '',
      emergency: 'false',
    });
    expect(run.annotations).toContainEqual(
      expect.objectContaining({
        level: 'notice',
        message:
          'Nothing to release: 2 commits, none of them a feature, fix, performance change or breaking change.',
      }),
    );
    expect(run.summary).toContain('## No release');
    expect(snapshot(r)).toEqual(before);
    expect(github.requests).toEqual([]);
  });

  test('emergency: marked in the tag, the release title and notes, and the output; the reason is recorded', async () => {
    const r = repo();
    r.tag('v1.2.0');
    r.commit("fix(records): stop showing another student's allergies");
    r.push();
    // One 502 from GitHub on the create: retried, still one release.
    github.failNext('repos/create-release', 502, 1);

    const run = await release(r, {
      emergency: 'true',
      reason: 'Wrong allergy list shown, incident INC-2211',
    });

    expect(errors(run)).toEqual([]);
    expect(run.outputs).toMatchObject({ released: 'true', version: '1.2.1', emergency: 'true' });
    const message = git(r.remote, ['tag', '-l', '--format=%(contents)', 'v1.2.1']);
    expect(message.split('\n')[0]).toBe('Release v1.2.1 (EMERGENCY)');
    expect(message).toContain(
      '\nEmergency: true\nEmergency-Reason: Wrong allergy list shown, incident INC-2211',
    );
    expect(message).toContain('### Bug Fixes');
    expect(message).toContain("stop showing another student's allergies");
    expect(github.releases).toHaveLength(1);
    expect(github.releases[0]).toMatchObject({ tag_name: 'v1.2.1', name: 'v1.2.1 (EMERGENCY)' });
    expect(github.releases[0]?.body).toContain(
      '**Emergency release.** Reason: Wrong allergy list shown, incident INC-2211',
    );
    expect(github.requests.filter((q) => q.method === 'POST').map((q) => q.status)).toEqual([502, 201]);
    expect(run.outputs.changelog).toContain(
      '**Emergency release.** Reason: Wrong allergy list shown, incident INC-2211',
    );
    expect(run.summary).toContain('## Release v1.2.1 (EMERGENCY)');
    expect(run.audit[0]).toMatchObject({
      facts: { emergency: true, emergencyReason: 'Wrong allergy list shown, incident INC-2211' },
    });
  });

  test('dry-run: shows the release it would make, with no writes, no pushes and no API calls', async () => {
    const r = repo();
    r.tag('v1.2.0');
    r.commit('feat: nurse dashboard');
    r.push();
    const before = snapshot(r);

    const run = await release(r, { 'dry-run': 'true' });

    expect(errors(run)).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({
      released: 'false',
      version: '1.3.0',
      'previous-version': '1.2.0',
      tag: 'v1.3.0',
      'release-url': '',
    });
    expect(run.outputs.changelog).toContain('### Features\n\n* nurse dashboard');
    expect(run.summary).toContain('## Release v1.3.0 — dry run');
    expect(run.summary).toContain('Dry run: nothing was written, committed, tagged, pushed or published.');
    expect(snapshot(r)).toEqual(before);
    expect(github.requests).toEqual([]);
  });
});

describe('packages, first releases and the token', () => {
  test('packages selects which package.json files move; a first release starts from package.json', async () => {
    const r = repo({ version: '0.1.0' });
    r.commit('feat: first screens');
    r.push();

    // GitHub creates the release but the answer is lost: the retry meets 422 already_exists and
    // the action takes the release that is there instead of failing or making a second one.
    github.failNext('repos/create-release', 502, 1, { afterApplying: true });

    const run = await release(r, {
      packages: 'package.json\nfrontend/package.json',
      'changelog-file': 'docs/CHANGELOG.md',
    });

    expect(errors(run)).toEqual([]);
    expect(run.outputs).toMatchObject({
      released: 'true',
      version: '0.2.0',
      'previous-version': '0.1.0',
      tag: 'v0.2.0',
    });
    expect(r.json('package.json').version).toBe('0.2.0');
    expect(r.json('frontend/package.json').version).toBe('0.2.0');
    expect(r.json('backend/package.json').version).toBe('0.1.0');
    const lock = r.json('package-lock.json') as {
      version: string;
      packages: Record<string, { version?: string }>;
    };
    expect([
      lock.version,
      lock.packages['']?.version,
      lock.packages.frontend?.version,
      lock.packages.backend?.version,
    ]).toEqual(['0.2.0', '0.2.0', '0.2.0', '0.1.0']);
    // A new changelog where asked; the existing one is left alone.
    expect(r.read('docs/CHANGELOG.md')).toBe(`# Changelog\n\n${run.outputs.changelog}`);
    expect(r.read('CHANGELOG.md')).toBe('# Changelog\n\nAll notable changes to the school-health app.\n');
    // No earlier tag: no compare link.
    expect((run.outputs.changelog ?? '').split('\n')[0]).toMatch(/^## 0\.2\.0 \(\d{4}-\d\d-\d\d\)$/);
    expect(run.summary).toContain('| package-lock.json (root, frontend) | — | 0.2.0 |');
    expect(github.requests.map((q) => `${q.method} ${q.status}`)).toEqual([
      'GET 404',
      'POST 502',
      'POST 422',
      'GET 200',
    ]);
    expect(github.releases.map((x) => x.tag_name)).toEqual(['v0.2.0']);
    expect(run.outputs['release-url']).toBe(
      'https://github.com/white-cross/school-health/releases/tag/v0.2.0',
    );
  });

  test('pushes over HTTPS with the token as a header, never in the remote URL', async () => {
    const r = repo();
    r.tag('v1.2.0');
    r.commit('fix: roster paging');
    r.push();
    const server = await startGitHttpServer(r.remote, OWNER, TOKEN);
    try {
      git(r.work, ['remote', 'set-url', 'origin', server.repositoryUrl]);

      const run = await release(r, {}, { GITHUB_SERVER_URL: server.url });

      expect(errors(run)).toEqual([]);
      expect(run.outputs.version).toBe('1.2.1');
      expect(r.remoteRefs()['refs/tags/v1.2.1']).toBe(git(r.work, ['rev-parse', 'HEAD']));
      expect(server.requests.some((q) => q.method === 'POST' && q.path.endsWith('/git-receive-pack'))).toBe(
        true,
      );
      expect(server.requests.every((q) => q.authorized)).toBe(true);
      expect(git(r.work, ['remote', 'get-url', 'origin'])).toBe(server.repositoryUrl);
      expect(run.stdout).toContain(`Fetching main and the tags from origin (${server.repositoryUrl})`);
      const shown = run.stdout
        .split('\n')
        .filter((line) => !line.startsWith('::add-mask::'))
        .join('\n');
      expect(shown).not.toContain(TOKEN);
      expect(shown).not.toContain(Buffer.from(`x-access-token:${TOKEN}`).toString('base64'));

      // A wrong token gets nowhere, and the error says what was being done.
      const refused = await release(
        r,
        { token: 'ghs_wrongToken', 'github-release': 'false' },
        { GITHUB_SERVER_URL: server.url },
      );
      expect(refused.exitCode).toBe(1);
      expect(errors(refused)).toEqual([
        `Could not read the refs of remote 'origin': fatal: could not read Username for '${server.url}': terminal prompts disabled. The remote did not accept the credentials: check that 'token' is set and may read and push to this repository (contents: write).`,
      ]);
    } finally {
      await server.stop();
    }
  });
});

describe('secrets and PHI never reach git or GitHub', () => {
  // What goes into a pushed tag, a committed changelog or release notes cannot be redacted
  // afterwards: such a release is refused, naming where the text came from, before anything.
  const unchanged = (r: TestRepo, before: ReturnType<typeof snapshot>, run: ActionRun) => {
    expect(run.exitCode).toBe(1);
    expect(snapshot(r)).toEqual(before);
    expect(github.requests).toEqual([]);
    expect(run.outputs).toEqual({});
  };
  const refusal = (where: string) =>
    `The release was refused: ${where} contains a registered secret or PHI-like text (a token, a password, an MRN, a date of birth, an SSN, an e-mail address or a phone number), and it would go into the tag message, the changelog and the GitHub release, which cannot be redacted once pushed. Nothing was written, committed, tagged, pushed or published. If a secret was committed, rotate it; if patient data was, report it to your privacy officer. Then reword the text (a commit that is not yet on the release branch can be amended) and run again.`;

  test.each([
    ['the release token', `Hotfix for INC-2211, token ${TOKEN}`],
    ['the token on a line of its own', `Hotfix for INC-2211\n${TOKEN}`],
    ['a date of birth', 'Wrong allergy list for the student with DOB: 2011-04-02'],
    ['an e-mail address', 'Reported by nurse.jones@district.k12.example.us'],
  ])(
    '%s in the reason: refused naming the reason, nothing written, pushed or published',
    async (_what, reason) => {
      const r = repo();
      r.tag('v1.2.0');
      r.commit("fix(records): stop showing another student's allergies");
      r.push();
      const before = snapshot(r);

      const run = await release(r, { emergency: 'true', reason });

      unchanged(r, before, run);
      expect(errors(run)).toEqual([
        "Input 'reason': the reason contains a registered secret or PHI-like text (a token, a password, an MRN, a date of birth, an SSN, an e-mail address or a phone number), and it would go into the tag message, the changelog and the GitHub release, which cannot be redacted once pushed. Give it without that text. Nothing was written, committed, tagged, pushed or published.",
      ]);
      expect(run.audit[0]).toMatchObject({ outcome: 'invalid-input' });
      const shown = run.stdout
        .split('\n')
        .filter((line) => !line.startsWith('::add-mask::'))
        .join('\n');
      for (const text of [shown, run.summary, JSON.stringify(run.audit)]) expect(text).not.toContain(TOKEN);
    },
  );

  test.each([
    ['an MRN in a fix subject', 'fix(records): wrong allergies shown for MRN: 20119931', 'subject'],
    ['the token in a feature subject', `feat: sync with ${TOKEN} for the roster`, 'subject'],
    [
      'an SSN in a BREAKING CHANGE note',
      'feat(api)!: rename the student search\n\nBREAKING CHANGE: search by 536-22-1907 no longer works',
      'BREAKING CHANGE note',
    ],
  ])('%s: refused naming the commit, nothing written, pushed or published', async (_what, message, part) => {
    const r = repo();
    r.tag('v1.2.0');
    r.commit('feat: nurse dashboard');
    const bad = r.commit(message);
    r.push();
    const before = snapshot(r);

    const run = await release(r);

    unchanged(r, before, run);
    expect(errors(run)).toEqual([refusal(`commit ${bad.slice(0, 7)}'s ${part}`)]);
    expect(run.audit[0]).toMatchObject({ outcome: 'failure' });
  });

  test('a dry run is refused the same way, so the real run does not fail later', async () => {
    const r = repo();
    r.tag('v1.2.0');
    const bad = r.commit('fix: export failed for DOB 04/02/2011 students');
    r.push();
    const before = snapshot(r);

    const run = await release(r, { 'dry-run': 'true' });

    unchanged(r, before, run);
    expect(errors(run)).toEqual([refusal(`commit ${bad.slice(0, 7)}'s subject`)]);
  });

  test('PHI in a commit that does not reach the changelog (a chore) does not stop the release', async () => {
    const r = repo();
    r.tag('v1.2.0');
    r.commit('chore: fixture for the student with MRN: 20119931');
    r.commit('fix: roster paging');
    r.push();

    const run = await release(r);

    expect(errors(run)).toEqual([]);
    expect(run.outputs.version).toBe('1.2.1');
    const message = git(r.remote, ['tag', '-l', '--format=%(contents)', 'v1.2.1']);
    expect(`${message}${r.read('CHANGELOG.md')}${github.releases[0]?.body}`).not.toContain('20119931');
  });

  test('finishing a half-done release whose changelog holds the token: refused before the tag, the push and the API', async () => {
    const r = repo();
    r.tag('v1.2.0');
    r.commit('fix: roster paging');
    r.push();
    // A release commit made by hand (or edited after an earlier run) that quotes the token.
    writeFileSync(
      join(r.work, 'CHANGELOG.md'),
      `# Changelog\n\n## 1.2.1 (2026-11-20)\n\n* roster paging (deployed with ${TOKEN})\n`,
    );
    git(r.work, ['commit', '-q', '-am', 'chore(release): v1.2.1']);
    const before = snapshot(r);

    const run = await release(r);

    unchanged(r, before, run);
    expect(errors(run)).toEqual([refusal('the changelog section of 1.2.1 in CHANGELOG.md')]);
  });
});

describe('hostile text and paths outside the workspace', () => {
  // Workflow commands are read from stdout line by line (\n, \r\n or a lone \r): hostile text
  // must never start a line of its own. `%0A` must stay text: escaped as %250A inside a command.
  const HOSTILE =
    'Hotfix ok%0A::error::INJECTED-1\r\n::add-mask::INJECTED-2\n::warning::INJECTED-3 :: %0D%0A\r::stop-commands::INJECTED-4';
  const injectedCommands = (stdout: string) =>
    stdout.split(/\r\n|\r|\n/).filter((line) => /^\s*::[^:]*::\s*INJECTED|^\s*::stop-commands::/.test(line));
  const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();

  test.each([
    'bump',
    'reason',
    'packages',
    'changelog-file',
    'tag-prefix',
    'release-branch',
    'remote',
    'working-directory',
  ])("hostile text (%%0A, \\r\\n, ::) in '%s' never becomes a workflow command", async (input) => {
    const r = repo();
    r.tag('v1.2.0');
    r.commit('fix: roster paging');
    r.push();

    const run = await release(r, {
      'dry-run': 'true',
      emergency: 'true',
      reason: 'Roster outage, INC-2291',
      [input]: HOSTILE,
    });

    expect(injectedCommands(run.stdout)).toEqual([]);
    expect(github.requests).toEqual([]);
    if (input === 'reason') {
      expect(errors(run)).toEqual([]);
      expect(run.outputs.changelog).toContain(`**Emergency release.** Reason: ${oneLine(HOSTILE)}\n`);
    } else {
      expect(run.exitCode).toBe(1);
      expect(errors(run)).toEqual([expect.stringMatching(new RegExp(`^Input '${input}' `))]);
    }
  });

  test('a hostile reason reaches the tag, the commit and the release notes on one line, never as a line of its own', async () => {
    const r = repo();
    r.tag('v1.2.0');
    r.commit('fix: roster paging');
    r.push();

    const run = await release(r, { emergency: 'true', reason: HOSTILE });

    expect(errors(run)).toEqual([]);
    expect(injectedCommands(run.stdout)).toEqual([]);
    const tag = git(r.remote, ['tag', '-l', '--format=%(contents)', 'v1.2.1']);
    const commit = git(r.remote, ['show', '-s', '--format=%B', 'main']);
    expect(tag).toContain(`\nEmergency-Reason: ${oneLine(HOSTILE)}`);
    expect(commit).toContain(`Emergency release. Reason: ${oneLine(HOSTILE)}`);
    // Whatever later prints these (git log in a workflow step, the release page), no line is a command.
    for (const text of [tag, commit, r.read('CHANGELOG.md'), github.releases[0]?.body ?? ''])
      expect(injectedCommands(text)).toEqual([]);
  });

  test('the reason is bounded: 100 kB is refused with the limit and not echoed', async () => {
    const r = repo();
    r.commit('fix: roster paging');
    const before = snapshot(r);

    const run = await release(r, {
      emergency: 'true',
      reason: 'Roster outage '.repeat(7200).slice(0, 100_000),
    });

    expect(run.exitCode).toBe(1);
    expect(errors(run)).toEqual(["Input 'reason' is 100,000 characters long; at most 1,000 are accepted."]);
    expect(run.stdout.length).toBeLessThan(3_000);
    expect(snapshot(r)).toEqual(before);
  });

  const outsideMessage = (input: string, shown: string) =>
    `Input '${input}' leads to ${shown}, which is outside the workspace (GITHUB_WORKSPACE) once symlinks are followed: the release only reads and writes files of the checked-out repository. Nothing was changed.`;

  test.each([['..'], ['/']])("working-directory '%s' outside the workspace is refused", async (dir) => {
    const r = repo();
    r.commit('fix: roster paging');
    const before = snapshot(r);

    const run = await release(r, { 'working-directory': dir });

    expect(run.exitCode).toBe(1);
    expect(errors(run)).toEqual([outsideMessage('working-directory', dir)]);
    expect(snapshot(r)).toEqual(before);
    expect(github.requests).toEqual([]);
  });

  test('a workspace folder that is a symlink out of the checkout: refused naming packages, nothing written outside', async () => {
    const r = repo();
    r.tag('v1.2.0');
    const outside = join(r.work, '..', 'outside-frontend');
    renameSync(join(r.work, 'frontend'), outside);
    symlinkSync('../outside-frontend', join(r.work, 'frontend'));
    r.commit('fix: frontend kept beside the checkout');
    r.push();
    const before = snapshot(r);
    const outsideBefore = readFileSync(join(outside, 'package.json'), 'utf8');

    const selections: Record<string, string>[] = [{}, { packages: 'package.json\nfrontend/package.json' }];
    for (const inputs of selections) {
      const run = await release(r, inputs);
      expect(run.exitCode).toBe(1);
      expect(errors(run)).toEqual([outsideMessage('packages', 'frontend/package.json')]);
    }
    expect(readFileSync(join(outside, 'package.json'), 'utf8')).toBe(outsideBefore);
    expect(snapshot(r)).toEqual(before);
    expect(github.requests).toEqual([]);
  });

  test.each([
    ['CHANGELOG.md', 'CHANGELOG.md'],
    ['docs/CHANGELOG.md', 'docs'],
  ])('a changelog-file %s reached through a symlink out of the checkout is refused', async (file, link) => {
    const r = repo();
    r.tag('v1.2.0');
    const outside = join(r.work, '..', 'outside-docs');
    if (link === 'docs') {
      mkdirSync(outside);
      symlinkSync('../outside-docs', join(r.work, 'docs'));
    } else {
      renameSync(join(r.work, 'CHANGELOG.md'), outside);
      symlinkSync('../outside-docs', join(r.work, 'CHANGELOG.md'));
    }
    r.commit('fix: roster paging');
    r.push();
    const before = snapshot(r);

    const run = await release(r, { 'changelog-file': file });

    expect(run.exitCode).toBe(1);
    expect(errors(run)).toEqual([outsideMessage('changelog-file', file)]);
    expect(snapshot(r)).toEqual(before);
    expect(link === 'docs' ? [] : [readFileSync(outside, 'utf8')]).toEqual(
      link === 'docs' ? [] : ['# Changelog\n\nAll notable changes to the school-health app.\n'],
    );
    expect(github.requests).toEqual([]);
  });
});

describe('the README', () => {
  test('its local run works as written: .env.example is a dry run in a clone, nothing changed', () => {
    const r = repo();
    r.tag('v1.2.0');
    r.commit('feat: nurse dashboard');
    r.push();
    const before = snapshot(r);
    const folder = join(repoRoot, 'actions', 'release');
    const readme = readFileSync(join(folder, 'README.md'), 'utf8');
    expect(readme).toContain('node --env-file=.env path/to/white-cross-deploy/actions/release/dist/index.js');
    const evidence = mkdtempSync(join(tmpdir(), 'wcd-release-local-'));
    try {
      // `cp …/.env.example .env` in the clone, then `node --env-file=.env …/dist/index.js`.
      writeFileSync(join(evidence, '.env'), readFileSync(join(folder, '.env.example')));
      const run = spawnSync(
        process.execPath,
        [`--env-file=${join(evidence, '.env')}`, join(folder, 'dist', 'index.js')],
        {
          cwd: r.work,
          encoding: 'utf8',
          env: { PATH: process.env.PATH ?? '', HOME: evidence, WCD_EVIDENCE_DIR: evidence, ...gitEnv },
        },
      );
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout).toContain('Dry run: would release v1.3.0 (1.2.0 → 1.3.0).');
      expect(run.stdout).toContain('::set-output name=version::1.3.0');
      expect(snapshot(r)).toEqual(before);
      expect(github.requests).toEqual([]);
    } finally {
      rmSync(evidence, { recursive: true, force: true });
    }
  });
});

describe('refusals and re-runs', () => {
  test('refuses when the remote branch has commits the checkout does not', async () => {
    const r = repo();
    r.tag('v1.2.0');
    r.commit('feat: immunization export');
    r.push();
    const remoteHead = git(r.work, ['rev-parse', 'HEAD']);
    git(r.work, ['reset', '-q', '--hard', 'HEAD~1']);
    const localHead = git(r.work, ['rev-parse', 'HEAD']);
    r.commit('fix: a local fix');
    const remoteBefore = r.remoteRefs();

    const run = await release(r);

    expect(run.exitCode).toBe(1);
    expect(errors(run)).toEqual([
      `origin/main has commits that the local main does not (it is at ${remoteHead.slice(0, 7)}, local HEAD at ${git(r.work, ['rev-parse', '--short=7', 'HEAD'])}): pull them first (or re-run the workflow on the newest commit). Nothing was changed.`,
    ]);
    expect(localHead).not.toBe(remoteHead);
    expect(r.remoteRefs()).toEqual(remoteBefore);
    expect(r.json('package.json').version).toBe('1.2.0');
  });

  test('a push rejected by branch protection says so and what to do; the re-run pushes the same release commit instead of making another', async () => {
    const r = repo();
    r.tag('v1.2.0');
    r.commit('feat: vaccination reminders');
    r.push();
    const remoteBefore = r.remoteRefs();
    r.protectBranch();

    const refused = await release(r);

    expect(refused.exitCode).toBe(1);
    expect(errors(refused)).toEqual([
      'Branch protection on origin/main rejected the push of the release commit and tag v1.3.0 (remote: error: GH006: Protected branch update failed for refs/heads/main. / remote: error: Changes must be made through a pull request. / ! [remote rejected] HEAD -> main (pre-receive hook declined) / ! [remote rejected] v1.3.0 -> v1.3.0 (pre-receive hook declined)). Nothing was pushed (the push is atomic); the release commit and tag exist only in this checkout. Let the release identity push to main: add it to the bypass list of the branch protection rule or ruleset (or run with a GitHub App token that may bypass it). Then re-run this action: it pushes the existing release commit and tag v1.3.0 instead of making a second release.',
    ]);
    expect(r.remoteRefs()).toEqual(remoteBefore);
    expect(github.requests).toEqual([]);
    const releaseCommit = git(r.work, ['rev-parse', 'HEAD']);
    expect(log(r, '-1')).toEqual(['chore(release): v1.3.0']);

    r.removeHook();
    const rerun = await release(r);

    expect(errors(rerun)).toEqual([]);
    expect(rerun.outputs).toMatchObject({
      released: 'true',
      version: '1.3.0',
      'previous-version': '1.2.0',
      tag: 'v1.3.0',
    });
    expect(rerun.outputs.changelog).toContain('* vaccination reminders');
    expect(r.remoteRefs()['refs/heads/main']).toBe(releaseCommit);
    expect(r.remoteRefs()['refs/tags/v1.3.0']).toBe(releaseCommit);
    expect(log(r).filter((s) => s.startsWith('chore(release)'))).toEqual(['chore(release): v1.3.0']);
    expect(r.json('package.json').version).toBe('1.3.0');
    expect(github.releases.map((x) => x.tag_name)).toEqual(['v1.3.0']);
    expect(github.releases[0]?.body).toBe(rerun.outputs.changelog);
    expect(rerun.summary).toContain('## Release v1.3.0 — finished from an earlier run');
    expect(rerun.summary).toContain('Pushed the existing release commit and tag to origin (main, v1.3.0)');
  });

  test('a local-only release (push: false) is finished later: the missing tag is made, both pushed, a draft release created', async () => {
    const r = repo();
    r.tag('v1.2.0');
    r.commit('feat: screening schedule');
    r.push();
    const remoteBefore = r.remoteRefs();

    const local = await release(r, { push: 'false', 'github-release': 'false' });

    expect(errors(local)).toEqual([]);
    expect(local.outputs).toMatchObject({ released: 'true', version: '1.3.0', 'release-url': '' });
    expect(r.remoteRefs()).toEqual(remoteBefore);
    expect(github.requests).toEqual([]);
    // As if the earlier run had stopped between the commit and the tag.
    git(r.work, ['tag', '-d', 'v1.3.0']);
    const releaseCommit = git(r.work, ['rev-parse', 'HEAD']);

    const finished = await release(r, { draft: 'true' });

    expect(errors(finished)).toEqual([]);
    expect(finished.outputs).toMatchObject({
      released: 'true',
      version: '1.3.0',
      'previous-version': '1.2.0',
      tag: 'v1.3.0',
    });
    expect(git(r.work, ['rev-parse', 'HEAD'])).toBe(releaseCommit);
    expect(r.remoteRefs()['refs/heads/main']).toBe(releaseCommit);
    expect(r.remoteRefs()['refs/tags/v1.3.0']).toBe(releaseCommit);
    expect(git(r.remote, ['cat-file', '-t', 'v1.3.0'])).toBe('tag');
    expect(github.releases).toEqual([expect.objectContaining({ tag_name: 'v1.3.0', draft: true })]);
    expect(finished.summary).toContain('Created the missing annotated tag v1.3.0');
    const manifest = JSON.parse(
      readFileSync(join(finished.evidenceDir, 'release-manifest.json'), 'utf8'),
    ) as Record<string, unknown>;
    expect(manifest).toMatchObject({
      released: true,
      resumed: true,
      version: '1.3.0',
      tag: 'v1.3.0',
      commit: releaseCommit,
      emergency: false,
    });

    // Once complete, a re-run changes nothing and reports the release that is there.
    const remoteAfter = r.remoteRefs();
    const again = await release(r);
    expect(errors(again)).toEqual([]);
    expect(again.outputs).toMatchObject({
      released: 'true',
      version: '1.3.0',
      'release-url': github.releases[0]?.html_url,
    });
    expect(again.summary).toContain('main and v1.3.0 were already on origin');
    expect(again.summary).toContain('GitHub release v1.3.0 already existed');
    expect(r.remoteRefs()).toEqual(remoteAfter);
    expect(github.releases).toHaveLength(1);
  });

  test('pushed but the GitHub release failed: the re-run creates only the missing release', async () => {
    const r = repo();
    r.tag('v1.2.0');
    r.commit('fix: clinic hours in the footer');
    r.push();
    github.failNext('repos/create-release', 503, 4);

    const failed = await release(r);

    expect(failed.exitCode).toBe(1);
    expect(errors(failed)[0]).toMatch(
      /^The release commit and tag v1\.2\.1 are pushed, but creating the GitHub release failed: .*Re-run this action: it finds the pushed release and creates only the missing GitHub release\.$/,
    );
    const pushed = r.remoteRefs();
    expect(pushed['refs/tags/v1.2.1']).toBe(git(r.work, ['rev-parse', 'HEAD']));

    // A fresh re-run of the workflow: a new checkout of the remote, as actions/checkout makes.
    git(r.work, ['reset', '-q', '--hard', 'v1.2.0']);
    git(r.work, ['tag', '-d', 'v1.2.1']);
    git(r.work, ['pull', '-q', '--ff-only', 'origin', 'main']);
    const rerun = await release(r);

    expect(errors(rerun)).toEqual([]);
    expect(rerun.outputs).toMatchObject({
      released: 'true',
      version: '1.2.1',
      'release-url': 'https://github.com/white-cross/school-health/releases/tag/v1.2.1',
    });
    expect(r.remoteRefs()).toEqual(pushed);
    expect(github.releases.map((x) => x.tag_name)).toEqual(['v1.2.1']);
    expect(rerun.summary).toContain('main and v1.2.1 were already on origin');
    expect(github.violations).toEqual([]);
  });

  test('refuses a dirty working tree', async () => {
    const r = repo();
    r.tag('v1.2.0');
    r.commit('feat: growth charts');
    r.push();
    writeFileSync(
      join(r.work, 'package-lock.json'),
      r.read('package-lock.json').replace('"lockfileVersion": 3', '"lockfileVersion": 3 '),
    );
    const before = snapshot(r);

    const run = await release(r);

    expect(run.exitCode).toBe(1);
    expect(errors(run)).toEqual([
      'The working tree has uncommitted changes (package-lock.json): a release must contain exactly what is committed. Commit or discard them and run again. Nothing was changed.',
    ]);
    expect(snapshot(r)).toEqual(before);
    expect(github.requests).toEqual([]);
  });

  test('refuses a branch that is not the release branch', async () => {
    const r = repo();
    r.tag('v1.2.0');
    git(r.work, ['checkout', '-q', '-b', 'feature/allergy-alerts']);
    r.commit('feat: allergy alerts');

    const run = await release(r);

    expect(run.exitCode).toBe(1);
    expect(errors(run)).toEqual([
      "Releases are made from 'main', but 'feature/allergy-alerts' is checked out. Run the release on main (or set 'release-branch' if this repository releases from another branch). Nothing was changed.",
    ]);
    expect(git(r.work, ['tag', '--list'])).toBe('v1.2.0');
  });

  test('refuses when the release tag already exists for a different commit', async () => {
    const r = repo();
    r.tag('v1.2.0');
    // Someone tagged v1.3.0 on a hotfix branch that never reached main.
    git(r.work, ['checkout', '-q', '-b', 'hotfix']);
    const stray = r.commit('feat: experiment');
    git(r.work, ['tag', '-a', 'v1.3.0', '-m', 'by hand']);
    git(r.work, ['push', '-q', 'origin', 'v1.3.0']);
    git(r.work, ['checkout', '-q', 'main']);
    git(r.work, ['tag', '-d', 'v1.3.0']);
    r.commit('feat: attendance export');
    r.push();
    const remoteBefore = r.remoteRefs();

    const run = await release(r);

    expect(run.exitCode).toBe(1);
    expect(errors(run)).toEqual([
      `Tag v1.3.0 already exists on origin for commit ${stray.slice(0, 7)}, which is not this release (HEAD is ${git(r.work, ['rev-parse', '--short=7', 'HEAD'])} and v1.2.0 is the last release on main). Find out where it came from: delete it if it was made by mistake (git push origin :refs/tags/v1.3.0), or choose a higher 'bump'. Nothing was changed.`,
    ]);
    expect(r.remoteRefs()).toEqual(remoteBefore);
    expect(r.json('package.json').version).toBe('1.2.0');
    expect(github.requests).toEqual([]);
  });

  test('without GITHUB_REPOSITORY a GitHub release cannot be made: refused before anything changes', async () => {
    const r = repo();
    r.tag('v1.2.0');
    r.commit('feat: health office hours');
    r.push();
    const before = snapshot(r);

    const run = await release(r, {}, { GITHUB_REPOSITORY: '' });

    expect(run.exitCode).toBe(1);
    expect(errors(run)).toEqual([
      "GITHUB_REPOSITORY is not set as owner/repo, so the GitHub release cannot be created; set 'github-release: false' outside GitHub Actions. Nothing was changed.",
    ]);
    expect(snapshot(r)).toEqual(before);
  });

  test('bad inputs fail before anything is touched, with one line naming the input', async () => {
    const r = repo();
    r.commit('feat: x');
    const before = snapshot(r);
    const cases: [Record<string, string>, string][] = [
      [{ bump: 'huge' }, "Input 'bump' must be one of auto, patch, minor, major; got 'huge'."],
      [
        { emergency: 'true' },
        "Input 'reason' is required when 'emergency' is true: say why this release cannot wait (it is recorded in the tag, the release notes and the audit record).",
      ],
      [
        { packages: 'frontend' },
        "Input 'packages' takes globs of package.json files, such as package.json or apps/*/package.json; got 'frontend'.",
      ],
      [
        { push: 'false' },
        "Input 'github-release' needs 'push: true' (a GitHub release is made from a tag on GitHub); set 'github-release: false' to release locally only.",
      ],
      [{ 'dry-run': 'yes' }, "Input 'dry-run' must be true or false; got 'yes'."],
    ];
    for (const [inputs, message] of cases) {
      const run = await release(r, inputs);
      expect(run.exitCode).toBe(1);
      expect(errors(run)).toEqual([message]);
    }
    expect(snapshot(r)).toEqual(before);
    expect(github.requests).toEqual([]);
  });
});

/** Whether `pid` still runs: a killed process left unreaped (a zombie, state Z) does not. */
function isRunning(pid: number): boolean {
  const stat = join('/proc', String(pid), 'stat');
  if (!existsSync(stat)) return false;
  return readFileSync(stat, 'utf8').split(') ').at(-1)?.[0] !== 'Z';
}

// A cancelled workflow run sends SIGINT, then SIGTERM, and stops the job's processes after a
// grace period ("Workflow cancellation reference",
// https://docs.github.com/en/actions/reference/workflow-cancellation-reference). The release
// stops its git at once (the whole process group), says where it stopped and what that left,
// and a re-run finishes the same release. `git push --atomic` updates every ref or none
// (git-push(1), --atomic), so a push stopped in flight leaves the remote as it was.
describe('cancellation', () => {
  test('SIGTERM while the push is in flight: git is stopped, the remote is unchanged, a re-run pushes the same release', async () => {
    const r = repo();
    r.tag('v1.2.0');
    r.commit('fix: clinic hours in the footer');
    r.push();
    const remoteBefore = r.remoteRefs();
    const pidFile = join(r.remote, 'receiving.pid');
    r.holdPushes(pidFile);
    let signalled = false;

    const run = await runActionBundle('release', {
      ...releaseOptions(r),
      // The signal comes once the remote is receiving: the push is in flight.
      onLine: (line, send) => {
        if (!line.startsWith('Pushing ')) return;
        const poll = setInterval(() => {
          if (!existsSync(pidFile)) return;
          clearInterval(poll);
          signalled = true;
          send('SIGTERM');
        }, 20);
      },
    });

    expect(signalled).toBe(true);
    expect(run.exitCode).toBe(1);
    expect(errors(run)).toEqual([
      'Cancelled (SIGTERM) while pushing main and v1.2.1: The push to origin is atomic: origin has both main and v1.2.1 or neither. A re-run pushes what is missing and creates the GitHub release; it makes no second release.',
    ]);
    expect(run.audit[0]).toMatchObject({
      outcome: 'cancelled',
      cancellation: { signal: 'SIGTERM', stoppedInTime: true },
      facts: { cancelled: { during: 'pushing main and v1.2.1' } },
    });
    // The receiving side was stopped with the push: no git is left running after the job.
    const receiver = Number(readFileSync(pidFile, 'utf8'));
    expect(isRunning(receiver)).toBe(false);
    expect(r.remoteRefs()).toEqual(remoteBefore);
    expect(github.requests.filter((q) => q.operation === 'repos/create-release')).toEqual([]);
    const releaseCommit = git(r.work, ['rev-parse', 'HEAD']);

    r.removeHook();
    const rerun = await release(r);

    expect([rerun.exitCode, errors(rerun)]).toEqual([0, []]);
    expect(rerun.outputs).toMatchObject({ released: 'true', version: '1.2.1', tag: 'v1.2.1' });
    expect(r.remoteRefs()['refs/tags/v1.2.1']).toBe(releaseCommit);
    expect(log(r).filter((s) => s.startsWith('chore(release)'))).toEqual(['chore(release): v1.2.1']);
    expect(github.releases.map((x) => x.tag_name)).toEqual(['v1.2.1']);
  });

  test('SIGTERM while GitHub is retried for the release: the wait stops, the tag stays pushed, a re-run creates only the release', async () => {
    const r = repo();
    r.tag('v1.2.0');
    r.commit('fix: clinic hours in the footer');
    r.push();
    github.failNext('repos/create-release', 503, 10);

    const run = await runActionBundleAndSignal('release', {
      ...releaseOptions(r),
      when: (line) => line.startsWith('GitHub answered 503 while creating the release of v1.2.1'),
    });

    expect(run.exitCode).toBe(1);
    expect(errors(run)).toEqual([
      'Cancelled (SIGTERM) while creating the GitHub release v1.2.1: The release commit and tag v1.2.1 are pushed; the GitHub release may be missing. A re-run finds the pushed release and creates only the missing GitHub release.',
    ]);
    expect(run.audit[0]).toMatchObject({
      outcome: 'cancelled',
      cancellation: { signal: 'SIGTERM', stoppedInTime: true },
      facts: { cancelled: { during: 'creating the GitHub release v1.2.1' } },
    });
    // No attempt after the signal: the one that failed, and none after the cut-short wait.
    expect(github.requests.filter((q) => q.operation === 'repos/create-release')).toHaveLength(1);
    const pushed = r.remoteRefs();
    expect(pushed['refs/tags/v1.2.1']).toBe(git(r.work, ['rev-parse', 'HEAD']));
    expect(github.releases).toEqual([]);

    github.failNext('repos/create-release', 503, 0);
    const rerun = await release(r);

    expect([rerun.exitCode, errors(rerun)]).toEqual([0, []]);
    expect(r.remoteRefs()).toEqual(pushed);
    expect(github.releases.map((x) => x.tag_name)).toEqual(['v1.2.1']);
    expect(rerun.summary).toContain('main and v1.2.1 were already on origin');
  });
});
