/**
 * Starts Debian's redis-server on a free loopback port (no persistence), for the sample app's
 * /api/v1/health/redis check, and waits until it answers PING.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from './ports.js';

/**
 * @example
 * const redis = await startRedis(); // { url: 'redis://127.0.0.1:40123', process }
 * redis.process.kill();
 */
export async function startRedis(): Promise<{ url: string; process: ChildProcess }> {
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
        resolve(probe.stdout.trim() === 'PONG');
      }),
    15_000,
  );
  return { url, process: child };
}
