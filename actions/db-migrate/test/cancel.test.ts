/**
 * Cancellation, for real: the bundle is started as the runner starts it, SIGTERM is sent to it
 * (what a cancelled workflow sends) while a migration or pg_dump runs, and afterwards the
 * migration's process is gone, its transaction rolled back, no advisory lock is held, and the
 * summary and audit record say the run was cancelled and what it had done.
 *
 * The action's pid is found in /proc (Linux) by its bundle path and workspace, since the
 * testkit's runner does not hand out its child.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { runActionBundle, startPostgres, type ActionRun, type PostgresServer } from '@white-cross/testkit';
import {
  FAST_COMMANDS,
  SAMPLE_MIGRATIONS,
  cloneDatabase,
  createMigratedTemplate,
  makeWorkspace,
  recorded,
  removeWorkspaces,
  schemaFingerprint,
} from './fixtures.js';

let server: PostgresServer;
let count = 0;

beforeAll(async () => {
  server = await startPostgres({ password: 'Db-Secret-c4nc3l' });
  createMigratedTemplate(server, 'cancel_template');
}, 60_000);

afterAll(async () => {
  removeWorkspaces();
  await server?.stop();
});

/** A migration that records its pid, changes the schema, then works for a minute. */
const SLOW_MIGRATION = {
  name: '20240801090000-backfill-slowly.js',
  source: `'use strict';
const { writeFileSync } = require('fs');
const { join } = require('path');
module.exports = {
  async up(queryInterface, Sequelize) {
    writeFileSync(join(process.env.GITHUB_WORKSPACE, 'migration.pid'), String(process.pid));
    await queryInterface.createTable('backfill_progress', { id: { type: Sequelize.INTEGER, primaryKey: true } });
    console.log('backfill: started');
    await queryInterface.sequelize.query('SELECT pg_sleep(60)');
  },
  async down(queryInterface) {
    await queryInterface.dropTable('backfill_progress');
  },
};
`,
};

/** The pid of the db-migrate bundle running in `workspace`. */
function actionPid(workspace: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!cmdline.includes(join('db-migrate', 'dist', 'index.js'))) continue;
      if (
        readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(`GITHUB_WORKSPACE=${workspace}`)
      ) {
        return Number(entry);
      }
    } catch {
      // Gone meanwhile.
    }
  }
  return undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function query(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

/** Runs the bundle and sends it SIGTERM once `ready` says so. */
async function runAndCancel(
  workspace: string,
  inputs: Record<string, string>,
  ready: (line: string) => boolean,
): Promise<ActionRun> {
  let signalled = false;
  const run = await runActionBundle('db-migrate', {
    workspace,
    inputs,
    timeoutMs: 120_000,
    onLine: (line) => {
      if (signalled || !ready(line)) return;
      const pid = actionPid(workspace);
      if (pid === undefined) return;
      signalled = true;
      process.kill(pid, 'SIGTERM');
    },
  });
  expect(signalled).toBe(true);
  return run;
}

function audit(run: ActionRun): { outcome: string; error: string; facts: Record<string, unknown> } {
  return run.audit[0] as { outcome: string; error: string; facts: Record<string, unknown> };
}

describe('db-migrate cancelled by SIGTERM', () => {
  it('mid-migration: stops the migration process, rolls its transaction back, leaves no lock, and records the cancellation', async () => {
    const ws = makeWorkspace();
    ws.addMigration(SLOW_MIGRATION.name, SLOW_MIGRATION.source);
    const name = `cancel_${++count}`;
    const url = cloneDatabase(server, 'cancel_template', name);
    const schemaBefore = schemaFingerprint(server, name);

    const run = await runAndCancel(
      ws.dir,
      {
        ...FAST_COMMANDS,
        'database-url': url,
        ssl: 'disable',
        'working-directory': 'backend',
        'backup-location': 'backups',
        'pg-bin-dir': server.binDir,
      },
      (line) => line.includes('backfill: started'),
    );

    expect(run.exitCode).toBe(1);
    const migrationPid = Number(readFileSync(join(ws.dir, 'migration.pid'), 'utf8'));
    expect(migrationPid).toBeGreaterThan(0);
    expect(alive(migrationPid)).toBe(false);
    // Its statement was ended and its transaction rolled back: no sleeping query, no new table.
    expect(
      await query(
        url,
        "SELECT pid FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()",
      ),
    ).toEqual([]);
    expect(await query(url, "SELECT objid FROM pg_locks WHERE locktype = 'advisory'")).toEqual([]);
    expect(schemaFingerprint(server, name)).toEqual(schemaBefore);
    expect(recorded(server, name)).toEqual(SAMPLE_MIGRATIONS);

    const id = run.outputs['backup-id'] ?? '';
    const message =
      `Cancelled by SIGTERM during run migrations: the child processes were stopped and no migration lock is left. ` +
      `Done before: connect, take the migration lock, list pending migrations, pg_dump backup and verify. ` +
      `Applied by this run: none; stopped: ${SLOW_MIGRATION.name}. ` +
      `${SLOW_MIGRATION.name} ran in one transaction and was rolled back: nothing of it remains. ` +
      `Backup ${id} is kept at ${join(ws.backups, `${id}.dump`)}.`;
    expect(run.annotations.filter((a) => a.level === 'error').map((a) => a.message)).toEqual([message]);
    expect(run.summary).toContain('**Cancelled** (SIGTERM) during run migrations.');
    expect(run.summary).toContain(message);
    expect(audit(run).outcome).toBe('cancelled');
    expect(audit(run).facts.cancelled).toEqual({
      signal: 'SIGTERM',
      during: 'run migrations',
      done: ['connect', 'take the migration lock', 'list pending migrations', 'pg_dump backup and verify'],
      applied: [],
    });
    expect(run.stdout).toContain('Received SIGTERM: stopping 1 child process group(s)');
  });

  it('mid-backup: stops pg_dump, keeps no partial dump, leaves no lock, and records the cancellation', async () => {
    const ws = makeWorkspace();
    ws.addMigration(SLOW_MIGRATION.name, SLOW_MIGRATION.source);
    const name = `cancel_${++count}`;
    const url = cloneDatabase(server, 'cancel_template', name);
    // The live app holds a lock pg_dump must wait for: the backup is mid-way when cancelled.
    const app = new pg.Client({ connectionString: url });
    app.on('error', () => {});
    await app.connect();
    await app.query('BEGIN');
    await app.query('LOCK TABLE students IN ACCESS EXCLUSIVE MODE');
    let run: ActionRun;
    try {
      run = await runAndCancel(
        ws.dir,
        {
          ...FAST_COMMANDS,
          'database-url': url,
          ssl: 'disable',
          'working-directory': 'backend',
          'backup-location': 'backups',
          'pg-bin-dir': server.binDir,
          'lock-timeout': '60s',
        },
        (line) => line.includes('(pg_dump, custom format)'),
      );
    } finally {
      await app.query('ROLLBACK');
      await app.end();
    }

    expect(run.exitCode).toBe(1);
    expect(
      await query(url, "SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'white-cross%'"),
    ).toEqual([]);
    expect(await query(url, "SELECT objid FROM pg_locks WHERE locktype = 'advisory'")).toEqual([]);
    expect(existsSync(ws.backups) ? readdirSync(ws.backups) : []).toEqual([]);
    expect(recorded(server, name)).toEqual(SAMPLE_MIGRATIONS);
    expect(audit(run).facts.cancelled).toEqual({
      signal: 'SIGTERM',
      during: 'pg_dump backup and verify',
      done: ['connect', 'take the migration lock', 'list pending migrations'],
      applied: [],
    });
    expect(run.annotations.filter((a) => a.level === 'error').map((a) => a.message)).toEqual([
      'Cancelled by SIGTERM during pg_dump backup and verify: the child processes were stopped and no migration lock is left. ' +
        'Done before: connect, take the migration lock, list pending migrations. Applied by this run: none.',
    ]);
  });
});
