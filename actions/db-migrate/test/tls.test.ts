/**
 * TLS to the database for real: the test's PostgreSQL 15 is switched to TLS (ssl = on, with a
 * certificate for 127.0.0.1 signed by a test CA, reloaded without restart), then the bundle
 * migrates with ssl: verify-full against that CA — the action's own connection, pg_dump and
 * sequelize-cli each verifying the server — and fails clearly without the CA.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCertificate, runActionBundle, startPostgres, type PostgresServer } from '@white-cross/testkit';
import {
  GOOD_MIGRATION,
  SAMPLE_MIGRATIONS,
  cloneDatabase,
  createMigratedTemplate,
  makeWorkspace,
  removeWorkspaces,
  recorded,
} from './fixtures.js';

let server: PostgresServer;
let caFile: string;

/** Turns TLS on in a running server: its files must belong to the server's user. */
function enableTls(pg: PostgresServer): string {
  const certificate = makeCertificate({ commonName: '127.0.0.1', altNames: ['127.0.0.1'] });
  const dir = mkdtempSync(join(tmpdir(), 'wcd-pg-tls-'));
  const cert = join(dir, 'server.crt');
  const key = join(dir, 'server.key');
  const ca = join(dir, 'ca.pem');
  writeFileSync(cert, certificate.cert);
  writeFileSync(key, certificate.key, { mode: 0o600 });
  writeFileSync(ca, certificate.ca);
  chmodSync(dir, 0o755);
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(cert, uid, gid);
    chownSync(key, uid, gid);
  }
  pg.psql(`ALTER SYSTEM SET ssl_cert_file = '${cert}'`, 'postgres');
  pg.psql(`ALTER SYSTEM SET ssl_key_file = '${key}'`, 'postgres');
  pg.psql('ALTER SYSTEM SET ssl = on', 'postgres');
  pg.psql('SELECT pg_reload_conf()', 'postgres');
  return ca;
}

beforeAll(async () => {
  server = await startPostgres({ password: 'Tls-Secret-41be' });
  createMigratedTemplate(server, 'migrated_template');
  caFile = enableTls(server);
}, 60_000);

afterAll(async () => {
  removeWorkspaces();
  await server?.stop();
});

describe('db-migrate over TLS', () => {
  it('migrates with ssl: verify-full, every client checking the server against ssl-root-cert', async () => {
    const ws = makeWorkspace();
    ws.addMigration(GOOD_MIGRATION.name, GOOD_MIGRATION.source);
    const url = cloneDatabase(server, 'migrated_template', 'tls_1');

    const run = await runActionBundle('db-migrate', {
      workspace: ws.dir,
      inputs: {
        'database-url': url,
        ssl: 'verify-full',
        'ssl-root-cert': caFile,
        'working-directory': 'backend',
        'backup-location': 'backups',
        'pg-bin-dir': server.binDir,
        'migrate-command': 'node_modules/.bin/sequelize-cli db:migrate',
        'status-command': 'node_modules/.bin/sequelize-cli db:migrate:status',
      },
    });

    expect(run.annotations.filter((a) => a.level !== 'debug')).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.outputs.applied ?? '')).toEqual([GOOD_MIGRATION.name]);
    expect(recorded(server, 'tls_1')).toEqual([...SAMPLE_MIGRATIONS, GOOD_MIGRATION.name]);
    // pg_dump verified the server too: the backup exists.
    expect(run.outputs['backup-id']).toMatch(/^tls-1-\d{8}T\d{6}Z$/);
  });

  it('fails clearly with ssl: verify-full when the server certificate is not trusted', async () => {
    const run = await runActionBundle('db-migrate', {
      workspace: makeWorkspace().dir,
      inputs: {
        'database-url': server.url,
        ssl: 'verify-full',
        mode: 'status',
        'working-directory': 'backend',
      },
    });
    expect(run.exitCode).toBe(1);
    expect(run.annotations.filter((a) => a.level === 'error').map((a) => a.message)).toEqual([
      `Cannot connect to PostgreSQL at 127.0.0.1:${server.port}/app as postgres: TLS failed (UNABLE_TO_VERIFY_LEAF_SIGNATURE); for verify-full the server certificate must match the host and chain to a CA in ssl-root-cert (e.g. the RDS bundle). Nothing was changed.`,
    ]);
  });
});
