/**
 * Benchmark: what build-validate costs on top of the build, for a small and a large frontend.
 *
 * Each scenario writes a synthetic build output: content-hashed JavaScript chunks cut from real
 * bundled JavaScript (the repository's own action bundles, so compression ratios are those of
 * real code), CSS, an index.html and a few binary images. It then times, in-process, each phase
 * of the action on that output (read, sha256, gzip, brotli, forbidden-content scan, budgets),
 * and runs the committed bundle end to end on it, as the runner would (build command `true`, no
 * install, no audit), to show the whole overhead. A last table compares brotli quality 9 (what
 * the action uses) with quality 11 on a 1 MB sample of the same JavaScript: size and time.
 *
 * Usage: npm run bench:build [-- --small-files 20 --small-mb 1 --large-files 200 --large-mb 10 --runs 3]
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, constants as zlib } from 'node:zlib';
import { runActionBundle, repoRoot } from '@white-cross/testkit';
import { evaluateBudgets, parseBudgets } from '../../actions/build-validate/src/budgets.js';
import {
  BUILT_IN_RULES,
  findForbiddenContent,
  findForbiddenFiles,
  looksLikeText,
} from '../../actions/build-validate/src/forbidden.js';
import {
  BROTLI_QUALITY,
  GZIP_LEVEL,
  brotliSize,
  gzipSize,
  measureArtifact,
} from '../../actions/build-validate/src/manifest.js';
import { readOutputFiles } from '../../actions/build-validate/src/output-files.js';

interface Scenario {
  name: string;
  files: number;
  megabytes: number;
}

function parseArgs(argv: string[]): { scenarios: Scenario[]; runs: number } {
  const value = (flag: string, fallback: number) => {
    const i = argv.indexOf(flag);
    const n = i >= 0 ? Number(argv[i + 1]) : fallback;
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} must be a positive number`);
    return n;
  };
  return {
    scenarios: [
      { name: 'small app', files: value('--small-files', 20), megabytes: value('--small-mb', 1) },
      { name: 'large app', files: value('--large-files', 200), megabytes: value('--large-mb', 10) },
    ],
    runs: value('--runs', 3),
  };
}

/** Real bundled JavaScript to cut chunks from. */
function corpus(): string {
  const actions = readdirSync(join(repoRoot, 'actions'));
  const texts = actions.flatMap((a) => {
    try {
      return [readFileSync(join(repoRoot, 'actions', a, 'dist', 'index.js'), 'utf8')];
    } catch {
      return [];
    }
  });
  if (texts.length === 0)
    throw new Error('no action bundles to sample JavaScript from: run npm run bundle first');
  return texts.join('\n');
}

/** Writes `dist/` for a scenario: 80 % of the bytes JavaScript, 15 % CSS, 5 % images. */
function writeOutput(root: string, scenario: Scenario, js: string): void {
  const dist = join(root, 'dist');
  mkdirSync(join(dist, 'assets'), { recursive: true });
  const total = scenario.megabytes * 1_000_000;
  const images = Math.max(1, Math.round(scenario.files * 0.05));
  const styles = Math.max(1, Math.round(scenario.files * 0.1));
  const scripts = Math.max(1, scenario.files - images - styles - 1);
  const hash = (s: string | Buffer) => createHash('sha256').update(s).digest('hex').slice(0, 10);
  let offset = 0;
  const cut = (bytes: number) => {
    if (offset + bytes > js.length) offset = 0;
    const text = js.slice(offset, offset + bytes);
    offset += bytes;
    return text;
  };
  const names: string[] = [];
  for (let i = 0; i < scripts; i++) {
    const text = cut(Math.round((total * 0.8) / scripts));
    const name = `assets/chunk-${i}.${hash(text)}.js`;
    writeFileSync(join(dist, name), text);
    names.push(name);
  }
  for (let i = 0; i < styles; i++) {
    const rule = (n: number) =>
      `.c${n}{margin:${n % 17}px;padding:${n % 5}rem;color:#${(n * 2654435761).toString(16).slice(-6)}}\n`;
    let css = '';
    for (let n = i * 100_000; css.length < (total * 0.15) / styles; n++) css += rule(n);
    writeFileSync(join(dist, `assets/style-${i}.${hash(css)}.css`), css);
  }
  for (let i = 0; i < images; i++) {
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]),
      randomBytes(Math.round((total * 0.05) / images)),
    ]);
    writeFileSync(join(dist, `assets/img-${i}.${hash(png)}.png`), png);
  }
  writeFileSync(
    join(dist, 'index.html'),
    `<!doctype html><html><head>${names
      .slice(0, 5)
      .map((n) => `<script type="module" src="/${n}"></script>`)
      .join('')}</head><body></body></html>`,
  );
}

const time = <T>(fn: () => T): [T, number] => {
  const started = performance.now();
  const value = fn();
  return [value, performance.now() - started];
};
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const ms = (n: number) => `${Math.round(n)} ms`;

async function bench(scenario: Scenario, js: string, runs: number): Promise<Record<string, string>> {
  const root = mkdtempSync(join(tmpdir(), 'bench-build-'));
  try {
    writeOutput(root, scenario, js);
    const phases: Record<string, number[]> = {
      read: [],
      sha256: [],
      gzip: [],
      brotli: [],
      measure: [],
      scan: [],
      budgets: [],
      bundle: [],
    };
    const policy = { rules: new Set(BUILT_IN_RULES), files: [], content: [] };
    const budgets = parseBudgets(
      'dist/assets/*.js: 250 kB gzip\ndist/assets/*.css: 50 kB brotli\ndist/**: 20 MB total',
    );
    let bytes = 0;
    let files = 0;
    for (let run = 0; run < runs; run++) {
      const started = performance.now();
      const output = await readOutputFiles(root, ['dist']);
      phases.read!.push(performance.now() - started);
      files = output.length;
      bytes = output.reduce((sum, f) => sum + f.content.length, 0);
      phases.sha256!.push(
        time(() => output.forEach((f) => createHash('sha256').update(f.content).digest()))[1],
      );
      phases.gzip!.push(time(() => output.forEach((f) => gzipSize(f.content)))[1]);
      phases.brotli!.push(time(() => output.forEach((f) => brotliSize(f.content)))[1]);
      const [measured, measureMs] = time(() => output.map((f) => measureArtifact(f.path, f.content)));
      phases.measure!.push(measureMs);
      phases.scan!.push(
        time(() =>
          output.flatMap((f) => [
            ...findForbiddenFiles(f.path, policy),
            ...(looksLikeText(f.content)
              ? findForbiddenContent(f.path, f.content.toString('utf8'), policy, ['a-build-secret-value'])
              : []),
          ]),
        )[1],
      );
      phases.budgets!.push(time(() => evaluateBudgets(budgets, measured, measured))[1]);
      const bundle = await runActionBundle('build-validate', {
        workspace: root,
        inputs: {
          'install-command': 'none',
          'build-command': 'true',
          'audit-level': 'off',
          budgets: budgets.map((b) => `${b.pattern}: ${b.limitText} ${b.compression} ${b.scope}`).join('\n'),
        },
        timeoutMs: 600_000,
      });
      if (bundle.exitCode !== 0) throw new Error(`bundle run failed:\n${bundle.stdout}`);
      phases.bundle!.push(bundle.durationMs);
    }
    return {
      scenario: scenario.name,
      files: String(files),
      size: `${(bytes / 1e6).toFixed(1)} MB`,
      read: ms(median(phases.read!)),
      sha256: ms(median(phases.sha256!)),
      [`gzip ${GZIP_LEVEL}`]: ms(median(phases.gzip!)),
      [`brotli ${BROTLI_QUALITY}`]: ms(median(phases.brotli!)),
      measure: ms(median(phases.measure!)),
      scan: ms(median(phases.scan!)),
      budgets: ms(median(phases.budgets!)),
      'bundle run': ms(median(phases.bundle!)),
      'MB/s (bundle)': (bytes / 1e6 / (median(phases.bundle!) / 1000)).toFixed(1),
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const { scenarios, runs } = parseArgs(process.argv.slice(2));
const started = Date.now();
const js = corpus();
const rows: Record<string, string>[] = [];
for (const scenario of scenarios) rows.push(await bench(scenario, js, runs));

/** Brotli quality 9 against 11 on 1 MB of the same JavaScript. */
function brotliQualities(): Record<string, string>[] {
  const sample = Buffer.from(js.slice(0, 1_000_000));
  return [5, BROTLI_QUALITY, 11].map((quality) => {
    const [out, took] = time(() =>
      brotliCompressSync(sample, { params: { [zlib.BROTLI_PARAM_QUALITY]: quality } }),
    );
    return { 'brotli quality': String(quality), 'bytes (of 1 MB)': String(out.length), time: ms(took) };
  });
}

function printTable(title: string, table: Record<string, string>[]): void {
  const headers = Object.keys(table[0] ?? {});
  const widths = headers.map((h) => Math.max(h.length, ...table.map((r) => (r[h] ?? '').length)) + 2);
  console.log(`\n${title}`);
  console.log(headers.map((h, i) => h.padEnd(widths[i]!)).join(''));
  for (const row of table) console.log(headers.map((h, i) => (row[h] ?? '').padEnd(widths[i]!)).join(''));
}

printTable(`build-validate overhead, median of ${runs} runs (node ${process.version})`, rows);
printTable('brotli quality, 1 MB of bundled JavaScript', brotliQualities());
console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s)`);
