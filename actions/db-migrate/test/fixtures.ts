/**
 * The test fixture: a workspace holding a copy of the sample app's backend (its real
 * sequelize config, models and migrations, resolving sequelize-cli and pg from the repo's
 * node_modules), to which a test can add migrations of its own — a failing one never goes
 * into the sample app itself.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { expect } from '@jest/globals';
import { repoRoot, type ActionRun, type PostgresServer } from '@white-cross/testkit';

export const SAMPLE_BACKEND = join(repoRoot, 'examples', 'sample-app', 'backend');
export const SAMPLE_MIGRATIONS = [
  '20240105090000-create-students.js',
  '20240112090000-create-health-visits.js',
  '20240201090000-create-audit-log.js',
  '20240315090000-add-student-allergies.js',
  '20240402090000-add-visit-follow-up.js',
];

/** sequelize-cli straight from node_modules: `npx` costs seconds per call on a loaded machine. */
export const CLI = 'node_modules/.bin/sequelize-cli';
export const FAST_COMMANDS = {
  'migrate-command': `${CLI} db:migrate`,
  'status-command': `${CLI} db:migrate:status`,
  'undo-command': `${CLI} db:migrate:undo`,
};

export interface Workspace {
  dir: string;
  backend: string;
  migrations: string;
  backups: string;
  addMigration(name: string, source: string): void;
}

const workspaces: string[] = [];

/** Deletes every workspace this test file made (their backups hold the fake data). */
export function removeWorkspaces(): void {
  for (const dir of workspaces.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A new workspace with `backend/` (the sample backend) and an empty `backups/`. */
export function makeWorkspace(): Workspace {
  const dir = mkdtempSync(join(tmpdir(), 'wcd-dbm-ws-'));
  workspaces.push(dir);
  const backend = join(dir, 'backend');
  mkdirSync(backend);
  for (const entry of ['.sequelizerc', 'db', 'package.json']) {
    cpSync(join(SAMPLE_BACKEND, entry), join(backend, entry), { recursive: true });
  }
  symlinkSync(join(repoRoot, 'node_modules'), join(backend, 'node_modules'));
  const migrations = join(backend, 'db', 'migrations');
  return {
    dir,
    backend,
    migrations,
    backups: join(dir, 'backups'),
    addMigration: (name, source) => writeFileSync(join(migrations, name), source),
  };
}

/** A good migration that runs after the sample ones: a temperature on each visit. */
export const GOOD_MIGRATION = {
  name: '20240501090000-add-visit-temperature.js',
  source: `'use strict';
module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.addColumn('health_visits', 'temperature_c', { type: Sequelize.DECIMAL(4, 1) });
  },
  async down(queryInterface) {
    await queryInterface.removeColumn('health_visits', 'temperature_c');
  },
};
`,
};

/**
 * A migration that half-applies and then fails, outside any transaction: it creates a table,
 * adds a column, rewrites rows, then hits a database error. It also prints DATABASE_URL, as
 * careless migrations do, to prove the action masks it.
 */
export const FAILING_MIGRATION = {
  name: '20240601090000-add-immunizations.js',
  source: `'use strict';
module.exports = {
  async up(queryInterface, Sequelize) {
    console.log('migrating with ' + process.env.DATABASE_URL);
    await queryInterface.createTable('immunizations', {
      id: { type: Sequelize.INTEGER, primaryKey: true, autoIncrement: true },
      student_id: { type: Sequelize.INTEGER, references: { model: 'students', key: 'id' } },
      vaccine: { type: Sequelize.STRING(40) },
    });
    await queryInterface.addColumn('students', 'nickname', { type: Sequelize.STRING(40) });
    await queryInterface.sequelize.query('UPDATE students SET grade = grade + 1');
    await queryInterface.sequelize.query('SELECT no_such_column FROM students');
  },
  async down(queryInterface) {
    await queryInterface.dropTable('immunizations');
  },
};
`,
};

/** One that would run after the failing one. */
export const LATER_MIGRATION = {
  name: '20240701090000-add-visit-location.js',
  source: `'use strict';
module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.addColumn('health_visits', 'location', { type: Sequelize.STRING(40) });
  },
  async down(queryInterface) {
    await queryInterface.removeColumn('health_visits', 'location');
  },
};
`,
};

/** Fake students and visits (generated, not real people), written as the live app would. */
export function seed(server: PostgresServer, database: string, students = 40): void {
  server.psql(
    `INSERT INTO students (student_number, first_name, last_name, date_of_birth, grade, school_code, allergies)
       SELECT 'S' || lpad(i::text, 6, '0'), 'First' || i, 'Last' || i, date '2012-01-01' + i, 1 + i % 8, 'LINCOLN-EL',
              CASE WHEN i % 5 = 0 THEN ARRAY['peanuts'] ELSE ARRAY[]::varchar[] END
         FROM generate_series(1, ${students}) AS i;
     INSERT INTO health_visits (student_id, visited_at, reason, disposition, notes)
       SELECT s.id, timestamptz '2026-09-01 09:00Z' + (v || ' hours')::interval, 'headache', 'returned-to-class', 'rested 15 min'
         FROM students s, generate_series(1, 3) AS v;
     INSERT INTO audit_log (actor, action, entity, entity_id, details)
       SELECT 'nurse-' || (i % 3), 'read', 'student', i::text, '{"via":"api"}' FROM generate_series(1, 25) AS i;`,
    database,
  );
}

/** Every user table with its row count and an md5 of its rows: equal means the same data. */
export function dataFingerprint(server: PostgresServer, database: string): Record<string, string> {
  const tables = server
    .psql(
      "SELECT schemaname || '.' || tablename FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1",
      database,
    )
    .split('\n')
    .filter(Boolean);
  const out: Record<string, string> = {};
  for (const table of tables) {
    const quoted = table
      .split('.')
      .map((p) => `"${p}"`)
      .join('.');
    out[table] = server.psql(
      `SELECT count(*) || ' rows, md5 ' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '-') FROM ${quoted} t`,
      database,
    );
  }
  return out;
}

/** The column list of a table, to see what a migration added. */
export function columns(server: PostgresServer, database: string, table: string): string[] {
  return server
    .psql(
      `SELECT column_name FROM information_schema.columns WHERE table_name = '${table}' ORDER BY ordinal_position`,
      database,
    )
    .split('\n')
    .filter(Boolean);
}

/** The names recorded in SequelizeMeta. */
export function recorded(server: PostgresServer, database: string): string[] {
  return server.psql('SELECT name FROM "SequelizeMeta" ORDER BY name', database).split('\n').filter(Boolean);
}

/** A session that holds the migration lock, as another run would. */
export async function holdMigrationLock(
  url: string,
  key: string,
  applicationName: string,
): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: applicationName });
  await client.connect();
  await client.query('SELECT pg_advisory_lock($1::bigint)', [key]);
  return client;
}

/**
 * Creates `name` at the sample's five migrations (run by sequelize-cli itself) with seeded data,
 * to be cloned by {@link cloneDatabase}: much faster than migrating every test's database.
 */
export function createMigratedTemplate(server: PostgresServer, name: string): void {
  const url = server.createDatabase(name);
  const result = spawnSync(join(repoRoot, 'node_modules', '.bin', 'sequelize-cli'), ['db:migrate'], {
    cwd: SAMPLE_BACKEND,
    env: { ...process.env, DATABASE_URL: url, PGSSLMODE: 'disable', NODE_ENV: 'test' },
    encoding: 'utf8',
  });
  if (result.status !== 0)
    throw new Error(`sequelize-cli db:migrate failed: ${result.stdout}${result.stderr}`);
  seed(server, name);
}

/** A new database copied from a template (CREATE DATABASE … TEMPLATE); returns its URL. */
export function cloneDatabase(server: PostgresServer, template: string, name: string): string {
  server.psql(`CREATE DATABASE "${name}" TEMPLATE "${template}"`, 'postgres');
  return server.url.replace(/\/[^/]+$/, `/${name}`);
}

/** None of `secrets` appears in anything the run wrote: log, summary, outputs, audit, evidence. */
export function expectNoSecrets(run: ActionRun, secrets: string[]): void {
  const evidence = existsSync(run.evidenceDir)
    ? readdirSync(run.evidenceDir).map((f) => readFileSync(join(run.evidenceDir, f), 'utf8'))
    : [];
  // `::add-mask::` lines are how the runner learns what to mask; it never prints them.
  const shown = run.stdout
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');
  for (const text of [
    shown,
    run.stderr,
    run.summary,
    JSON.stringify(run.outputs),
    JSON.stringify(run.audit),
    ...evidence,
  ]) {
    for (const secret of secrets) expect(text).not.toContain(secret);
  }
}

/**
 * A migration PostgreSQL cannot run in a transaction (CREATE INDEX CONCURRENTLY), which
 * half-applies and then fails: it creates a table, adds a column, builds an index, then hits
 * a database error. What it did before the error stays.
 */
export const NON_TRANSACTIONAL_FAILING_MIGRATION = {
  name: '20240601090000-add-immunizations-concurrently.js',
  source: `'use strict';
module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.createTable('immunizations', {
      id: { type: Sequelize.INTEGER, primaryKey: true, autoIncrement: true },
      student_id: { type: Sequelize.INTEGER, references: { model: 'students', key: 'id' } },
      vaccine: { type: Sequelize.STRING(40) },
    });
    await queryInterface.addColumn('students', 'nickname', { type: Sequelize.STRING(40) });
    await queryInterface.sequelize.query('CREATE INDEX CONCURRENTLY students_last_name_idx ON students (last_name)');
    await queryInterface.sequelize.query('SELECT no_such_column FROM students');
  },
  async down(queryInterface) {
    await queryInterface.dropTable('immunizations');
  },
};
`,
};

/** Tables, columns (with types), indexes and constraints of the user schemas, to compare schemas. */
export function schemaFingerprint(server: PostgresServer, database: string): string[] {
  return server
    .psql(
      `SELECT 'table ' || schemaname || '.' || tablename FROM pg_tables WHERE schemaname = 'public'
       UNION ALL SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type FROM information_schema.columns WHERE table_schema = 'public'
       UNION ALL SELECT 'index ' || indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
       UNION ALL SELECT 'constraint ' || conrelid::regclass || '.' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace
       ORDER BY 1`,
      database,
    )
    .split('\n')
    .filter(Boolean);
}

/**
 * A migration that copies patient rows into a table keyed by (mrn, dob) and meets a duplicate:
 * PostgreSQL's DETAIL then quotes the key of a (generated, PHI-shaped) patient row.
 */
export const PHI_DUPLICATE = { mrn: 'A7731902', dob: '2011-04-02', name: 'Marisol Quintanilla' };
export const UNIQUE_VIOLATION_MIGRATION = {
  name: '20240901090000-create-patient-index.js',
  source: `'use strict';
module.exports = {
  async up(queryInterface) {
    await queryInterface.sequelize.query(
      'CREATE TABLE patient_index (mrn varchar(12) NOT NULL, dob date NOT NULL, full_name text, CONSTRAINT patient_index_mrn_dob_key UNIQUE (mrn, dob))',
    );
    await queryInterface.sequelize.query(
      "INSERT INTO patient_index VALUES ('${PHI_DUPLICATE.mrn}', '${PHI_DUPLICATE.dob}', '${PHI_DUPLICATE.name}'), ('${PHI_DUPLICATE.mrn}', '${PHI_DUPLICATE.dob}', '${PHI_DUPLICATE.name}')",
    );
  },
  async down(queryInterface) {
    await queryInterface.dropTable('patient_index');
  },
};
`,
};
