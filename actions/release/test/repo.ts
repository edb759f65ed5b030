/**
 * Real git repositories for the release tests: a bare remote (what GitHub holds) and a
 * working clone (what actions/checkout leaves), shaped like the school-health app (root,
 * frontend and backend workspaces, one package-lock.json), built commit by commit.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Git with no global or system configuration, so a developer's settings cannot leak in. */
export const gitEnv: Record<string, string> = {
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_DATE: '2026-11-20T10:00:00Z',
  GIT_COMMITTER_DATE: '2026-11-20T10:00:00Z',
};

export function git(cwd: string, args: string[], input?: string): string {
  return execFileSync('git', args, {
    cwd,
    env: {
      ...process.env,
      ...gitEnv,
      GIT_AUTHOR_NAME: 'Dev Eloper',
      GIT_AUTHOR_EMAIL: 'dev@example.org',
      GIT_COMMITTER_NAME: 'Dev Eloper',
      GIT_COMMITTER_EMAIL: 'dev@example.org',
    },
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(input === undefined ? {} : { input }),
  }).trim();
}

export interface TestRepo {
  /** The working clone (the action's workspace). */
  work: string;
  /** The bare remote, `origin`. */
  remote: string;
  /** Writes a file and commits it with `message`; returns the commit hash. */
  commit(message: string, file?: string): string;
  /** An annotated release tag on HEAD, pushed. */
  tag(name: string): void;
  push(): void;
  read(file: string): string;
  json(file: string): Record<string, unknown>;
  /** Remote refs: `refs/heads/main` → sha, tags peeled. */
  remoteRefs(): Record<string, string>;
  /** A pre-receive hook in the remote that rejects every push as GitHub's branch protection does. */
  protectBranch(): void;
  /**
   * A pre-receive hook that writes its pid to `pidFile` and then holds every push for a
   * minute, for a push to be cancelled while it is in flight.
   */
  holdPushes(pidFile: string): void;
  /** Removes the remote's pre-receive hook. */
  removeHook(): void;
  cleanup(): void;
}

export interface RepoOptions {
  branch?: string;
  version?: string;
  /** Versions of the workspaces, when they differ from the root's. */
  frontendVersion?: string;
  backendVersion?: string;
}

function writeJson(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** Makes the remote and the clone, with one initial commit pushed. */
export function createRepo(options: RepoOptions = {}): TestRepo {
  const branch = options.branch ?? 'main';
  const version = options.version ?? '1.2.0';
  const root = mkdtempSync(join(tmpdir(), 'wcd-release-'));
  const remote = join(root, 'school-health.git');
  const work = join(root, 'work');
  git(root, ['init', '-q', '--bare', '-b', branch, remote]);
  git(root, ['init', '-q', '-b', branch, work]);
  git(work, ['remote', 'add', 'origin', remote]);
  git(work, ['config', 'commit.gpgsign', 'false']);
  git(work, ['config', 'tag.gpgsign', 'false']);
  writeJson(join(work, 'package.json'), {
    name: 'school-health',
    version,
    private: true,
    workspaces: ['frontend', 'backend'],
    scripts: { build: 'npm run build -w frontend' },
  });
  writeJson(join(work, 'frontend', 'package.json'), {
    name: '@school-health/frontend',
    version: options.frontendVersion ?? version,
    private: true,
  });
  writeJson(join(work, 'backend', 'package.json'), {
    name: '@school-health/backend',
    version: options.backendVersion ?? version,
    private: true,
    dependencies: { express: '4.21.2' },
  });
  writeJson(join(work, 'package-lock.json'), {
    name: 'school-health',
    version,
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'school-health', version, workspaces: ['frontend', 'backend'] },
      backend: {
        name: '@school-health/backend',
        version: options.backendVersion ?? version,
        dependencies: { express: '4.21.2' },
      },
      frontend: { name: '@school-health/frontend', version: options.frontendVersion ?? version },
      'node_modules/@school-health/backend': { resolved: 'backend', link: true },
      'node_modules/@school-health/frontend': { resolved: 'frontend', link: true },
      'node_modules/express': {
        version: '4.21.2',
        resolved: 'https://registry.npmjs.org/express/-/express-4.21.2.tgz',
        license: 'MIT',
      },
    },
  });
  writeFileSync(join(work, 'CHANGELOG.md'), '# Changelog\n\nAll notable changes to the school-health app.\n');
  writeFileSync(join(work, '.gitignore'), 'node_modules/\n');
  git(work, ['add', '-A']);
  git(work, ['commit', '-q', '-m', 'chore: initial import']);
  git(work, ['push', '-q', '-u', 'origin', branch]);
  let counter = 0;
  const hook = join(remote, 'hooks', 'pre-receive');
  const repo: TestRepo = {
    work,
    remote,
    commit(message, file) {
      counter++;
      const path = join(work, file ?? `backend/src/change-${counter}.js`);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, `// ${message.split('\n')[0]}\nmodule.exports = ${counter};\n`);
      git(work, ['add', '-A']);
      git(work, ['commit', '-q', '-F', '-'], message);
      return git(work, ['rev-parse', 'HEAD']);
    },
    tag(name) {
      git(work, ['tag', '-a', name, '-m', `Release ${name}`]);
      git(work, ['push', '-q', 'origin', branch, name]);
    },
    push() {
      git(work, ['push', '-q', 'origin', branch]);
    },
    read: (file) => readFileSync(join(work, file), 'utf8'),
    json: (file) => JSON.parse(readFileSync(join(work, file), 'utf8')) as Record<string, unknown>,
    remoteRefs() {
      const out = git(remote, ['for-each-ref', '--format=%(refname) %(objectname) %(*objectname)']);
      const refs: Record<string, string> = {};
      for (const line of out.split('\n').filter(Boolean)) {
        const [ref, sha, peeled] = line.split(' ') as [string, string, string];
        refs[ref] = peeled || sha;
      }
      return refs;
    },
    protectBranch() {
      // What GitHub prints when branch protection refuses a direct push.
      writeFileSync(
        hook,
        [
          '#!/bin/sh',
          'while read old new ref; do',
          `  if [ "$ref" = "refs/heads/${branch}" ]; then`,
          `    echo "error: GH006: Protected branch update failed for refs/heads/${branch}." >&2`,
          '    echo "error: Changes must be made through a pull request." >&2',
          '    exit 1',
          '  fi',
          'done',
          'exit 0',
          '',
        ].join('\n'),
      );
      chmodSync(hook, 0o755);
    },
    holdPushes(pidFile) {
      writeFileSync(hook, ['#!/bin/sh', `echo $$ > '${pidFile}'`, 'sleep 60', 'exit 0', ''].join('\n'));
      chmodSync(hook, 0o755);
    },
    removeHook() {
      rmSync(hook, { force: true });
    },
    cleanup() {
      rmSync(root, { recursive: true, force: true });
    },
  };
  return repo;
}
