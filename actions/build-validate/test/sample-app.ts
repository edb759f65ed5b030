/**
 * Copies of the sample app in temporary folders, for bundle runs: the real frontend (its
 * `npm run build` really runs) and a tiny backend whose build writes `dist/server.js`, as npm
 * workspaces with a lockfile, so that `npm ci` and `npm audit` work against the local
 * registry stand-in.
 */
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@white-cross/testkit';
import type { PublishedVersion } from './registry-stand-in.js';

export interface SampleApp {
  /** GITHUB_WORKSPACE. */
  workspace: string;
  /** The app's folder (the working directory) inside the workspace. */
  root: string;
}

const FRONTEND = join(repoRoot, 'examples', 'sample-app', 'frontend');

const BACKEND_BUILD = `// Copies the server into dist/, as a real backend build would compile it.
const { mkdirSync, writeFileSync } = require('node:fs');
mkdirSync('dist', { recursive: true });
writeFileSync('dist/server.js', "require('node:http').createServer((q, s) => s.end('ok')).listen(process.env.PORT || 3000);\\n");
console.log('built backend: dist/server.js');
`;

/**
 * Makes `<workspace>/<folder>` with workspaces `frontend` and `backend` and a lockfile listing
 * `dependencies` (published on the registry stand-in; none by default).
 */
export function makeSampleApp(
  options: { folder?: string; dependencies?: PublishedVersion[] } = {},
): SampleApp {
  const workspace = mkdtempSync(join(tmpdir(), 'bv-app-'));
  const root = join(workspace, options.folder ?? '.');
  const frontend = join(root, 'frontend');
  mkdirSync(frontend, { recursive: true });
  for (const entry of ['package.json', 'build.mjs', 'src'])
    cpSync(join(FRONTEND, entry), join(frontend, entry), { recursive: true });

  const backend = join(root, 'backend');
  mkdirSync(backend, { recursive: true });
  const backendPackage = {
    name: 'fixture-backend',
    version: '1.0.0',
    private: true,
    scripts: { build: 'node build.cjs' },
  };
  writeFileSync(join(backend, 'package.json'), JSON.stringify(backendPackage, null, 2));
  writeFileSync(join(backend, 'build.cjs'), BACKEND_BUILD);

  const deps = options.dependencies ?? [];
  const dependencies = Object.fromEntries(deps.map((d) => [d.name, d.version]));
  const rootPackage = {
    name: 'fixture-school-health',
    version: '1.0.0',
    private: true,
    workspaces: ['frontend', 'backend'],
    dependencies,
  };
  writeFileSync(join(root, 'package.json'), JSON.stringify(rootPackage, null, 2));
  const lock = {
    name: rootPackage.name,
    version: rootPackage.version,
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': {
        name: rootPackage.name,
        version: rootPackage.version,
        workspaces: rootPackage.workspaces,
        dependencies,
      },
      backend: { name: 'fixture-backend', version: '1.0.0' },
      frontend: { name: 'school-health-frontend', version: '1.0.0' },
      'node_modules/fixture-backend': { resolved: 'backend', link: true },
      'node_modules/school-health-frontend': { resolved: 'frontend', link: true },
      ...Object.fromEntries(
        deps.map((d) => [
          `node_modules/${d.name}`,
          { version: d.version, resolved: d.resolved, integrity: d.integrity },
        ]),
      ),
    },
  };
  writeFileSync(join(root, 'package-lock.json'), JSON.stringify(lock, null, 2));
  return { workspace, root };
}

/** Environment for npm inside bundle runs: the stand-in registry, no user config, a private cache. */
export function npmEnv(registryUrl: string, scratch: string): Record<string, string> {
  const userconfig = join(scratch, 'npmrc');
  writeFileSync(userconfig, '');
  return {
    npm_config_registry: registryUrl,
    npm_config_userconfig: userconfig,
    npm_config_cache: join(scratch, 'npm-cache'),
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
}
