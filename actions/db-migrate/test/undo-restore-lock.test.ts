/**
 * modes undo and restore, the migration lock, and each way a connection fails — through the
 * committed bundle against a real PostgreSQL 15.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { appendFileSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  freePort,
  runActionBundle,
  startPostgres,
  type ActionRun,
  type PostgresServer,
} from '@white-cross/testkit';
import { MIGRATION_LOCK_KEY } from '../src/connection.js';
import {
  FAST_COMMANDS,
  GOOD_MIGRATION,
  SAMPLE_MIGRATIONS,
  cloneDatabase,
  columns,
  createMigratedTemplate,
  dataFingerprint,
  expectNoSecrets,
  holdMigrationLock,
  makeWorkspace,
  removeWorkspaces,
  recorded,
  type Workspace,
} from './fixtures.js';

let server: PostgresServer;
let databaseCount = 0;

beforeAll(async () => {
  server = await startPostgres({ password: 'Undo-Secret-22c1' });
  createMigratedTemplate(server, 'migrated_template');
}, 60_000);

afterAll(async () => {
  removeWorkspaces();
  await server?.stop();
});

function newDatabase(): { name: string; url: string } {
  const name = `undo_${++databaseCount}`;
  return { name, url: server.createDatabase(name) };
}

function runIn(ws: Workspace, inputs: Record<string, string>): Promise<ActionRun> {
  return runActionBundle('db-migrate', {
    workspace: ws.dir,
    inputs: {
      ssl: 'disable',
      'working-directory': 'backend',
      'backup-location': 'backups',
      'pg-bin-dir': server.binDir,
      ...FAST_COMMANDS,
      ...inputs,
    },
  });
}

function errors(run: ActionRun): string[] {
  return run.annotations.filter((a) => a.level === 'error').map((a) => a.message);
}

/** A database at the sample's five migrations, with data. */
async function migratedDatabase(): Promise<{ ws: Workspace; db: { name: string; url: string } }> {
  const name = `undo_${++databaseCount}`;
  return { ws: makeWorkspace(), db: { name, url: cloneDatabase(server, 'migrated_template', name) } };
}

describe('db-migrate mode status', () => {
  it('lists applied and pending migrations and changes nothing', async () => {
    const { ws, db } = await migratedDatabase();
    ws.addMigration(GOOD_MIGRATION.name, GOOD_MIGRATION.source);
    const before = dataFingerprint(server, db.name);

    const run = await runIn(ws, { 'database-url': db.url, mode: 'status' });

    expect(run.exitCode).toBe(0);
    expect(run.outputs['pending-before']).toBe(JSON.stringify([GOOD_MIGRATION.name]));
    expect(run.outputs['backup-id']).toBeUndefined();
    expect(run.summary).toContain(`5 migration(s) applied, 1 pending: ${GOOD_MIGRATION.name}.`);
    expect(run.summary).toContain(`| ${GOOD_MIGRATION.name} | pending | pending |`);
    expect(run.summary).toContain(`| ${SAMPLE_MIGRATIONS[0]} | applied | already applied |`);
    expect(dataFingerprint(server, db.name)).toEqual(before);
  });
});

describe('db-migrate mode undo', () => {
  it('backs up, then undoes the last migration; with undo-to, every one after the named one', async () => {
    const { ws, db } = await migratedDatabase();

    const last = await runIn(ws, { 'database-url': db.url, mode: 'undo' });
    expect(errors(last)).toEqual([]);
    expect(last.exitCode).toBe(0);
    expect(last.outputs.undone).toBe(JSON.stringify(['20240402090000-add-visit-follow-up.js']));
    expect(recorded(server, db.name)).toEqual(SAMPLE_MIGRATIONS.slice(0, 4));
    expect(columns(server, db.name, 'health_visits')).not.toContain('follow_up_required');
    expect(last.outputs['backup-id']).toMatch(new RegExp(`^${db.name.replace('_', '-')}-\\d{8}T\\d{6}Z$`));

    const to = await runIn(ws, {
      'database-url': db.url,
      mode: 'undo',
      'undo-to': '20240112090000-create-health-visits.js',
    });
    expect(to.exitCode).toBe(0);
    expect(JSON.parse(to.outputs.undone ?? '')).toEqual([
      '20240315090000-add-student-allergies.js',
      '20240201090000-create-audit-log.js',
    ]);
    expect(recorded(server, db.name)).toEqual(SAMPLE_MIGRATIONS.slice(0, 2));
    expect(to.summary).toContain('| 20240201090000-create-audit-log.js | applied | undone |');
    expect(readdirSync(ws.backups).filter((f) => f.endsWith('.dump'))).toHaveLength(2);
  });

  it('refuses an undo-to that is not applied, before changing anything', async () => {
    const { ws, db } = await migratedDatabase();
    const run = await runIn(ws, {
      'database-url': db.url,
      mode: 'undo',
      'undo-to': '20990101000000-nope.js',
    });
    expect(run.exitCode).toBe(1);
    expect(errors(run)).toEqual([
      `undo-to '20990101000000-nope.js' is not an applied migration on 127.0.0.1:${server.port}/${db.name} as postgres (applied: ${SAMPLE_MIGRATIONS.join(', ')}). Nothing was changed.`,
    ]);
    expect(recorded(server, db.name)).toEqual(SAMPLE_MIGRATIONS);
  });
});

describe('db-migrate mode restore', () => {
  it('restores a named backup after a safety backup, and checks every table against it', async () => {
    const { ws, db } = await migratedDatabase();
    const undo = await runIn(ws, { 'database-url': db.url, mode: 'undo' });
    const named = undo.outputs['backup-id'] ?? '';
    expect(named).not.toBe('');
    // The backup was taken before the undo: the five migrations and the seeded rows.
    server.psql(
      'UPDATE students SET grade = 9; DELETE FROM audit_log WHERE id > 5; CREATE TABLE scratch (x int);',
      db.name,
    );

    const run = await runIn(ws, { 'database-url': db.url, mode: 'restore', 'restore-from': named });

    expect(errors(run)).toEqual([]);
    expect(run.exitCode).toBe(0);
    const safety = run.outputs['backup-id'] ?? '';
    expect(safety).not.toBe(named);
    expect(run.summary).toContain(
      `Restored backup ${named} over 127.0.0.1:${server.port}/${db.name} as postgres: all 4 tables match the backup's row counts (`,
    );
    expect(run.summary).toContain('Dropped first (not in the backup): table public.scratch.');
    expect(recorded(server, db.name)).toEqual(SAMPLE_MIGRATIONS);
    expect(server.psql('SELECT count(*) FROM audit_log', db.name)).toBe('25');
    expect(server.psql('SELECT count(DISTINCT grade) FROM students', db.name)).toBe('8');

    // The safety backup holds the state just before the restore, to go back to if need be.
    const safetyManifest = JSON.parse(readFileSync(join(ws.backups, `${safety}.manifest.json`), 'utf8'));
    expect(safetyManifest.rowCounts).toMatchObject({ 'public.audit_log': 5, 'public.scratch': 0 });
    expect(safetyManifest.migrations).toEqual(SAMPLE_MIGRATIONS.slice(0, 4));

    // A backup whose file no longer matches its manifest is refused before anything changes.
    const dump = join(ws.backups, `${named}.dump`);
    appendFileSync(dump, 'tampered');
    const now = dataFingerprint(server, db.name);
    const tampered = await runIn(ws, { 'database-url': db.url, mode: 'restore', 'restore-from': named });
    expect(tampered.exitCode).toBe(1);
    const [message] = errors(tampered);
    expect(message?.startsWith(`Backup ${named} at ${dump} does not match its manifest (SHA-256 `)).toBe(
      true,
    );
    expect(message).toMatch(/\(SHA-256 [0-9a-f]{12}… instead of [0-9a-f]{12}…\)\. Nothing was changed\.$/);
    expect(dataFingerprint(server, db.name)).toEqual(now);
  }, 180_000);
});

describe('db-migrate migration lock', () => {
  it('blocks a run while another holds the lock, with who holds it, and changes nothing', async () => {
    const ws = makeWorkspace();
    const db = newDatabase();
    const other = await holdMigrationLock(db.url, MIGRATION_LOCK_KEY, 'white-cross db-migrate run 7001/1');
    try {
      const pid = (await other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
      const run = await runIn(ws, { 'database-url': db.url });
      expect(run.exitCode).toBe(1);
      const [message] = errors(run);
      expect(message).toMatch(
        new RegExp(
          `^Another migration run holds the migration lock on 127\\.0\\.0\\.1:${server.port}/${db.name} as postgres: ` +
            `'white-cross db-migrate run 7001/1' \\(pid ${pid} from 127\\.0\\.0\\.1, connected since \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\)\\. ` +
            'Nothing was changed; run again when it has finished\\.$',
        ),
      );
      expect(server.psql(`SELECT to_regclass('"SequelizeMeta"') IS NULL`, db.name)).toBe('t');
      expect(run.outputs['backup-id']).toBeUndefined();
    } finally {
      await other.end();
    }
  });
});

describe('db-migrate connection failures', () => {
  const ws = makeWorkspace();
  const base = () => ({ mode: 'status', 'working-directory': 'backend' });

  it('says the password is wrong', async () => {
    const url = `postgresql://postgres:not-the-password@127.0.0.1:${server.port}/postgres`;
    const run = await runIn(ws, { ...base(), 'database-url': url });
    expect(run.exitCode).toBe(1);
    expect(errors(run)).toEqual([
      `Cannot connect to PostgreSQL at 127.0.0.1:${server.port}/postgres as postgres: password authentication failed for user 'postgres'; check the password (and user) in the connection settings. Nothing was changed.`,
    ]);
    expectNoSecrets(run, ['not-the-password', url]);
  });

  it('says the host name does not resolve', async () => {
    const run = await runIn(ws, {
      ...base(),
      ssl: 'require',
      'database-url': 'postgresql://app:pw-9f2c@db.school-health.invalid:5432/health',
    });
    expect(errors(run)).toEqual([
      "Cannot connect to PostgreSQL at db.school-health.invalid:5432/health as app: the host name 'db.school-health.invalid' does not resolve (DNS ENOTFOUND); check the host in the connection settings. Nothing was changed.",
    ]);
    expectNoSecrets(run, ['pw-9f2c']);
  });

  it('says nothing listens on a closed port', async () => {
    const port = await freePort();
    const run = await runIn(ws, {
      ...base(),
      'database-url': `postgresql://postgres:${server.password}@127.0.0.1:${port}/app`,
    });
    expect(errors(run)).toEqual([
      `Cannot connect to PostgreSQL at 127.0.0.1:${port}/app as postgres: connection refused by 127.0.0.1:${port}; nothing is listening there — check the port and that the database is running. Nothing was changed.`,
    ]);
  });

  it('says the database does not exist', async () => {
    const run = await runIn(ws, {
      ...base(),
      host: '127.0.0.1',
      port: String(server.port),
      user: 'postgres',
      password: server.password,
      database: 'no_such_db',
    });
    expect(errors(run)).toEqual([
      `Cannot connect to PostgreSQL at 127.0.0.1:${server.port}/no_such_db as postgres: the server has no database named 'no_such_db'; check the database name. Nothing was changed.`,
    ]);
    expectNoSecrets(run, [server.password]);
  });

  it('says the server offers no TLS when ssl is require', async () => {
    const run = await runIn(ws, { ...base(), ssl: 'require', 'database-url': server.url });
    expect(errors(run)).toEqual([
      `Cannot connect to PostgreSQL at 127.0.0.1:${server.port}/app as postgres: the server does not offer TLS but ssl is require; enable TLS on the server (ssl: disable is allowed only for a database on this machine). Nothing was changed.`,
    ]);
  });

  it('rejects ssl: disable for a remote host before connecting', async () => {
    const run = await runIn(ws, {
      ...base(),
      'database-url': 'postgresql://app:pw@db.school-health.internal:5432/health',
    });
    expect(run.exitCode).toBe(1);
    expect(errors(run)).toEqual([
      "Input 'ssl' may be disable only for a database on this machine (127.0.0.1, ::1, localhost); 'db.school-health.internal' must use require or verify-full.",
    ]);
    // Refused before connecting: no step ran (a duration would only measure the machine's load).
    expect((run.audit[0] as { facts: { steps?: unknown[] } }).facts.steps ?? []).toEqual([]);
    expect((run.audit[0] as { outcome: string }).outcome).toBe('invalid-input');
  });
});
