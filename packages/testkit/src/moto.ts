/**
 * A real moto server (`python3 -m moto.server`) on a free port, for tests and benchmarks.
 * Clients reach it through the SDK's standard AWS_ENDPOINT_URL setting (see {@link awsEnv}).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort, waitFor } from './ports.js';

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

export async function startMoto(options: { region?: string } = {}): Promise<MotoServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // MOTO_PYTHON names the interpreter that has moto (e.g. Debian's /usr/bin/python3 with python3-moto).
  const python = process.env.MOTO_PYTHON || 'python3';
  const child: ChildProcess = spawn(python, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'true' },
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  try {
    await waitFor(
      `moto on ${url}`,
      async () => {
        if (exited) throw new Error(`moto exited: ${stderr}`);
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
        if (exited) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}
