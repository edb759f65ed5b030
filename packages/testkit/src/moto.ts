/**
 * A real moto server (`python3 -m moto.server`) on a free port, for tests and benchmarks.
 * Clients reach it through the SDK's standard AWS_ENDPOINT_URL setting (see {@link awsEnv}).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from './ports.js';
import { repoRoot } from './run-action.js';

export interface MotoServer {
  url: string;
  port: number;
  /** Environment for a client or an action bundle: endpoint, region, dummy credentials. */
  env: Record<string, string>;
  /** Forgets every resource (POST /moto-api/reset). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** Environment pointing the SDK (and the AWS CLI) at `endpoint` with dummy credentials. */
export function awsEnv(endpoint: string, region = 'us-east-1'): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SESSION_TOKEN: 'testing',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

/**
 * The interpreter that has moto: MOTO_PYTHON when set, else the virtual environment `.ci/run`
 * makes under `.tools/moto` where the system Python is externally managed (Debian 12,
 * Ubuntu 24.04), else `python3`.
 *
 * @example
 * spawn(motoPython(), ['-m', 'moto.server', '-p', '5000']);
 */
export function motoPython(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MOTO_PYTHON) return env.MOTO_PYTHON;
  const venv = join(repoRoot, '.tools', 'moto', 'bin', 'python');
  return existsSync(venv) ? venv : 'python3';
}

export async function startMoto(options: { region?: string } = {}): Promise<MotoServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const python = motoPython();
  // moto logs every request to stderr. A pipe would fill (and stall moto) whenever the test's
  // event loop is busy, so it goes to a file, read only to explain a failed start.
  const logDir = mkdtempSync(join(tmpdir(), 'wcd-moto-'));
  const logFile = join(logDir, 'moto.log');
  const logFd = openSync(logFile, 'a');
  const child: ChildProcess = spawn(python, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', logFd],
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'true' },
  });
  closeSync(logFd);
  const stderrTail = () => {
    try {
      return readFileSync(logFile, 'utf8').slice(-4000);
    } catch {
      return '';
    }
  };
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  try {
    await waitFor(
      `moto on ${url}`,
      async () => {
        if (exited) throw new Error(`moto exited: ${stderrTail()}`);
        const res = await fetch(`${url}/moto-api/`);
        return res.ok;
      },
      30_000,
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url,
    port,
    env: awsEnv(url, options.region),
    reset: async () => {
      const res = await fetch(`${url}/moto-api/reset`, { method: 'POST' });
      if (!res.ok) throw new Error(`moto reset failed: HTTP ${res.status}`);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        const done = () => {
          rmSync(logDir, { recursive: true, force: true });
          resolve();
        };
        if (exited) return done();
        child.once('exit', done);
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}
