/**
 * A real PostgreSQL 15 server in a temporary directory on a free port. initdb and pg_ctl
 * refuse to run as root, so when the tests run as root (as CI does) the server runs as the
 * `postgres` user, in a directory that user can enter.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export interface PostgresServer {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** `postgresql://user:password@127.0.0.1:port/database` */
  url: string;
  /** The folder of the server's binaries (pg_dump, pg_restore, psql of the same version). */
  binDir: string;
  /** Runs SQL with psql as the superuser; returns its stdout (unaligned, tuples only). */
  psql(sql: string, database?: string): string;
  /** Creates a database and returns its URL. */
  createDatabase(name: string): string;
  stop(): Promise<void>;
}

/** Where PostgreSQL's server binaries are: PG_BIN, pg_config --bindir, or Debian's layout. */
export function postgresBinDir(): string {
  const candidates: string[] = [];
  if (process.env.PG_BIN) candidates.push(process.env.PG_BIN);
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    for (const v of readdirSync(debian).sort((a, b) => Number(b) - Number(a)))
      candidates.push(join(debian, v, 'bin'));
  }
  const pgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (pgConfig.status === 0) candidates.push(pgConfig.stdout.trim());
  const found = candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
  if (!found)
    throw new Error(
      'PostgreSQL server binaries (initdb, pg_ctl) not found: install postgresql-15 or set PG_BIN',
    );
  return found;
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

export async function startPostgres(
  options: { password?: string; database?: string } = {},
): Promise<PostgresServer> {
  const binDir = postgresBinDir();
  const port = await freePort();
  const user = 'postgres';
  const password = options.password ?? 'pg-test-secret-4711';
  const database = options.database ?? 'app';
  const root = mkdtempSync(join(tmpdir(), 'wcd-pg-'));
  const dataDir = join(root, 'data');
  const pwFile = join(root, 'pw');
  writeFileSync(pwFile, `${password}\n`);
  const asPostgres = isRoot();
  if (asPostgres) {
    chmodSync(root, 0o755);
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(root, uid, gid);
    chownSync(pwFile, uid, gid);
  }
  const run = (file: string, args: string[]) => {
    const [cmd, cmdArgs] = asPostgres ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
    const result = spawnSync(cmd, cmdArgs, { encoding: 'utf8', cwd: root });
    if (result.status !== 0) {
      throw new Error(
        `${file} ${args.join(' ')} failed (${result.status}): ${result.stderr || result.stdout}`,
      );
    }
    return result.stdout;
  };
  run(join(binDir, 'initdb'), [
    '-D',
    dataDir,
    '-U',
    user,
    '--auth=scram-sha-256',
    `--pwfile=${pwFile}`,
    '-E',
    'UTF8',
    '--locale=C',
    '-N',
  ]);
  const serverOptions = `-c listen_addresses=127.0.0.1 -p ${port} -k ${root} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50`;
  run(join(binDir, 'pg_ctl'), [
    '-D',
    dataDir,
    '-l',
    join(root, 'server.log'),
    '-o',
    serverOptions,
    '-w',
    '-t',
    '60',
    'start',
  ]);
  const env = { ...process.env, PGPASSWORD: password };
  const psql = (sql: string, db = database) => {
    const result = spawnSync(
      join(binDir, 'psql'),
      [
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-U',
        user,
        '-d',
        db,
        '-v',
        'ON_ERROR_STOP=1',
        '-At',
        '-c',
        sql,
      ],
      { encoding: 'utf8', env },
    );
    if (result.status !== 0) throw new Error(`psql failed: ${result.stderr}`);
    return result.stdout.trim();
  };
  const urlFor = (db: string) =>
    `postgresql://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${db}`;
  psql(`CREATE DATABASE "${database}"`, 'postgres');
  return {
    host: '127.0.0.1',
    port,
    user,
    password,
    database,
    url: urlFor(database),
    binDir,
    psql,
    createDatabase: (name) => {
      psql(`CREATE DATABASE "${name}"`, 'postgres');
      return urlFor(name);
    },
    stop: async () => {
      try {
        run(join(binDir, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
}
