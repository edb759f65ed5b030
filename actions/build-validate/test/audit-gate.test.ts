/**
 * The `audit-level` gate, run through the bundle. `npm audit` posts the lockfile's packages to
 * `/-/npm/v1/security/advisories/bulk` on the configured registry; a local stand-in answers
 * "vulnerable" or "clean" as each test needs, so both are tested without the network.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runActionBundle, type ActionRun } from '@white-cross/testkit';
import { startRegistryStandIn, type RegistryStandIn } from './registry-stand-in.js';
import { makeSampleApp, npmEnv, type SampleApp } from './sample-app.js';

let registry: RegistryStandIn;
let sample: SampleApp;
let scratch: string;

beforeAll(async () => {
  registry = await startRegistryStandIn();
  // Only the lockfile is audited: nothing needs installing, so install-command is none.
  sample = makeSampleApp({ dependencies: [registry.publish('left-pad', '1.2.0')] });
  registry.publish('left-pad', '1.3.1');
  scratch = mkdtempSync(join(tmpdir(), 'bv-scratch-'));
});

afterAll(async () => {
  await registry.close();
  rmSync(sample.workspace, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

function run(level: string, env: Record<string, string> = {}, app = sample): Promise<ActionRun> {
  return runActionBundle('build-validate', {
    workspace: app.workspace,
    inputs: { 'install-command': 'none', workspaces: 'frontend', 'audit-level': level },
    env: { ...npmEnv(registry.url, scratch), ...env },
  });
}

const errors = (r: ActionRun) => r.annotations.filter((a) => a.level === 'error');

describe('audit-level', () => {
  beforeAll(() => {
    registry.advisories = {
      'left-pad': [
        {
          id: 1001,
          title: 'Prototype pollution in left-pad',
          severity: 'high',
          vulnerable_versions: '<1.3.1',
          url: 'https://advisories.example/1001',
        },
      ],
    };
  });

  it('fails on a dependency at the level, annotated on the lockfile', async () => {
    const r = await run('high');
    expect(r.exitCode).toBe(1);
    expect(registry.audited.at(-1)).toEqual({ 'left-pad': ['1.2.0'] });
    expect(errors(r)).toEqual([
      {
        level: 'error',
        message:
          'left-pad has a high vulnerability (Prototype pollution in left-pad); fix available: left-pad@1.3.1',
        properties: { title: 'vulnerable dependency (high)', file: 'package-lock.json' },
      },
      {
        level: 'error',
        message:
          'Build validation failed: 1 vulnerable dependency (left-pad has a high vulnerability (Prototype pollution in left-pad); fix available: left-pad@1.3.1). The output was not approved for deployment; see the job summary.',
        properties: {},
      },
    ]);
    expect(r.summary).toContain(
      '| left-pad | high | yes | Prototype pollution in left-pad | left-pad@1.3.1 | ❌ fails |',
    );
    expect(r.audit[0]).toMatchObject({
      outcome: 'failure',
      facts: { vulnerabilities: { high: 1, critical: 0 } },
    });
    // The build was still measured: one run shows every problem.
    expect(r.outputs['over-budget']).toBe('false');
  });

  it('passes when the vulnerability is below the level, and lists it', async () => {
    const r = await run('critical');
    expect(errors(r)).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(r.summary).toContain('the build fails at critical or above.');
    expect(r.summary).toContain(
      '| left-pad | high | yes | Prototype pollution in left-pad | left-pad@1.3.1 | ⚠️ below level |',
    );
  });

  it('does not ask the registry when off', async () => {
    const before = registry.audited.length;
    const r = await run('off');
    expect(r.exitCode).toBe(0);
    expect(registry.audited).toHaveLength(before);
    expect(r.summary).toContain('npm audit was skipped (audit-level: off).');
  });

  it('fails closed when the registry cannot be reached', async () => {
    const r = await run('high', { npm_config_registry: 'http://127.0.0.1:9/' });
    expect(r.exitCode).toBe(1);
    expect(errors(r).at(-1)?.message).toMatch(
      /^Build validation failed: 1 dependency audit failure \(Dependency audit could not run: npm audit failed: request to http:\/\/127\.0\.0\.1:9\/-\/npm\/v1\/security\/advisories\/bulk failed/,
    );
  });

  it('fails closed without a lockfile', async () => {
    const app = makeSampleApp();
    rmSync(join(app.root, 'package-lock.json'));
    try {
      const r = await run('high', {}, app);
      expect(r.exitCode).toBe(1);
      expect(errors(r).at(-1)?.message).toContain(
        'Dependency audit could not run: npm audit failed: This command requires an existing lockfile',
      );
    } finally {
      rmSync(app.workspace, { recursive: true, force: true });
    }
  });
});
