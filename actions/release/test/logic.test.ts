/**
 * The release's pure logic: bump rules, tags, changelog sections and files, manifest and
 * lockfile edits, push refusals, inputs. No git, no servers.
 */
import { describe, expect, test } from '@jest/globals';
import { ActionFailure, ConfigurationError, Inputs, Redactor } from '@white-cross/core';
import {
  findSection,
  parseCommits,
  prependSection,
  summarySafe,
  writeReleaseSection,
} from '../src/changelog.js';
import {
  authorizationHeader,
  classifyPushRejection,
  credentialsHint,
  displayUrl,
  pushRefusal,
} from '../src/git.js';
import { isRetryableGitHubError, parseRepository } from '../src/github.js';
import { parseInputs } from '../src/inputs.js';
import {
  assembleReleasePlan,
  emergencyOfTagMessage,
  tagMessage,
  type ReleaseHistory,
  type ReleasePlan,
} from '../src/plan.js';
import { firstUnsafe, refuseUnsafeText, releaseSources } from '../src/safety.js';
import { planLockfiles, setLockfileVersions, setManifestVersion } from '../src/packages.js';
import {
  decideAutoBump,
  decideBump,
  latestReleaseTag,
  nextVersion,
  versionOfReleaseSubject,
  versionOfTag,
} from '../src/version.js';

const commits = (...messages: string[]) =>
  parseCommits(messages.map((message, i) => ({ hash: `${i}`.repeat(40), message })));

describe('bump rules', () => {
  test.each([
    [['fix: a'], '1.4.2', 'patch', '1.4.3'],
    [['perf: a'], '1.4.2', 'patch', '1.4.3'],
    [['fix: a', 'feat: b'], '1.4.2', 'minor', '1.5.0'],
    [['feat: b', 'fix: a', 'refactor: c\n\nBREAKING CHANGE: config moved'], '1.4.2', 'major', '2.0.0'],
    [['feat(api)!: drop v0 routes'], '1.4.2', 'major', '2.0.0'],
    [['fix!: strict dates'], '1.4.2', 'major', '2.0.0'],
    [['chore: x\n\nBREAKING-CHANGE: node 24 required'], '1.4.2', 'major', '2.0.0'],
    [['feat(api)!: drop v0 routes'], '0.9.3', 'minor', '0.10.0'],
    [['feat: b'], '0.9.3', 'minor', '0.10.0'],
    [['fix: a'], '0.9.3', 'patch', '0.9.4'],
  ])('%j from %s → %s', (messages, current, level, next) => {
    const decision = decideAutoBump(commits(...messages), current);
    expect(decision.level).toBe(level);
    expect(nextVersion(current, decision.level as 'major')).toBe(next);
  });

  test('nothing releasable: chores, docs, refactors, tests, reverts and non-conventional commits', () => {
    const decision = decideAutoBump(
      commits('docs: x', 'chore(deps): y', 'refactor: z', 'test: t', 'Merge branch main', 'wip'),
      '1.0.0',
    );
    expect(decision).toEqual({
      level: null,
      reason: '6 commits, none of them a feature, fix, performance change or breaking change',
    });
  });

  test('the reason counts what was found', () => {
    expect(decideAutoBump(commits('feat: a', 'feat: b', 'fix: c', 'feat!: d'), '2.0.0').reason).toBe(
      '1 breaking change, 2 features, 1 fix/perf',
    );
    expect(decideAutoBump(commits('feat!: d'), '0.2.0').reason).toBe(
      '1 breaking change; below 1.0.0 a breaking change bumps the minor version',
    );
  });

  test('an explicit bump is used as given, but only when there is something since the last release', () => {
    expect(decideBump('major', commits('chore: x'), '0.9.0')).toEqual({
      level: 'major',
      reason: 'major requested',
    });
    expect(nextVersion('0.9.0', 'major')).toBe('1.0.0');
    expect(decideBump('patch', [], '1.0.0')).toEqual({
      level: null,
      reason: 'no commits since the last release',
    });
  });
});

describe('release tags', () => {
  test('only <prefix><semver> tags are releases; the highest wins by semver, not by text', () => {
    expect(versionOfTag('v1.2.3', 'v')).toBe('1.2.3');
    expect(versionOfTag('v1.2', 'v')).toBeUndefined();
    expect(versionOfTag('release-1.2.3', 'v')).toBeUndefined();
    expect(versionOfTag('app/v2.0.0', 'app/v')).toBe('2.0.0');
    expect(latestReleaseTag(['v1.9.0', 'v1.10.0', 'v1.2.0', 'nightly', 'v2.0'], 'v')).toEqual({
      tag: 'v1.10.0',
      version: '1.10.0',
    });
    expect(latestReleaseTag(['nightly'], 'v')).toBeUndefined();
  });

  test('a release commit is recognised by its exact subject', () => {
    expect(versionOfReleaseSubject('chore(release): v2.0.0', 'v')).toBe('2.0.0');
    expect(versionOfReleaseSubject('chore(release): prepare v2.0.0', 'v')).toBeUndefined();
    expect(versionOfReleaseSubject('chore(release): 2.0.0', 'v')).toBeUndefined();
  });

  test('the tag message carries the section and, for an emergency, trailers the pipeline can read back', () => {
    const message = tagMessage('v1.2.1', '## 1.2.1\n\n### Bug Fixes\n\n* x\n', {
      emergency: true,
      reason: 'wrong\nallergy list',
    });
    expect(message).toBe(
      'Release v1.2.1 (EMERGENCY)\n\n## 1.2.1\n\n### Bug Fixes\n\n* x\n\nEmergency: true\nEmergency-Reason: wrong allergy list\n',
    );
    expect(emergencyOfTagMessage(message)).toEqual({ emergency: true, reason: 'wrong allergy list' });
    expect(emergencyOfTagMessage(tagMessage('v1.3.0', '## 1.3.0\n', { emergency: false }))).toEqual({
      emergency: false,
    });
  });
});

describe('changelog', () => {
  const links = { host: 'https://github.com', owner: 'white-cross', repository: 'school-health' };

  test('parses `!` and BREAKING CHANGE footers as breaking, and nothing else', () => {
    expect(
      commits('feat(api)!: x', 'fix: y\n\nBREAKING CHANGE: z', 'feat: w', 'fix: v\n\nNOTE: not breaking').map(
        (c) => c.breaking,
      ),
    ).toEqual([true, true, false, false]);
  });

  test('writes Breaking Changes, Features, Bug Fixes and Performance Improvements with compare and commit links', async () => {
    const section = await writeReleaseSection({
      commits: commits(
        'perf: faster roster',
        'fix(api): 401 for students',
        'feat: export',
        'docs: readme',
        'refactor!: rename env vars',
      ),
      version: '2.0.0',
      currentTag: 'v2.0.0',
      previousTag: 'v1.4.0',
      date: '2026-11-21',
      links,
    });
    expect(section).toBe(
      [
        '## [2.0.0](https://github.com/white-cross/school-health/compare/v1.4.0...v2.0.0) (2026-11-21)',
        '',
        '### ⚠ BREAKING CHANGES',
        '',
        '* rename env vars',
        '',
        '### Features',
        '',
        '* export ([2222222](https://github.com/white-cross/school-health/commit/2222222222222222222222222222222222222222))',
        '',
        '### Bug Fixes',
        '',
        '* **api:** 401 for students ([1111111](https://github.com/white-cross/school-health/commit/1111111111111111111111111111111111111111))',
        '',
        '### Performance Improvements',
        '',
        '* faster roster ([0000000](https://github.com/white-cross/school-health/commit/0000000000000000000000000000000000000000))',
        '',
        '### Code Refactoring',
        '',
        '* rename env vars ([4444444](https://github.com/white-cross/school-health/commit/4444444444444444444444444444444444444444))',
        '',
      ].join('\n'),
    );
  });

  test('the first release has no compare link; without a repository there are no links at all', async () => {
    const first = await writeReleaseSection({
      commits: commits('feat: a'),
      version: '0.1.0',
      currentTag: 'v0.1.0',
      date: '2026-11-21',
      links,
    });
    expect(first.split('\n')[0]).toBe('## 0.1.0 (2026-11-21)');
    const bare = await writeReleaseSection({
      commits: commits('fix: b'),
      version: '0.1.1',
      currentTag: 'v0.1.1',
      previousTag: 'v0.1.0',
      date: '2026-11-21',
      preamble: '**Emergency release.** Reason: r',
    });
    expect(bare).toBe(
      '## 0.1.1 (2026-11-21)\n\n**Emergency release.** Reason: r\n\n### Bug Fixes\n\n* b 0000000\n',
    );
  });

  test('prepends under the title and its introduction; makes a new changelog', () => {
    expect(prependSection(undefined, '## 1.0.0\n\n* a\n')).toBe('# Changelog\n\n## 1.0.0\n\n* a\n');
    expect(prependSection('# Changelog\n\nIntro.\n\n## 0.9.0\n\n* old\n', '## 1.0.0\n\n* a\n')).toBe(
      '# Changelog\n\nIntro.\n\n## 1.0.0\n\n* a\n\n## 0.9.0\n\n* old\n',
    );
    expect(prependSection('## 0.9.0\n\n* old\n', '## 1.0.0\n')).toBe('## 1.0.0\n\n## 0.9.0\n\n* old\n');
  });

  test('finds a release section by version, linked or not, and not a longer version', () => {
    const text = '# Changelog\n\n## [1.10.0](u) (2026-11-21)\n\n* ten\n\n## 1.1.0 (2026-11-01)\n\n* one\n';
    expect(findSection(text, '1.10.0')).toBe('## [1.10.0](u) (2026-11-21)\n\n* ten\n');
    expect(findSection(text, '1.1.0')).toBe('## 1.1.0 (2026-11-01)\n\n* one\n');
    expect(findSection(text, '1.0.0')).toBeUndefined();
  });

  test('commit text cannot inject HTML into the job summary', () => {
    expect(summarySafe('* handle <img src=x onerror=alert(1)> ([abc](u))')).toBe(
      '* handle &lt;img src=x onerror=alert(1)&gt; ([abc](u))',
    );
  });
});

describe('package.json and package-lock.json', () => {
  test('sets the version and keeps key order, indentation and the final newline', () => {
    const tabbed = '{\n\t"name": "app",\n\t"version": "1.0.0",\n\t"private": true\n}\n';
    expect(setManifestVersion(tabbed, '1.1.0', 'package.json')).toEqual({
      previous: '1.0.0',
      name: 'app',
      text: '{\n\t"name": "app",\n\t"version": "1.1.0",\n\t"private": true\n}\n',
    });
    expect(
      setManifestVersion('{\n    "name": "b",\n    "private": true\n}', '2.0.0', 'b/package.json').text,
    ).toBe('{\n    "name": "b",\n    "version": "2.0.0",\n    "private": true\n}');
  });

  test('a broken package.json is a failure naming the file', () => {
    expect(() => setManifestVersion('{ "name": ', '1.0.0', 'frontend/package.json')).toThrow(
      /^frontend\/package\.json is not valid JSON/,
    );
  });

  test('sets the root and the selected workspace entries of a v3 lockfile, not links or dependencies', () => {
    const lock = JSON.stringify(
      {
        name: 'app',
        version: '1.0.0',
        lockfileVersion: 3,
        packages: {
          '': { name: 'app', version: '1.0.0' },
          frontend: { name: 'f', version: '1.0.0' },
          backend: { name: 'b', version: '0.9.0' },
          tools: { name: 't', version: '5.0.0' },
          'node_modules/f': { resolved: 'frontend', link: true },
          'node_modules/left-pad': { version: '1.0.0' },
        },
      },
      null,
      2,
    );
    const edit = setLockfileVersions(
      lock,
      '1.1.0',
      { root: true, workspaces: ['frontend', 'backend', 'missing'] },
      'package-lock.json',
    );
    expect(edit.entries).toEqual(['', 'frontend', 'backend']);
    const after = JSON.parse(edit.text) as {
      version: string;
      packages: Record<string, { version?: string }>;
    };
    expect(after.version).toBe('1.1.0');
    expect(Object.fromEntries(Object.entries(after.packages).map(([k, v]) => [k, v.version]))).toEqual({
      '': '1.1.0',
      frontend: '1.1.0',
      backend: '1.1.0',
      tools: '5.0.0',
      'node_modules/f': undefined,
      'node_modules/left-pad': '1.0.0',
    });
  });

  test('each lockfile beside a selected package.json holds the selected packages below it', () => {
    const exists = (f: string) => ['package-lock.json', 'tools/cli/package-lock.json'].includes(f);
    expect(
      planLockfiles(
        ['package.json', 'frontend/package.json', 'backend/package.json', 'tools/cli/package.json'],
        exists,
      ),
    ).toEqual([
      { file: 'package-lock.json', root: true, workspaces: ['frontend', 'backend', 'tools/cli'] },
      { file: 'tools/cli/package-lock.json', root: true, workspaces: [] },
    ]);
  });
});

describe('git and GitHub', () => {
  test('the token reaches git as a basic-auth header, never in a URL', () => {
    expect(authorizationHeader('t0k3n')).toBe(
      `AUTHORIZATION: basic ${Buffer.from('x-access-token:t0k3n').toString('base64')}`,
    );
    expect(displayUrl('https://x-access-token:ghs_abc@github.com/white-cross/school-health.git')).toBe(
      'https://github.com/white-cross/school-health.git',
    );
    expect(displayUrl('git@github.com:white-cross/school-health.git')).toBe(
      'git@github.com:white-cross/school-health.git',
    );
  });

  test.each([
    [' ! [remote rejected] HEAD -> main (protected branch hook declined)', 'branch-protection'],
    ['remote: error: GH013: Repository rule violations found for refs/heads/main.', 'branch-protection'],
    [' ! [rejected]        HEAD -> main (fetch first)', 'non-fast-forward'],
    [' ! [rejected]        HEAD -> main (non-fast-forward)', 'non-fast-forward'],
    ['fatal: unable to access: Could not resolve host', 'other'],
  ])('classifies %j as %s', (output, kind) => {
    expect(classifyPushRejection(output)).toBe(kind);
  });

  test('a refusal quotes what the remote said and which refs it refused', () => {
    const output = [
      'remote: error: GH006: Protected branch update failed for refs/heads/main.',
      'To github.com:white-cross/school-health.git',
      ' ! [remote rejected] HEAD -> main (protected branch hook declined)',
      "error: failed to push some refs to 'github.com:white-cross/school-health.git'",
    ].join('\n');
    expect(pushRefusal(output)).toBe(
      'remote: error: GH006: Protected branch update failed for refs/heads/main. / ! [remote rejected] HEAD -> main (protected branch hook declined)',
    );
  });

  test('refused credentials get a hint about the token; other failures do not', () => {
    expect(
      credentialsHint(
        'remote: Permission to white-cross/school-health.git denied to bot.\nfatal: unable to access: The requested URL returned error: 403',
      ),
    ).toMatch(/^\. The remote did not accept the credentials/);
    expect(credentialsHint('fatal: unable to access: Could not resolve host: github.com')).toBe('');
  });

  test('GitHub 5xx and 429 are retried; 4xx are not', () => {
    expect(
      [502, 503, 429, 422, 404, 401, undefined].map((status) => isRetryableGitHubError({ status })),
    ).toEqual([true, true, true, false, false, false, false]);
    expect(parseRepository('white-cross/school-health')).toEqual({
      owner: 'white-cross',
      repo: 'school-health',
    });
    expect(parseRepository('nope')).toBeUndefined();
  });
});

describe('inputs', () => {
  const parse = (inputs: Record<string, string>) =>
    parseInputs(
      new Inputs(
        Object.fromEntries(
          Object.entries(inputs).map(([k, v]) => [`INPUT_${k.replace(/ /g, '_').toUpperCase()}`, v]),
        ),
      ),
      { GITHUB_REPOSITORY: 'white-cross/school-health' },
    );

  test('defaults', () => {
    expect(parse({ token: 't' })).toEqual({
      bump: 'auto',
      emergency: false,
      packages: [],
      changelogFile: 'CHANGELOG.md',
      tagPrefix: 'v',
      remote: 'origin',
      push: true,
      github: {
        githubRelease: true,
        token: 't',
        apiUrl: 'https://api.github.com',
        repository: { owner: 'white-cross', repo: 'school-health' },
        draft: false,
      },
      token: 't',
      dryRun: false,
      workingDirectory: '.',
    });
  });

  test('a dry run needs no token; a reason is kept only for an emergency', () => {
    expect(parse({ 'dry-run': 'true', reason: 'x' }).token).toBeUndefined();
    expect(parse({ 'dry-run': 'true', reason: 'x' }).reason).toBeUndefined();
    expect(parse({ token: 't', emergency: 'true', reason: 'outage' }).reason).toBe('outage');
    expect(
      parse({ token: 't', packages: 'package.json, frontend/package.json\napps/*/package.json' }).packages,
    ).toEqual(['package.json', 'frontend/package.json', 'apps/*/package.json']);
  });

  test.each([
    [
      { token: 't', bump: 'Minor' },
      'bump',
      "Input 'bump' must be one of auto, patch, minor, major; got 'Minor'.",
    ],
    [
      { emergency: 'true' },
      'reason',
      "Input 'reason' is required when 'emergency' is true: say why this release cannot wait (it is recorded in the tag, the release notes and the audit record).",
    ],
    [
      { token: 't', packages: '../other/package.json' },
      'packages',
      "Input 'packages' must be a path inside the repository, such as frontend/package.json; got '../other/package.json'.",
    ],
    [
      { token: 't', 'changelog-file': '/etc/passwd' },
      'changelog-file',
      "Input 'changelog-file' must be a path inside the repository, such as CHANGELOG.md; got '/etc/passwd'.",
    ],
    [
      { token: 't', 'tag-prefix': 'v ' + 'x' },
      'tag-prefix',
      "Input 'tag-prefix' must be letters, digits, '.', '_', '-' or '/' (such as v or app/v); got 'v x'.",
    ],
    [
      { token: 't', 'release-branch': 'main..x' },
      'release-branch',
      "Input 'release-branch' must be a branch name such as main; got 'main..x'.",
    ],
    [
      { token: 't', remote: 'https://github.com/x' },
      'remote',
      "Input 'remote' must be the name of a git remote such as origin; got 'https://github.com/x'.",
    ],
    [
      {},
      'token',
      "Input 'token' is required to create the GitHub release (a token with contents: write, such as ${{ github.token }}); or set 'github-release: false'.",
    ],
  ])('%j is refused, naming %s', (inputs, name, message) => {
    let error: unknown;
    try {
      parse(inputs);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).input).toBe(name);
    expect((error as ConfigurationError).message).toBe(message);
  });
});

describe('the plan', () => {
  const manifest = (version: string) => `{\n  "name": "school-health",\n  "version": "${version}"\n}\n`;
  const history = (): ReleaseHistory => ({
    last: { tag: 'v1.2.0', version: '1.2.0' },
    manifests: [
      { file: 'package.json', text: manifest('1.2.0') },
      { file: 'frontend/package.json', text: manifest('1.1.0') },
    ],
    commits: parseCommits([
      { hash: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678', message: 'fix(api): answer 401 on /students' },
    ]),
  });

  test('built once from the state: version, every manifest text, and the texts that go into git and GitHub', async () => {
    const state = history();
    const frozen = JSON.stringify(state);
    const plan = (await assembleReleasePlan({
      history: state,
      bump: 'auto',
      tagPrefix: 'v',
      emergency: { emergency: true, reason: 'Roster outage, INC-2291' },
      date: '2026-11-20',
    })) as ReleasePlan;
    expect(JSON.stringify(state)).toBe(frozen);
    expect([plan.version, plan.tag, plan.previousTag]).toEqual(['1.2.1', 'v1.2.1', 'v1.2.0']);
    expect(plan.manifests.map((m) => [m.file, m.before, m.after])).toEqual([
      ['package.json', '1.2.0', '1.2.1'],
      ['frontend/package.json', '1.1.0', '1.2.1'],
    ]);
    expect(plan.manifests[1]?.text).toBe(manifest('1.2.1'));
    const note = '**Emergency release.** Reason: Roster outage, INC-2291';
    expect(plan.section).toContain(note);
    expect(plan.notes).toBe(plan.section);
    expect(plan.title).toBe('v1.2.1 (EMERGENCY)');
    expect(plan.commitMessage).toBe(
      'chore(release): v1.2.1\n\nEmergency release. Reason: Roster outage, INC-2291\n',
    );
    expect(plan.tagMessage).toBe(tagMessage('v1.2.1', plan.section, plan.emergency));
  });

  test('nothing releasable: no plan, and why', async () => {
    const state = {
      ...history(),
      commits: parseCommits([{ hash: 'b'.repeat(40), message: 'docs: runbook' }]),
    };
    expect(
      await assembleReleasePlan({
        history: state,
        bump: 'auto',
        tagPrefix: 'v',
        emergency: { emergency: false },
        date: '2026-11-20',
      }),
    ).toMatchObject({ previousVersion: '1.2.0', nothing: expect.stringContaining('none of them a feature') });
  });
});

describe('secrets and PHI in what goes into git', () => {
  const redactor = new Redactor();
  redactor.addSecret('ghs_pastedToken0123456789');
  const redact = (text: string) => redactor.redact(text);

  test.each([
    ['the token', 'deploy with ghs_pastedToken0123456789', true],
    ['a keyed date of birth', 'student DOB: 2011-04-02', true],
    ['an SSN', 'ssn 536-22-1907', true],
    ['a version, a hash and a timestamp', 'v1.2.3 a1b2c3d 2026-11-20T10:00:00Z', false],
  ])('%s (%s): unsafe is %s', (_what, text, unsafe) => {
    expect(firstUnsafe([{ where: 'the reason', text }], redact) !== undefined).toBe(unsafe);
  });

  test('the reason is named first; a commit is named by its short hash only when the changelog lists it', async () => {
    const commits = parseCommits([
      { hash: '1111111aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', message: 'chore: fixture for MRN: 20119931' },
      { hash: '2222222bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', message: 'fix: roster for MRN: 20119931' },
    ]);
    const plan = (await assembleReleasePlan({
      history: { manifests: [{ file: 'package.json', text: '{"version":"1.0.0"}' }], commits },
      bump: 'auto',
      tagPrefix: 'v',
      emergency: { emergency: false },
      date: '2026-11-20',
    })) as ReleasePlan;
    const where = (reason?: string) => firstUnsafe(releaseSources(plan, reason), redact)?.where;
    expect(where('DOB: 2011-04-02')).toBe('the reason');
    expect(where()).toBe("commit 2222222's subject");
    expect(() => refuseUnsafeText(releaseSources(plan, 'DOB: 2011-04-02'), redact)).toThrow(
      ConfigurationError,
    );
    expect(() => refuseUnsafeText(releaseSources(plan, undefined), redact)).toThrow(ActionFailure);
    // The refusal names the place, never the text.
    expect(() => refuseUnsafeText(releaseSources(plan, undefined), redact)).not.toThrow(/20119931/);
  });
});
