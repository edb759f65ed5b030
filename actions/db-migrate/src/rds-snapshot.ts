/**
 * The RDS snapshot backup: a manual DB snapshot of the instance, tagged with the run, waited
 * until available, and checked to be encrypted.
 */
import {
  CreateDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { ActionFailure, type Clock, type Logger, type Sleep } from '@white-cross/core';
import { awsCaller, isAwsError } from '@white-cross/aws';

export interface RdsSnapshot {
  id: string;
  arn: string;
  encrypted: boolean;
  engineVersion: string | undefined;
}

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

export async function takeRdsSnapshot(
  rds: RDSClient,
  options: {
    instance: string;
    tags: Record<string, string>;
    log: Logger;
    clock: Clock;
    sleep: Sleep;
    timeoutMs: number;
    pollMs: number;
  },
): Promise<RdsSnapshot> {
  const { instance, log, clock, sleep } = options;
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
  if (!db)
    throw new ActionFailure(
      `RDS instance '${instance}' does not exist in this account and region. Nothing was changed.`,
    );
  const id = rdsSnapshotId(instance, new Date(clock.now()));
  log.info(`Creating RDS snapshot ${id} of ${instance}…`);
  const created = await call(
    { operation: 'CreateDBSnapshot', resource: `RDS instance ${instance}`, leftAs: nothingChanged },
    () =>
      rds.send(
        new CreateDBSnapshotCommand({
          DBInstanceIdentifier: instance,
          DBSnapshotIdentifier: id,
          Tags: Object.entries(options.tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      ),
  );
  let snapshot = created.DBSnapshot;
  const deadline = clock.now() + options.timeoutMs;
  while (snapshot?.Status !== 'available') {
    if (
      snapshot?.Status &&
      ['failed', 'deleted', 'deleting', 'incompatible-restore'].includes(snapshot.Status)
    ) {
      throw new ActionFailure(
        `RDS snapshot ${id} of ${instance} ended ${snapshot.Status}. Nothing was changed.`,
      );
    }
    if (clock.now() >= deadline) {
      throw new ActionFailure(
        `RDS snapshot ${id} of ${instance} was not available after ${Math.round(options.timeoutMs / 60_000)} min (status ${snapshot?.Status ?? 'unknown'}). Nothing was migrated; the snapshot may still complete.`,
      );
    }
    log.info(`RDS snapshot ${id}: ${snapshot?.Status ?? 'pending'} ${snapshot?.PercentProgress ?? 0}%`);
    await sleep(options.pollMs);
    const page = await call(
      {
        operation: 'DescribeDBSnapshots',
        resource: `RDS snapshot ${id}`,
        leftAs: 'Nothing was migrated; the snapshot may still complete.',
      },
      () => rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id })),
    );
    snapshot = page.DBSnapshots?.[0];
  }
  return {
    id,
    arn: snapshot.DBSnapshotArn ?? id,
    encrypted: snapshot.Encrypted === true,
    engineVersion: snapshot.EngineVersion ?? db.EngineVersion,
  };
}
