/**
 * Settings that live above the resource the check names, read from a real moto:
 * - ACC-005: S3 applies "the most restrictive setting between bucket-level and effective
 *   account-level configurations" (Amazon S3 User Guide, "Configuring block public access
 *   settings for your S3 buckets",
 *   https://docs.aws.amazon.com/AmazonS3/latest/userguide/configuring-block-public-access-bucket.html),
 *   and the account's is read with S3 Control GetPublicAccessBlock, which "returns the effective
 *   account-level configuration"
 *   (https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_GetPublicAccessBlock.html). A
 *   bucket with none of its own in an account that blocks everything is not public.
 * - TLS-011: an Aurora PostgreSQL cluster requires TLS through `rds.force_ssl` in its DB
 *   cluster parameter group (Aurora User Guide, "Security with Amazon Aurora PostgreSQL",
 *   https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraPostgreSQL.Security.html);
 *   the instance parameter group of an Aurora instance does not decide it.
 *
 * S3 Control's host carries the account id (`<account>.localhost:<port>` here): the bundle
 * reaches moto through {@link accountHostEnv}, the action's code unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CreateDBClusterCommand,
  CreateDBClusterParameterGroupCommand,
  CreateDBInstanceCommand,
  CreateDBParameterGroupCommand,
  ModifyDBClusterParameterGroupCommand,
  ModifyDBParameterGroupCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { CreateBucketCommand, PutPublicAccessBlockCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DeletePublicAccessBlockCommand,
  PutPublicAccessBlockCommand as PutAccountPublicAccessBlockCommand,
  type S3ControlClient,
} from '@aws-sdk/client-s3-control';
import { accountHostEnv, directS3Control } from '@white-cross/testkit/account-hosts';
import { startAwsProxy, type AwsProxy } from '@white-cross/testkit/aws-proxy';
import { startMoto, type MotoServer } from '@white-cross/testkit/moto';
import { runActionBundle, type ActionRun } from '@white-cross/testkit/run-action';
import type { Report } from '../src/report.js';

const ACCOUNT = '123456789012'; // moto's account, as STS GetCallerIdentity answers it
const ALL_ON = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
};

let moto: MotoServer;
let proxy: AwsProxy;
let s3control: S3ControlClient;

beforeAll(async () => {
  moto = await startMoto();
  proxy = await startAwsProxy(moto.url);
  const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
  const common = { region: 'us-east-1', endpoint: moto.url, credentials };
  const s3 = new S3Client({ ...common, forcePathStyle: true });
  s3control = directS3Control(moto.url);
  await s3.send(new CreateBucketCommand({ Bucket: 'older-site' }));
  await s3.send(new CreateBucketCommand({ Bucket: 'partial-site' }));
  await s3.send(
    new PutPublicAccessBlockCommand({
      Bucket: 'partial-site',
      PublicAccessBlockConfiguration: { ...ALL_ON, BlockPublicPolicy: false, RestrictPublicBuckets: false },
    }),
  );

  const rds = new RDSClient(common);
  for (const [name, value] of [
    ['tls-cluster-params', '1'],
    ['plain-cluster-params', '0'],
  ] as const) {
    await rds.send(
      new CreateDBClusterParameterGroupCommand({
        DBClusterParameterGroupName: name,
        DBParameterGroupFamily: 'aurora-postgresql15',
        Description: name,
      }),
    );
    await rds.send(
      new ModifyDBClusterParameterGroupCommand({
        DBClusterParameterGroupName: name,
        Parameters: [
          { ParameterName: 'rds.force_ssl', ParameterValue: value, ApplyMethod: 'pending-reboot' },
        ],
      }),
    );
  }
  // An instance parameter group that says 1: for Aurora it must not be what is judged.
  await rds.send(
    new CreateDBParameterGroupCommand({
      DBParameterGroupName: 'aurora-instance-params',
      DBParameterGroupFamily: 'aurora-postgresql15',
      Description: 'instance',
    }),
  );
  await rds.send(
    new ModifyDBParameterGroupCommand({
      DBParameterGroupName: 'aurora-instance-params',
      Parameters: [{ ParameterName: 'rds.force_ssl', ParameterValue: '1', ApplyMethod: 'pending-reboot' }],
    }),
  );
  for (const [cluster, group] of [
    ['tls-aurora', 'tls-cluster-params'],
    ['plain-aurora', 'plain-cluster-params'],
  ] as const) {
    await rds.send(
      new CreateDBClusterCommand({
        DBClusterIdentifier: cluster,
        Engine: 'aurora-postgresql',
        EngineVersion: '15.4',
        MasterUsername: 'postgres',
        MasterUserPassword: 'correct-horse-battery',
        DBClusterParameterGroupName: group,
        StorageEncrypted: true,
      }),
    );
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: `${cluster}-1`,
        DBClusterIdentifier: cluster,
        Engine: 'aurora-postgresql',
        DBInstanceClass: 'db.r6g.large',
        DBParameterGroupName: 'aurora-instance-params',
      }),
    );
  }
}, 60_000);

afterAll(async () => {
  await proxy?.stop();
  await moto?.stop();
});

const verify = (inputs: Record<string, string>, env: Record<string, string> = accountHostEnv(moto.url)) =>
  runActionBundle('hipaa-verify', { env: { ...moto.env, AWS_ENDPOINT_URL: proxy.url, ...env }, inputs });
const result = (run: ActionRun, id: string) =>
  (JSON.parse(run.outputs.report ?? '{}') as Report).results.find((r) => r.id === id);

describe('ACC-005: Block Public Access of the account', () => {
  it('neither the buckets nor the account block public access: refused, naming both levels', async () => {
    await s3control.send(new DeletePublicAccessBlockCommand({ AccountId: ACCOUNT })).catch(() => undefined);
    proxy.reset();
    const run = await verify({ checks: 'ACC-005', buckets: 'older-site, partial-site' });
    expect(run.exitCode).toBe(1);
    expect(result(run, 'ACC-005')).toMatchObject({
      verdict: 'FAIL',
      evidence: [
        'FAIL: older-site: no public access block (bucket or account)',
        'FAIL: partial-site: blockPublicPolicy, restrictPublicBuckets off at bucket and account level',
      ],
    });
    // The account was asked once, for both buckets, with the id STS gave.
    expect(proxy.count('GetCallerIdentity')).toBe(1);
  });

  it('the account blocks everything: the buckets without their own setting are not public', async () => {
    await s3control.send(
      new PutAccountPublicAccessBlockCommand({ AccountId: ACCOUNT, PublicAccessBlockConfiguration: ALL_ON }),
    );
    try {
      const run = await verify({ checks: 'ACC-005', buckets: 'older-site, partial-site' });
      expect([run.exitCode, run.stderr]).toEqual([0, '']);
      expect(result(run, 'ACC-005')).toMatchObject({
        verdict: 'PASS',
        evidence: [
          "PASS: older-site: all four on (blockPublicAcls, ignorePublicAcls, blockPublicPolicy, restrictPublicBuckets from the account's setting)",
          "PASS: partial-site: all four on (blockPublicPolicy, restrictPublicBuckets from the account's setting)",
        ],
      });
    } finally {
      await s3control.send(new DeletePublicAccessBlockCommand({ AccountId: ACCOUNT }));
    }
  });

  it('the account blocks only ACLs: what neither level blocks is still refused', async () => {
    await s3control.send(
      new PutAccountPublicAccessBlockCommand({
        AccountId: ACCOUNT,
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true },
      }),
    );
    try {
      const run = await verify({ checks: 'ACC-005', buckets: 'older-site' });
      expect(result(run, 'ACC-005')?.evidence).toEqual([
        'FAIL: older-site: blockPublicPolicy, restrictPublicBuckets off at bucket and account level',
      ]);
    } finally {
      await s3control.send(new DeletePublicAccessBlockCommand({ AccountId: ACCOUNT }));
    }
  });
});

describe('TLS-011 on Aurora: the DB cluster parameter group', () => {
  it('passes on the cluster group with rds.force_ssl = 1', async () => {
    const run = await verify({ checks: 'TLS-011', 'db-instance-identifier': 'tls-aurora-1' });
    expect(result(run, 'TLS-011')).toMatchObject({
      verdict: 'PASS',
      evidence: ['rds.force_ssl = 1 in DB cluster parameter group tls-cluster-params'],
    });
  });

  it('fails on the cluster group with rds.force_ssl = 0, whatever the instance group says', async () => {
    proxy.reset();
    const run = await verify({ checks: 'TLS-011', 'db-instance-identifier': 'plain-aurora-1' });
    expect(run.exitCode).toBe(1);
    expect(result(run, 'TLS-011')).toMatchObject({
      verdict: 'FAIL',
      evidence: ['rds.force_ssl = 0 in DB cluster parameter group plain-cluster-params'],
    });
    expect(proxy.count('DescribeDBParameters')).toBe(0);
  });
});
