/**
 * Gathers the evidence the selected checks need, each source once. A source whose inputs were
 * not given is a gap that skips its checks; a source that fails to read is a gap that fails them.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AwsCallFailure, awsErrorText } from '@white-cross/aws';
import { ActionCancelled, describeError, type Clock, type Logger, type Sleep } from '@white-cross/core';
import type { SourceGap } from './catalogue.js';
import { readReviewDate } from './checks/documents.js';
import type { HipaaVerifyInputs } from './inputs.js';
import type {
  AuditEvidence,
  DocumentEvidence,
  HttpAnswer,
  HttpEvidence,
  SourceName,
  Sources,
} from './model.js';
import type * as AwsProbes from './probes/aws-probes.js';
import type { AwsClients } from './probes/aws-probes.js';
import { badCredentials, fetchAnswer, routeUrl } from './probes/http-probe.js';
import { probeTls } from './probes/tls-probe.js';

export interface AwsAccess {
  clients: AwsClients;
  probes: typeof AwsProbes;
}

export interface GatherDeps {
  log: Logger;
  clock: Clock;
  sleep: Sleep;
  workspace: string;
  /**
   * The AWS clients and readers, loaded only when an AWS source is needed (the SDK is most of
   * the bundle: a run with bad inputs or only live probes never loads it).
   */
  aws: () => Promise<AwsAccess>;
  /** Aborted when the run is cancelled: no further source is read. */
  signal?: AbortSignal;
}

export interface Gathered {
  sources: Partial<Sources>;
  gaps: Partial<Record<SourceName, SourceGap>>;
}

const strip = ({ url, status, headers, setCookies, error }: HttpAnswer): HttpAnswer => ({
  url,
  status,
  headers,
  setCookies,
  ...(error ? { error } : {}),
});

/**
 * The distinct `host:port` endpoints of the given URLs.
 *
 * @example
 * tlsEndpoints([new URL('https://a.example.org'), new URL('https://a.example.org/api')]); // [{ host: 'a.example.org', port: 443 }]
 */
export function tlsEndpoints(urls: readonly (URL | undefined)[]): { host: string; port: number }[] {
  const seen = new Map<string, { host: string; port: number }>();
  for (const url of urls) {
    if (!url) continue;
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port || 443);
    seen.set(`${host}:${port}`, { host, port });
  }
  return [...seen.values()];
}

/** What each source reads, for messages when reading fails. */
const SOURCE_LABELS: Record<SourceName, (i: HipaaVerifyInputs) => string> = {
  tls: (i) =>
    `TLS of ${tlsEndpoints([i.appUrl, i.apiUrl])
      .map((e) => `${e.host}:${e.port}`)
      .join(', ')}`,
  http: (i) => `HTTP answers of ${[i.appUrl, i.apiUrl].filter(Boolean).join(', ')}`,
  audit: (i) => `the audit trail of ${i.apiUrl?.toString() ?? '?'}`,
  alb: (i) => `ALB listener ${i.listenerArn ?? '?'}`,
  cloudfront: (i) => `CloudFront distribution ${i.distributionId ?? '?'}`,
  rds: (i) => `RDS instance ${i.dbInstanceIdentifier ?? '?'}`,
  buckets: (i) => `S3 buckets ${i.buckets.join(', ')}`,
  logGroups: (i) =>
    `log groups ${[...i.logGroups, ...(i.auditLogGroup ? [i.auditLogGroup] : [])].join(', ')}`,
  keys: () => 'KMS keys',
  trails: () => 'CloudTrail trails',
  ecs: (i) => `ECS services ${i.ecsServices.join(', ')} in ${i.ecsCluster ?? '?'}`,
  logScan: (i) => `log events of ${i.logGroups.join(', ')}`,
  documents: (i) => `documents ${i.emergencyAccessDoc}, ${i.incidentResponseDoc}`,
};

/** Reads every source the selected checks need (and only those), in a fixed order, with progress lines. */
export async function gatherSources(
  inputs: HipaaVerifyInputs,
  needed: ReadonlySet<SourceName>,
  deps: GatherDeps,
): Promise<Gathered> {
  const sources: Partial<Sources> = {};
  const gaps: Partial<Record<SourceName, SourceGap>> = {};
  const { log } = deps;
  const timeoutMs = inputs.requestTimeoutMs;

  const withAws =
    <T>(read: (aws: AwsAccess) => Promise<T>) =>
    async () =>
      read(await deps.aws());
  const gather = async <S extends SourceName>(
    name: S,
    skipReason: string | undefined,
    read: () => Promise<Sources[S]>,
  ) => {
    const keyInput = name === 'rds' || name === 'buckets' || name === 'logGroups';
    if (!needed.has(name) && !(keyInput && needed.has('keys'))) return;
    if (skipReason) {
      gaps[name] = { skipped: skipReason };
      return;
    }
    if (deps.signal?.aborted)
      throw new ActionCancelled(`before reading ${SOURCE_LABELS[name](inputs)}`, deps.signal);
    try {
      sources[name] = await read();
    } catch (error) {
      // A cancelled run is not missing evidence: it stops, and writes no report. Whatever a read
      // threw once the run was cancelled (the sleep's ActionCancelled, or an AWS call's retry
      // wait cut short) is the cancellation.
      if (error instanceof ActionCancelled || deps.signal?.aborted)
        throw new ActionCancelled(`while reading ${SOURCE_LABELS[name](inputs)}`, deps.signal);
      const fromAws = error instanceof AwsCallFailure || (error as { $metadata?: unknown }).$metadata;
      const text = `reading ${SOURCE_LABELS[name](inputs)}: ${fromAws ? awsErrorText(error) : describeError(error)}`;
      log.warning(`Could not gather evidence, ${text}; its checks fail.`);
      gaps[name] = { failed: text };
    }
  };

  const noUrls = !inputs.appUrl && !inputs.apiUrl ? 'no app-url or api-url given' : undefined;
  await gather('tls', noUrls, async () => {
    const out = [];
    for (const { host, port } of tlsEndpoints([inputs.appUrl, inputs.apiUrl])) {
      log.info(`Probing TLS on ${host}:${port} (TLS 1.0, 1.1, 1.2, 1.3 and the certificate)…`);
      out.push(await probeTls(host, port, timeoutMs));
    }
    return out;
  });

  await gather('http', noUrls, async () => {
    const evidence: HttpEvidence = { pages: [], unauthenticated: [], authenticated: [] };
    if (inputs.appUrl) evidence.pages.push(strip(await fetchAnswer(inputs.appUrl, { timeoutMs })));
    if (inputs.apiUrl) {
      const api = inputs.apiUrl;
      const credentials = badCredentials(deps.clock.now());
      for (const route of inputs.protectedRoutes) {
        log.info(`Probing ${route} with no, invalid, expired and alg:none tokens…`);
        const answers = {} as HttpEvidence['unauthenticated'][number]['answers'];
        for (const [kind, header] of Object.entries(credentials) as [
          keyof typeof credentials,
          string | undefined,
        ][]) {
          answers[kind] = strip(
            await fetchAnswer(routeUrl(api, route), {
              timeoutMs,
              headers: header ? { authorization: header } : {},
            }),
          );
        }
        evidence.unauthenticated.push({ route, answers });
        if (inputs.authToken) {
          evidence.authenticated.push(
            strip(
              await fetchAnswer(routeUrl(api, route), {
                timeoutMs,
                headers: { authorization: `Bearer ${inputs.authToken}` },
              }),
            ),
          );
        }
      }
      const first = evidence.unauthenticated[0]?.answers.none;
      if (first) evidence.pages.push(first);
      if (inputs.roleMatrix.length) {
        evidence.roleMatrix = [];
        for (const row of inputs.roleMatrix) {
          const a = await fetchAnswer(routeUrl(api, row.route), {
            method: row.method,
            timeoutMs,
            headers: { authorization: `Bearer ${inputs.roleTokens.get(row.role) ?? ''}` },
          });
          evidence.roleMatrix.push({ ...row, actual: a.error ? a.error : a.status });
        }
      }
    }
    return evidence;
  });

  await gather('audit', inputs.apiUrl ? undefined : 'no api-url given', async () => {
    const api = inputs.apiUrl as URL;
    const evidence: AuditEvidence = { maxAgeMs: inputs.auditMaxAgeMs };
    const answer = await fetchAnswer(routeUrl(api, '/api/v1/health/audit-status'), { timeoutMs });
    let body: unknown;
    try {
      body = JSON.parse(answer.body);
    } catch {
      body = undefined;
    }
    evidence.status = { answer: strip(answer), body };
    const route = inputs.protectedRoutes[0] ?? '/api/v1/students';
    if (!inputs.authToken) evidence.roundTrip = { skipped: 'no auth-token given for the marked read' };
    else if (!inputs.auditLogGroup)
      evidence.roundTrip = { skipped: 'no audit-log-group given to find the marked read in' };
    else {
      const marker = `hipaa-verify-${randomUUID()}`;
      const since = deps.clock.now() - 60_000;
      log.info(
        `Reading ${route} with X-Request-Id ${marker}; waiting up to ${Math.round(inputs.auditWaitMs / 1000)} s for it in ${inputs.auditLogGroup}…`,
      );
      const read = await fetchAnswer(routeUrl(api, route), {
        timeoutMs,
        headers: { authorization: `Bearer ${inputs.authToken}`, 'x-request-id': marker },
      });
      if (read.error || read.status >= 400) {
        evidence.roundTrip = {
          marker,
          found: false,
          waitedMs: 0,
          logGroup: inputs.auditLogGroup,
          error: read.error ?? `HTTP ${read.status}`,
        };
      } else {
        const aws = await deps.aws();
        const result = await aws.probes.findAuditMarker(
          aws.clients,
          inputs.auditLogGroup,
          marker,
          since,
          inputs.auditWaitMs,
          deps.clock,
          deps.sleep,
          (ms) => log.info(`  still waiting for the audit entry (${Math.round(ms / 1000)} s)…`),
        );
        evidence.roundTrip = { marker, logGroup: inputs.auditLogGroup, ...result };
      }
    }
    return evidence;
  });

  await gather(
    'alb',
    inputs.listenerArn ? undefined : 'no listener-arn given',
    withAws((aws) => aws.probes.readAlb(aws.clients, inputs.listenerArn as string)),
  );
  await gather(
    'cloudfront',
    inputs.distributionId ? undefined : 'no distribution-id given',
    withAws((aws) => aws.probes.readCloudFront(aws.clients, inputs.distributionId as string)),
  );

  // KMS keys are those the other resources use, so RDS, buckets and log groups are read when keys are needed.
  const keysNeeded = needed.has('keys');
  await gather(
    'rds',
    inputs.dbInstanceIdentifier ? undefined : 'no db-instance-identifier given',
    withAws((aws) => aws.probes.readRds(aws.clients, inputs.dbInstanceIdentifier as string)),
  );
  await gather('buckets', inputs.buckets.length ? undefined : 'no buckets given', async () => {
    const out = [];
    const aws = await deps.aws();
    const account = aws.probes.accountPublicAccessBlockReader(aws.clients);
    for (const bucket of inputs.buckets) out.push(await aws.probes.readBucket(aws.clients, bucket, account));
    return out;
  });
  const anyGroup = inputs.logGroups.length || inputs.auditLogGroup;
  await gather(
    'logGroups',
    anyGroup ? undefined : 'no log-groups or audit-log-group given',
    withAws((aws) => aws.probes.readLogGroups(aws.clients, inputs.logGroups, inputs.auditLogGroup)),
  );

  if (keysNeeded) {
    const usage = new Map<string, string[]>();
    const use = (key: string | undefined, by: string) => {
      if (key) usage.set(key, [...(usage.get(key) ?? []), by]);
    };
    use(sources.rds?.storageEncrypted ? sources.rds.kmsKeyId : undefined, `RDS ${sources.rds?.identifier}`);
    for (const b of sources.buckets ?? []) use(b.encryption?.kmsKeyId, `s3://${b.bucket}`);
    for (const g of sources.logGroups ?? []) use(g.kmsKeyId, g.name);
    const anyKeySource = inputs.dbInstanceIdentifier || inputs.buckets.length || anyGroup;
    // Keys named by a resource that could not be read are unknown: judging the others alone would pass too easily.
    const unread = (['rds', 'buckets', 'logGroups'] as const).filter(
      (n) => gaps[n] && 'failed' in (gaps[n] as SourceGap),
    );
    if (unread.length) {
      gaps.keys = {
        failed: `the keys of ${unread.map((n) => SOURCE_LABELS[n](inputs)).join('; ')} are unknown (could not read them)`,
      };
    } else {
      await gather(
        'keys',
        anyKeySource ? undefined : 'no RDS instance, buckets or log groups given',
        withAws((aws) => aws.probes.readKeys(aws.clients, usage)),
      );
    }
  }
  const anyAws = Boolean(
    inputs.region &&
    (inputs.listenerArn ||
      inputs.distributionId ||
      inputs.dbInstanceIdentifier ||
      inputs.buckets.length ||
      anyGroup ||
      inputs.ecsCluster),
  );
  await gather(
    'trails',
    anyAws ? undefined : 'no AWS resource given',
    withAws((aws) => aws.probes.readTrails(aws.clients)),
  );
  await gather(
    'ecs',
    inputs.ecsCluster && inputs.ecsServices.length ? undefined : 'no ecs-cluster and ecs-services given',
    withAws((aws) => aws.probes.readEcs(aws.clients, inputs.ecsCluster as string, inputs.ecsServices)),
  );

  await gather('logScan', inputs.logGroups.length ? undefined : 'no log-groups given', async () => {
    const startTime = deps.clock.now() - inputs.logsSinceMs;
    log.info(`Scanning ${inputs.logGroups.join(', ')} for PHI since ${new Date(startTime).toISOString()}…`);
    const aws = await deps.aws();
    const result = await aws.probes.scanLogGroups(aws.clients, inputs.logGroups, {
      startTime,
      maxEvents: inputs.maxLogEvents,
      syntheticValues: inputs.syntheticValues,
      onProgress: (n, group) => log.info(`  ${n} event(s) scanned (${group})`),
    });
    return {
      logGroups: [...inputs.logGroups],
      since: new Date(startTime).toISOString(),
      syntheticValues: inputs.syntheticValues.length,
      ...result,
    };
  });

  await gather('documents', undefined, async () => {
    const docs: DocumentEvidence[] = [];
    for (const [kind, path] of [
      ['emergency-access', inputs.emergencyAccessDoc],
      ['incident-response', inputs.incidentResponseDoc],
    ] as const) {
      const file = join(deps.workspace, path);
      if (!existsSync(file)) {
        docs.push({ kind, path, present: false });
        continue;
      }
      const { reviewed, line, problem } = readReviewDate(readFileSync(file, 'utf8'));
      docs.push({ kind, path, present: true, reviewed, reviewedLine: line, problem });
    }
    return docs;
  });

  return { sources, gaps };
}
