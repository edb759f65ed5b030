/**
 * The pure logic of db-migrate, without servers: connection settings and failure messages,
 * reading the migration tool's output, backup contents and restore checks, the inputs, and
 * the summary.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError, Inputs, SummaryBuilder } from '@white-cross/core';
import {
  MIGRATION_LOCK_KEY,
  connectionUrl,
  describeConnectionFailure,
  isLoopbackHost,
  parseDatabaseUrl,
  type ConnectionTarget,
} from '../src/connection.js';
import {
  describeMigrateRun,
  migrationStem,
  parseMigrateOutput,
  parseMigrationStatus,
  planUndo,
  stripAnsi,
} from '../src/migration-status.js';
import {
  backupId,
  checkBackupContents,
  compareRowCounts,
  isBackupId,
  parseManifest,
  parseTableOfContents,
} from '../src/backup-manifest.js';
import { explainToolFailure, libpqEnv } from '../src/pg-tools.js';
import { parseBackupLocation, parseInputs, restoreSource } from '../src/inputs.js';
import { rdsSnapshotId, snapshotsToPrune } from '../src/rds-snapshot.js';
import { newReport, writeSummary } from '../src/report.js';
import { scrubServerText } from '../src/server-errors.js';
import { cleanupSql, describeChange, diffSchema, type SchemaSnapshot } from '../src/schema.js';
import {
  nonTransactionalReason,
  serverErrorFields,
  transactionsSeen,
  withPreload,
  TRANSACTION_MARKER,
  NO_TRANSACTION_MARKER,
} from '../src/transactions.js';

const target: ConnectionTarget = {
  host: 'db.internal',
  port: 5432,
  user: 'app',
  password: 'p@ss:w/rd',
  database: 'health',
  ssl: 'require',
};

describe('connection settings', () => {
  it('parses a database URL, decoding the password', () => {
    expect(parseDatabaseUrl('postgresql://app:p%40ss%3Aw%2Frd@db.internal:6543/health')).toEqual({
      host: 'db.internal',
      port: 6543,
      user: 'app',
      password: 'p@ss:w/rd',
      database: 'health',
    });
    expect(parseDatabaseUrl('postgres://app@db.internal/health')).toMatchObject({
      port: 5432,
      password: undefined,
    });
  });

  it('refuses URLs it cannot use, without repeating them', () => {
    for (const [url, message] of [
      ['mysql://app:secret@h/db', 'must start with postgresql:// or postgres://, not mysql://'],
      [
        'postgresql://app:secret@h:5432/',
        'has no database name (postgresql://user:password@host:5432/database)',
      ],
      ['postgresql://:secret@h/db', 'has no user (postgresql://user:password@host:5432/database)'],
      ['not a url secret', 'is not a URL such as postgresql://user:password@host:5432/database'],
    ]) {
      expect(() => parseDatabaseUrl(url as string)).toThrow(message as string);
      try {
        parseDatabaseUrl(url as string);
      } catch (error) {
        expect(String(error)).not.toContain('secret');
      }
    }
  });

  it('builds the URL for the migration tool with the password encoded', () => {
    expect(connectionUrl(target)).toBe('postgresql://app:p%40ss%3Aw%2Frd@db.internal:5432/health');
    expect(connectionUrl({ ...target, host: '::1', password: undefined })).toBe(
      'postgresql://app@[::1]:5432/health',
    );
  });

  it('knows which hosts are this machine', () => {
    expect(['127.0.0.1', '127.8.9.10', 'localhost', '::1'].map(isLoopbackHost)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['10.0.0.5', 'db.internal', '127.0.0.1.evil.example'].map(isLoopbackHost)).toEqual([
      false,
      false,
      false,
    ]);
  });

  it('explains each way a connection fails in its own words', () => {
    const kind = (error: object) => describeConnectionFailure(error, target, 10_000);
    expect(kind({ code: 'ENOTFOUND' })).toEqual({
      kind: 'dns',
      message:
        "Cannot connect to PostgreSQL at db.internal:5432/health as app: the host name 'db.internal' does not resolve (DNS ENOTFOUND); check the host in the connection settings.",
    });
    expect(kind({ code: 'ECONNREFUSED' }).kind).toBe('refused');
    expect(kind({ message: 'Connection terminated due to connection timeout' }).message).toContain(
      'no answer from db.internal:5432 within 10 s',
    );
    expect(kind({ code: '28P01', message: 'password authentication failed for user "app"' }).kind).toBe(
      'auth',
    );
    expect(kind({ code: '3D000', message: 'database "health" does not exist' }).kind).toBe('no-database');
    expect(kind({ message: 'The server does not support SSL connections' }).message).toContain(
      'the server does not offer TLS but ssl is require',
    );
    expect(
      kind({ code: 'SELF_SIGNED_CERT_IN_CHAIN', message: 'self-signed certificate in certificate chain' })
        .kind,
    ).toBe('tls');
    expect(kind({ code: '28000', message: 'no pg_hba.conf entry for host' }).kind).toBe('auth');
    expect(kind({ code: 'XX000', message: 'something else' }).kind).toBe('other');
  });

  it('uses one fixed 64-bit advisory lock key', () => {
    expect(BigInt(MIGRATION_LOCK_KEY)).toBeLessThan(2n ** 63n);
    expect(BigInt(MIGRATION_LOCK_KEY)).toBeGreaterThanOrEqual(-(2n ** 63n));
  });

  it('gives pg_dump the password in its environment only', () => {
    const env = libpqEnv(target, 10_000, 'white-cross db-migrate run 1/1');
    expect(env).toMatchObject({
      PGHOST: 'db.internal',
      PGPASSWORD: 'p@ss:w/rd',
      PGSSLMODE: 'require',
      PGCONNECT_TIMEOUT: '10',
    });
  });
});

describe('the migration tool’s output', () => {
  const status = `
\u001b[4mSequelize CLI [Node: 24.21.0, CLI: 6.6.5, ORM: 6.37.8]\u001b[24m

Loaded configuration file "db/config.cjs".
Using environment "production".
up 20240105090000-create-students.js
up 20240112090000-create-health-visits.js
down 20240201090000-create-audit-log.js
`;

  it('reads applied and pending migrations from db:migrate:status', () => {
    expect(parseMigrationStatus(status)).toEqual({
      applied: ['20240105090000-create-students.js', '20240112090000-create-health-visits.js'],
      pending: ['20240201090000-create-audit-log.js'],
    });
  });

  it('reads timings, the unfinished migration and the database error from db:migrate', () => {
    const output = [
      '== 20240501090000-add-visit-temperature: migrating =======',
      '== 20240501090000-add-visit-temperature: migrated (0.021s)',
      '',
      '== 20240601090000-add-immunizations: migrating =======',
      '',
      '\u001b[31mERROR:\u001b[39m column "no_such_column" does not exist',
    ].join('\n');
    expect(parseMigrateOutput(output)).toEqual({
      finished: [{ name: '20240501090000-add-visit-temperature', seconds: 0.021 }],
      unfinished: '20240601090000-add-immunizations',
      errors: ['ERROR: column "no_such_column" does not exist'],
    });
    expect(stripAnsi('\u001b[31mERROR:\u001b[39m x')).toBe('ERROR: x');
    expect(migrationStem('20240105090000-create-students.cjs')).toBe('20240105090000-create-students');
  });

  it('tells what a run applied and which migration failed, from the migration table', () => {
    expect(describeMigrateRun(['a.js'], ['a.js', 'b.js'], ['b.js', 'c.js', 'd.js'])).toEqual({
      applied: ['b.js'],
      notApplied: ['c.js', 'd.js'],
      failed: 'c.js',
    });
    expect(describeMigrateRun([], ['a.js'], ['a.js'])).toEqual({
      applied: ['a.js'],
      notApplied: [],
      failed: undefined,
    });
  });

  it('plans an undo of the last migration, or down to a named one', () => {
    expect(planUndo(['a.js', 'b.js', 'c.js'], undefined)).toEqual(['c.js']);
    expect(planUndo(['a.js', 'b.js', 'c.js'], 'a')).toEqual(['c.js', 'b.js']);
    expect(planUndo(['a.js', 'b.js'], 'b.js')).toEqual([]);
    expect(planUndo([], undefined)).toEqual([]);
    expect(() => planUndo(['a.js'], 'z.js')).toThrow("'z.js' is not an applied migration");
  });
});

describe('backups', () => {
  const listing = `;
; Archive created at 2026-11-21 16:12:00 UTC
;     Format: CUSTOM
;
849; 1247 16459 TYPE public enum_health_visits_disposition postgres
214; 1259 16385 TABLE public SequelizeMeta postgres
216; 1259 16447 TABLE public students postgres
215; 1259 16446 SEQUENCE public students_id_seq postgres
3398; 0 0 SEQUENCE OWNED BY public students_id_seq postgres
3383; 0 16385 TABLE DATA public SequelizeMeta postgres
3385; 0 16447 TABLE DATA public students postgres
3401; 0 0 SEQUENCE SET public students_id_seq postgres
3231; 2606 16456 CONSTRAINT public students students_student_number_key postgres
3240; 2606 16478 FK CONSTRAINT public health_visits health_visits_student_id_fkey postgres
`;

  it('reads a dump’s table of contents', () => {
    const toc = parseTableOfContents(listing);
    expect(toc).toHaveLength(10);
    expect(toc[0]).toEqual({
      dumpId: 849,
      type: 'TYPE',
      schema: 'public',
      name: 'enum_health_visits_disposition',
      owner: 'postgres',
    });
    expect(toc.filter((e) => e.type === 'TABLE DATA').map((e) => e.name)).toEqual([
      'SequelizeMeta',
      'students',
    ]);
    expect(toc.find((e) => e.type === 'SEQUENCE OWNED BY')?.name).toBe('students_id_seq');
    expect(toc.find((e) => e.type === 'FK CONSTRAINT')?.name).toBe(
      'health_visits health_visits_student_id_fkey',
    );
  });

  it('checks that every expected table is in the dump with its rows', () => {
    const toc = parseTableOfContents(listing);
    expect(checkBackupContents(toc, ['public.SequelizeMeta', 'public.students'])).toEqual([]);
    expect(checkBackupContents(toc, ['public.students', 'public.audit_log'])).toEqual([
      'table public.audit_log is missing',
    ]);
    const noRows = toc.filter((e) => !(e.type === 'TABLE DATA' && e.name === 'students'));
    expect(checkBackupContents(noRows, ['public.students'])).toEqual([
      'the rows of public.students are missing',
    ]);
    expect(checkBackupContents([], [])).toEqual(['the dump has an empty table of contents']);
  });

  it('compares row counts after a restore, table by table', () => {
    expect(compareRowCounts({ 'public.a': 2, 'public.b': 0 }, { 'public.b': 0, 'public.a': 2 })).toEqual([]);
    expect(compareRowCounts({ 'public.a': 2, 'public.c': 1 }, { 'public.a': 1, 'public.b': 0 })).toEqual([
      { table: 'public.a', expected: 2, actual: 1 },
      { table: 'public.b', expected: undefined, actual: 0 },
      { table: 'public.c', expected: 1, actual: undefined },
    ]);
  });

  it('names backups by database and time, and recognises the names', () => {
    const id = backupId('School_Health', new Date('2026-11-21T16:05:12.345Z'));
    expect(id).toBe('school-health-20261121T160512Z');
    expect(isBackupId(id)).toBe(true);
    expect(isBackupId('/backups/school-health-20261121T160512Z.dump')).toBe(false);
    expect(rdsSnapshotId('School-Health-Prod', new Date('2026-11-21T16:05:12Z'))).toBe(
      'school-health-prod-db-migrate-20261121t160512z',
    );
  });

  it('finds a backup named by id, path or s3:// URI', () => {
    const s3 = { kind: 's3' as const, bucket: 'b', prefix: 'db', kmsKeyId: 'alias/k' };
    expect(restoreSource('health-20261121T160512Z', s3)).toEqual({
      id: 'health-20261121T160512Z',
      location: s3,
    });
    expect(restoreSource('s3://other/x/y/health-20261121T160512Z.dump', s3)).toEqual({
      id: 'health-20261121T160512Z',
      location: { kind: 's3', bucket: 'other', prefix: 'x/y', kmsKeyId: 'alias/k' },
    });
    expect(restoreSource('/keep/health-20261121T160512Z.dump', undefined)).toEqual({
      id: 'health-20261121T160512Z',
      location: { kind: 'directory', path: '/keep' },
    });
    expect(() => restoreSource('latest', s3)).toThrow(ConfigurationError);
    expect(() => restoreSource('latest', s3)).toThrow("Input 'restore-from' must be a backup id");
  });

  it('reads manifests and refuses other JSON', () => {
    expect(() => parseManifest('{"id":"x"}')).toThrow('not a white-cross-deploy/db-backup@1 manifest');
  });

  it('explains a client older than the server', () => {
    expect(
      explainToolFailure('pg_dump', [
        'pg_dump: error: aborting because of server version mismatch',
        'pg_dump: detail: server version: 16.2; pg_dump version: 15.18',
      ]),
    ).toBe(
      "pg_dump failed: aborting because of server version mismatch (the pg_dump on PATH is older than the server: set pg-bin-dir to the client of the server's major version)",
    );
  });
});

describe('inputs', () => {
  const parse = (inputs: Record<string, string>) => {
    const env: Record<string, string> = { GITHUB_WORKSPACE: process.cwd() };
    for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
    const secrets: string[] = [];
    return { parsed: () => parseInputs(new Inputs(env, (s) => secrets.push(s)), env), secrets };
  };
  const local = 'postgresql://app:pw@127.0.0.1:5432/health';

  it('reads a full set with defaults', () => {
    const { parsed, secrets } = parse({
      'database-url': local,
      ssl: 'disable',
      'backup-location': 'backups',
    });
    const inputs = parsed();
    expect(inputs).toMatchObject({
      mode: 'migrate',
      commands: {
        migrate: 'npx sequelize-cli db:migrate',
        status: 'npx sequelize-cli db:migrate:status',
        undo: 'npx sequelize-cli db:migrate:undo',
      },
      nodeEnv: 'production',
      backup: { kind: 'pg_dump', location: { kind: 'directory', path: `${process.cwd()}/backups` } },
      onFailure: 'none',
      lockTimeoutMs: 10_000,
      statementTimeoutMs: 1_800_000,
      dryRun: false,
      target: {
        host: '127.0.0.1',
        port: 5432,
        user: 'app',
        password: 'pw',
        database: 'health',
        ssl: 'disable',
      },
    });
    expect(secrets).toContain(local);
  });

  it.each([
    [
      { 'backup-location': 'b' },
      "Input 'database-url' is required (or give 'host', 'user', 'password' and 'database').",
    ],
    [
      { 'database-url': local, host: 'x', 'backup-location': 'b', ssl: 'disable' },
      "Give either 'database-url' or host/port/user/password/database, not both (also given: host).",
    ],
    [
      { 'database-url': 'postgresql://app:pw@db.internal/health', ssl: 'disable', 'backup-location': 'b' },
      "Input 'ssl' may be disable only for a database on this machine (127.0.0.1, ::1, localhost); 'db.internal' must use require or verify-full.",
    ],
    [
      { 'database-url': local, ssl: 'prefer' },
      "Input 'ssl' must be one of require, verify-full, disable; got 'prefer'.",
    ],
    [
      { 'database-url': local, ssl: 'disable' },
      "Input 'backup-location' is required for pg_dump backups: a folder, or s3://bucket/prefix (written with SSE-KMS).",
    ],
    [
      { 'database-url': local, ssl: 'disable', backup: 'none' },
      "Input 'backup' is none: set 'allow-no-backup: true' to change the database without a backup, or use pg_dump or rds-snapshot.",
    ],
    [
      { 'database-url': local, ssl: 'disable', backup: 'rds-snapshot' },
      "Input 'db-instance-identifier' is required when 'backup' is rds-snapshot (the RDS instance to snapshot).",
    ],
    [
      { 'database-url': local, ssl: 'disable', 'backup-location': 'b', 'on-failure': 'restore' },
      "Input 'on-failure' is restore, which loses whatever the live app writes between the backup and the restore; set 'allow-data-loss: true' to accept that, or use on-failure: undo or none.",
    ],
    [
      { 'database-url': local, ssl: 'disable', 'backup-location': 'b', mode: 'restore' },
      "Input 'restore-from' is required when 'mode' is restore: a backup id (e.g. app-20261121T160512Z) or the backup's path or s3:// URI.",
    ],
    [
      { 'database-url': local, ssl: 'disable', 'backup-location': 'b', 'undo-to': 'a.js' },
      "Input 'undo-to' applies only when 'mode' is undo.",
    ],
    [
      { 'database-url': local, ssl: 'disable', 'backup-location': 'b', 'lock-timeout': 'soon' },
      "Input 'lock-timeout' must be a duration such as 90s, 5m or 1h; got 'soon'.",
    ],
    [
      { 'database-url': local, ssl: 'disable', 'backup-location': 'b', 'working-directory': 'no/such/dir' },
      "Input 'working-directory' must be the backend's folder (where .sequelizerc is); 'no/such/dir' is not a folder.",
    ],
    [
      { 'database-url': local, ssl: 'disable', 'backup-location': 'b', 'ssl-root-cert': 'no-such-ca.pem' },
      "Input 'ssl-root-cert' must be a PEM file of trusted CAs (e.g. the RDS global bundle); 'no-such-ca.pem' does not exist.",
    ],
    [
      { 'database-url': 'postgresql://app:topsecret@127.0.0.1/', ssl: 'disable' },
      "Input 'database-url' has no database name (postgresql://user:password@host:5432/database).",
    ],
    [
      {
        'database-url': local,
        ssl: 'disable',
        'backup-location': 'b',
        'node-env': 'production\n::add-mask::x',
      },
      `Input 'node-env' must be one sequelize config environment name (letters, digits, '.', '_' or '-', up to 64), such as production; got "production\\n::add-mask::x".`,
    ],
    [
      { 'database-url': local, ssl: 'disable', 'backup-location': 'b', 'working-directory': '..' },
      "Input 'working-directory' must be a folder inside the workspace (GITHUB_WORKSPACE); '..' resolves outside it.",
    ],
    [
      { 'database-url': local, ssl: 'disable', 'backup-location': 'b', 'working-directory': '/etc' },
      "Input 'working-directory' must be a folder inside the workspace (GITHUB_WORKSPACE); '/etc' resolves outside it.",
    ],
  ])('refuses %j', (inputs, message) => {
    const { parsed } = parse(inputs as Record<string, string>);
    expect(parsed).toThrow(ConfigurationError);
    expect(parsed).toThrow(message);
  });

  it('refuses a working-directory that is a symlink inside the workspace to a folder outside it', () => {
    const workspace = mkdtempSync(join(tmpdir(), 'wcd-dbm-units-'));
    try {
      symlinkSync('/etc', join(workspace, 'backend'));
      const env: Record<string, string> = {
        GITHUB_WORKSPACE: workspace,
        'INPUT_DATABASE-URL': local,
        INPUT_SSL: 'disable',
        'INPUT_BACKUP-LOCATION': 'b',
        'INPUT_WORKING-DIRECTORY': 'backend',
      };
      const read = () => parseInputs(new Inputs(env, () => {}), env);
      expect(read).toThrow(ConfigurationError);
      expect(read).toThrow(
        "Input 'working-directory' must be a folder inside the workspace (GITHUB_WORKSPACE); 'backend' resolves outside it.",
      );
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  });

  it('reads an s3 backup location with its KMS key', () => {
    expect(parseBackupLocation('s3://health-backups/db/prod/', '/w', 'alias/k')).toEqual({
      kind: 's3',
      bucket: 'health-backups',
      prefix: 'db/prod',
      kmsKeyId: 'alias/k',
    });
    expect(() => parseBackupLocation('s3://Bad_Bucket/x', '/w', undefined)).toThrow(
      "Input 'backup-location' must be s3://bucket/prefix",
    );
    expect(() => parseBackupLocation('gs://b/x', '/w', undefined)).toThrow(
      "Input 'backup-location' must be s3://bucket/prefix or a folder",
    );
  });
});

describe('the summary', () => {
  it('shows the conclusion, the failure, the migrations and the backups, escaping what tools said', () => {
    const report = newReport('migrate', false, 'db:5432/health as app');
    report.conclusion = 'Migration b.js failed.';
    report.failure = {
      migration: 'b.js',
      error: 'ERROR: relation "x|y" does not exist',
      onFailure: 'none',
      state: 'applied a.js',
    };
    report.migrations = [
      { name: 'a.js', before: 'pending', result: 'applied', seconds: 0.021 },
      { name: 'b.js', before: 'pending', result: 'failed' },
    ];
    report.backups = [
      {
        kind: 'pg_dump',
        id: 'health-20261121T160512Z',
        location: '/b/x.dump',
        bytes: 12_100,
        sha256: 'abcdef0123456789',
        tables: 4,
        rows: 9,
        purpose: 'migration',
      },
    ];
    report.steps = [{ name: 'connect', ms: 25, result: 'ok' }];
    const md = writeSummary(report, new SummaryBuilder()).toString();
    expect(md).toContain('## db-migrate: migrate on db:5432/health as app');
    expect(md).toContain('| b.js | ERROR: relation &quot;x\\|y&quot; does not exist | none | applied a.js |');
    expect(md).toContain('| a.js | pending | applied | 0.021 s |');
    expect(md).toContain(
      '| health-20261121T160512Z | pg_dump | migration | /b/x.dump | 12.1 kB | 4 | 9 | sha256 abcdef012345…, table of contents lists every table |',
    );
    expect(md).toContain('| connect | ok | 25 ms |  |');
  });
});

describe('one transaction per migration', () => {
  it.each([
    [
      "await q.sequelize.query('CREATE INDEX CONCURRENTLY i ON t (c)')",
      '15.4',
      'CREATE/DROP INDEX CONCURRENTLY',
    ],
    ["await q.sequelize.query('drop index concurrently i')", '15.4', 'CREATE/DROP INDEX CONCURRENTLY'],
    ["await q.addIndex('t', ['c'], { concurrently: true })", '15.4', 'addIndex with concurrently: true'],
    ["ALTER TYPE mood ADD VALUE 'meh'", '11.22', 'ALTER TYPE … ADD VALUE'],
    ["ALTER TYPE mood ADD VALUE 'meh'", '15.4', undefined],
    ["await q.sequelize.query('VACUUM ANALYZE students')", '15.4', 'VACUUM'],
    ["await q.addColumn('students', 'nickname', { type: S.STRING })", '15.4', undefined],
  ])('knows whether PostgreSQL runs %j inside a transaction (server %s)', (source, version, reason) => {
    expect(nonTransactionalReason(source, version)).toBe(reason);
  });

  it('adds the preload to NODE_OPTIONS, quoted, keeping what was there', () => {
    expect(withPreload(undefined, '/tmp/run 1/p.cjs')).toBe('--require "/tmp/run 1/p.cjs"');
    expect(withPreload('--max-old-space-size=4096', '/t/p.cjs')).toBe(
      '--max-old-space-size=4096 --require "/t/p.cjs"',
    );
  });

  it('reads from the tool output which migrations ran in a transaction', () => {
    const seen = transactionsSeen(
      [
        `${TRANSACTION_MARKER} 2024-a.js up`,
        '== 2024-a: migrating =======',
        `${NO_TRANSACTION_MARKER} 2024-b.js up`,
      ].join('\n'),
    );
    expect([...seen.inTransaction]).toEqual(['2024-a.js']);
    expect([...seen.without]).toEqual(['2024-b.js']);
  });

  const schema = (over: Partial<SchemaSnapshot>): SchemaSnapshot => ({
    tables: ['public.students'],
    columns: { 'public.students.id': 'integer' },
    indexes: {
      'public.students_pkey':
        'students: CREATE UNIQUE INDEX students_pkey ON public.students USING btree (id)',
    },
    constraints: { 'public.students.students_pkey': 'PRIMARY KEY (id)' },
    ...over,
  });

  it('says what differs between two schemas, a new table as one change', () => {
    const before = schema({});
    const after = schema({
      tables: ['public.immunizations', 'public.students'],
      columns: {
        'public.students.id': 'bigint',
        'public.students.nickname': 'character varying(40)',
        'public.immunizations.id': 'integer',
      },
      indexes: {
        ...before.indexes,
        'public.immunizations_pkey':
          'immunizations: CREATE UNIQUE INDEX immunizations_pkey ON public.immunizations (id)',
        'public.students_nick_key':
          'students: CREATE UNIQUE INDEX students_nick_key ON public.students (nickname)',
      },
      constraints: {
        ...before.constraints,
        'public.immunizations.immunizations_pkey': 'PRIMARY KEY (id)',
        'public.students.students_nick_key': 'UNIQUE (nickname)',
      },
    });
    const changes = diffSchema(before, after);
    expect(changes.map(describeChange)).toEqual([
      '+ table public.immunizations',
      '~ column public.students.id (bigint)',
      '+ column public.students.nickname (character varying(40))',
      '+ index public.students_nick_key',
      '+ constraint public.students.students_nick_key',
    ]);
    // The unique constraint owns its index: dropping it drops both.
    expect(cleanupSql(changes)).toEqual([
      'ALTER TABLE "public"."students" DROP CONSTRAINT "students_nick_key";',
      'ALTER TABLE "public"."students" DROP COLUMN "nickname";',
      'DROP TABLE "public"."immunizations";',
    ]);
    expect(diffSchema(before, schema({}))).toEqual([]);
  });
});

describe('server errors without row values', () => {
  it.each([
    [
      'ERROR DETAIL: Key (mrn, dob)=(A7731902, 2011-04-02) already exists.',
      'ERROR DETAIL: Key (mrn, dob)=(…) already exists.',
    ],
    [
      'pg_restore: detail: Key (student_id)=(42) is not present in table "students".',
      'pg_restore: detail: Key (student_id)=(…) is not present in table "students".',
    ],
    [
      'DETAIL:  Failing row contains (7, A7731902, 2011-04-02, Marisol Quintanilla).',
      'DETAIL:  Failing row contains (…).',
    ],
    [
      'ERROR:  invalid input syntax for type date: "2011-04-32"',
      'ERROR:  invalid input syntax for type date: "…"',
    ],
    [
      'CONTEXT:  SQL statement "INSERT INTO patients VALUES (\'A7731902\')"',
      'CONTEXT:  (withheld: it may quote row values)',
    ],
    [
      "psql:seed.sql:3: LINE 1: ...VALUES ('A7731902', '2011-04-02')",
      'psql:seed.sql:3: LINE 1: (withheld: it may quote row values)',
    ],
    ['HINT:  Use the value 2011-04-02 instead.', 'HINT:  (withheld: it may quote row values)'],
    [
      'ERROR: duplicate key value violates unique constraint "patient_index_mrn_dob_key"',
      'ERROR: duplicate key value violates unique constraint "patient_index_mrn_dob_key"',
    ],
    [
      '== 20240105090000-create-students: migrated (0.021s)',
      '== 20240105090000-create-students: migrated (0.021s)',
    ],
  ])('%j → %j', (line, shown) => {
    expect(scrubServerText(line)).toBe(shown);
  });

  it('names the SQLSTATE, constraint and table the preload reports', () => {
    expect(
      serverErrorFields([
        'ERROR: Validation error',
        '[db-migrate] database error: code="23505" schema="public" table="patient_index" constraint="patient_index_mrn_dob_key"',
      ]),
    ).toBe('SQLSTATE 23505, constraint "patient_index_mrn_dob_key", table "patient_index"');
    expect(serverErrorFields(['ERROR: boom'])).toBeUndefined();
  });
});

describe('RDS snapshot retention', () => {
  const day = 86_400_000;
  const snaps = [
    { id: 'a', created: 1 * day },
    { id: 'c', created: 3 * day },
    { id: 'b', created: 2 * day },
    { id: 'new', created: 10 * day },
  ];
  it('keeps the newest N made by the action, or those younger than N days, never the new one', () => {
    expect(snapshotsToPrune(snaps, { keep: 2 }, 'new', 10 * day)).toEqual(['a', 'b']);
    expect(snapshotsToPrune(snaps, { maxAgeDays: 8 }, 'new', 10 * day)).toEqual(['a']);
    expect(snapshotsToPrune(snaps, { keep: 1 }, 'new', 10 * day)).toEqual(['a', 'b', 'c']);
    expect(snapshotsToPrune([{ id: 'new', created: 0 }], { maxAgeDays: 1 }, 'new', 10 * day)).toEqual([]);
  });

  const parse = (inputs: Record<string, string>) => {
    const env: Record<string, string> = {
      GITHUB_WORKSPACE: process.cwd(),
      'INPUT_DATABASE-URL': 'postgresql://app:pw@127.0.0.1:5432/health',
      INPUT_SSL: 'disable',
      INPUT_BACKUP: 'rds-snapshot',
      'INPUT_DB-INSTANCE-IDENTIFIER': 'health-prod',
    };
    for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
    return () => parseInputs(new Inputs(env, () => {}), env);
  };

  it('reads the retention and the snapshot wait, bounded by the job timeout', () => {
    expect(parse({})()).toMatchObject({
      backup: {
        kind: 'rds-snapshot',
        instance: 'health-prod',
        retention: { keep: 20 },
        timeoutMs: 1_800_000,
      },
    });
    expect(parse({ 'snapshot-retention': '30d', 'job-timeout': '40m' })()).toMatchObject({
      backup: { retention: { maxAgeDays: 30 }, timeoutMs: 1_200_000 },
    });
  });

  it.each([
    [
      { 'snapshot-retention': 'forever' },
      "Input 'snapshot-retention' must be how many manual snapshots made by db-migrate to keep (1 to 100, e.g. 20) or for how many days (1d to 365d, e.g. 30d); got 'forever'.",
    ],
    [{ 'snapshot-retention': '0' }, "Input 'snapshot-retention' must be how many"],
    [{ 'snapshot-retention': '101' }, "Input 'snapshot-retention' must be how many"],
    [
      { 'snapshot-timeout': '1h', 'job-timeout': '45m' },
      "Input 'snapshot-timeout' must end before 'job-timeout' (the job's timeout-minutes), leaving time to migrate; got 3600 s of 2700 s.",
    ],
  ])('refuses %j', (inputs, message) => {
    expect(parse(inputs)).toThrow(ConfigurationError);
    expect(parse(inputs)).toThrow(message);
  });
});
