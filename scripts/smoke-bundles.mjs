// Runs every action's committed bundle once, as the runner would, with no inputs, no AWS
// settings and an empty workspace: each must fail cleanly — exit 1 within a few seconds, at
// least one `::error::` line, and no "failed unexpectedly" (which would mean a bug, not a
// ConfigurationError).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
let failures = 0;
for (const action of readdirSync(join(root, 'actions')).sort()) {
  const bundle = join(root, 'actions', action, 'dist', 'index.js');
  if (!existsSync(bundle)) continue;
  const dir = mkdtempSync(join(tmpdir(), `wcd-smoke-${action}-`));
  const files = Object.fromEntries(
    ['GITHUB_OUTPUT', 'GITHUB_STEP_SUMMARY', 'GITHUB_STATE', 'GITHUB_ENV'].map((k) => [k, join(dir, k)]),
  );
  for (const f of Object.values(files)) writeFileSync(f, '');
  const started = Date.now();
  const run = spawnSync(process.execPath, [bundle], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 20_000,
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      GITHUB_WORKSPACE: dir,
      RUNNER_TEMP: dir,
      GITHUB_ACTIONS: 'true',
      ...files,
    },
  });
  const ms = Date.now() - started;
  const errors = run.stdout.split('\n').filter((l) => l.startsWith('::error'));
  const ok = run.status === 1 && errors.length >= 1 && !run.stdout.includes('failed unexpectedly');
  if (!ok) failures++;
  console.log(
    `${ok ? 'ok  ' : 'FAIL'} ${action}: exit ${run.status} in ${ms} ms — ${errors[0] ?? '(no ::error:: line)'}`,
  );
  if (!ok) console.log(run.stdout.slice(-2000), run.stderr.slice(-2000));
}
process.exit(failures ? 1 : 0);
