// Fails when a committed bundle is not what its sources build to: rebuilds every action from
// a clean dist/ and compares with git. Run after `npm ci`.
import { execFileSync, spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const bundle = spawnSync(process.execPath, ['scripts/bundle.mjs'], { cwd: root, stdio: 'inherit' });
if (bundle.status !== 0) process.exit(bundle.status ?? 1);
const status = execFileSync('git', ['status', '--porcelain', '--', 'actions/*/dist'], {
  cwd: root,
  encoding: 'utf8',
});
if (status.trim()) {
  console.error(
    '::error::dist/ differs from a clean rebuild of the sources. Run `npm run bundle` and commit dist/ with its sources:',
  );
  console.error(status);
  console.error(
    execFileSync('git', ['diff', '--stat', '--', 'actions/*/dist'], { cwd: root, encoding: 'utf8' }),
  );
  process.exit(1);
}
console.log('check-dist: every dist/ matches a clean rebuild');
