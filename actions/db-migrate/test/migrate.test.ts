/**
 * mode: migrate against a real PostgreSQL 15, through the committed bundle: a clean migrate
 * with the default sequelize-cli commands, nothing pending, and a migration that half-applies
 * and fails, under each on-failure policy.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { runActionBundle, startPostgres, type ActionRun, type PostgresServer } from '@white-cross/testkit';
import {
  FAILING_MIGRATION,
  FAST_COMMANDS,
  GOOD_MIGRATION,
  LATER_MIGRATION,
  NON_TRANSACTIONAL_FAILING_MIGRATION,
  PHI_DUPLICATE,
  UNIQUE_VIOLATION_MIGRATION,
  SAMPLE_MIGRATIONS,
  cloneDatabase,
  columns,
  createMigratedTemplate,
  dataFingerprint,
  expectNoSecrets,
  makeWorkspace,
  removeWorkspaces,
  recorded,
  schemaFingerprint,
  type Workspace,
} from './fixtures.js';

let server: PostgresServer;
let databaseCount = 0;

beforeAll(async () => {
  server = await startPostgres({ password: 'Db-Secret-7f3a9' });
  createMigratedTemplate(server, 'migrated_template');
}, 60_000);

afterAll(async () => {
  removeWorkspaces();
  await server?.stop();
});

/** A new database for one test, with its URL. */
function newDatabase(): { name: string; url: string } {
  const name = `migrate_${++databaseCount}`;
  return { name, url: server.createDatabase(name) };
}

function migrate(ws: Workspace, url: string, inputs: Record<string, string> = {}): Promise<ActionRun> {
  return runActionBundle('db-migrate', {
    workspace: ws.dir,
    inputs: {
      'database-url': url,
      ssl: 'disable',
      'working-directory': 'backend',
      'backup-location': 'backups',
      'pg-bin-dir': server.binDir,
      ...inputs,
    },
  });
}

function errors(run: ActionRun): string[] {
  return run.annotations.filter((a) => a.level === 'error').map((a) => a.message);
}

describe('db-migrate mode migrate', () => {
  it('applies every pending migration with the default sequelize-cli commands, after a verified backup', async () => {
    const ws = makeWorkspace();
    const db = newDatabase();
    const run = await migrate(ws, db.url, { 'node-env': 'production' });

    expect(errors(run)).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.outputs['pending-before'] ?? '')).toEqual(SAMPLE_MIGRATIONS);
    expect(JSON.parse(run.outputs.applied ?? '')).toEqual(SAMPLE_MIGRATIONS);
    expect(recorded(server, db.name)).toEqual(SAMPLE_MIGRATIONS);
    expect(columns(server, db.name, 'health_visits')).toContain('follow_up_required');

    const id = run.outputs['backup-id'] ?? '';
    expect(id).toMatch(new RegExp(`^${db.name.replace('_', '-')}-\\d{8}T\\d{6}Z$`));
    expect(run.outputs['backup-location']).toBe(join(ws.backups, `${id}.dump`));
    expect(readdirSync(ws.backups).sort()).toEqual([`${id}.dump`, `${id}.manifest.json`]);
    const manifest = JSON.parse(readFileSync(join(ws.backups, `${id}.manifest.json`), 'utf8'));
    expect(manifest).toMatchObject({ id, kind: 'pg_dump', database: db.name, migrations: [], rowCounts: {} });
    expect(Number(run.outputs.duration)).toBeGreaterThan(0);

    expect(run.summary).toContain('Applied 5 migration(s); nothing is pending.');
    expect(run.summary).toContain('| 20240105090000-create-students.js | pending | applied |');
    expect(run.summary).toContain(`| ${id} | pg_dump | migration |`);
    const audit = run.audit[0] as { outcome: string; facts: Record<string, unknown> };
    expect(audit.outcome).toBe('success');
    expect(audit.facts.applied).toEqual(SAMPLE_MIGRATIONS);
    expect((audit.facts.steps as { name: string }[]).map((s) => s.name)).toEqual([
      'connect',
      'take the migration lock',
      'list pending migrations',
      'pg_dump backup and verify',
      'run migrations',
      'check nothing is pending',
    ]);
    // The tool ran three times (status, migrate, status); its banner is shown once, and an
    // empty database's backup (only the migration table) says "1 table", never "1 tables".
    expect(run.stdout.split('\n').filter((l) => l.startsWith('Sequelize CLI [Node:')).length).toBe(1);
    expect(run.stdout).toMatch(/Backup verified: \d+ bytes, 1 table with 0 rows/);
    expect(run.stdout.includes('\u001b[')).toBe(false);
    expectNoSecrets(run, [server.password, db.url]);
  });

  it('is a no-op when nothing is pending: no backup, no change', async () => {
    const ws = makeWorkspace();
    const name = `migrate_${++databaseCount}`;
    const db = { name, url: cloneDatabase(server, 'migrated_template', name) };
    const before = dataFingerprint(server, db.name);

    const run = await migrate(ws, db.url, FAST_COMMANDS);

    expect(run.exitCode).toBe(0);
    expect(run.outputs['pending-before']).toBe('[]');
    expect(run.outputs.applied).toBe('[]');
    expect(run.outputs['backup-id']).toBeUndefined();
    expect(existsSync(ws.backups)).toBe(false);
    expect(dataFingerprint(server, db.name)).toEqual(before);
    expect(run.summary).toContain(
      'Nothing to do: all 5 migration(s) are applied; no backup was taken and nothing was changed.',
    );
  });

  it('with dry-run lists what it would do and changes nothing', async () => {
    const ws = makeWorkspace();
    ws.addMigration(GOOD_MIGRATION.name, GOOD_MIGRATION.source);
    const name = `migrate_${++databaseCount}`;
    const db = { name, url: cloneDatabase(server, 'migrated_template', name) };
    const before = dataFingerprint(server, db.name);

    const run = await migrate(ws, db.url, { ...FAST_COMMANDS, 'dry-run': 'true' });

    expect(run.exitCode).toBe(0);
    expect(run.outputs['pending-before']).toBe(JSON.stringify([GOOD_MIGRATION.name]));
    expect(run.summary).toContain(
      `Dry run: would back up (pg_dump) and apply 1 migration(s): ${GOOD_MIGRATION.name}. Nothing was changed.`,
    );
    expect(run.outputs['backup-id']).toBeUndefined();
    expect(existsSync(ws.backups)).toBe(false);
    expect(dataFingerprint(server, db.name)).toEqual(before);
  });

  it('gives up on a table lock after lock-timeout rather than stall the app behind a long transaction', async () => {
    const ws = makeWorkspace();
    ws.addMigration(GOOD_MIGRATION.name, GOOD_MIGRATION.source);
    const name = `migrate_${++databaseCount}`;
    const db = { name, url: cloneDatabase(server, 'migrated_template', name) };
    // The live app, mid-transaction on health_visits: the migration's ALTER TABLE must wait for it.
    const app = new pg.Client({ connectionString: db.url });
    await app.connect();
    try {
      await app.query('BEGIN');
      await app.query('LOCK TABLE health_visits IN ROW EXCLUSIVE MODE');

      const run = await migrate(ws, db.url, { ...FAST_COMMANDS, 'lock-timeout': '1s' });

      expect(run.exitCode).toBe(1);
      const id = run.outputs['backup-id'] ?? '';
      expect(errors(run)).toEqual([
        `Migration ${GOOD_MIGRATION.name} failed on 127.0.0.1:${server.port}/${db.name} as postgres: ERROR: canceling statement due to lock timeout (SQLSTATE 55P03). ` +
          `This run applied none; nothing was undone (on-failure: none). ` +
          `${GOOD_MIGRATION.name} ran in one transaction and was rolled back: nothing of it remains. ` +
          `Backup ${id} is kept at ${join(ws.backups, `${id}.dump`)}.`,
      ]);
      expect(columns(server, db.name, 'health_visits')).not.toContain('temperature_c');
    } finally {
      await app.query('ROLLBACK');
      await app.end();
    }
  });

  /** A database at the sample's five migrations with data in it, and the three extra migrations waiting. */
  async function preparedForFailure(
    migrations = [GOOD_MIGRATION, FAILING_MIGRATION, LATER_MIGRATION],
  ): Promise<{ ws: Workspace; db: { name: string; url: string } }> {
    const ws = makeWorkspace();
    const name = `migrate_${++databaseCount}`;
    const db = { name, url: cloneDatabase(server, 'migrated_template', name) };
    for (const m of migrations) ws.addMigration(m.name, m.source);
    return { ws, db };
  }

  it('on a migration left half-applied with on-failure restore, brings back every table, column, index, constraint and row', async () => {
    const failing = NON_TRANSACTIONAL_FAILING_MIGRATION;
    const { ws, db } = await preparedForFailure([GOOD_MIGRATION, failing, LATER_MIGRATION]);
    const before = dataFingerprint(server, db.name);
    const schemaBefore = schemaFingerprint(server, db.name);

    const run = await migrate(ws, db.url, {
      ...FAST_COMMANDS,
      'on-failure': 'restore',
      'allow-data-loss': 'true',
    });

    expect(run.exitCode).toBe(1);
    const id = run.outputs['backup-id'] ?? '';
    expect(errors(run)).toEqual([
      `Migration ${failing.name} failed on 127.0.0.1:${server.port}/${db.name} as postgres: ERROR: column "no_such_column" does not exist (SQLSTATE 42703). ` +
        `on-failure: restore brought back backup ${id}; every table's row count matches the backup (4 tables). ` +
        `The schema matches the backup's: tables, columns, indexes and constraints (4 tables). ` +
        `Backup ${id} is kept at ${join(ws.backups, `${id}.dump`)}.`,
    ]);
    const annotation = run.annotations.find((a) => a.level === 'error');
    expect(annotation?.properties).toMatchObject({
      file: `backend/db/migrations/${failing.name}`,
      line: '3',
    });
    // Table by table: the same tables, columns, indexes, constraints and rows as before the run.
    expect(schemaFingerprint(server, db.name)).toEqual(schemaBefore);
    expect(dataFingerprint(server, db.name)).toEqual(before);
    expect(columns(server, db.name, 'students')).not.toContain('nickname');
    expect(columns(server, db.name, 'health_visits')).not.toContain('temperature_c');
    expect(recorded(server, db.name)).toEqual(SAMPLE_MIGRATIONS);
    expect(run.outputs.applied).toBe('[]');
    expect(JSON.parse(run.outputs['pending-before'] ?? '')).toEqual([
      GOOD_MIGRATION.name,
      failing.name,
      LATER_MIGRATION.name,
    ]);
    expect(run.summary).toContain('Dropped first (not in the backup): table public.immunizations.');
    expect(run.summary).toContain(`| ${GOOD_MIGRATION.name} | pending | rolled back by restore |`);
    expect(run.summary).toContain(`| ${failing.name} | pending | failed |`);
    expect(run.stdout).toContain(
      `Run without a transaction, as PostgreSQL cannot run them inside one: ${failing.name} (CREATE/DROP INDEX CONCURRENTLY).`,
    );
    expectNoSecrets(run, [server.password, db.url]);
  });

  it('runs each migration in a transaction: a failure half-way leaves nothing of it, and says so', async () => {
    const { ws, db } = await preparedForFailure([FAILING_MIGRATION]);
    const before = dataFingerprint(server, db.name);
    const schemaBefore = schemaFingerprint(server, db.name);

    const run = await migrate(ws, db.url, FAST_COMMANDS);

    expect(run.exitCode).toBe(1);
    const id = run.outputs['backup-id'] ?? '';
    expect(errors(run)).toEqual([
      `Migration ${FAILING_MIGRATION.name} failed on 127.0.0.1:${server.port}/${db.name} as postgres: ERROR: column "no_such_column" does not exist (SQLSTATE 42703). ` +
        `This run applied none; nothing was undone (on-failure: none). ` +
        `${FAILING_MIGRATION.name} ran in one transaction and was rolled back: nothing of it remains. ` +
        `Backup ${id} is kept at ${join(ws.backups, `${id}.dump`)}.`,
    ]);
    // Its CREATE TABLE, ADD COLUMN and UPDATE before the error are all gone.
    expect(schemaFingerprint(server, db.name)).toEqual(schemaBefore);
    expect(dataFingerprint(server, db.name)).toEqual(before);
    expect(recorded(server, db.name)).toEqual(SAMPLE_MIGRATIONS);
    // The migration printed DATABASE_URL; the log shows it masked.
    expect(run.stdout).toContain('migrating with ***');
    expectNoSecrets(run, [server.password, db.url]);
  });

  it('says exactly what a migration that cannot run in a transaction left half-applied, and the SQL that removes it', async () => {
    const failing = NON_TRANSACTIONAL_FAILING_MIGRATION;
    const { ws, db } = await preparedForFailure([failing]);
    const schemaBefore = schemaFingerprint(server, db.name);

    const run = await migrate(ws, db.url, FAST_COMMANDS);

    expect(run.exitCode).toBe(1);
    const id = run.outputs['backup-id'] ?? '';
    const sql = [
      'DROP INDEX "public"."students_last_name_idx";',
      'ALTER TABLE "public"."students" DROP COLUMN "nickname";',
      'DROP TABLE "public"."immunizations";',
    ];
    expect(errors(run)).toEqual([
      `Migration ${failing.name} failed on 127.0.0.1:${server.port}/${db.name} as postgres: ERROR: column "no_such_column" does not exist (SQLSTATE 42703). ` +
        `This run applied none; nothing was undone (on-failure: none). ` +
        `${failing.name} ran without a transaction (PostgreSQL cannot run CREATE/DROP INDEX CONCURRENTLY inside one) and is left half-applied: ` +
        `since the backup the schema has + table public.immunizations, + column public.students.nickname (character varying(40)), + index public.students_last_name_idx. ` +
        `To remove what it added, run: ${sql.join(' ')} To go back to the backup: mode: restore with restore-from: ${id}. ` +
        `Backup ${id} is kept at ${join(ws.backups, `${id}.dump`)}.`,
    ]);
    expect(schemaFingerprint(server, db.name)).not.toEqual(schemaBefore);
    // The SQL it gives is exactly what puts the schema back.
    server.psql(sql.join('\n'), db.name);
    expect(schemaFingerprint(server, db.name)).toEqual(schemaBefore);
    expect(run.summary).toContain('Schema differences from the backup');
    expect(run.summary).toContain('+ column public.students.nickname (character varying(40))');
    const report = JSON.parse(readFileSync(join(run.evidenceDir, 'db-migrate-report.json'), 'utf8'));
    expect(report.halfApplied).toEqual({
      migration: failing.name,
      inTransaction: false,
      changes: [
        '+ table public.immunizations',
        '+ column public.students.nickname (character varying(40))',
        '+ index public.students_last_name_idx',
      ],
      sql,
    });
  });

  it('on a failing migration with on-failure none, stops and says exactly what was and was not applied', async () => {
    const { ws, db } = await preparedForFailure();

    const run = await migrate(ws, db.url, FAST_COMMANDS);

    expect(run.exitCode).toBe(1);
    const id = run.outputs['backup-id'] ?? '';
    expect(errors(run)).toEqual([
      `Migration ${FAILING_MIGRATION.name} failed on 127.0.0.1:${server.port}/${db.name} as postgres: ERROR: column "no_such_column" does not exist (SQLSTATE 42703). ` +
        `This run applied ${GOOD_MIGRATION.name}; not run: ${LATER_MIGRATION.name}; nothing was undone (on-failure: none). ` +
        `${FAILING_MIGRATION.name} ran in one transaction and was rolled back: nothing of it remains. ` +
        `Backup ${id} is kept at ${join(ws.backups, `${id}.dump`)}.`,
    ]);
    expect(JSON.parse(run.outputs.applied ?? '')).toEqual([GOOD_MIGRATION.name]);
    expect(recorded(server, db.name)).toEqual([...SAMPLE_MIGRATIONS, GOOD_MIGRATION.name]);
    // The migration that succeeded stays; nothing of the failed one does.
    expect(columns(server, db.name, 'health_visits')).toContain('temperature_c');
    expect(columns(server, db.name, 'students')).not.toContain('nickname');
    expect(existsSync(join(ws.backups, `${id}.dump`))).toBe(true);
    expect(run.summary).toContain(`| ${LATER_MIGRATION.name} | pending | not run |`);
  });

  it('on a failing migration with on-failure undo, runs the down migrations of what this run applied', async () => {
    const { ws, db } = await preparedForFailure();

    const run = await migrate(ws, db.url, { ...FAST_COMMANDS, 'on-failure': 'undo' });

    expect(run.exitCode).toBe(1);
    const id = run.outputs['backup-id'] ?? '';
    expect(errors(run)).toEqual([
      `Migration ${FAILING_MIGRATION.name} failed on 127.0.0.1:${server.port}/${db.name} as postgres: ERROR: column "no_such_column" does not exist (SQLSTATE 42703). ` +
        `on-failure: undo reverted what this run applied (${GOOD_MIGRATION.name}). ` +
        `${FAILING_MIGRATION.name} ran in one transaction and was rolled back: nothing of it remains. ` +
        `Backup ${id} is kept at ${join(ws.backups, `${id}.dump`)}.`,
    ]);
    expect(recorded(server, db.name)).toEqual(SAMPLE_MIGRATIONS);
    expect(columns(server, db.name, 'health_visits')).not.toContain('temperature_c');
    expect(run.outputs.undone).toBe(JSON.stringify([GOOD_MIGRATION.name]));
    expect(run.outputs.applied).toBe('[]');
  });

  it('never prints the row values of a server error (a unique violation on patient data), keeping the constraint and table', async () => {
    const { ws, db } = await preparedForFailure([UNIQUE_VIOLATION_MIGRATION]);

    const run = await migrate(ws, db.url, FAST_COMMANDS);

    expect(run.exitCode).toBe(1);
    const id = run.outputs['backup-id'] ?? '';
    expect(errors(run)).toEqual([
      `Migration ${UNIQUE_VIOLATION_MIGRATION.name} failed on 127.0.0.1:${server.port}/${db.name} as postgres: ` +
        `ERROR: Validation error (SQLSTATE 23505, constraint "patient_index_mrn_dob_key", table "patient_index"). ` +
        `This run applied none; nothing was undone (on-failure: none). ` +
        `${UNIQUE_VIOLATION_MIGRATION.name} ran in one transaction and was rolled back: nothing of it remains. ` +
        `Backup ${id} is kept at ${join(ws.backups, `${id}.dump`)}.`,
    ]);
    // sequelize-cli prints the DETAIL; the log shows its columns, not the patient's key.
    // db-migrate withholds the values ("(…)"); core's redactor, which also knows PostgreSQL's
    // key-row form, may mark the withheld part as PHI on top: either way no value is shown.
    expect(run.stdout).toMatch(
      /ERROR DETAIL: Key \(mrn, dob\)=\((?:…|\[REDACTED-[A-Z]+\])\) already exists\./,
    );
    expectNoSecrets(run, [PHI_DUPLICATE.mrn, PHI_DUPLICATE.dob, PHI_DUPLICATE.name, server.password, db.url]);
  });
});
