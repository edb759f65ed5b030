/**
 * Thin AWS readers: each turns API answers into the evidence the checks judge. Nothing here
 * changes AWS; every call is a Describe/Get/List.
 */
import type { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { GetDistributionConfigCommand } from '@aws-sdk/client-cloudfront';
import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { DescribeTrailsCommand, GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeLogGroupsCommand, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { ECSClient } from '@aws-sdk/client-ecs';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  DescribeListenersCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeSSLPoliciesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { KMSClient } from '@aws-sdk/client-kms';
import { DescribeKeyCommand, GetKeyRotationStatusCommand } from '@aws-sdk/client-kms';
import type { RDSClient } from '@aws-sdk/client-rds';
import {
  DescribeDBClusterParametersCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBParametersCommand,
  DescribeDBSnapshotsCommand,
} from '@aws-sdk/client-rds';
import type { S3Client } from '@aws-sdk/client-s3';
import type { S3ControlClient } from '@aws-sdk/client-s3-control';
import { GetPublicAccessBlockCommand as GetAccountPublicAccessBlockCommand } from '@aws-sdk/client-s3-control';
import type { STSClient } from '@aws-sdk/client-sts';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import {
  GetBucketEncryptionCommand,
  GetBucketPolicyCommand,
  GetPublicAccessBlockCommand,
} from '@aws-sdk/client-s3';
import { awsCall, awsErrorText, isAwsError, type AwsCallOptions } from '@white-cross/aws';
import { secretLikeReason } from '../checks/access.js';
import type {
  AlbEvidence,
  BucketEvidence,
  CloudFrontEvidence,
  EcsEvidence,
  KeyEvidence,
  LogGroupEvidence,
  PhiFinding,
  RdsEvidence,
  TrailEvidence,
} from '../model.js';
import { redactedExcerpt, scanLine } from '../phi-scan.js';

export interface AwsClients {
  elbv2: ElasticLoadBalancingV2Client;
  cloudfront: CloudFrontClient;
  rds: RDSClient;
  s3: S3Client;
  logs: CloudWatchLogsClient;
  kms: KMSClient;
  cloudtrail: CloudTrailClient;
  ecs: ECSClient;
  s3control: S3ControlClient;
  sts: STSClient;
  /** How calls are retried and their waits logged (the one retry layer, awsCall). */
  calls?: AwsCallOptions;
}

/** One read through awsCall: the suite's retry, logged waits, one failure wording. */
function send<T>(c: AwsClients, operation: string, resource: string, read: () => Promise<T>): Promise<T> {
  return awsCall({ operation, resource, leftAs: 'hipaa-verify changes nothing.' }, read, c.calls);
}
const iso = (d: Date | undefined) => (d ? d.toISOString() : undefined);

/** The HTTPS listener, its SSL policy's protocols, the plain HTTP listeners beside it and the access-log attributes. */
export async function readAlb(c: AwsClients, listenerArn: string): Promise<AlbEvidence> {
  const [listener] =
    (
      await send(c, 'DescribeListeners', listenerArn, () =>
        c.elbv2.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] })),
      )
    ).Listeners ?? [];
  if (!listener) throw new Error(`listener ${listenerArn} not found`);
  const all =
    (
      await send(c, 'DescribeListeners', listener.LoadBalancerArn ?? listenerArn, () =>
        c.elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: listener.LoadBalancerArn })),
      )
    ).Listeners ?? [];
  let policyProtocols: string[] | undefined;
  if (listener.SslPolicy) {
    const [policy] =
      (
        await send(c, 'DescribeSSLPolicies', String(listener.SslPolicy), () =>
          c.elbv2.send(new DescribeSSLPoliciesCommand({ Names: [listener.SslPolicy as string] })),
        )
      ).SslPolicies ?? [];
    policyProtocols = policy?.SslProtocols;
  }
  const attributes =
    (
      await send(c, 'DescribeLoadBalancerAttributes', listener.LoadBalancerArn ?? listenerArn, () =>
        c.elbv2.send(
          new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: listener.LoadBalancerArn }),
        ),
      )
    ).Attributes ?? [];
  const attr = (key: string) => attributes.find((a) => a.Key === key)?.Value;
  return {
    listenerArn,
    protocol: listener.Protocol ?? '?',
    sslPolicy: listener.SslPolicy,
    policyProtocols,
    httpListeners: all
      .filter((l) => l.Protocol === 'HTTP')
      .map((l) => {
        const action = l.DefaultActions?.[0];
        return {
          port: l.Port ?? 0,
          redirectsToHttps: action?.Type === 'redirect' && action.RedirectConfig?.Protocol === 'HTTPS',
          action: action?.Type ?? 'none',
        };
      }),
    accessLogs: {
      enabled: attr('access_logs.s3.enabled') === 'true',
      bucket: attr('access_logs.s3.bucket') || undefined,
    },
  };
}

/** Viewer policies, certificate and minimum protocol, origins and logging of one distribution. */
export async function readCloudFront(c: AwsClients, distributionId: string): Promise<CloudFrontEvidence> {
  const config = (
    await send(c, 'GetDistributionConfig', distributionId, () =>
      c.cloudfront.send(new GetDistributionConfigCommand({ Id: distributionId })),
    )
  ).DistributionConfig;
  if (!config) throw new Error(`distribution ${distributionId} has no configuration`);
  const vc = config.ViewerCertificate ?? {};
  return {
    distributionId,
    viewerPolicies: [
      { pathPattern: 'default (*)', policy: config.DefaultCacheBehavior?.ViewerProtocolPolicy ?? '?' },
      ...(config.CacheBehaviors?.Items ?? []).map((b) => ({
        pathPattern: b.PathPattern ?? '?',
        policy: b.ViewerProtocolPolicy ?? '?',
      })),
    ],
    customCertificate: Boolean(vc.ACMCertificateArn || vc.IAMCertificateId),
    minimumProtocolVersion: vc.MinimumProtocolVersion,
    origins: (config.Origins?.Items ?? []).map((o) => {
      const s3 = !o.CustomOriginConfig && /\.s3[.-]([\w-]+\.)?amazonaws\.com$/.test(o.DomainName ?? '');
      return {
        id: o.Id ?? '?',
        domain: o.DomainName ?? '?',
        kind: s3 || o.S3OriginConfig ? ('s3' as const) : ('custom' as const),
        originProtocolPolicy: o.CustomOriginConfig?.OriginProtocolPolicy,
        originAccessControlId: o.OriginAccessControlId || undefined,
        originAccessIdentity: o.S3OriginConfig?.OriginAccessIdentity || undefined,
      };
    }),
    logging: { enabled: Boolean(config.Logging?.Enabled), bucket: config.Logging?.Bucket || undefined },
  };
}

/** `rds.force_ssl` of one (instance or cluster) parameter group; undefined when not set. */
async function forceSslIn(
  c: AwsClients,
  group: string,
  page: (
    marker: string | undefined,
  ) => Promise<{ Parameters?: { ParameterName?: string; ParameterValue?: string }[]; Marker?: string }>,
): Promise<string | undefined> {
  let marker: string | undefined;
  do {
    const answer = await page(marker);
    const p = answer.Parameters?.find((x) => x.ParameterName === 'rds.force_ssl');
    if (p?.ParameterValue !== undefined) return p.ParameterValue;
    marker = answer.Marker;
  } while (marker);
  return undefined;
}

/**
 * The instance's settings, `rds.force_ssl` from its parameter groups, and its snapshots. For an
 * Aurora instance (one with a DBClusterIdentifier) `rds.force_ssl` is a cluster parameter: it is
 * read from the cluster's DB cluster parameter group, which is what Aurora applies (Aurora User
 * Guide, "Security with Amazon Aurora PostgreSQL", requiring SSL/TLS).
 */
export async function readRds(c: AwsClients, identifier: string): Promise<RdsEvidence> {
  const [db] =
    (
      await send(c, 'DescribeDBInstances', identifier, () =>
        c.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier })),
      )
    ).DBInstances ?? [];
  if (!db) throw new Error(`DB instance ${identifier} not found`);
  const parameterGroups: string[] = [];
  let forceSsl: string | undefined;
  const cluster = db.DBClusterIdentifier;
  if (cluster) {
    const [described] =
      (
        await send(c, 'DescribeDBClusters', cluster, () =>
          c.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: cluster })),
        )
      ).DBClusters ?? [];
    const group = described?.DBClusterParameterGroup;
    if (!group)
      throw new Error(`Aurora cluster ${cluster} of ${identifier} has no DB cluster parameter group`);
    parameterGroups.push(`DB cluster parameter group ${group}`);
    forceSsl = await forceSslIn(c, group, (marker) =>
      send(c, 'DescribeDBClusterParameters', group, () =>
        c.rds.send(
          new DescribeDBClusterParametersCommand({ DBClusterParameterGroupName: group, Marker: marker }),
        ),
      ),
    );
  } else {
    for (const group of (db.DBParameterGroups ?? []).map((g) => g.DBParameterGroupName ?? '?')) {
      parameterGroups.push(group);
      forceSsl =
        (await forceSslIn(c, group, (marker) =>
          send(c, 'DescribeDBParameters', group, () =>
            c.rds.send(new DescribeDBParametersCommand({ DBParameterGroupName: group, Marker: marker })),
          ),
        )) ?? forceSsl;
    }
  }
  const snapshots: RdsEvidence['snapshots'] = [];
  let marker: string | undefined;
  do {
    const page = await send(c, 'DescribeDBSnapshots', identifier, () =>
      c.rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: identifier, Marker: marker })),
    );
    for (const s of page.DBSnapshots ?? []) {
      snapshots.push({
        id: s.DBSnapshotIdentifier ?? '?',
        type: s.SnapshotType ?? '?',
        encrypted: Boolean(s.Encrypted),
        createdAt: iso(s.SnapshotCreateTime),
      });
    }
    marker = page.Marker;
  } while (marker);
  return {
    identifier,
    storageEncrypted: Boolean(db.StorageEncrypted),
    kmsKeyId: db.KmsKeyId,
    publiclyAccessible: Boolean(db.PubliclyAccessible),
    backupRetentionDays: db.BackupRetentionPeriod ?? 0,
    latestRestorableTime: iso(db.LatestRestorableTime),
    deletionProtection: Boolean(db.DeletionProtection),
    multiAz: Boolean(db.MultiAZ),
    forceSsl,
    parameterGroups,
    snapshots,
  };
}

/** Runs a Get that answers a "not configured" error when the setting is absent. */
async function optional<T>(
  c: AwsClients,
  operation: string,
  resource: string,
  read: () => Promise<T>,
  absent: string[],
): Promise<T | undefined> {
  try {
    return await send(c, operation, resource, read);
  } catch (error) {
    if (isAwsError(error, ...absent)) return undefined;
    throw error;
  }
}

type PublicAccessBlock = NonNullable<BucketEvidence['publicAccessBlock']>;

const publicAccessBlockOf = (p: {
  BlockPublicAcls?: boolean;
  IgnorePublicAcls?: boolean;
  BlockPublicPolicy?: boolean;
  RestrictPublicBuckets?: boolean;
}): PublicAccessBlock => ({
  blockPublicAcls: Boolean(p.BlockPublicAcls),
  ignorePublicAcls: Boolean(p.IgnorePublicAcls),
  blockPublicPolicy: Boolean(p.BlockPublicPolicy),
  restrictPublicBuckets: Boolean(p.RestrictPublicBuckets),
});

const complete = (p: PublicAccessBlock | undefined) => Boolean(p && Object.values(p).every(Boolean));

/**
 * The account's own Block Public Access (S3 Control GetPublicAccessBlock, for the account of the
 * credentials from STS GetCallerIdentity); undefined when the account has none. Read once per
 * run, and only when some bucket's own setting is absent or partial.
 */
export function accountPublicAccessBlockReader(c: AwsClients): () => Promise<PublicAccessBlock | undefined> {
  let answer: Promise<PublicAccessBlock | undefined> | undefined;
  return () =>
    (answer ??= (async () => {
      const account = (
        await send(c, 'GetCallerIdentity', 'the credentials', () =>
          c.sts.send(new GetCallerIdentityCommand({})),
        )
      ).Account;
      if (!account) throw new Error('STS GetCallerIdentity answered no account id');
      const out = await optional(
        c,
        'GetPublicAccessBlock (account)',
        `account ${account}`,
        () => c.s3control.send(new GetAccountPublicAccessBlockCommand({ AccountId: account })),
        ['NoSuchPublicAccessBlockConfiguration'],
      );
      const p = out?.PublicAccessBlockConfiguration;
      return p ? publicAccessBlockOf(p) : undefined;
    })());
}

/**
 * Default encryption, public access block and policy; a bucket that cannot be read carries the
 * error. S3 applies the most restrictive combination of the bucket's and the account's Block
 * Public Access, so a bucket whose own setting is absent or partial is also judged with the
 * account's (`accountPublicAccessBlock`, from {@link accountPublicAccessBlockReader}).
 */
export async function readBucket(
  c: AwsClients,
  bucket: string,
  accountPublicAccessBlock: () => Promise<PublicAccessBlock | undefined> = accountPublicAccessBlockReader(c),
): Promise<BucketEvidence> {
  try {
    const enc = await optional(
      c,
      'GetBucketEncryption',
      `s3://${bucket}`,
      () => c.s3.send(new GetBucketEncryptionCommand({ Bucket: bucket })),
      ['ServerSideEncryptionConfigurationNotFoundError'],
    );
    const rule = enc?.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
    const pab = await optional(
      c,
      'GetPublicAccessBlock',
      `s3://${bucket}`,
      () => c.s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket })),
      ['NoSuchPublicAccessBlockConfiguration'],
    );
    const p = pab?.PublicAccessBlockConfiguration;
    const own = p ? publicAccessBlockOf(p) : undefined;
    const account = complete(own) ? undefined : await accountPublicAccessBlock();
    const policy = await optional(
      c,
      'GetBucketPolicy',
      `s3://${bucket}`,
      () => c.s3.send(new GetBucketPolicyCommand({ Bucket: bucket })),
      ['NoSuchBucketPolicy'],
    );
    return {
      bucket,
      encryption: rule ? { algorithm: rule.SSEAlgorithm ?? '?', kmsKeyId: rule.KMSMasterKeyID } : undefined,
      publicAccessBlock: own,
      ...(account ? { accountPublicAccessBlock: account } : {}),
      policy: policy?.Policy ? (JSON.parse(policy.Policy) as unknown) : undefined,
    };
  } catch (error) {
    return { bucket, error: `could not read: ${awsErrorText(error)}` };
  }
}

/** Retention and KMS key of each named log group (and the audit log group). */
export async function readLogGroups(
  c: AwsClients,
  names: readonly string[],
  auditGroup: string | undefined,
): Promise<LogGroupEvidence[]> {
  const all = [...new Set([...names, ...(auditGroup ? [auditGroup] : [])])];
  const out: LogGroupEvidence[] = [];
  for (const name of all) {
    const groups =
      (
        await send(c, 'DescribeLogGroups', name, () =>
          c.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name })),
        )
      ).logGroups ?? [];
    const g = groups.find((x) => x.logGroupName === name);
    out.push({
      name,
      found: Boolean(g),
      retentionDays: g?.retentionInDays,
      kmsKeyId: g?.kmsKeyId,
      audit: name === auditGroup,
    });
  }
  return out;
}

/** State, manager and rotation of each KMS key, with what uses it. */
export async function readKeys(c: AwsClients, usage: ReadonlyMap<string, string[]>): Promise<KeyEvidence[]> {
  const out: KeyEvidence[] = [];
  for (const [keyId, usedBy] of usage) {
    try {
      const meta = (
        await send(c, 'DescribeKey', keyId, () => c.kms.send(new DescribeKeyCommand({ KeyId: keyId })))
      ).KeyMetadata;
      let rotationEnabled: boolean | undefined;
      if (meta?.KeyManager === 'CUSTOMER') {
        rotationEnabled = Boolean(
          (
            await send(c, 'GetKeyRotationStatus', meta.Arn ?? keyId, () =>
              c.kms.send(new GetKeyRotationStatusCommand({ KeyId: meta.Arn ?? keyId })),
            )
          ).KeyRotationEnabled,
        );
      }
      out.push({ keyId, usedBy, state: meta?.KeyState, manager: meta?.KeyManager, rotationEnabled });
    } catch (error) {
      out.push({ keyId, usedBy, error: awsErrorText(error) });
    }
  }
  return out;
}

/** Every trail visible from the region, with whether it is logging. */
export async function readTrails(c: AwsClients): Promise<TrailEvidence[]> {
  const trails =
    (
      await send(c, 'DescribeTrails', 'the trails of the region', () =>
        c.cloudtrail.send(new DescribeTrailsCommand({ includeShadowTrails: true })),
      )
    ).trailList ?? [];
  const out: TrailEvidence[] = [];
  for (const t of trails) {
    const status = await send(c, 'GetTrailStatus', t.TrailARN ?? t.Name ?? '?', () =>
      c.cloudtrail.send(new GetTrailStatusCommand({ Name: t.TrailARN ?? t.Name })),
    );
    out.push({
      name: t.Name ?? '?',
      multiRegion: Boolean(t.IsMultiRegionTrail),
      logFileValidation: Boolean(t.LogFileValidationEnabled),
      isLogging: Boolean(status.IsLogging),
    });
  }
  return out;
}

/** Network configuration of the services and the secret-like environment variables (names only) of their task definitions. */
export async function readEcs(
  c: AwsClients,
  cluster: string,
  serviceNames: readonly string[],
): Promise<EcsEvidence> {
  const services: EcsEvidence['services'] = [];
  for (let i = 0; i < serviceNames.length; i += 10) {
    const names = serviceNames.slice(i, i + 10);
    const answer = await send(c, 'DescribeServices', cluster, () =>
      c.ecs.send(new DescribeServicesCommand({ cluster, services: names })),
    );
    for (const name of names) {
      const s = answer.services?.find((x) => x.serviceName === name && x.status !== 'INACTIVE');
      services.push({
        name,
        found: Boolean(s),
        assignPublicIp: s?.networkConfiguration?.awsvpcConfiguration?.assignPublicIp,
        taskDefinition: s?.taskDefinition,
      });
    }
  }
  const taskDefinitions = [
    ...new Set(services.map((s) => s.taskDefinition).filter((t): t is string => Boolean(t))),
  ];
  const secretLikeEnvironment: EcsEvidence['secretLikeEnvironment'] = [];
  for (const arn of taskDefinitions) {
    const td = (
      await send(c, 'DescribeTaskDefinition', arn, () =>
        c.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn })),
      )
    ).taskDefinition;
    const label = td?.family && td.revision ? `${td.family}:${td.revision}` : arn;
    for (const container of td?.containerDefinitions ?? []) {
      for (const variable of container.environment ?? []) {
        const reason = secretLikeReason(variable.name ?? '', variable.value ?? '');
        if (reason)
          secretLikeEnvironment.push({
            taskDefinition: label,
            container: container.name ?? '?',
            variable: variable.name ?? '?',
            reason,
          });
      }
    }
  }
  return { cluster, services, taskDefinitions, secretLikeEnvironment };
}

export interface LogScanOptions {
  startTime: number;
  maxEvents: number;
  syntheticValues: readonly string[];
  onProgress?: (scanned: number, group: string) => void;
}

/** Reads log events since `startTime` and scans each; stops at `maxEvents` in all. */
export async function scanLogGroups(
  c: AwsClients,
  groups: readonly string[],
  options: LogScanOptions,
): Promise<{ eventsScanned: number; truncated: boolean; findings: PhiFinding[] }> {
  const findings: PhiFinding[] = [];
  let eventsScanned = 0;
  let truncated = false;
  for (const group of groups) {
    let nextToken: string | undefined;
    do {
      const page = await send(c, 'FilterLogEvents', group, () =>
        c.logs.send(
          new FilterLogEventsCommand({
            logGroupName: group,
            startTime: options.startTime,
            nextToken,
            limit: 10_000,
          }),
        ),
      );
      for (const event of page.events ?? []) {
        if (eventsScanned >= options.maxEvents) {
          truncated = true;
          break;
        }
        eventsScanned++;
        const message = event.message ?? '';
        const matches = scanLine(message, options.syntheticValues);
        const kinds = new Set(matches.map((m) => m.kind));
        for (const kind of kinds) {
          findings.push({
            kind,
            logGroup: group,
            logStream: event.logStreamName ?? '?',
            at: new Date(event.timestamp ?? 0).toISOString(),
            excerpt: redactedExcerpt(message, matches),
          });
        }
      }
      options.onProgress?.(eventsScanned, group);
      nextToken = truncated ? undefined : page.nextToken;
    } while (nextToken);
    if (truncated) break;
  }
  return { eventsScanned, truncated, findings };
}

/**
 * Polls the audit log group until an event carries `marker`, or `waitMs` passes. Each poll
 * reads every page: FilterLogEvents may answer a page with no events and a nextToken while it
 * searches on ("This operation can return empty results while there are more log events
 * available through the token", https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilterLogEvents.html),
 * so an empty page is not "not there yet".
 */
export async function findAuditMarker(
  c: AwsClients,
  logGroup: string,
  marker: string,
  since: number,
  waitMs: number,
  clock: { now(): number },
  sleep: (ms: number) => Promise<void>,
  onWait: (elapsedMs: number) => void,
): Promise<{ found: boolean; waitedMs: number }> {
  const started = clock.now();
  for (;;) {
    let nextToken: string | undefined;
    let found: boolean;
    do {
      const page = await send(c, 'FilterLogEvents', logGroup, () =>
        c.logs.send(
          new FilterLogEventsCommand({
            logGroupName: logGroup,
            startTime: since,
            filterPattern: `"${marker}"`,
            nextToken,
          }),
        ),
      );
      found = (page.events ?? []).some((e) => e.message?.includes(marker));
      nextToken = page.nextToken;
    } while (!found && nextToken);
    const waitedMs = clock.now() - started;
    if (found) return { found: true, waitedMs };
    if (waitedMs >= waitMs) return { found: false, waitedMs };
    onWait(waitedMs);
    await sleep(Math.min(2000, waitMs - waitedMs));
  }
}
