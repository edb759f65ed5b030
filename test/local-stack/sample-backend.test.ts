/**
 * The sample backend the demo deploys, as a real process against a real PostgreSQL 15 with
 * the sample app's migrations applied by sequelize-cli.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort, repoRoot, startPostgres, waitFor, type PostgresServer } from '@white-cross/testkit';

const backend = join(repoRoot, 'examples', 'sample-app', 'backend');
const TOKEN = 'nurse-token-for-tests-42';
let postgres: PostgresServer;
const servers: ChildProcess[] = [];

async function startBackend(env: Record<string, string>): Promise<string> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(backend, 'src', 'server.cjs')], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  servers.push(child);
  const url = `http://127.0.0.1:${port}`;
  await waitFor('the sample backend', async () => (await fetch(`${url}/health`)).ok, 15_000);
  return url;
}

beforeAll(async () => {
  postgres = await startPostgres({ database: 'school_health' });
  const migrate = spawnSync(
    process.execPath,
    [join(repoRoot, 'node_modules', 'sequelize-cli', 'lib', 'sequelize'), 'db:migrate'],
    {
      cwd: backend,
      env: { ...process.env, DATABASE_URL: postgres.url, PGSSLMODE: 'disable', NODE_ENV: 'test' },
      encoding: 'utf8',
    },
  );
  if (migrate.status !== 0) throw new Error(`migrations failed: ${migrate.stderr || migrate.stdout}`);
  postgres.psql(
    "INSERT INTO students (student_number, first_name, last_name, date_of_birth, grade, school_code) VALUES ('S-1', 'Test', 'Student', '2015-01-01', 5, 'LIN')",
    'school_health',
  );
}, 90_000);

afterAll(async () => {
  for (const s of servers) s.kill('SIGTERM');
  await postgres?.stop();
});

describe('sample backend', () => {
  it('answers the health endpoints from what it checks, and says honestly that Redis is not configured', async () => {
    const url = await startBackend({ APP_VERSION: 'v9.9.9', DATABASE_URL: postgres.url, API_TOKENS: TOKEN });
    const health = await fetch(`${url}/health`);
    expect(await health.json()).toMatchObject({ status: 'ok', version: 'v9.9.9' });
    expect(health.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    const db = await fetch(`${url}/api/v1/health/database`);
    expect(db.status).toBe(200);
    expect(await db.json()).toMatchObject({ status: 'ok', serverVersion: expect.stringMatching(/^15\./) });
    const redis = await fetch(`${url}/api/v1/health/redis`);
    expect(await redis.json()).toMatchObject({ status: 'not-configured' });
  });

  it('answers 401 without a valid token, and audits every read of student records', async () => {
    const url = await startBackend({ DATABASE_URL: postgres.url, API_TOKENS: TOKEN });
    expect((await fetch(`${url}/api/v1/students`)).status).toBe(401);
    expect(
      (await fetch(`${url}/api/v1/students`, { headers: { authorization: 'Bearer wrong-token-000000' } }))
        .status,
    ).toBe(401);
    const before = Number(postgres.psql('SELECT count(*) FROM audit_log', 'school_health'));
    const res = await fetch(`${url}/api/v1/students`, {
      headers: { authorization: `Bearer ${TOKEN}`, 'x-request-id': 'marker-123' },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { students: unknown[] }).students).toHaveLength(1);
    expect(Number(postgres.psql('SELECT count(*) FROM audit_log', 'school_health'))).toBe(before + 1);
    const entry = postgres.psql(
      "SELECT actor || ' ' || action || ' ' || (details->>'requestId') FROM audit_log ORDER BY id DESC LIMIT 1",
      'school_health',
    );
    expect(entry).toMatch(/^token:[0-9a-f]{12} students\.list marker-123$/);
    expect(entry).not.toContain(TOKEN);
    const status = (await (await fetch(`${url}/api/v1/health/audit-status`)).json()) as {
      status: string;
      lastEntryAt: string;
    };
    expect(status.status).toBe('ok');
    expect(Date.parse(status.lastEntryAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('fails exactly every tenth API request with FAULT_ERROR_RATE=0.1, but never its health check', async () => {
    const url = await startBackend({ DATABASE_URL: postgres.url, FAULT_ERROR_RATE: '0.1' });
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await fetch(`${url}/api/v1/health/redis`)).status);
    expect(statuses.filter((s) => s === 500)).toHaveLength(3);
    for (let i = 0; i < 10; i++) expect((await fetch(`${url}/health`)).status).toBe(200);
  });
});
