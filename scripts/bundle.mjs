// Bundles each action (or those named) into actions/<name>/dist/index.js with @vercel/ncc.
// Usage: npm run bundle [-- name ...]
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const all = readdirSync(join(root, 'actions')).filter((a) =>
  existsSync(join(root, 'actions', a, 'src', 'index.ts')),
);
const wanted = process.argv.slice(2);
const unknown = wanted.filter((a) => !all.includes(a));
if (unknown.length) {
  console.error(`unknown action(s): ${unknown.join(', ')}; known: ${all.join(', ')}`);
  process.exit(2);
}
const actions = wanted.length ? wanted : all;
const ncc = join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js');

function bundle(action) {
  const dir = join(root, 'actions', action);
  rmSync(join(dir, 'dist'), { recursive: true, force: true });
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(
      process.execPath,
      [
        ncc,
        'build',
        'src/index.ts',
        '-o',
        'dist',
        '--license',
        'licenses.txt',
        '--quiet',
        '--target',
        'es2023',
      ],
      {
        cwd: dir,
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    child.on('close', (code) => {
      console.log(
        `${code === 0 ? 'bundled' : 'FAILED '} ${action} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      resolve(code === 0);
    });
  });
}

// Two at a time: ncc is single-threaded and the machines have two cores.
const results = [];
const queue = [...actions];
await Promise.all(
  [0, 1].map(async () => {
    while (queue.length) results.push(await bundle(queue.shift()));
  }),
);
process.exit(results.every(Boolean) ? 0 : 1);
