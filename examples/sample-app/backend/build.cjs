'use strict';
// Builds the backend into dist/: every source file syntax-checked, then src/ (and db/, the
// migrations, when present) copied beside package.json with a build-info.json naming the
// version and commit, which is what the container image is made from.
const { execFileSync } = require('node:child_process');
const {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} = require('node:fs');
const { join } = require('node:path');

const root = __dirname;
const dist = join(root, 'dist');

function sources(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(c?js)$/.test(name) ? [path] : [];
  });
}

const files = [join(root, 'src'), join(root, 'db')].filter(existsSync).flatMap(sources);
for (const file of files) execFileSync(process.execPath, ['--check', file], { stdio: 'inherit' });

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
cpSync(join(root, 'src'), join(dist, 'src'), { recursive: true });
for (const extra of ['db', '.sequelizerc']) {
  if (existsSync(join(root, extra))) cpSync(join(root, extra), join(dist, extra), { recursive: true });
}
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
writeFileSync(
  join(dist, 'package.json'),
  `${JSON.stringify({ ...pkg, devDependencies: undefined }, null, 2)}\n`,
);
writeFileSync(
  join(dist, 'build-info.json'),
  `${JSON.stringify({ name: pkg.name, version: pkg.version, commit: process.env.GITHUB_SHA || null, files: files.length }, null, 2)}\n`,
);
console.log(`backend: ${files.length} file(s) checked, dist/ written (version ${pkg.version})`);
