// Builds the status page into dist/: index.html (never cached) referencing content-hashed
// assets/app.<hash>.js and .css (cached for good), the way a bundler would. The version comes
// from package.json, so a release bump shows on the page.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
const { version } = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'));
const read = (name) => readFileSync(join(here, 'src', name), 'utf8');
const contentHash = (text) => createHash('sha256').update(text).digest('hex').slice(0, 10);

rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, 'assets'), { recursive: true });

const assets = {};
for (const [name, ext] of [
  ['app.js', 'js'],
  ['app.css', 'css'],
]) {
  const text = read(name);
  const file = `assets/app.${contentHash(text)}.${ext}`;
  writeFileSync(join(dist, file), text);
  assets[ext] = file;
}
const html = read('index.html')
  .replaceAll('%APP_VERSION%', version)
  .replaceAll('%APP_JS%', `/${assets.js}`)
  .replaceAll('%APP_CSS%', `/${assets.css}`);
writeFileSync(join(dist, 'index.html'), html);
console.log(`built school-health-frontend ${version}: index.html, ${assets.js}, ${assets.css}`);
