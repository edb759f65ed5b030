/** A throwaway git repository holding the small workflows a runner test is about. */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A committed repository (on main, tagged v1.0.0) with the files, and copies (target → source folder or file). */
export function makeRepo(files: Record<string, string>, copies: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'wcd-wf-repo-'));
  for (const [target, source] of Object.entries(copies))
    cpSync(source, join(dir, target), { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
  git('init', '--quiet', '--initial-branch=main');
  git('add', '-A');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.org', 'commit', '--quiet', '-m', 'fixture');
  git('tag', 'v1.0.0');
  return dir;
}

/** One workflow file at .github/workflows/w.yml (plus any other files). */
export function workflowRepo(yaml: string, other: Record<string, string> = {}): string {
  return makeRepo({ '.github/workflows/w.yml': yaml, ...other });
}
