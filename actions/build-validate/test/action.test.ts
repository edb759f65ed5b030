/**
 * The committed bundle, run as the runner runs it, on copies of the sample app whose builds
 * really run. npm installs from and audits against a local registry stand-in (no network).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatBytes } from '@white-cross/core';
import { runActionBundle, type ActionRun } from '@white-cross/testkit';
import { startRegistryStandIn, type PublishedVersion, type RegistryStandIn } from './registry-stand-in.js';
import { makeSampleApp, npmEnv, type SampleApp } from './sample-app.js';
import { liveGroupMembers } from '../../../packages/core/test/process-groups.js';
import { runnerReads } from '../../../packages/core/test/runner-commands.js';

let registry: RegistryStandIn;
let leftPad: PublishedVersion;
let scratch: string;
const apps: SampleApp[] = [];

beforeAll(async () => {
  registry = await startRegistryStandIn();
  leftPad = registry.publish('left-pad', '1.2.0');
  scratch = mkdtempSync(join(tmpdir(), 'bv-scratch-'));
});

afterAll(async () => {
  await registry.close();
  for (const app of apps) rmSync(app.workspace, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

function app(options: Parameters<typeof makeSampleApp>[0] = {}): SampleApp {
  const made = makeSampleApp(options);
  apps.push(made);
  return made;
}

function run(sample: SampleApp, inputs: Record<string, string>): Promise<ActionRun> {
  return runActionBundle('build-validate', {
    workspace: sample.workspace,
    inputs,
    env: npmEnv(registry.url, scratch),
  });
}

const errors = (r: ActionRun) => r.annotations.filter((a) => a.level === 'error');
const hashedAsset = (root: string, ext: string) => {
  const name = readdirSync(join(root, 'frontend/dist/assets')).find((f) => f.endsWith(`.${ext}`));
  return `frontend/dist/assets/${name}`;
};
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('build-validate bundle', () => {
  it('fails at once on malformed budgets, naming the input, with nothing installed or built', async () => {
    const sample = app();
    const r = await run(sample, {
      'install-command': 'touch installed',
      workspaces: 'frontend',
      budgets: 'frontend/dist/assets/*.js: 250 kilobytes gzip',
    });
    expect(r.exitCode).toBe(1);
    expect(r.stdout.split('\n').filter((line) => line.startsWith('::error'))).toEqual([
      "::error::Input 'budgets' line 1: '250 kilobytes' is not a size (use B, kB, MB, KiB or MiB, then optionally raw, gzip or brotli, then each or total); expected `glob: size [raw|gzip|brotli] [each|total]`, such as `frontend/dist/assets/*.js: 250 kB gzip`.",
    ]);
    expect(existsSync(join(sample.root, 'installed'))).toBe(false);
    expect(existsSync(join(sample.root, 'frontend/dist'))).toBe(false);
    expect(r.audit).toHaveLength(1);
    expect(r.audit[0]).toMatchObject({ action: 'build-validate', outcome: 'invalid-input' });
    // The action's own time from start to verdict (node's start-up is the machine's).
    expect(r.audit[0]?.durationMs as number).toBeLessThan(1000);
  });

  it('passes a clean app: installs with npm ci, builds each workspace, writes the manifest', async () => {
    registry.advisories = {};
    const sample = app({ dependencies: [leftPad] });
    const r = await run(sample, {
      workspaces: 'frontend, backend',
      artifacts: 'frontend/dist/index.html\nfrontend/dist/assets/*.js\nbackend/dist/server.js',
      budgets: 'frontend/dist/assets/*.js: 250 kB gzip\nfrontend/dist/**: 2 MB total',
    });
    expect(errors(r)).toEqual([]);
    expect(r.exitCode).toBe(0);
    // npm ci really installed from the registry stand-in, and npm audit asked it about the lockfile.
    expect(existsSync(join(sample.root, 'node_modules/left-pad/package.json'))).toBe(true);
    expect(registry.requests).toContain('GET /left-pad/-/left-pad-1.2.0.tgz');
    expect(registry.audited.at(-1)).toEqual({ 'left-pad': ['1.2.0'] });

    const js = hashedAsset(sample.root, 'js');
    const css = hashedAsset(sample.root, 'css');
    const manifest = JSON.parse(r.outputs.manifest ?? '') as {
      schema: string;
      commit: string;
      totalSize: number;
      artifacts: { path: string; size: number; gzipSize: number; brotliSize: number; sha256: string }[];
    };
    expect(manifest.schema).toBe('white-cross-deploy/build-manifest@1');
    expect(manifest.commit).toBe('0123456789abcdef0123456789abcdef01234567');
    expect(manifest.artifacts.map((a) => a.path)).toEqual([
      'backend/dist/server.js',
      css,
      js,
      'frontend/dist/index.html',
    ]);
    for (const artifact of manifest.artifacts) {
      const file = join(sample.root, artifact.path);
      expect(artifact.sha256).toBe(sha256(file));
      expect(artifact.size).toBe(readFileSync(file).length);
      expect(artifact.gzipSize).toBeGreaterThan(0);
    }
    expect(r.outputs['total-size']).toBe(String(manifest.artifacts.reduce((sum, a) => sum + a.size, 0)));
    expect(r.outputs['over-budget']).toBe('false');
    const evidence = join(r.evidenceDir, 'build-validate-manifest.json');
    expect(r.outputs['manifest-file']).toBe(evidence);
    expect(JSON.parse(readFileSync(evidence, 'utf8'))).toEqual(manifest);

    expect(r.summary).toContain('## Build validation passed');
    expect(r.summary).toContain('| Install dependencies | `npm ci` | . | ✅ ok |');
    expect(r.summary).toContain('| Build backend | `npm run build` | backend | ✅ ok |');
    expect(r.summary).toMatch(
      new RegExp(
        `\\| ${js.replace(/\./g, '\\.')} \\| [\\d.]+ (B|kB) gzip \\| 250 kB gzip \\| — \\| ✅ ok \\|`,
      ),
    );
    expect(r.summary).toContain('| frontend/dist/** (total) |');
    expect(r.summary).toContain('npm audit of package-lock.json; the build fails at high or above.');
    expect(r.audit[0]).toMatchObject({
      outcome: 'success',
      inputs: { workspaces: 'frontend, backend' },
      facts: { verdict: 'pass', fileCount: 4, totalSize: manifest.totalSize, overBudget: [], findings: [] },
    });
  });

  it('fails over budget naming the file and the excess, with the change since the baseline', async () => {
    const sample = app({ folder: 'app' });
    const baseline = {
      artifacts: [
        { path: 'frontend/dist/assets/app.0000aaaa11.js', size: 700, gzipSize: 400, brotliSize: 300 },
      ],
    };
    const r = await run(sample, {
      'working-directory': 'app',
      'install-command': 'none',
      workspaces: 'frontend',
      budgets:
        'frontend/dist/assets/*.js: 500 B\nfrontend/dist/assets/*.css: 10 kB\nfrontend/dist/*.wasm: 1 MB',
      baseline: JSON.stringify(baseline),
      'audit-level': 'off',
    });
    const js = hashedAsset(sample.root, 'js');
    const size = readFileSync(join(sample.root, js)).length;
    expect(size).toBeGreaterThan(500);
    expect(r.exitCode).toBe(1);
    // The sample frontend's bundle size is whatever the build makes: shown as the action shows it.
    const excess = formatBytes(size - 500);
    const shownSize = formatBytes(size);
    expect(errors(r)).toEqual([
      {
        level: 'error',
        message: `${js} is ${shownSize}, ${excess} over its 500 B budget`,
        properties: { title: 'over budget', file: `app/${js}` },
      },
      {
        level: 'error',
        message: `Build validation failed: 1 over budget (${js} is ${shownSize}, ${excess} over its 500 B budget). The output was not approved for deployment; see the job summary.`,
        properties: {},
      },
    ]);
    expect(r.outputs['over-budget']).toBe('true');
    expect(r.annotations.filter((a) => a.level === 'warning')).toEqual([
      {
        level: 'warning',
        message: "Budget 'frontend/dist/*.wasm' (line 3) matched no output file; check the glob.",
        properties: { title: 'budget matched nothing' },
      },
    ]);
    expect(r.summary).toContain(
      `| ${js} | ${shownSize} | 500 B | +${formatBytes(size - 700)} | ❌ over by ${excess} |`,
    );
    expect(r.summary).toContain('Baseline: the manifest given inline.');
    expect(r.audit[0]).toMatchObject({
      outcome: 'failure',
      facts: { verdict: 'fail', overBudget: [{ subject: js, size, limit: 500, compression: 'raw' }] },
    });
  });

  it('annotates forbidden content on its file and line, never repeating a key', async () => {
    const sample = app();
    const key = ['AKIA', 'Z7Q4WJ2MXK5RT3VB'].join(''); // made up; assembled so no scanner flags this file
    const appJs = join(sample.root, 'frontend/src/app.js');
    writeFileSync(
      appJs,
      `${readFileSync(appJs, 'utf8')}\nconst uploads = { accessKeyId: '${key}' };\nvoid uploads;\n`,
    );
    const line =
      readFileSync(appJs, 'utf8')
        .split('\n')
        .findIndex((l) => l.includes(key)) + 1;
    const r = await run(sample, {
      'install-command': 'none',
      workspaces: 'frontend',
      'build-command':
        "npm run build && printf 'DB_PASSWORD=x\\n' > dist/.env && printf '{}' > dist/assets/app.js.map",
      'audit-level': 'off',
    });
    expect(r.exitCode).toBe(1);
    const js = hashedAsset(sample.root, 'js');
    expect(errors(r).map((a) => [a.properties.title, a.properties.file, a.properties.line])).toEqual([
      ['forbidden: env-files', 'frontend/dist/.env', undefined],
      ['forbidden: aws-keys', js, String(line)],
      ['forbidden: source-maps', 'frontend/dist/assets/app.js.map', undefined],
      [undefined, undefined, undefined],
    ]);
    expect(errors(r).at(-1)?.message).toMatch(
      /^Build validation failed: 3 forbidden findings \(Environment file frontend\/dist\/\.env is in the deployable output/,
    );
    expect(r.stdout).not.toContain(key);
    expect(r.summary).not.toContain(key);
    expect(r.summary).toContain(
      `| aws-keys | ${js} | ${line} | An AWS access key id is in ${js} line ${line}.`,
    );
  });

  it("on SIGTERM stops the build's whole process group and records the run as cancelled", async () => {
    const sample = app();
    const marks = mkdtempSync(join(scratch, 'sigterm-'));
    let signalled = false;
    const r = await runActionBundle('build-validate', {
      workspace: sample.workspace,
      env: npmEnv(registry.url, scratch),
      inputs: {
        'install-command': 'none',
        // The build's shell and two children, one of which ignores SIGTERM (only SIGKILL ends it).
        'build-command': `echo $PPID > ${marks}/action.pid; echo $$ > ${marks}/build.pgid; (trap '' TERM; exec sleep 300) & sleep 300 & echo build running; wait`,
        'audit-level': 'off',
      },
      timeoutMs: 45_000,
      onLine: (line) => {
        if (signalled || line !== 'build running') return;
        signalled = true;
        process.kill(Number(readFileSync(join(marks, 'action.pid'), 'utf8')), 'SIGTERM');
      },
    });
    expect(signalled).toBe(true);
    expect(r.exitCode).not.toBe(0);
    const pgid = Number(readFileSync(join(marks, 'build.pgid'), 'utf8'));
    expect(liveGroupMembers(pgid)).toEqual([]);
    expect(r.audit).toHaveLength(1);
    expect(r.audit[0]).toMatchObject({
      action: 'build-validate',
      outcome: 'cancelled',
      cancellation: { signal: 'SIGTERM' },
      facts: { steps: [{ name: 'Build', cancelled: true }] },
    });
    expect(r.summary).toContain('build-validate was cancelled');
    expect(r.stdout).toMatch(/::error::build-validate was cancelled \(SIGTERM\) after .+/);
  });

  it('matches a catastrophic forbid pattern over a long file without hanging', async () => {
    const sample = app();
    const r = await runActionBundle('build-validate', {
      workspace: sample.workspace,
      env: npmEnv(registry.url, scratch),
      inputs: {
        'install-command': 'none',
        workspaces: 'frontend',
        'build-command': `npm run build && node -e "require('fs').writeFileSync('dist/assets/big.txt', 'a'.repeat(200000) + '#END')"`,
        forbid: '/(a+)+$/\n/(a+)+#END/',
        'audit-level': 'off',
      },
      // A backtracking engine would take about 2^200000 steps: this bounds the failure.
      timeoutMs: 45_000,
    });
    expect(r.exitCode).toBe(1);
    expect(errors(r).map((a) => [a.properties.title, a.properties.file, a.message])).toEqual([
      [
        'forbidden: content-pattern',
        'frontend/dist/assets/big.txt',
        'Text matching the forbidden pattern (a+)+#END is in frontend/dist/assets/big.txt line 1.',
      ],
      [undefined, undefined, expect.stringMatching(/^Build validation failed: 1 forbidden finding/)],
    ]);
  });

  it('prints hostile build output without letting any of it run as a workflow command', async () => {
    const sample = app();
    const r = await run(sample, {
      'install-command': 'none',
      workspaces: 'frontend',
      'build-command': `printf 'step 1\\n::add-mask::hidden-by-build\\n  ::error file=x.js::forged\\r::warning::forged too\\nsee ##[set-output name=a]b %%0A::notice::x\\n::stop-commands::t\\n::add-mask::after\\n' && npm run build`,
      'audit-level': 'off',
    });
    expect(r.exitCode).toBe(0);
    const { commands, shown } = runnerReads(r.stdout);
    // The runner runs only the action's own commands (the step's group title quotes the
    // command, escaped): no mask the build chose, no forged annotation, no output.
    expect(
      commands.filter(
        (c) =>
          c.name !== 'group' &&
          (c.data.includes('forged') || c.data.includes('hidden-by-build') || c.data === 'after'),
      ),
    ).toEqual([]);
    expect(commands.filter((c) => c.name === 'set-output' || c.name === 'notice')).toEqual([]);
    // And it shows each line of the build as the build printed it.
    for (const line of [
      '::add-mask::hidden-by-build',
      '  ::error file=x.js::forged',
      '::warning::forged too',
      '::add-mask::after',
    ]) {
      expect(shown).toContain(line);
    }
  });

  it('masks build-env secrets everywhere, redacts PHI the build prints, and catches a secret inlined into the output', async () => {
    const sample = app();
    const token = 'tok-9f8e7d6c5b4a-very-secret';
    const r = await run(sample, {
      'install-command': 'none',
      workspaces: 'frontend',
      'build-env': `API_TOKEN=${token}`,
      'build-command': `echo "seeding student 123-45-6789 with $API_TOKEN" && npm run build && echo "window.apiToken = '$API_TOKEN';" > dist/assets/config.js`,
      'audit-level': 'off',
    });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('seeding student [REDACTED-SSN] with ***');
    expect(r.stdout).not.toContain('123-45-6789');
    const evidence = readdirSync(r.evidenceDir).map((f) => readFileSync(join(r.evidenceDir, f), 'utf8'));
    // `::add-mask::` is how the runner learns a secret to mask; it swallows those lines.
    expect(r.stdout).toContain(`::add-mask::${token}`);
    const shown = r.stdout
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n');
    for (const text of [
      shown,
      r.stderr,
      r.summary,
      JSON.stringify(r.outputs),
      JSON.stringify(r.audit),
      ...evidence,
    ]) {
      expect(text).not.toContain(token);
    }
    expect(r.audit[0]).toMatchObject({ inputs: { 'build-env': '***' } });
    expect(errors(r)[0]).toEqual({
      level: 'error',
      message:
        'A secret from build-env is in frontend/dist/assets/config.js line 1. The build inlined it into the output; read it at run time on the server instead, and rotate it.',
      properties: { title: 'forbidden: build-secrets', file: 'frontend/dist/assets/config.js', line: '1' },
    });
  });

  it('fails on a failing build with its last lines, measuring nothing', async () => {
    const sample = app();
    const r = await run(sample, {
      'install-command': 'none',
      workspaces: 'frontend, backend',
      'build-command':
        'echo "compiling $(basename $PWD)"; echo "src/app.js:3 SyntaxError: Unexpected token" >&2; exit 2',
      'audit-level': 'off',
    });
    expect(r.exitCode).toBe(1);
    const [error] = errors(r);
    expect(error?.message).toMatch(
      /^Build frontend failed: `echo .*; exit 2` exited with code 2 after [\d.]+ m?s in frontend; nothing was measured or approved\. Last lines:\ncompiling frontend\nsrc\/app\.js:3 SyntaxError: Unexpected token$/,
    );
    expect(errors(r)).toHaveLength(1);
    expect(r.stdout).not.toContain('compiling backend');
    expect(r.outputs.manifest).toBeUndefined();
    expect(r.summary).toContain('❌ exit 2');
    expect(r.summary).toContain('src/app.js:3 SyntaxError: Unexpected token');
  });

  it('fails when an artifact is missing or empty', async () => {
    const sample = app();
    const r = await run(sample, {
      'install-command': 'none',
      workspaces: 'frontend',
      'build-command': 'npm run build && : > dist/robots.txt',
      artifacts: 'frontend/dist/index.html\nfrontend/dist/robots.txt\nfrontend/dist/favicon.ico',
      baseline: 'previous/build-validate-manifest.json',
      'audit-level': 'off',
    });
    expect(r.exitCode).toBe(1);
    expect(errors(r).at(-1)?.message).toBe(
      "Build validation failed: 1 empty artifact (Artifact 'frontend/dist/robots.txt' matched empty files: frontend/dist/robots.txt); 1 missing artifact (Artifact 'frontend/dist/favicon.ico' matched no file in the build output). The output was not approved for deployment; see the job summary.",
    );
    expect(r.outputs['over-budget']).toBe('false');
    expect(r.annotations.filter((a) => a.level === 'warning').map((a) => a.message)).toEqual([
      'No baseline manifest at previous/build-validate-manifest.json; sizes are shown without deltas.',
    ]);
  });

  it('refuses a working directory without a package.json before running npm', async () => {
    const sample = app();
    mkdirSync(join(sample.workspace, 'docs'), { recursive: true });
    const r = await run(sample, { 'working-directory': 'docs' });
    expect(r.exitCode).toBe(1);
    expect(errors(r)).toEqual([
      {
        level: 'error',
        message:
          "Input 'working-directory' names 'docs', which has no package.json for `npm ci`; point it at the app's root folder.",
        properties: {},
      },
    ]);
  });

  it('refuses a workspace folder that does not exist, before running anything', async () => {
    const sample = app();
    const r = await run(sample, { 'install-command': 'touch installed', workspaces: 'frontend, api' });
    expect(r.exitCode).toBe(1);
    expect(errors(r)).toEqual([
      {
        level: 'error',
        message: "Input 'workspaces' names 'api', which is not a folder in the workspace.",
        properties: {},
      },
    ]);
    expect(existsSync(join(sample.root, 'installed'))).toBe(false);
  });
});
