/**
 * Starts Debian's redis-server on a free loopback port (no persistence), for the sample app's
 * /api/v1/health/redis check, and waits until it answers PING.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from './ports.js';

/**
 * @example
 * const redis = await startRedis(); // { url: 'redis://127.0.0.1:40123', process, stop }
 * await redis.stop();
 */
export async function startRedis(): Promise<{ url: string; process: ChildProcess; stop(): Promise<void> }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'wcd-redis-'));
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    {
      stdio: 'ignore',
    },
  );
  const url = `redis://127.0.0.1:${port}`;
  await waitFor(
    'redis-server',
    () =>
      new Promise<boolean>((resolve) => {
        const probe = spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' });
        if (probe.error)
          throw new Error(`redis-cli: ${probe.error.message} (install Debian's redis-server; .ci/run does)`);
        resolve(probe.stdout.trim() === 'PONG');
      }),
    15_000,
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url,
    process: child,
    /** Stops the server (SIGTERM) and waits for it to exit; its folder goes. */
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
