// `npm run check-dist` is what keeps the committed bundles honest: it must pass on a clean
// checkout and fail once a source changes without a rebundle. Tested on a throwaway clone of
// the committed tree (with this checkout's node_modules linked in), with the smallest action.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@white-cross/testkit';

let dir: string;
let clone: string;

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wcd-check-dist-'));
  clone = join(dir, 'repo');
  const cloned = await run('git', ['clone', '-q', repoRoot, clone], dir);
  expect(cloned.code).toBe(0);
  // The clone gets this checkout's installed packages as hard links (no data copied); their
  // workspace links are relative, so @white-cross/* resolves into the clone's own sources.
  let copied = await run('cp', ['-al', join(repoRoot, 'node_modules'), join(clone, 'node_modules')], dir);
  // Hard links cannot cross file systems; then a real copy.
  if (copied.code !== 0)
    copied = await run('cp', ['-a', join(repoRoot, 'node_modules'), join(clone, 'node_modules')], dir);
  expect(copied.code).toBe(0);
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run check-dist', () => {
  it('passes on a clean checkout', async () => {
    const result = await run(process.execPath, ['scripts/check-dist.mjs', 'deploy-window'], clone);
    expect(result.output).toContain('check-dist: every dist/ matches a clean rebuild');
    expect(result.code).toBe(0);
  }, 90_000);

  it('fails after a source edit without a rebundle, naming the stale bundle', async () => {
    appendFileSync(
      join(clone, 'actions/deploy-window/src/index.ts'),
      "\nprocess.env.WCD_CHECK_DIST_PROBE ??= 'edited';\n",
    );
    await run('git', ['commit', '-qam', 'edit a source, forget the bundle'], clone);
    const result = await run(process.execPath, ['scripts/check-dist.mjs', 'deploy-window'], clone);
    expect(result.code).toBe(1);
    expect(result.output).toContain('::error::dist/ differs from a clean rebuild of the sources.');
    expect(result.output).toContain('actions/deploy-window/dist/index.js');
  }, 90_000);
});
