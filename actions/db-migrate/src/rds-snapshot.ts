/**
 * The RDS snapshot backup: a manual snapshot of the instance — or, for an Aurora instance, of
 * its cluster (Aurora backs up clusters, not instances) — taken once the instance (cluster) is
 * `available`, tagged with the run, waited until available within one deadline, checked to be
 * encrypted; then the older manual snapshots this action made are pruned by the retention rule
 * (manual snapshots count against a per-region quota, 100 by default, and never expire).
 *
 * AWS behaviour relied on (RDS API reference):
 * - CreateDBSnapshot: "the source DB instance must be in the available or
 *   storage-optimization state" (InvalidDBInstanceState otherwise);
 * - CreateDBClusterSnapshot is the call for Aurora; DescribeDBInstances returns
 *   DBClusterIdentifier for an Aurora instance;
 * - DescribeDBSnapshots/DescribeDBClusterSnapshots with SnapshotType `manual` list manual
 *   snapshots with their TagList; DeleteDBSnapshot/DeleteDBClusterSnapshot remove one.
 */
import {
  CreateDBClusterSnapshotCommand,
  CreateDBSnapshotCommand,
  DeleteDBClusterSnapshotCommand,
  DeleteDBSnapshotCommand,
  DescribeDBClustersCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  type DBClusterSnapshot,
  type DBSnapshot,
  type RDSClient,
  type Tag,
} from '@aws-sdk/client-rds';
import { ActionFailure, formatDuration, type Clock, type Logger, type Sleep } from '@white-cross/core';
import { awsCaller, isAwsError } from '@white-cross/aws';
import { RunCancelled } from './cancellation.js';

export interface RdsSnapshot {
  id: string;
  arn: string;
  encrypted: boolean;
  engineVersion: string | undefined;
  /** `cluster` for Aurora (a DB cluster snapshot), else `instance`. */
  of: 'instance' | 'cluster';
  /** Manual snapshots of this action deleted by the retention rule. */
  pruned: string[];
}

/** Which manual snapshots made by this action to keep: the newest N, or those younger than N days. */
export type SnapshotRetention = { keep: number } | { maxAgeDays: number };

/**
 * The snapshot identifier for an instance and a time: `<instance>-db-migrate-<yyyymmddthhmmssz>`.
 *
 * @example
 * rdsSnapshotId('school-health-prod', new Date('2026-11-21T16:05:12Z')); // 'school-health-prod-db-migrate-20261121t160512z'
 */
export function rdsSnapshotId(instance: string, at: Date): string {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')
    .toLowerCase();
  return `${instance.toLowerCase()}-db-migrate-${stamp}`.replace(/--+/g, '-');
}

/** States an instance or cluster passes through on its own: wait for `available`. */
const PASSING_STATES = new Set([
  'backing-up',
  'modifying',
  'configuring-enhanced-monitoring',
  'configuring-iam-database-auth',
  'configuring-log-exports',
  'maintenance',
  'rebooting',
  'renaming',
  'resetting-master-credentials',
  'starting',
  'storage-optimization',
  'upgrading',
  'creating',
  'backtracking',
  'promoting',
]);
/** States from which CreateDBSnapshot may run. */
const SNAPSHOT_READY = new Set(['available', 'storage-optimization']);

/**
 * The snapshots a retention rule deletes: manual snapshots this action made, oldest first,
 * beyond the newest `keep` or older than `maxAgeDays` — never the one just taken.
 *
 * @example
 * snapshotsToPrune([{ id: 'a', created: 1 }, { id: 'b', created: 2 }, { id: 'c', created: 3 }], { keep: 2 }, 'c', 3);
 * // ['a']
 */
export function snapshotsToPrune(
  snapshots: { id: string; created: number }[],
  retention: SnapshotRetention,
  justTaken: string,
  now: number,
): string[] {
  const newestFirst = [...snapshots].sort((a, b) => b.created - a.created);
  const doomed =
    'keep' in retention
      ? newestFirst.slice(retention.keep)
      : newestFirst.filter((s) => now - s.created > retention.maxAgeDays * 86_400_000);
  return doomed
    .filter((s) => s.id !== justTaken)
    .reverse()
    .map((s) => s.id);
}

const isOurs = (tags: Tag[] | undefined) =>
  (tags ?? []).some((t) => t.Key === 'white-cross:action' && t.Value === 'db-migrate');

export async function takeRdsSnapshot(
  rds: RDSClient,
  options: {
    instance: string;
    tags: Record<string, string>;
    log: Logger;
    clock: Clock;
    sleep: Sleep;
    /** The whole wait — for the instance to be available, then for the snapshot — fits in this. */
    timeoutMs: number;
    pollMs: number;
    retention: SnapshotRetention;
    cancelled?: () => NodeJS.Signals | undefined;
  },
): Promise<RdsSnapshot> {
  const { instance, log, clock, sleep } = options;
  const started = clock.now();
  const deadline = started + options.timeoutMs;
  const call = awsCaller({ log, sleep });
  const nothingChanged = 'Nothing was changed.';
  const described = await call(
    { operation: 'DescribeDBInstances', resource: `RDS instance ${instance}`, leftAs: nothingChanged },
    () => rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: instance })),
  ).catch((error: unknown) => {
    if (isAwsError(error, 'DBInstanceNotFoundFault', 'DBInstanceNotFound')) {
      throw new ActionFailure(
        `RDS instance '${instance}' does not exist in this account and region. ${nothingChanged}`,
        { cause: error },
      );
    }
    throw error;
  });
  const db = described.DBInstances?.[0];
  if (!db) {
    throw new ActionFailure(
      `RDS instance '${instance}' does not exist in this account and region. ${nothingChanged}`,
    );
  }
  const cluster = db.DBClusterIdentifier;
  const subject = cluster
    ? `Aurora cluster ${cluster} (of instance ${instance})`
    : `RDS instance ${instance}`;
  const waitedFor = () => formatDuration(clock.now() - started);
  const stopIfCancelled = (during: string, left: string) => {
    const signal = options.cancelled?.();
    if (signal) throw new RunCancelled(signal, `Cancelled by ${signal} during ${during} — ${left}`);
  };

  // 1. The instance (cluster) must be available before a snapshot can start.
  let status = cluster ? undefined : db.DBInstanceStatus;
  for (;;) {
    if (cluster) {
      const clusters = await call(
        { operation: 'DescribeDBClusters', resource: `Aurora cluster ${cluster}`, leftAs: nothingChanged },
        () => rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: cluster })),
      );
      status = clusters.DBClusters?.[0]?.Status;
    }
    if (status && SNAPSHOT_READY.has(status)) break;
    if (!status || !PASSING_STATES.has(status)) {
      throw new ActionFailure(
        `${subject} is ${status ?? 'in an unknown state'}: a snapshot needs it available. ${nothingChanged}`,
      );
    }
    if (clock.now() + options.pollMs > deadline) {
      throw new ActionFailure(
        `${subject} was still ${status} after ${waitedFor()} (snapshot-timeout ${formatDuration(options.timeoutMs)}): a snapshot needs it available. ${nothingChanged}`,
      );
    }
    log.info(
      `${subject} is ${status}; waiting for it to be available before the snapshot (${waitedFor()} so far)…`,
    );
    stopIfCancelled(`the wait for ${subject}`, nothingChanged);
    await sleep(options.pollMs);
    if (!cluster) {
      const again = await call(
        { operation: 'DescribeDBInstances', resource: `RDS instance ${instance}`, leftAs: nothingChanged },
        () => rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: instance })),
      );
      status = again.DBInstances?.[0]?.DBInstanceStatus;
    }
  }

  // 2. The snapshot, waited until available within the same deadline.
  const id = rdsSnapshotId(cluster ?? instance, new Date(clock.now()));
  const Tags = Object.entries(options.tags).map(([Key, Value]) => ({ Key, Value }));
  log.info(`Creating ${cluster ? 'DB cluster' : 'RDS'} snapshot ${id} of ${subject}…`);
  const stillRunning = `Nothing was migrated; snapshot ${id} may still complete in AWS.`;
  const create = cluster
    ? () =>
        call({ operation: 'CreateDBClusterSnapshot', resource: subject, leftAs: nothingChanged }, () =>
          rds.send(
            new CreateDBClusterSnapshotCommand({
              DBClusterIdentifier: cluster,
              DBClusterSnapshotIdentifier: id,
              Tags,
            }),
          ),
        ).then((out) => clusterState(out.DBClusterSnapshot))
    : () =>
        call({ operation: 'CreateDBSnapshot', resource: subject, leftAs: nothingChanged }, () =>
          rds.send(
            new CreateDBSnapshotCommand({ DBInstanceIdentifier: instance, DBSnapshotIdentifier: id, Tags }),
          ),
        ).then((out) => instanceState(out.DBSnapshot));
  const describe = cluster
    ? () =>
        call(
          { operation: 'DescribeDBClusterSnapshots', resource: `snapshot ${id}`, leftAs: stillRunning },
          () => rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: id })),
        ).then((out) => clusterState(out.DBClusterSnapshots?.[0]))
    : () =>
        call({ operation: 'DescribeDBSnapshots', resource: `snapshot ${id}`, leftAs: stillRunning }, () =>
          rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id })),
        ).then((out) => instanceState(out.DBSnapshots?.[0]));
  let snapshot = await create();
  while (snapshot?.Status !== 'available') {
    if (
      snapshot?.Status &&
      ['failed', 'deleted', 'deleting', 'incompatible-restore'].includes(snapshot.Status)
    ) {
      throw new ActionFailure(`Snapshot ${id} of ${subject} ended ${snapshot.Status}. ${nothingChanged}`);
    }
    if (clock.now() + options.pollMs > deadline) {
      throw new ActionFailure(
        `Snapshot ${id} of ${subject} was not available after ${waitedFor()} (snapshot-timeout ${formatDuration(options.timeoutMs)}; status ${snapshot?.Status ?? 'unknown'}). ${stillRunning}`,
      );
    }
    log.info(
      `Snapshot ${id}: ${snapshot?.Status ?? 'pending'} ${snapshot?.PercentProgress ?? 0}% (${waitedFor()})`,
    );
    stopIfCancelled(`the wait for snapshot ${id}`, stillRunning);
    await sleep(options.pollMs);
    snapshot = await describe();
  }

  // 3. Retention: older manual snapshots this action made. A failure here is a warning only.
  const pruned = await prune(rds, call, {
    cluster,
    instance,
    id,
    retention: options.retention,
    now: clock.now(),
    log,
  });
  return {
    id,
    arn: snapshot.arn ?? id,
    encrypted: snapshot.encrypted,
    engineVersion: snapshot.EngineVersion ?? db.EngineVersion,
    of: cluster ? 'cluster' : 'instance',
    pruned,
  };
}

/** What the wait reads of a snapshot, whether of an instance or of a cluster. */
interface SnapshotState {
  Status: string | undefined;
  PercentProgress: number | undefined;
  arn: string | undefined;
  encrypted: boolean;
  EngineVersion: string | undefined;
}

const instanceState = (s: DBSnapshot | undefined): SnapshotState | undefined =>
  s && {
    Status: s.Status,
    PercentProgress: s.PercentProgress,
    arn: s.DBSnapshotArn,
    encrypted: s.Encrypted === true,
    EngineVersion: s.EngineVersion,
  };
const clusterState = (s: DBClusterSnapshot | undefined): SnapshotState | undefined =>
  s && {
    Status: s.Status,
    PercentProgress: s.PercentProgress,
    arn: s.DBClusterSnapshotArn,
    encrypted: s.StorageEncrypted === true,
    EngineVersion: s.EngineVersion,
  };

async function prune(
  rds: RDSClient,
  call: ReturnType<typeof awsCaller>,
  p: {
    cluster: string | undefined;
    instance: string;
    id: string;
    retention: SnapshotRetention;
    now: number;
    log: Logger;
  },
): Promise<string[]> {
  const leftAs = 'The new snapshot is kept; older ones were not pruned.';
  try {
    const mine = p.cluster
      ? (
          (
            await call(
              { operation: 'DescribeDBClusterSnapshots', resource: `Aurora cluster ${p.cluster}`, leftAs },
              () =>
                rds.send(
                  new DescribeDBClusterSnapshotsCommand({
                    DBClusterIdentifier: p.cluster,
                    SnapshotType: 'manual',
                  }),
                ),
            )
          ).DBClusterSnapshots ?? []
        ).map((s) => ({
          id: s.DBClusterSnapshotIdentifier ?? '',
          created: s.SnapshotCreateTime?.getTime() ?? p.now,
          tags: s.TagList,
        }))
      : (
          (
            await call(
              { operation: 'DescribeDBSnapshots', resource: `RDS instance ${p.instance}`, leftAs },
              () =>
                rds.send(
                  new DescribeDBSnapshotsCommand({
                    DBInstanceIdentifier: p.instance,
                    SnapshotType: 'manual',
                  }),
                ),
            )
          ).DBSnapshots ?? []
        ).map((s) => ({
          id: s.DBSnapshotIdentifier ?? '',
          created: s.SnapshotCreateTime?.getTime() ?? p.now,
          tags: s.TagList,
        }));
    const doomed = snapshotsToPrune(
      mine.filter((s) => s.id && isOurs(s.tags)),
      p.retention,
      p.id,
      p.now,
    );
    for (const id of doomed) {
      await call(
        {
          operation: p.cluster ? 'DeleteDBClusterSnapshot' : 'DeleteDBSnapshot',
          resource: `snapshot ${id}`,
          leftAs,
        },
        () =>
          p.cluster
            ? rds.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: id }))
            : rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: id })),
      );
    }
    if (doomed.length) {
      const rule =
        'keep' in p.retention ? `keep the newest ${p.retention.keep}` : `keep ${p.retention.maxAgeDays} days`;
      p.log.info(
        `Pruned ${doomed.length} older snapshot(s) made by db-migrate (snapshot-retention: ${rule}): ${doomed.join(', ')}.`,
      );
    }
    return doomed;
  } catch (error) {
    p.log.warning(error instanceof Error ? error.message : String(error));
    return [];
  }
}
