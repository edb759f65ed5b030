/**
 * Recorded requests evaluated as IAM would: the proxy learns which role each access key was
 * issued for (from the AssumeRoleWithWebIdentity answer), and evaluateRecording holds each
 * request signed with it to that role's policy; a request signed with other keys (the
 * harness's) is not attributed.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { startAwsProxy, startMoto, type AwsProxy, type MotoServer } from '../src/index.js';
import { authorizationsOf, evaluateRecording } from '../src/iam/recorded.js';
import type { PolicyDocument } from '../src/iam/index.js';

const ACCOUNT = '123456789012';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/app-deploy`;
const SERVICE = (name: string) => `arn:aws:ecs:us-east-1:${ACCOUNT}:service/app/${name}`;
const POLICY: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    { Sid: 'TheBlueService', Effect: 'Allow', Action: ['ecs:DescribeServices'], Resource: [SERVICE('blue')] },
    { Sid: 'NeverUsed', Effect: 'Allow', Action: ['ecs:UpdateService'], Resource: [SERVICE('blue')] },
  ],
};

let moto: MotoServer;
let proxy: AwsProxy;

beforeAll(async () => {
  moto = await startMoto();
  proxy = await startAwsProxy(moto.url);
}, 60_000);

afterAll(async () => {
  await proxy?.stop();
  await moto?.stop();
});

const admin = { accessKeyId: 'testing', secretAccessKey: 'testing' };

describe('evaluateRecording', () => {
  it('attributes requests to the role their keys were issued for, names each denial, and reports unused statements', async () => {
    const sts = new STSClient({ region: 'us-east-1', endpoint: proxy.url, credentials: admin });
    const assumed = await sts.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: ROLE,
        RoleSessionName: 'job',
        WebIdentityToken: 'header.payload.signature',
      }),
    );
    const c = assumed.Credentials;
    expect(proxy.roles.get(c?.AccessKeyId ?? '')).toBe(ROLE);
    const ecs = new ECSClient({
      region: 'us-east-1',
      endpoint: proxy.url,
      maxAttempts: 1,
      credentials: {
        accessKeyId: c?.AccessKeyId ?? '',
        secretAccessKey: c?.SecretAccessKey ?? '',
        sessionToken: c?.SessionToken ?? '',
      },
    });
    // moto answers (the cluster does not exist); IAM would have judged the request first.
    await ecs
      .send(new DescribeServicesCommand({ cluster: 'app', services: ['blue'] }))
      .catch(() => undefined);
    await ecs
      .send(new UpdateServiceCommand({ cluster: 'app', service: 'green', desiredCount: 1 }))
      .catch(() => undefined);
    // The harness's own request: admin keys, not attributed.
    const harness = new ECSClient({ region: 'us-east-1', endpoint: proxy.url, credentials: admin });
    await harness
      .send(new DescribeServicesCommand({ cluster: 'app', services: ['green'] }))
      .catch(() => undefined);

    const result = await evaluateRecording(proxy.requests, proxy.roles, { [ROLE]: POLICY });
    expect(result.unattributed).toBe(2); // the unsigned AssumeRoleWithWebIdentity and the harness
    expect(result.roles).toHaveLength(1);
    const [role] = result.roles;
    expect(role?.denied.map((d) => d.message)).toEqual([
      `ecs UpdateService: ecs:UpdateService on ${SERVICE('green')} is ImplicitlyDenied; statements with this action: NeverUsed (resource does not match)`,
    ]);
    expect(role?.unusedStatements).toEqual(['NeverUsed']);
    ecs.destroy();
    harness.destroy();
    sts.destroy();
  }, 60_000);
});

describe('authorizationsOf', () => {
  const record = (over: Partial<Parameters<typeof authorizationsOf>[0]>) => ({
    operation: '',
    method: 'GET',
    path: '/',
    headers: {},
    bytes: 0,
    at: 0,
    ...over,
  });

  it('S3: a HEAD answered 404 needs s3:ListBucket as well as s3:GetObject (HeadObject, "Permissions")', () => {
    expect(
      authorizationsOf(
        record({ service: 's3', method: 'HEAD', path: '/audit/evidence/x.json', status: 404 }),
        ACCOUNT,
      ).map((a) => `${a.action} ${a.resource}`),
    ).toEqual(['s3:GetObject arn:aws:s3:::audit/evidence/x.json', 's3:ListBucket arn:aws:s3:::audit']);
  });

  it('RDS: a snapshot is deleted with the tags it was created with as aws:ResourceTag', () => {
    const tags = new Map<string, Record<string, string>>();
    const create = new URLSearchParams({
      Action: 'CreateDBSnapshot',
      DBInstanceIdentifier: 'db1',
      DBSnapshotIdentifier: 'db1-db-migrate-1',
      'Tags.Tag.1.Key': 'white-cross:action',
      'Tags.Tag.1.Value': 'db-migrate',
    }).toString();
    const created = authorizationsOf(
      record({ service: 'rds', operation: 'CreateDBSnapshot', method: 'POST', body: create }),
      ACCOUNT,
      tags,
    );
    expect(created.map((a) => a.action)).toEqual([
      'rds:CreateDBSnapshot',
      'rds:CreateDBSnapshot',
      'rds:AddTagsToResource',
    ]);
    const deleted = authorizationsOf(
      record({
        service: 'rds',
        operation: 'DeleteDBSnapshot',
        method: 'POST',
        body: 'Action=DeleteDBSnapshot&DBSnapshotIdentifier=db1-db-migrate-1',
      }),
      ACCOUNT,
      tags,
    );
    expect(deleted).toEqual([
      expect.objectContaining({
        action: 'rds:DeleteDBSnapshot',
        resource: `arn:aws:rds:us-east-1:${ACCOUNT}:snapshot:db1-db-migrate-1`,
        context: { 'aws:ResourceTag/white-cross:action': 'db-migrate' },
      }),
    ]);
  });
});
