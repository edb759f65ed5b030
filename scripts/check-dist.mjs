// Fails when a committed bundle is not what its sources build to: rebuilds every action (or
// those named) from a clean dist/ and compares with git. Run after `npm ci`.
// Usage: npm run check-dist [-- name ...]
import { execFileSync, spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const names = process.argv.slice(2);
const bundle = spawnSync(process.execPath, ['scripts/bundle.mjs', ...names], { cwd: root, stdio: 'inherit' });
if (bundle.status !== 0) process.exit(bundle.status ?? 1);
// A wildcard pathspec is matched against the whole path (a bare 'actions/*/dist' matches no
// file below it), so the wildcard form names the files.
const paths = names.length ? names.map((n) => `actions/${n}/dist`) : ['actions/*/dist/*'];
const status = execFileSync('git', ['status', '--porcelain', '--', ...paths], {
  cwd: root,
  encoding: 'utf8',
});
if (status.trim()) {
  console.error(
    '::error::dist/ differs from a clean rebuild of the sources. Run `npm run bundle` and commit dist/ with its sources:',
  );
  console.error(status);
  console.error(execFileSync('git', ['diff', '--stat', '--', ...paths], { cwd: root, encoding: 'utf8' }));
  process.exit(1);
}
console.log('check-dist: every dist/ matches a clean rebuild');
