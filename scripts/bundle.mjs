// Bundles each action (or those named) into actions/<name>/dist/index.js with @vercel/ncc.
// Usage: npm run bundle [-- name ...]
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';

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
      if (code === 0) vendor(dir);
      console.log(
        `${code === 0 ? 'bundled' : 'FAILED '} ${action} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      resolve(code === 0);
    });
  });
}

// A package that cannot be bundled (playwright-core reads its own package.json and
// browsers.json at run time and uses __dirname, which an ESM bundle breaks) is listed in the
// action's package.json as "vendor": { "<package>": ["<subpath to leave out>", ...] } and copied
// as installed into dist/vendor/<package>/; the action imports it from there at run time.
function vendor(dir) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const require = createRequire(join(dir, 'package.json'));
  for (const [name, leaveOut] of Object.entries(pkg.vendor ?? {})) {
    const from = dirname(require.resolve(`${name}/package.json`));
    cpSync(from, join(dir, 'dist', 'vendor', name), {
      recursive: true,
      filter: (source) => {
        const rel = relative(from, source).split(sep).join('/');
        return !leaveOut.some((skip) => rel === skip || rel.startsWith(`${skip}/`));
      },
    });
  }
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
