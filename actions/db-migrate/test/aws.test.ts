/**
 * Backups kept in AWS, through a real moto server reached with the SDK's standard
 * AWS_ENDPOINT_URL: a pg_dump backup written to S3 with SSE-KMS (and restored from its
 * s3:// URI), and an RDS snapshot backup of an instance created in moto. The database is a
 * real PostgreSQL 15; moto's RDS instance only stands for it (moto runs no database engine).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CreateBucketCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBSnapshotsCommand,
  ListTagsForResourceCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import {
  runActionBundle,
  startAwsProxy,
  startMoto,
  type AwsProxy,
  type FaultRule,
  startPostgres,
  type ActionRun,
  type MotoServer,
  type PostgresServer,
} from '@white-cross/testkit';
import {
  FAST_COMMANDS,
  GOOD_MIGRATION,
  SAMPLE_MIGRATIONS,
  cloneDatabase,
  createMigratedTemplate,
  dataFingerprint,
  expectNoSecrets,
  makeWorkspace,
  removeWorkspaces,
  recorded,
  type Workspace,
} from './fixtures.js';

let server: PostgresServer;
let moto: MotoServer;
let databaseCount = 0;
const clientConfig = () => ({
  region: 'us-east-1',
  endpoint: moto.url,
  forcePathStyle: true,
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
});

beforeAll(async () => {
  [server, moto] = await Promise.all([startPostgres({ password: 'Aws-Secret-90d2' }), startMoto()]);
  createMigratedTemplate(server, 'migrated_template');
}, 60_000);

afterAll(async () => {
  removeWorkspaces();
  await Promise.all([server?.stop(), moto?.stop()]);
});

function newDatabase(): { name: string; url: string } {
  const name = `aws_${++databaseCount}`;
  return { name, url: cloneDatabase(server, 'migrated_template', name) };
}

function runIn(ws: Workspace, inputs: Record<string, string>): Promise<ActionRun> {
  return runActionBundle('db-migrate', {
    workspace: ws.dir,
    env: moto.env,
    inputs: {
      ssl: 'disable',
      'working-directory': 'backend',
      'pg-bin-dir': server.binDir,
      ...FAST_COMMANDS,
      ...inputs,
    },
  });
}

describe('db-migrate backups in AWS', () => {
  it('writes the pg_dump backup to S3 with SSE-KMS, and restores it from its s3:// URI', async () => {
    const s3 = new S3Client(clientConfig());
    await s3.send(new CreateBucketCommand({ Bucket: 'school-health-db-backups' }));
    // moto records the KMS key an object is encrypted with without requiring it to exist.
    const keyId = 'arn:aws:kms:us-east-1:123456789012:key/5f0c3c5e-8d8c-4b7e-9a51-1d2b6c1e9f00';
    const ws = makeWorkspace();
    ws.addMigration(GOOD_MIGRATION.name, GOOD_MIGRATION.source);
    const db = newDatabase();
    const before = dataFingerprint(server, db.name);

    const run = await runIn(ws, {
      'database-url': db.url,
      'backup-location': 's3://school-health-db-backups/staging/db',
      'kms-key-id': keyId,
    });

    expect(run.annotations.filter((a) => a.level === 'error')).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.outputs.applied ?? '')).toEqual([GOOD_MIGRATION.name]);
    const id = run.outputs['backup-id'] ?? '';
    expect(run.outputs['backup-location']).toBe(`s3://school-health-db-backups/staging/db/${id}.dump`);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'school-health-db-backups' }));
    expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual([
      `staging/db/${id}.dump`,
      `staging/db/${id}.manifest.json`,
    ]);
    for (const object of listed.Contents ?? []) {
      const head = await s3.send(
        new HeadObjectCommand({ Bucket: 'school-health-db-backups', Key: object.Key }),
      );
      expect(head.ServerSideEncryption).toBe('aws:kms');
      expect(head.SSEKMSKeyId).toContain(keyId);
    }
    expectNoSecrets(run, [server.password, db.url]);

    const restore = await runIn(ws, {
      'database-url': db.url,
      mode: 'restore',
      'restore-from': run.outputs['backup-location'] ?? '',
      'backup-location': 's3://school-health-db-backups/staging/db',
      'kms-key-id': keyId,
    });
    expect(restore.annotations.filter((a) => a.level === 'error')).toEqual([]);
    expect(restore.exitCode).toBe(0);
    expect(recorded(server, db.name)).toEqual(SAMPLE_MIGRATIONS);
    expect(dataFingerprint(server, db.name)).toEqual(before);
  });

  it('takes an RDS snapshot of the instance, tagged with the run, when backup is rds-snapshot', async () => {
    const rds = new RDSClient(clientConfig());
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: 'school-health-staging',
        DBInstanceClass: 'db.t3.micro',
        Engine: 'postgres',
        EngineVersion: '15.5',
        MasterUsername: 'postgres',
        MasterUserPassword: 'not-used-by-this-test',
        AllocatedStorage: 20,
        StorageEncrypted: true,
      }),
    );
    const ws = makeWorkspace();
    ws.addMigration(GOOD_MIGRATION.name, GOOD_MIGRATION.source);
    const db = newDatabase();

    const run = await runIn(ws, {
      'database-url': db.url,
      backup: 'rds-snapshot',
      'db-instance-identifier': 'school-health-staging',
    });

    expect(run.annotations.filter((a) => a.level !== 'debug').map((a) => a.message)).toEqual([
      `TLS is off (ssl: disable) for 127.0.0.1:${server.port}/${db.name} as postgres: allowed only because the database is on this machine.`,
    ]);
    expect(run.exitCode).toBe(0);
    const id = run.outputs['backup-id'] ?? '';
    expect(id).toMatch(/^school-health-staging-db-migrate-\d{8}t\d{6}z$/);
    const snapshots = await rds.send(
      new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'school-health-staging' }),
    );
    const snapshot = (snapshots.DBSnapshots ?? []).find((s) => s.DBSnapshotIdentifier === id);
    expect(snapshot?.Status).toBe('available');
    expect(run.outputs['backup-location']).toBe(snapshot?.DBSnapshotArn);
    const tags = await rds.send(new ListTagsForResourceCommand({ ResourceName: snapshot?.DBSnapshotArn }));
    expect(tags.TagList).toEqual(
      expect.arrayContaining([
        { Key: 'white-cross:action', Value: 'db-migrate' },
        { Key: 'white-cross:run-id', Value: '4242' },
        { Key: 'white-cross:database', Value: db.name },
      ]),
    );
    expect(recorded(server, db.name)).toEqual([...SAMPLE_MIGRATIONS, GOOD_MIGRATION.name]);
    expect(run.summary).toContain(`| ${id} | rds-snapshot | migration | ${snapshot?.DBSnapshotArn} |`);
  });

  it('stops before migrating when the RDS instance does not exist', async () => {
    const ws = makeWorkspace();
    ws.addMigration(GOOD_MIGRATION.name, GOOD_MIGRATION.source);
    const db = newDatabase();
    const run = await runIn(ws, {
      'database-url': db.url,
      backup: 'rds-snapshot',
      'db-instance-identifier': 'no-such-instance',
    });
    expect(run.exitCode).toBe(1);
    expect(run.annotations.filter((a) => a.level === 'error').map((a) => a.message)).toEqual([
      "RDS instance 'no-such-instance' does not exist in this account and region. Nothing was changed.",
    ]);
    expect(recorded(server, db.name)).toEqual(SAMPLE_MIGRATIONS);
  });
});

describe('db-migrate RDS snapshots as RDS behaves', () => {
  let proxy: AwsProxy;
  beforeAll(async () => {
    proxy = await startAwsProxy(moto.url);
  });
  afterAll(async () => {
    await proxy?.stop();
  });

  async function instance(id: string, extra: Record<string, unknown> = {}): Promise<void> {
    await new RDSClient(clientConfig()).send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: id,
        DBInstanceClass: 'db.t3.micro',
        Engine: 'postgres',
        EngineVersion: '15.5',
        MasterUsername: 'postgres',
        MasterUserPassword: 'not-used-by-this-test',
        AllocatedStorage: 20,
        StorageEncrypted: true,
        ...extra,
      }),
    );
  }

  function viaProxy(ws: Workspace, inputs: Record<string, string>): Promise<ActionRun> {
    return runActionBundle('db-migrate', {
      workspace: ws.dir,
      env: { ...moto.env, AWS_ENDPOINT_URL: proxy.url },
      inputs: {
        ssl: 'disable',
        'working-directory': 'backend',
        'pg-bin-dir': server.binDir,
        ...FAST_COMMANDS,
        ...inputs,
      },
    });
  }

  /**
   * moto's instances are always `available`; RDS answers `backing-up` during its automated
   * backup window, and CreateDBSnapshot then fails with InvalidDBInstanceState ("the source DB
   * instance must be in the available or storage-optimization state",
   * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBSnapshot.html).
   * The proxy plays that state in DescribeDBInstances' own wire format
   * (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBInstances.html).
   */
  const backingUp = (id: string): FaultRule['fault'] => ({
    kind: 'respond',
    status: 200,
    name: 'backing-up',
    contentType: 'text/xml',
    body:
      `<DescribeDBInstancesResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><DescribeDBInstancesResult><DBInstances><DBInstance>` +
      `<DBInstanceIdentifier>${id}</DBInstanceIdentifier><DBInstanceStatus>backing-up</DBInstanceStatus><Engine>postgres</Engine>` +
      `<EngineVersion>15.5</EngineVersion><StorageEncrypted>true</StorageEncrypted></DBInstance></DBInstances></DescribeDBInstancesResult>` +
      `<ResponseMetadata><RequestId>wcd-fault</RequestId></ResponseMetadata></DescribeDBInstancesResponse>`,
  });

  it('waits while the instance is backing-up, with progress lines, then takes the snapshot', async () => {
    await instance('health-backing-up');
    proxy.reset();
    proxy.clearFaults();
    proxy.addFault({
      match: (r) => r.operation === 'DescribeDBInstances',
      times: 2,
      fault: backingUp('health-backing-up'),
    });
    const ws = makeWorkspace();
    ws.addMigration(GOOD_MIGRATION.name, GOOD_MIGRATION.source);
    const db = newDatabase();

    const run = await viaProxy(ws, {
      'database-url': db.url,
      backup: 'rds-snapshot',
      'db-instance-identifier': 'health-backing-up',
      'snapshot-timeout': '60s',
    });

    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain(
      'RDS instance health-backing-up is backing-up; waiting for it to be available before the snapshot',
    );
    const order = proxy.requests.map((r) => r.operation).filter((o) => /DBInstances|DBSnapshot$/.test(o));
    expect(order.slice(0, 4)).toEqual([
      'DescribeDBInstances',
      'DescribeDBInstances',
      'DescribeDBInstances',
      'CreateDBSnapshot',
    ]);
  });

  it('fails clearly, before any change, when the instance stays backing-up past snapshot-timeout', async () => {
    await instance('health-stuck');
    proxy.reset();
    proxy.clearFaults();
    proxy.addFault({ match: (r) => r.operation === 'DescribeDBInstances', fault: backingUp('health-stuck') });
    const ws = makeWorkspace();
    ws.addMigration(GOOD_MIGRATION.name, GOOD_MIGRATION.source);
    const db = newDatabase();

    const run = await viaProxy(ws, {
      'database-url': db.url,
      backup: 'rds-snapshot',
      'db-instance-identifier': 'health-stuck',
      'snapshot-timeout': '3s',
    });

    expect(run.exitCode).toBe(1);
    const error = run.annotations.find((a) => a.level === 'error')?.message ?? '';
    expect(error).toMatch(
      /^RDS instance health-stuck was still backing-up after .+ \(snapshot-timeout .+\): a snapshot needs it available\. Nothing was changed\.$/,
    );
    expect(proxy.count('CreateDBSnapshot')).toBe(0);
    expect(recorded(server, db.name)).toEqual(SAMPLE_MIGRATIONS);
    proxy.clearFaults();
  });

  it('prunes the older manual snapshots it made beyond snapshot-retention, and no other snapshot', async () => {
    await instance('health-pruned');
    const rds = new RDSClient(clientConfig());
    const ours = [{ Key: 'white-cross:action', Value: 'db-migrate' }];
    for (const id of ['health-pruned-db-migrate-old-1', 'health-pruned-db-migrate-old-2']) {
      await rds.send(
        new CreateDBSnapshotCommand({
          DBInstanceIdentifier: 'health-pruned',
          DBSnapshotIdentifier: id,
          Tags: ours,
        }),
      );
    }
    await rds.send(
      new CreateDBSnapshotCommand({
        DBInstanceIdentifier: 'health-pruned',
        DBSnapshotIdentifier: 'health-pruned-by-a-person',
      }),
    );
    const ws = makeWorkspace();
    ws.addMigration(GOOD_MIGRATION.name, GOOD_MIGRATION.source);
    const db = newDatabase();

    const run = await runIn(ws, {
      'database-url': db.url,
      backup: 'rds-snapshot',
      'db-instance-identifier': 'health-pruned',
      'snapshot-retention': '2',
    });

    expect(run.exitCode).toBe(0);
    const id = run.outputs['backup-id'] ?? '';
    const left = await rds.send(
      new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'health-pruned', SnapshotType: 'manual' }),
    );
    expect((left.DBSnapshots ?? []).map((s) => s.DBSnapshotIdentifier).sort()).toEqual(
      ['health-pruned-by-a-person', 'health-pruned-db-migrate-old-2', id].sort(),
    );
    expect(run.stdout).toContain(
      'Pruned 1 older snapshot(s) made by db-migrate (snapshot-retention: keep the newest 2): health-pruned-db-migrate-old-1.',
    );
  });

  /**
   * Aurora: an instance of a cluster is backed up with CreateDBClusterSnapshot, which needs the
   * cluster `available` ("The DB cluster must be in the available state",
   * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBClusterSnapshot.html);
   * DescribeDBInstances names the cluster in DBClusterIdentifier. moto's clusters are always
   * `available`: the proxy answers the first DescribeDBClusters with `backing-up`, in moto's own
   * wire format.
   */
  it('Aurora: waits for the cluster, then takes a tagged DB cluster snapshot (never an instance snapshot)', async () => {
    const rds = new RDSClient(clientConfig());
    await rds.send(
      new CreateDBClusterCommand({
        DBClusterIdentifier: 'health-aurora',
        Engine: 'aurora-postgresql',
        EngineVersion: '15.4',
        MasterUsername: 'postgres',
        MasterUserPassword: 'not-used-by-this-test',
        StorageEncrypted: true,
      }),
    );
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: 'health-aurora-1',
        DBClusterIdentifier: 'health-aurora',
        Engine: 'aurora-postgresql',
        DBInstanceClass: 'db.r6g.large',
      }),
    );
    proxy.reset();
    proxy.clearFaults();
    proxy.addFault({
      match: (r) => r.operation === 'DescribeDBClusters',
      times: 1,
      fault: {
        kind: 'rewrite',
        name: 'cluster-backing-up',
        transform: (body) => body.replace(/<Status>available<\/Status>/g, '<Status>backing-up</Status>'),
      },
    });
    const ws = makeWorkspace();
    ws.addMigration(GOOD_MIGRATION.name, GOOD_MIGRATION.source);
    const db = newDatabase();

    const run = await viaProxy(ws, {
      'database-url': db.url,
      backup: 'rds-snapshot',
      'db-instance-identifier': 'health-aurora-1',
      'snapshot-timeout': '60s',
    });

    expect([run.exitCode, run.stderr]).toEqual([0, '']);
    expect(proxy.requests.filter((r) => r.fault === 'cluster-backing-up')).toHaveLength(1);
    expect(run.stdout).toContain(
      'Aurora cluster health-aurora (of instance health-aurora-1) is backing-up; waiting for it to be available before the snapshot',
    );
    const id = run.outputs['backup-id'] ?? '';
    expect(id).toMatch(/^health-aurora-db-migrate-\d{8}t\d{6}z$/);
    const order = proxy.requests.map((r) => r.operation).filter((o) => /DBClusters?|Snapshot/.test(o));
    expect(order.slice(0, 3)).toEqual([
      'DescribeDBClusters',
      'DescribeDBClusters',
      'CreateDBClusterSnapshot',
    ]);
    expect(proxy.count('CreateDBSnapshot')).toBe(0);
    const [snapshot] =
      (await rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: id })))
        .DBClusterSnapshots ?? [];
    expect(snapshot).toMatchObject({ DBClusterIdentifier: 'health-aurora', Status: 'available' });
    expect(run.outputs['backup-location']).toBe(snapshot?.DBClusterSnapshotArn);
    const tags = await rds.send(
      new ListTagsForResourceCommand({ ResourceName: snapshot?.DBClusterSnapshotArn }),
    );
    expect(tags.TagList).toEqual(
      expect.arrayContaining([{ Key: 'white-cross:action', Value: 'db-migrate' }]),
    );
    expect(recorded(server, db.name)).toEqual([...SAMPLE_MIGRATIONS, GOOD_MIGRATION.name]);
  });
});
