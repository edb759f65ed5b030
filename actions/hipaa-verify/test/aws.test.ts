/**
 * The AWS checks against a real moto server holding a compliant and a non-compliant set of
 * resources, the PHI scan against log events in moto (true and false positives), and the
 * audit round trip against a local HTTPS API that writes its audit entries to moto's logs.
 *
 * Where moto falls short (said at each place): it drops OriginAccessControlId from CloudFront
 * origins, and it creates a fresh automated snapshot and LatestRestorableTime with every
 * instance; those answers come from the fault proxy in front of moto instead, so the action
 * still parses real wire-format responses.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudFrontClient,
  CreateDistributionCommand,
  type DistributionConfig,
} from '@aws-sdk/client-cloudfront';
import {
  CloudTrailClient,
  CreateTrailCommand,
  StartLoggingCommand,
  StopLoggingCommand,
} from '@aws-sdk/client-cloudtrail';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
  PutRetentionPolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  ElasticLoadBalancingV2Client,
  ModifyLoadBalancerAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateKeyCommand, EnableKeyRotationCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateDBInstanceCommand,
  CreateDBParameterGroupCommand,
  CreateDBSnapshotCommand,
  ModifyDBParameterGroupCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import {
  CreateBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { startMoto, type MotoServer } from '@white-cross/testkit/moto';
import { startAwsProxy, type AwsProxy } from '@white-cross/testkit/aws-proxy';
import { accountHostEnv } from '@white-cross/testkit/account-hosts';
import { makeCertificate, startHttpsServer, type HttpsServer } from '@white-cross/testkit/tls';
import { runActionBundle, runActionBundleAndSignal, type ActionRun } from '@white-cross/testkit/run-action';
import type { Report } from '../src/report.js';

let moto: MotoServer;
let api: HttpsServer;
let caFile: string;
const savedEnv = { ...process.env };
const ids = {} as Record<string, string>;
let logs: CloudWatchLogsClient;
let trail: CloudTrailClient;

const AWS_CHECKS =
  'TLS-006, TLS-007, TLS-008, TLS-009, TLS-010, TLS-011, TLS-012, ENC, AUD-002, AUD-003, AUD-004, AUD-005, AUD-006, ACC-003, ACC-004, ACC-005, ACC-006, ACC-007, BAK, LOG';
const SYNTHETIC = 'ZZTEST Harrowgate\n551-23-4417';

async function putEvents(group: string, stream: string, messages: string[]): Promise<void> {
  await logs
    .send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }))
    .catch(() => undefined);
  const now = Date.now();
  await logs.send(
    new PutLogEventsCommand({
      logGroupName: group,
      logStreamName: stream,
      logEvents: messages.map((message, i) => ({ timestamp: now + i, message })),
    }),
  );
}

/** moto's ACM, reached over its JSON protocol (the package has no ACM client among its dependencies). */
async function requestCertificate(): Promise<string> {
  const res = await fetch(moto.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'CertificateManager.RequestCertificate',
      authorization:
        'AWS4-HMAC-SHA256 Credential=testing/20261121/us-east-1/acm/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: JSON.stringify({ DomainName: 'api.whitecross.example.org' }),
  });
  return ((await res.json()) as { CertificateArn: string }).CertificateArn;
}

function distribution(ref: string, good: boolean): DistributionConfig {
  return {
    CallerReference: ref,
    Comment: ref,
    Enabled: true,
    Origins: {
      Quantity: good ? 1 : 2,
      Items: [
        {
          Id: 'api',
          DomainName: 'alb.whitecross.example.org',
          CustomOriginConfig: {
            HTTPPort: 80,
            HTTPSPort: 443,
            OriginProtocolPolicy: good ? 'https-only' : 'http-only',
          },
        },
        ...(good
          ? []
          : [
              {
                Id: 'site',
                DomainName: 'bad-site.s3.us-east-1.amazonaws.com',
                S3OriginConfig: { OriginAccessIdentity: '' },
              },
            ]),
      ],
    },
    DefaultCacheBehavior: {
      TargetOriginId: 'api',
      ViewerProtocolPolicy: good ? 'redirect-to-https' : 'allow-all',
      MinTTL: 0,
      ForwardedValues: { QueryString: false, Cookies: { Forward: 'none' } },
    },
    ViewerCertificate: good
      ? {
          ACMCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/cf',
          SSLSupportMethod: 'sni-only',
          MinimumProtocolVersion: 'TLSv1.2_2021',
        }
      : { CloudFrontDefaultCertificate: true },
    Logging: {
      Enabled: good,
      IncludeCookies: false,
      Bucket: good ? 'cf-logs.s3.amazonaws.com' : '',
      Prefix: '',
    },
  };
}

beforeAll(async () => {
  moto = await startMoto();
  Object.assign(process.env, moto.env);
  const kms = new KMSClient({});
  const rds = new RDSClient({});
  const s3 = new S3Client({ forcePathStyle: true });
  const elb = new ElasticLoadBalancingV2Client({});
  const ec2 = new EC2Client({});
  const cf = new CloudFrontClient({});
  const ecs = new ECSClient({});
  logs = new CloudWatchLogsClient({});
  trail = new CloudTrailClient({});

  const rotating = (await kms.send(new CreateKeyCommand({ Description: 'phi' }))).KeyMetadata?.Arn as string;
  await kms.send(new EnableKeyRotationCommand({ KeyId: rotating }));
  const stale = (await kms.send(new CreateKeyCommand({ Description: 'not rotating' }))).KeyMetadata
    ?.Arn as string;

  await rds.send(
    new CreateDBParameterGroupCommand({
      DBParameterGroupName: 'school-health-pg15',
      DBParameterGroupFamily: 'postgres15',
      Description: 'TLS only',
    }),
  );
  await rds.send(
    new ModifyDBParameterGroupCommand({
      DBParameterGroupName: 'school-health-pg15',
      Parameters: [{ ParameterName: 'rds.force_ssl', ParameterValue: '1', ApplyMethod: 'immediate' }],
    }),
  );
  const db = {
    DBInstanceClass: 'db.t3.micro',
    Engine: 'postgres',
    MasterUsername: 'app',
    MasterUserPassword: 'not-a-real-password-1',
    AllocatedStorage: 20,
  };
  await rds.send(
    new CreateDBInstanceCommand({
      ...db,
      DBInstanceIdentifier: 'good-db',
      StorageEncrypted: true,
      KmsKeyId: rotating,
      BackupRetentionPeriod: 14,
      DeletionProtection: true,
      MultiAZ: true,
      PubliclyAccessible: false,
      DBParameterGroupName: 'school-health-pg15',
    }),
  );
  await rds.send(
    new CreateDBInstanceCommand({
      ...db,
      DBInstanceIdentifier: 'bad-db',
      StorageEncrypted: false,
      BackupRetentionPeriod: 1,
      PubliclyAccessible: true,
    }),
  );
  await rds.send(
    new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'bad-db', DBSnapshotIdentifier: 'before-migration' }),
  );

  for (const bucket of ['good-site', 'bad-site']) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(
    new PutBucketEncryptionCommand({
      Bucket: 'good-site',
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: stale } }],
      },
    }),
  );
  await s3.send(
    new PutPublicAccessBlockCommand({
      Bucket: 'good-site',
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
    }),
  );
  await s3.send(
    new PutBucketPolicyCommand({
      Bucket: 'good-site',
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'TlsOnly',
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:*',
            Resource: ['arn:aws:s3:::good-site', 'arn:aws:s3:::good-site/*'],
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      }),
    }),
  );
  await s3.send(
    new PutPublicAccessBlockCommand({
      Bucket: 'bad-site',
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: false,
        RestrictPublicBuckets: false,
      },
    }),
  );

  await logs.send(new CreateLogGroupCommand({ logGroupName: '/school-health/api-good', kmsKeyId: rotating }));
  await logs.send(
    new PutRetentionPolicyCommand({ logGroupName: '/school-health/api-good', retentionInDays: 2557 }),
  );
  await logs.send(new CreateLogGroupCommand({ logGroupName: '/school-health/audit', kmsKeyId: rotating }));
  await logs.send(new CreateLogGroupCommand({ logGroupName: '/school-health/api-bad' }));
  await logs.send(
    new PutRetentionPolicyCommand({ logGroupName: '/school-health/api-bad', retentionInDays: 30 }),
  );
  // False positives a naive scan reports: order, invoice and tracking numbers shaped like SSNs, numbers no SSN can have, ids.
  await putEvents('/school-health/api-good', 'api/blue/1', [
    'GET /api/v1/students 200 12ms user=42',
    'order 536-22-1907 shipped to district warehouse',
    'Invoice #412-55-1234 paid',
    'tracking number 551-23-4418 delivered',
    'imported roster: 912-34-5678 rows skipped (area 9xx), ref 000-12-3456',
    'build 2026.11.21 batch 536221907 done',
  ]);
  await putEvents('/school-health/api-bad', 'api/green/7', [
    'created student ssn=536-22-1907 for intake',
    'loaded record of zztest harrowgate (grade 4)',
    'notify parent jane.doe@example.org about immunization',
    'order 536-22-1907 shipped',
  ]);

  const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc?.VpcId as string;
  const subnets: string[] = [];
  for (const [cidr, az] of [
    ['10.0.1.0/24', 'us-east-1a'],
    ['10.0.2.0/24', 'us-east-1b'],
  ]) {
    subnets.push(
      (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: cidr, AvailabilityZone: az }))).Subnet
        ?.SubnetId as string,
    );
  }
  const certificateArn = await requestCertificate();
  for (const kind of ['good', 'bad'] as const) {
    const lb = (
      await elb.send(new CreateLoadBalancerCommand({ Name: `school-health-${kind}`, Subnets: subnets }))
    ).LoadBalancers?.[0]?.LoadBalancerArn as string;
    const tg = (
      await elb.send(
        new CreateTargetGroupCommand({
          Name: `school-health-${kind}`,
          Protocol: 'HTTP',
          Port: 80,
          VpcId: vpc,
          TargetType: 'ip',
        }),
      )
    ).TargetGroups?.[0]?.TargetGroupArn as string;
    const https = await elb.send(
      new CreateListenerCommand({
        LoadBalancerArn: lb,
        Protocol: 'HTTPS',
        Port: 443,
        SslPolicy: kind === 'good' ? 'ELBSecurityPolicy-TLS13-1-2-2021-06' : 'ELBSecurityPolicy-2016-08',
        Certificates: [{ CertificateArn: certificateArn }],
        DefaultActions: [{ Type: 'forward', TargetGroupArn: tg }],
      }),
    );
    ids[`${kind}Listener`] = https.Listeners?.[0]?.ListenerArn as string;
    await elb.send(
      new CreateListenerCommand({
        LoadBalancerArn: lb,
        Protocol: 'HTTP',
        Port: 80,
        DefaultActions:
          kind === 'good'
            ? [
                {
                  Type: 'redirect',
                  RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' },
                },
              ]
            : [{ Type: 'forward', TargetGroupArn: tg }],
      }),
    );
    if (kind === 'good') {
      await elb.send(
        new ModifyLoadBalancerAttributesCommand({
          LoadBalancerArn: lb,
          Attributes: [
            { Key: 'access_logs.s3.enabled', Value: 'true' },
            { Key: 'access_logs.s3.bucket', Value: 'alb-logs' },
          ],
        }),
      );
    }
    ids[`${kind}Distribution`] = (
      await cf.send(
        new CreateDistributionCommand({ DistributionConfig: distribution(kind, kind === 'good') }),
      )
    ).Distribution?.Id as string;
  }

  await ecs.send(new CreateClusterCommand({ clusterName: 'school-health' }));
  const securityGroup = (
    await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'api', Description: 'api tasks', VpcId: vpc }))
  ).GroupId as string;
  for (const kind of ['good', 'bad'] as const) {
    const td = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: `school-health-api-${kind}`,
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [
          {
            name: 'api',
            image: 'school-health-api:1.4.0',
            environment:
              kind === 'good'
                ? [
                    { name: 'NODE_ENV', value: 'production' },
                    {
                      name: 'DB_PASSWORD_ARN',
                      value: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db',
                    },
                  ]
                : [
                    { name: 'NODE_ENV', value: 'production' },
                    { name: 'DB_PASSWORD', value: 'correct-horse-battery' },
                  ],
            secrets: [
              { name: 'JWT_SECRET', valueFrom: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:jwt' },
            ],
          },
        ],
      }),
    );
    await ecs.send(
      new CreateServiceCommand({
        cluster: 'school-health',
        serviceName: `api-${kind}`,
        taskDefinition: td.taskDefinition?.taskDefinitionArn,
        desiredCount: 0,
        launchType: 'FARGATE',
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets,
            securityGroups: [securityGroup],
            assignPublicIp: kind === 'good' ? 'DISABLED' : 'ENABLED',
          },
        },
      }),
    );
  }

  await new S3Client({ forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: 'trail-logs' }));
  await trail.send(
    new CreateTrailCommand({
      Name: 'org-trail',
      S3BucketName: 'trail-logs',
      IsMultiRegionTrail: true,
      EnableLogFileValidation: true,
    }),
  );
  await trail.send(new StartLoggingCommand({ Name: 'org-trail' }));

  // The API writes an audit entry with the request id for every authenticated read.
  const cert = makeCertificate();
  caFile = join(mkdtempSync(join(tmpdir(), 'hv-ca-')), 'ca.pem');
  writeFileSync(caFile, cert.ca);
  let auditSeq = 0;
  api = await startHttpsServer(cert, (req, res) => {
    const requestId = String(req.headers['x-request-id'] ?? '');
    const auth = req.headers.authorization;
    if (
      req.url === '/api/v1/students' &&
      (auth === 'Bearer nurse-token' || auth === 'Bearer unaudited-token')
    ) {
      const write =
        auth === 'Bearer unaudited-token'
          ? Promise.resolve()
          : putEvents('/school-health/audit', `audit-${++auditSeq}`, [
              JSON.stringify({ action: 'students.list', actor: 'nurse-7', requestId }),
            ]);
      void write.then(() => {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end('[]');
      });
      return;
    }
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end('{"error":"unauthorized"}');
  });
}, 60_000);

afterAll(async () => {
  await api?.stop();
  await moto?.stop();
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
});

const results = (run: ActionRun) => (JSON.parse(run.outputs.report ?? '{}') as Report).results;
const verdicts = (run: ActionRun) => Object.fromEntries(results(run).map((r) => [r.id, r.verdict]));
const evidenceOf = (run: ActionRun, id: string) =>
  results(run)
    .find((r) => r.id === id)
    ?.evidence.join('\n') ?? '';

function verify(
  kind: 'good' | 'bad',
  extra: Record<string, string> = {},
  env: Record<string, string> = {},
): Promise<ActionRun> {
  return runActionBundle('hipaa-verify', verifyOptions(kind, extra, env));
}

function verifyOptions(kind: 'good' | 'bad', extra: Record<string, string>, env: Record<string, string>) {
  return {
    // bad-site's partial Block Public Access sends ACC-005 on to the account's (S3 Control).
    env: { ...moto.env, ...accountHostEnv(moto.url), NODE_EXTRA_CA_CERTS: caFile, ...env },
    inputs: {
      checks: AWS_CHECKS,
      'api-url': api.url,
      'auth-token': 'nurse-token',
      'audit-log-group': '/school-health/audit',
      'audit-wait': '3s',
      'listener-arn': ids[`${kind}Listener`],
      'distribution-id': ids[`${kind}Distribution`],
      'db-instance-identifier': `${kind}-db`,
      buckets: `${kind}-site`,
      'log-groups': `/school-health/api-${kind}`,
      'ecs-cluster': 'school-health',
      'ecs-services': `api-${kind}`,
      'synthetic-values': SYNTHETIC,
      'logs-since': '30m',
      ...extra,
    },
  };
}

describe('hipaa-verify against AWS (moto)', () => {
  it('passes a compliant account, except for what moto cannot hold', async () => {
    const run = await verify('good');
    expect(run.stderr).toBe('');
    const v = verdicts(run);
    const notPassed = Object.entries(v).filter(([, verdict]) => verdict !== 'PASS');
    // ENC-005: the bucket's key does not rotate — a finding planted in the compliant set.
    expect(notPassed).toEqual([['ENC-005', 'FAIL']]);
    expect(Object.keys(v)).toHaveLength(29);
    expect(evidenceOf(run, 'ENC-005')).toMatch(
      /FAIL: arn:aws:kms:us-east-1:123456789012:key\/\S+ \(used by s3:\/\/good-site\): rotation off/,
    );
    expect(evidenceOf(run, 'ENC-005')).toMatch(
      /PASS: \S+ \(used by RDS good-db, \/school-health\/api-good, \/school-health\/audit\): enabled, rotation on/,
    );
    expect(evidenceOf(run, 'AUD-002')).toMatch(
      /^marker hipaa-verify-[0-9a-f-]{36} found in \/school-health\/audit after \d+\.\d s$/,
    );
    expect(evidenceOf(run, 'LOG-002')).toMatch(
      /^no PHI patterns in 6 event\(s\) in \/school-health\/api-good since /,
    );
    expect(evidenceOf(run, 'TLS-006')).toBe(
      'policy ELBSecurityPolicy-TLS13-1-2-2021-06 allows TLSv1.3, TLSv1.2',
    );
    expect(run.exitCode).toBe(1);
    expect(run.annotations.filter((a) => a.level === 'error').map((a) => a.message)).toEqual([
      'HIPAA verification failed: 1 check(s) failed (ENC-005); nothing was changed. See the job summary and hipaa-verify-report.json.',
    ]);
  });

  it('fails a non-compliant account on every setting, with the evidence', async () => {
    await trail.send(new StopLoggingCommand({ Name: 'org-trail' }));
    try {
      const run = await verify('bad', { 'audit-wait': '2s' });
      expect(run.exitCode).toBe(1);
      const v = verdicts(run);
      const notFailed = Object.fromEntries(Object.entries(v).filter(([, verdict]) => verdict !== 'FAIL'));
      // ENC-005: only the audit log group uses a key, and it rotates; AUD-002: the API audits its reads;
      // BAK-002/003: moto makes a fresh backup for every instance (the stale case is the fault-proxy test below).
      expect(notFailed).toEqual({
        'ENC-005': 'PASS',
        'AUD-002': 'PASS',
        'BAK-002': 'PASS',
        'BAK-003': 'PASS',
      });
      const expected: Record<string, RegExp> = {
        'TLS-006': /policy ELBSecurityPolicy-2016-08 allows TLSv1.2, TLSv1.1, TLSv1$/,
        'TLS-007': /HTTP :80 default action forward/,
        'TLS-008': /default \(\*\): allow-all/,
        'TLS-009': /default CloudFront certificate/,
        'TLS-010': /origin api \(alb.whitecross.example.org\): http-only/,
        'TLS-011': /rds.force_ssl not set in default\.postgres/,
        'TLS-012': /bad-site: no bucket policy/,
        'ENC-001': /StorageEncrypted false/,
        'ENC-002': /before-migration \(manual\) not encrypted/,
        'ENC-003': /bad-site: no default encryption configured/,
        'ENC-004': /\/school-health\/api-bad: no KMS key/,
        'AUD-003': /\/school-health\/api-bad: 30 day/,
        'AUD-004': /access_logs.s3.enabled is false/,
        'AUD-005': /Logging.Enabled is false/,
        'AUD-006': /org-trail: not logging/,
        'ACC-003': /PubliclyAccessible true/,
        'ACC-004': /school-health\/api-bad: assignPublicIp ENABLED/,
        'ACC-005': /bad-site: blockPublicPolicy, restrictPublicBuckets off/,
        'ACC-006': /origin site \(bad-site.s3.us-east-1.amazonaws.com\): neither OAC nor OAI/,
        'ACC-007': /school-health-api-bad:1 api: DB_PASSWORD \(name looks like a secret\)/,
        'BAK-001': /BackupRetentionPeriod 1 day/,
        'BAK-004': /DeletionProtection false/,
        'BAK-005': /MultiAZ false/,
        'LOG-001':
          /SYNTHETIC in \/school-health\/api-bad \/ api\/green\/7 at \S+: loaded record of \[SYNTHETIC\] \(grade 4\)/,
      };
      for (const [id, pattern] of Object.entries(expected))
        expect([id, evidenceOf(run, id)]).toEqual([id, expect.stringMatching(pattern)]);
      // True positives found with stream and redacted excerpt; the order number in the same group is not one.
      const log2 = results(run).find((r) => r.id === 'LOG-002')?.evidence ?? [];
      expect(log2[0]).toMatch(/^2 finding\(s\) in 4 event\(s\) in \/school-health\/api-bad since /);
      expect(log2.slice(1).map((l) => l.replace(/ at \S+:/, ':'))).toEqual([
        'SSN in /school-health/api-bad / api/green/7: created student ssn=[SSN] for intake',
        'EMAIL in /school-health/api-bad / api/green/7: notify parent [EMAIL] about immunization',
      ]);
      // No secret and no PHI anywhere the run wrote.
      const logged = run.stdout
        .split('\n')
        .filter((l) => !l.startsWith('::add-mask::'))
        .join('\n');
      for (const text of [logged, run.summary, JSON.stringify(run.outputs), JSON.stringify(run.audit)]) {
        expect(text).not.toMatch(/536-22-1907|jane\.doe|correct-horse|nurse-token|harrowgate/i);
      }
    } finally {
      await trail.send(new StartLoggingCommand({ Name: 'org-trail' }));
    }
  });

  it('fails the audit round trip when the read never reaches the audit log', async () => {
    // The API serves this token's reads without writing an audit entry: the gate must notice.
    const run = await verify('good', {
      checks: 'AUD-002',
      'audit-wait': '2s',
      'auth-token': 'unaudited-token',
    });
    expect(run.exitCode).toBe(1);
    expect(evidenceOf(run, 'AUD-002')).toMatch(
      /^marker hipaa-verify-[0-9a-f-]{36} not in \/school-health\/audit after \d\.\d s$/,
    );
    expect(run.stdout).toMatch(/still waiting for the audit entry/);
  });

  // A cancelled workflow run sends SIGINT, then SIGTERM ("Workflow cancellation reference",
  // https://docs.github.com/en/actions/reference/workflow-cancellation-reference). Cancelled
  // while it waits for the audit entry, the verification has half its evidence: it must not
  // write a report from it (a missing source reads as a FAIL), only say it reached no verdict.
  it('SIGTERM while waiting for the audit entry: stops at once, no report and no verdict', async () => {
    const run = await runActionBundleAndSignal('hipaa-verify', {
      ...verifyOptions(
        'good',
        { checks: 'AUD-002,LOG-002', 'audit-wait': '5m', 'auth-token': 'unaudited-token' },
        {},
      ),
      when: (line) => line.includes('still waiting for the audit entry'),
    });
    const message =
      `Cancelled (SIGTERM) while reading the audit trail of ${new URL(api.url).toString()}, before a verdict: no report or output was written, ` +
      'and hipaa-verify changed nothing (it only reads). Re-run the verification for a verdict.';
    expect(run.exitCode).toBe(1);
    expect(run.annotations.filter((a) => a.level === 'error').map((a) => a.message)).toEqual([message]);
    // The next look was 2 s away and the wait 5 min: it stopped at once.
    expect(run.exitedAfterMs).toBeLessThan(2_000);
    expect(run.outputs).toEqual({});
    expect(run.stdout).not.toContain('Could not gather evidence');
    // No source after the signal: the log groups are never scanned for PHI (LOG-002).
    expect(run.stdout).not.toContain('Scanning ');
    expect(run.audit[0]).toMatchObject({
      outcome: 'cancelled',
      cancellation: { signal: 'SIGTERM', stoppedInTime: true },
      facts: { cancelled: { verdict: 'none' } },
    });
    expect(run.audit[0]).not.toHaveProperty('facts.outcome');
  });

  it('fails stale backups (served through the fault proxy: moto always reports fresh ones)', async () => {
    const proxy: AwsProxy = await startAwsProxy(moto.url);
    try {
      const old = new Date(Date.now() - 30 * 3_600_000).toISOString();
      proxy.addFault({
        match: (r, body) =>
          r.operation === 'DescribeDBSnapshots' || body.toString().includes('Action=DescribeDBSnapshots'),
        fault: {
          kind: 'respond',
          status: 200,
          name: 'StaleSnapshots',
          contentType: 'text/xml',
          body: `<DescribeDBSnapshotsResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><DescribeDBSnapshotsResult><DBSnapshots><DBSnapshot><DBSnapshotIdentifier>rds:good-db-old</DBSnapshotIdentifier><DBInstanceIdentifier>good-db</DBInstanceIdentifier><SnapshotType>automated</SnapshotType><Encrypted>true</Encrypted><SnapshotCreateTime>${old}</SnapshotCreateTime></DBSnapshot></DBSnapshots></DescribeDBSnapshotsResult></DescribeDBSnapshotsResponse>`,
        },
      });
      const restorable = new Date(Date.now() - 3 * 3_600_000).toISOString();
      proxy.addFault({
        match: (r) => r.operation === 'DescribeDBInstances',
        fault: {
          kind: 'respond',
          status: 200,
          name: 'StaleRestorableTime',
          contentType: 'text/xml',
          body: `<DescribeDBInstancesResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><DescribeDBInstancesResult><DBInstances><DBInstance><DBInstanceIdentifier>good-db</DBInstanceIdentifier><StorageEncrypted>true</StorageEncrypted><BackupRetentionPeriod>14</BackupRetentionPeriod><LatestRestorableTime>${restorable}</LatestRestorableTime><DeletionProtection>true</DeletionProtection><MultiAZ>true</MultiAZ><PubliclyAccessible>false</PubliclyAccessible><DBParameterGroups><DBParameterGroup><DBParameterGroupName>school-health-pg15</DBParameterGroupName></DBParameterGroup></DBParameterGroups></DBInstance></DBInstances></DescribeDBInstancesResult></DescribeDBInstancesResponse>`,
        },
      });
      const run = await verify(
        'good',
        { checks: 'BAK-001, BAK-002, BAK-003, ENC-002' },
        { AWS_ENDPOINT_URL: proxy.url },
      );
      expect(run.exitCode).toBe(1);
      expect(verdicts(run)).toEqual({
        'BAK-001': 'PASS',
        'BAK-002': 'FAIL',
        'BAK-003': 'FAIL',
        'ENC-002': 'PASS',
      });
      expect(evidenceOf(run, 'BAK-002')).toMatch(/^LatestRestorableTime \S+ \(180 min ago\)$/);
      expect(evidenceOf(run, 'BAK-003')).toMatch(
        /^newest automated snapshot rds:good-db-old at \S+ \(30\.0 h ago\)$/,
      );
    } finally {
      await proxy.stop();
    }
  });

  it('passes an S3 origin behind origin access control (served through the fault proxy: moto drops OriginAccessControlId)', async () => {
    const proxy: AwsProxy = await startAwsProxy(moto.url);
    try {
      proxy.addFault({
        match: (r) => r.method === 'GET' && /\/distribution\/[A-Z0-9]+\/config$/.test(r.path),
        fault: {
          kind: 'respond',
          status: 200,
          name: 'DistributionWithOac',
          contentType: 'text/xml',
          body:
            '<?xml version="1.0" encoding="UTF-8"?><DistributionConfig xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">' +
            '<CallerReference>site</CallerReference><Comment>site</Comment><Enabled>true</Enabled>' +
            '<Origins><Quantity>1</Quantity><Items><Origin><Id>site</Id><DomainName>good-site.s3.us-east-1.amazonaws.com</DomainName>' +
            '<S3OriginConfig><OriginAccessIdentity></OriginAccessIdentity></S3OriginConfig><OriginAccessControlId>E2OACEXAMPLE</OriginAccessControlId></Origin></Items></Origins>' +
            '<DefaultCacheBehavior><TargetOriginId>site</TargetOriginId><ViewerProtocolPolicy>https-only</ViewerProtocolPolicy></DefaultCacheBehavior>' +
            '<Logging><Enabled>true</Enabled><IncludeCookies>false</IncludeCookies><Bucket>cf-logs.s3.amazonaws.com</Bucket><Prefix></Prefix></Logging>' +
            '<ViewerCertificate><ACMCertificateArn>arn:aws:acm:us-east-1:123456789012:certificate/cf</ACMCertificateArn><SSLSupportMethod>sni-only</SSLSupportMethod>' +
            '<MinimumProtocolVersion>TLSv1.2_2021</MinimumProtocolVersion></ViewerCertificate></DistributionConfig>',
        },
      });
      const run = await verify(
        'good',
        { checks: 'ACC-006, TLS-008, TLS-009, TLS-010' },
        { AWS_ENDPOINT_URL: proxy.url },
      );
      expect(proxy.requests.filter((r) => r.fault === 'DistributionWithOac')).toHaveLength(1);
      expect(run.exitCode).toBe(0);
      expect(verdicts(run)).toEqual({
        'ACC-006': 'PASS',
        'TLS-008': 'PASS',
        'TLS-009': 'PASS',
        'TLS-010': 'PASS',
      });
      expect(evidenceOf(run, 'ACC-006')).toBe('PASS: origin site: OAC E2OACEXAMPLE');
      expect(evidenceOf(run, 'TLS-010')).toBe('no custom origins (S3 origins are reached over HTTPS)');
    } finally {
      await proxy.stop();
    }
  });

  it('finds the audit marker past an empty page that carries a nextToken', async () => {
    // FilterLogEvents "can return empty results while there are more log events available
    // through the token" (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilterLogEvents.html):
    // the proxy answers every first page of the marker search that way, as CloudWatch Logs may.
    const proxy: AwsProxy = await startAwsProxy(moto.url);
    try {
      proxy.addFault({
        match: (r, body) => {
          if (r.operation !== 'FilterLogEvents') return false;
          const input = JSON.parse(body.toString('utf8')) as { filterPattern?: string; nextToken?: string };
          return Boolean(input.filterPattern?.includes('hipaa-verify-')) && !input.nextToken;
        },
        fault: { kind: 'emptyPage', tokenField: 'nextToken', page: { events: [], searchedLogStreams: [] } },
      });
      const run = await verify(
        'good',
        { checks: 'AUD-002', 'audit-wait': '3s' },
        { AWS_ENDPOINT_URL: proxy.url },
      );
      expect(proxy.requests.filter((r) => r.fault === 'emptyPage').length).toBeGreaterThan(0);
      expect(evidenceOf(run, 'AUD-002')).toMatch(
        /^marker hipaa-verify-[0-9a-f-]{36} found in \/school-health\/audit after \d+\.\d s$/,
      );
      expect(run.exitCode).toBe(0);
    } finally {
      await proxy.stop();
    }
  });

  it("reads the rotation of a key by its ARN (a bare key id only names keys of the caller's account)", async () => {
    // GetKeyRotationStatus: "To perform this operation on a KMS key in a different AWS account,
    // specify the key ARN in the value of the KeyId parameter"
    // (https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyRotationStatus.html). The
    // proxy answers a bare id as KMS does for a key that lives in another account.
    const proxy: AwsProxy = await startAwsProxy(moto.url);
    try {
      proxy.addFault({
        match: (r, body) =>
          r.operation === 'GetKeyRotationStatus' &&
          !String((JSON.parse(body.toString('utf8')) as { KeyId?: string }).KeyId).startsWith('arn:'),
        fault: {
          kind: 'respond',
          status: 400,
          name: 'NotFoundException',
          contentType: 'application/x-amz-json-1.1',
          body: JSON.stringify({
            __type: 'NotFoundException',
            message: 'Key does not exist in this account',
          }),
        },
      });
      const run = await verify('good', { checks: 'ENC-005' }, { AWS_ENDPOINT_URL: proxy.url });
      expect(proxy.count('GetKeyRotationStatus')).toBeGreaterThan(0);
      expect(proxy.requests.filter((r) => r.fault === 'NotFoundException')).toEqual([]);
      expect(evidenceOf(run, 'ENC-005')).toMatch(/PASS: \S+ \(used by RDS good-db.*\): enabled, rotation on/);
      expect(evidenceOf(run, 'ENC-005')).not.toMatch(/NotFoundException|could not/);
    } finally {
      await proxy.stop();
    }
  });

  it('fails closed when AWS refuses to answer', async () => {
    const run = await verify('good', {
      checks: 'BAK-001, ENC-005',
      'db-instance-identifier': 'no-such-db',
      buckets: 'good-site',
    });
    expect(run.exitCode).toBe(1);
    // The bucket's key was readable, but the instance's is unknown: ENC-005 cannot pass on half the keys.
    expect(evidenceOf(run, 'ENC-005')).toBe(
      'could not be verified: the keys of RDS instance no-such-db are unknown (could not read them)',
    );
    expect(run.annotations).toContainEqual(
      expect.objectContaining({
        level: 'warning',
        message: expect.stringMatching(
          /^Could not gather evidence, reading RDS instance no-such-db: .+; its checks fail\.$/,
        ),
      }),
    );
    expect(evidenceOf(run, 'BAK-001')).toMatch(
      /^could not be verified: reading RDS instance no-such-db: DBInstanceNotFound(Fault)? \(HTTP 404\)/,
    );
  });
});
