/**
 * Benchmark: verify-deployment's own overhead beside autocannon alone, on the same target, in
 * one run.
 *
 * The target is the sample app for real (PostgreSQL 15 with its migrations, Redis if Debian's
 * redis-server is there, the built frontend), started once. Then, one after the other:
 *
 * - autocannon alone: its CLI at the same rate, duration and connections the action uses, on
 *   the same path (`/api/v1/health/database`);
 * - verify-deployment, load only: the committed bundle with the default health checks and the
 *   load test, browser off;
 * - verify-deployment, everything: health, the sample app's smoke file, the load test and the
 *   frontend in headless Chromium.
 *
 * Each runs as a child of `bash -c '…; times'`, so its CPU (user + system, Chromium's processes
 * included: they are waited for) is read from the shell, beside the wall time. The overhead is
 * the difference from autocannon alone; the ratio is wall and CPU against it. The machine has
 * two cores: CPU % is of both.
 *
 * Usage: npm run bench:verify [-- --rate 20 --duration 10]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@white-cross/testkit';
import { connectionsFor } from '../../actions/verify-deployment/src/load.js';
import { SMOKE_FILE, startSampleStack } from '../../actions/verify-deployment/test/sample-app.js';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

interface Measure {
  name: string;
  wallS: number;
  cpuS: number;
  exitCode: number;
}

/** Runs a command under bash and reads the children's CPU time from `times`. */
function measure(name: string, command: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Measure> {
  const quoted = command.map((c) => `'${c.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('bash', ['-c', `${quoted} >/dev/null 2>&1; status=$?; times; exit $status`], {
      env,
      cwd,
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallS = (performance.now() - started) / 1000;
      // `times` prints the shell's own line, then its children's: "0m1.234s 0m0.567s".
      const lines = out.trim().split('\n');
      const seconds = (text: string) => {
        const m = /(\d+)m([\d.]+)s/.exec(text);
        return m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
      };
      const [user = '', system = ''] = (lines[lines.length - 1] ?? '').split(/\s+/);
      resolve({ name, wallS, cpuS: seconds(user) + seconds(system), exitCode: code ?? 1 });
    });
  });
}

async function main(): Promise<void> {
  const rate = option('rate', 20);
  const duration = option('duration', 10);
  const bundle = join(repoRoot, 'actions', 'verify-deployment', 'dist', 'index.js');
  if (!existsSync(bundle))
    throw new Error('no verify-deployment bundle: npm run bundle -- verify-deployment');
  console.log(
    `bench:verify — ${rate}/s for ${duration}s on /api/v1/health/database, ${cpus().length} core(s)`,
  );
  const stack = await startSampleStack();
  try {
    const target = await stack.backend({ APP_VERSION: 'bench' });
    const path = '/api/v1/health/database';
    const files = mkdtempSync(join(tmpdir(), 'wcd-bench-verify-'));
    writeFileSync(join(files, 'smoke.yml'), readFileSync(SMOKE_FILE, 'utf8'));
    const runnerEnv = (inputs: Record<string, string>): NodeJS.ProcessEnv => {
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? files,
        GITHUB_WORKSPACE: files,
        RUNNER_TEMP: files,
        GITHUB_OUTPUT: join(files, 'output'),
        GITHUB_STEP_SUMMARY: join(files, 'summary.md'),
      };
      for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
      return env;
    };
    for (const f of ['output', 'summary.md']) writeFileSync(join(files, f), '');
    const load = `${rate}/s for ${duration}s`;
    const autocannon = join(repoRoot, 'node_modules', 'autocannon', 'autocannon.js');
    const results: Measure[] = [];
    results.push(
      await measure(
        'autocannon alone',
        [
          process.execPath,
          autocannon,
          '-R',
          String(rate),
          '-c',
          String(connectionsFor(rate)),
          '-d',
          String(duration),
          `${target}${path}`,
        ],
        { PATH: process.env.PATH ?? '' },
        files,
      ),
    );
    results.push(
      await measure(
        'verify-deployment, load only',
        [process.execPath, bundle],
        runnerEnv({ 'base-url': target, load, 'browser-url': 'off' }),
        files,
      ),
    );
    results.push(
      await measure(
        'verify-deployment, everything',
        [process.execPath, bundle],
        // Page load on two shared cores is no measure of the app: the bench times the check, not the page.
        runnerEnv({
          'base-url': target,
          load,
          'smoke-file': 'smoke.yml',
          'browser-url': '',
          'max-page-load': '60s',
        }),
        files,
      ),
    );
    const [alone] = results as [Measure];
    const cores = cpus().length;
    const pad = (s: string, n: number) => s.padEnd(n);
    console.log('');
    console.log(
      `${pad('run', 32)}${pad('exit', 6)}${pad('wall', 10)}${pad('CPU', 10)}${pad('CPU %', 9)}${pad('wall ×', 9)}${pad('CPU ×', 9)}overhead (wall / CPU)`,
    );
    for (const r of results) {
      const overhead =
        r === alone
          ? '—'
          : `+${(r.wallS - alone.wallS).toFixed(2)} s / +${(r.cpuS - alone.cpuS).toFixed(2)} s`;
      console.log(
        `${pad(r.name, 32)}${pad(String(r.exitCode), 6)}${pad(`${r.wallS.toFixed(2)} s`, 10)}${pad(`${r.cpuS.toFixed(2)} s`, 10)}` +
          `${pad(`${((100 * r.cpuS) / r.wallS / cores).toFixed(1)} %`, 9)}${pad((r.wallS / alone.wallS).toFixed(2), 9)}${pad((r.cpuS / alone.cpuS).toFixed(2), 9)}${overhead}`,
      );
    }
    const failed = results.filter((r) => r.exitCode !== 0);
    if (failed.length) {
      console.log(
        `\nnot every run passed (${failed.map((r) => r.name).join(', ')}): see ${join(files, 'summary.md')}`,
      );
      process.exitCode = 1;
    }
  } finally {
    await stack.stop();
  }
}

await main();
