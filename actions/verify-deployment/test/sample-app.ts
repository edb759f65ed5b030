/**
 * The sample app for the bundle tests, for real: PostgreSQL 15 with the app's migrations, a
 * real Redis (Debian's redis-server), the built frontend, and backend processes configured as
 * good or faulty releases.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freePort,
  repoRoot,
  startPostgres,
  startRedis,
  waitFor,
  type PostgresServer,
} from '@white-cross/testkit';

export { startRedis };

const backend = join(repoRoot, 'examples', 'sample-app', 'backend');
const frontend = join(repoRoot, 'examples', 'sample-app', 'frontend');
export const FRONTEND_DIST = join(frontend, 'dist');
export const SMOKE_FILE = join(repoRoot, 'examples', 'sample-app', 'smoke.yml');

export interface SampleStack {
  postgres: PostgresServer;
  redisUrl: string;
  /** Starts a backend with the stack's database and Redis unless `env` overrides them. */
  backend(env?: Record<string, string>): Promise<string>;
  stop(): Promise<void>;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): void {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8' });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr || result.stdout}`);
}

export async function startSampleStack(): Promise<SampleStack> {
  run(process.execPath, ['build.mjs'], frontend);
  const postgres = await startPostgres({ database: 'school_health' });
  run(
    process.execPath,
    [join(repoRoot, 'node_modules', 'sequelize-cli', 'lib', 'sequelize'), 'db:migrate'],
    backend,
    {
      ...process.env,
      DATABASE_URL: postgres.url,
      PGSSLMODE: 'disable',
      NODE_ENV: 'test',
    },
  );
  postgres.psql(
    "INSERT INTO students (student_number, first_name, last_name, date_of_birth, grade, school_code) VALUES ('S-1', 'Zebediah', 'Quillfeather', '2015-01-01', 5, 'LIN')",
    'school_health',
  );
  const redis = await startRedis();
  const children: ChildProcess[] = [redis.process];
  return {
    postgres,
    redisUrl: redis.url,
    async backend(env = {}) {
      const port = await freePort();
      const child = spawn(process.execPath, [join(backend, 'src', 'server.cjs')], {
        env: {
          PATH: process.env.PATH ?? '',
          PORT: String(port),
          HOST: '127.0.0.1',
          DATABASE_URL: postgres.url,
          REDIS_URL: redis.url,
          FRONTEND_DIR: FRONTEND_DIST,
          AUDIT_LOG_FILE: join(mkdtempSync(join(tmpdir(), 'wcd-audit-')), 'audit.jsonl'),
          ...env,
        },
        stdio: 'ignore',
      });
      children.push(child);
      const url = `http://127.0.0.1:${port}`;
      await waitFor('the sample backend', async () => (await fetch(`${url}/health`)).ok, 15_000);
      return url;
    },
    async stop() {
      for (const child of children) child.kill('SIGTERM');
      await postgres.stop();
    },
  };
}
