/**
 * Benchmark: what db-migrate's backup and restore cost over the plain PostgreSQL tools.
 *
 * Builds a database of about 200 MB on a real PostgreSQL 15 — the sample app's schema
 * (migrated by sequelize-cli) filled with generate_series inserts: students, health visits
 * with nurse notes, and a JSONB audit log — then, in one run and against the same database:
 *
 * - backup: plain `pg_dump -Fc` vs the action's backup + verify (the same code the bundle
 *   runs: pg_dump from an exported snapshot with the row counts counted beside it, the table of
 *   contents checked, SHA-256, manifest written);
 * - restore: plain `pg_restore` into an empty database vs the action's restore into an empty
 *   database (SHA-256 check against the manifest, one-transaction pg_restore, every table's row
 *   count compared with the manifest).
 *
 * Each is run `--runs` times, alternating plain and action so load on the machine hits both
 * alike; the best time of each is compared. Target: the action's overhead ≤ 20 %.
 *
 * Usage: npm run bench:db [-- --mb 200 --runs 2]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryLogger, formatBytes, systemClock } from '@white-cross/core';
import { repoRoot, startPostgres, type PostgresServer } from '@white-cross/testkit';
import { restoreDumpBackup, takeDumpBackup } from '../../actions/db-migrate/src/backup.js';
import { directoryStore } from '../../actions/db-migrate/src/backup-store.js';
import type { ConnectionTarget } from '../../actions/db-migrate/src/connection.js';
import { connect, serverInfo } from '../../actions/db-migrate/src/database.js';
import { pgTools } from '../../actions/db-migrate/src/pg-tools.js';

function parseArgs(argv: string[]): { megabytes: number; runs: number } {
  const value = (flag: string, fallback: number) => {
    const i = argv.indexOf(flag);
    const n = i >= 0 ? Number(argv[i + 1]) : fallback;
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} must be a positive number`);
    return n;
  };
  return { megabytes: value('--mb', 200), runs: Math.round(value('--runs', 2)) };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function timed<T>(body: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = body();
  return { value, ms: performance.now() - started };
}

async function timedAsync<T>(body: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await body();
  return { value, ms: performance.now() - started };
}

/** The sample app's schema, by sequelize-cli itself, then ~`megabytes` of rows. */
function generate(server: PostgresServer, database: string, megabytes: number): void {
  const url = server.createDatabase(database);
  const migrate = spawnSync(join(repoRoot, 'node_modules', '.bin', 'sequelize-cli'), ['db:migrate'], {
    cwd: join(repoRoot, 'examples', 'sample-app', 'backend'),
    env: { ...process.env, DATABASE_URL: url, PGSSLMODE: 'disable', NODE_ENV: 'production' },
    encoding: 'utf8',
  });
  if (migrate.status !== 0) throw new Error(`sequelize-cli db:migrate failed: ${migrate.stderr}`);
  // Row counts scale with the size asked for; ~200 MB at the default.
  const scale = megabytes / 200;
  const students = Math.round(57_000 * scale);
  const visits = Math.round(400_000 * scale);
  const audits = Math.round(285_000 * scale);
  server.psql(
    `INSERT INTO students (student_number, first_name, last_name, date_of_birth, grade, school_code, allergies)
       SELECT 'S' || lpad(i::text, 8, '0'), 'First' || (i % 5000), 'Last' || md5(i::text), date '2008-01-01' + (i % 5000),
              1 + i % 12, 'SCH-' || (i % 40), CASE WHEN i % 7 = 0 THEN ARRAY['peanuts', 'penicillin'] ELSE ARRAY[]::varchar[] END
         FROM generate_series(1, ${students}) AS i`,
    database,
  );
  server.psql(
    `INSERT INTO health_visits (student_id, visited_at, reason, disposition, notes, follow_up_required)
       SELECT 1 + (i % ${students}), timestamptz '2025-09-01 08:00Z' + (i || ' minutes')::interval,
              (ARRAY['headache', 'stomach ache', 'injury at recess', 'medication', 'fever'])[1 + i % 5],
              (ARRAY['returned-to-class', 'sent-home', 'parent-called', 'emergency-services'])[1 + i % 4]::enum_health_visits_disposition,
              'Seen at ' || (i % 9 + 8) || ':00; ' || md5(i::text) || ' ' || md5((i * 7)::text) || ' rested and observed.',
              i % 11 = 0
         FROM generate_series(1, ${visits}) AS i`,
    database,
  );
  server.psql(
    `INSERT INTO audit_log (occurred_at, actor, action, entity, entity_id, request_id, details)
       SELECT timestamptz '2025-09-01 08:00Z' + (i || ' seconds')::interval, 'nurse-' || (i % 60), 'read', 'student',
              (1 + i % ${students})::text, md5(i::text)::uuid,
              jsonb_build_object('via', 'api', 'ip', '10.0.' || (i % 250) || '.' || (i % 200), 'route', '/api/v1/students/' || (i % ${students}))
         FROM generate_series(1, ${audits}) AS i`,
    database,
  );
  server.psql('VACUUM ANALYZE', database);
}

async function main(): Promise<void> {
  const { megabytes, runs } = parseArgs(process.argv.slice(2));
  const work = mkdtempSync(join(tmpdir(), 'wcd-bench-db-'));
  console.log(`db-migrate benchmark: ~${megabytes} MB database, ${runs} run(s) of each measurement`);
  const server = await startPostgres({ password: 'bench-secret-5a1e' });
  try {
    const generation = timed(() => generate(server, 'bench', megabytes));
    const dbBytes = Number(server.psql("SELECT pg_database_size('bench')"));
    console.log(`generated ${formatBytes(dbBytes)} in ${seconds(generation.ms)}`);

    const target = (database: string): ConnectionTarget => ({
      host: server.host,
      port: server.port,
      user: server.user,
      password: server.password,
      database,
      ssl: 'disable',
    });
    const env = { ...process.env, PGPASSWORD: server.password };
    const bin = (name: string) => join(server.binDir, name);
    const connection = ['-h', server.host, '-p', String(server.port), '-U', server.user];
    const log = new MemoryLogger();
    const settings = { binDir: server.binDir, connectTimeoutMs: 10_000, applicationName: 'bench', log };

    const plainDump: number[] = [];
    const actionBackup: number[] = [];
    const plainRestore: number[] = [];
    const actionRestore: number[] = [];
    let dumpBytes = 0;
    let lastBackupId = '';
    const backups = join(work, 'backups');
    mkdirSync(backups);
    const store = directoryStore(backups);

    for (let run = 1; run <= runs; run++) {
      const plainFile = join(work, `plain-${run}.dump`);
      const dump = timed(() =>
        spawnSync(bin('pg_dump'), [...connection, '-Fc', '-f', plainFile, 'bench'], {
          env,
          encoding: 'utf8',
        }),
      );
      if (dump.value.status !== 0) throw new Error(`pg_dump failed: ${dump.value.stderr}`);
      plainDump.push(dump.ms);
      dumpBytes = statSync(plainFile).size;

      const db = await connect(target('bench'), { connectTimeoutMs: 10_000, applicationName: 'bench' });
      const info = await serverInfo(db);
      const backup = await timedAsync(() =>
        takeDumpBackup({
          db,
          tools: pgTools(target('bench'), settings),
          store,
          target: target('bench'),
          serverVersion: info.version,
          migrationTable: 'SequelizeMeta',
          lockTimeoutMs: 10_000,
          log,
          clock: systemClock,
        }),
      );
      await db.end();
      actionBackup.push(backup.ms);
      lastBackupId = backup.value.id;
      console.log(
        `run ${run}: pg_dump -Fc ${seconds(dump.ms)}; action backup + verify ${seconds(backup.ms)} ` +
          `(dump ${seconds(backup.value.timings.dumpMs)}, verify ${seconds(backup.value.timings.verifyMs)}, store ${seconds(backup.value.timings.storeMs)})`,
      );

      const plainTarget = `plain_restore_${run}`;
      server.createDatabase(plainTarget);
      const restore = timed(() =>
        spawnSync(bin('pg_restore'), [...connection, '-d', plainTarget, plainFile], {
          env,
          encoding: 'utf8',
        }),
      );
      if (restore.value.status !== 0) throw new Error(`pg_restore failed: ${restore.value.stderr}`);
      plainRestore.push(restore.ms);

      const actionTarget = `action_restore_${run}`;
      server.createDatabase(actionTarget);
      const into = await connect(target(actionTarget), {
        connectTimeoutMs: 10_000,
        applicationName: 'bench',
      });
      const restored = await timedAsync(() =>
        restoreDumpBackup(lastBackupId, {
          db: into,
          tools: pgTools(target(actionTarget), settings),
          store,
          target: target(actionTarget),
          lockTimeoutMs: 10_000,
          scratchDir: work,
          log,
          clock: systemClock,
        }),
      );
      await into.end();
      if (restored.value.differences.length) {
        throw new Error(`restore check failed: ${JSON.stringify(restored.value.differences)}`);
      }
      actionRestore.push(restored.ms);
      console.log(
        `run ${run}: pg_restore ${seconds(restore.ms)}; action restore + check ${seconds(restored.ms)} ` +
          `(fetch + sha256 ${seconds(restored.value.timings.fetchMs)}, restore ${seconds(restored.value.timings.restoreMs)}, row counts ${seconds(restored.value.timings.verifyMs)})`,
      );
      server.psql(`DROP DATABASE "${plainTarget}"`, 'postgres');
      server.psql(`DROP DATABASE "${actionTarget}"`, 'postgres');
      rmSync(plainFile, { force: true });
    }

    const best = (xs: number[]) => Math.min(...xs);
    const overhead = (action: number[], plain: number[]) => best(action) / best(plain) - 1;
    const backupOverhead = overhead(actionBackup, plainDump);
    const restoreOverhead = overhead(actionRestore, plainRestore);
    const verdict = (x: number) => (x <= 0.2 ? 'within' : 'OVER');
    const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`;
    console.log('');
    console.log(`database ${formatBytes(dbBytes)}, dump ${formatBytes(dumpBytes)} (best of ${runs})`);
    console.log('| Operation | Plain tool | db-migrate | Overhead | Target ≤ 20 % |');
    console.log('| --- | --- | --- | --- | --- |');
    console.log(
      `| backup (+ verify) | pg_dump -Fc ${seconds(best(plainDump))} | ${seconds(best(actionBackup))} | ${pct(backupOverhead)} | ${verdict(backupOverhead)} |`,
    );
    console.log(
      `| restore (+ check) | pg_restore ${seconds(best(plainRestore))} | ${seconds(best(actionRestore))} | ${pct(restoreOverhead)} | ${verdict(restoreOverhead)} |`,
    );
    const out = join(repoRoot, 'bench-output');
    mkdirSync(out, { recursive: true });
    writeFileSync(
      join(out, 'db.json'),
      `${JSON.stringify(
        {
          databaseBytes: dbBytes,
          dumpBytes,
          runs,
          generationMs: generation.ms,
          plainDumpMs: plainDump,
          actionBackupMs: actionBackup,
          plainRestoreMs: plainRestore,
          actionRestoreMs: actionRestore,
          backupOverhead,
          restoreOverhead,
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
