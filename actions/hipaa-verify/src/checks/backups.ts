/**
 * Contingency plan (§164.308(a)(7)): backups that exist, are recent and restorable, and a
 * database that survives a zone failure or a slip of the hand.
 */
import { DAY_MS, type Check } from '../model.js';

const BACKUP = '§164.308(a)(7)(ii)(A) Data backup plan';
const RECOVERY = '§164.308(a)(7)(ii)(B) Disaster recovery plan';

export const MIN_RETENTION_DAYS = 7;
export const MAX_RESTORE_GAP_MS = 3_600_000;
export const MAX_SNAPSHOT_AGE_MS = DAY_MS;

export const backupRetention: Check<'rds'> = {
  id: 'BAK-001',
  title: `RDS backup retention at least ${MIN_RETENTION_DAYS} days`,
  safeguard: BACKUP,
  group: 'BAK',
  probe: 'rds DescribeDBInstances: BackupRetentionPeriod.',
  fix: `aws rds modify-db-instance --backup-retention-period ${MIN_RETENTION_DAYS} (or more) --apply-immediately`,
  source: 'rds',
  judge(rds) {
    return {
      verdict: rds.backupRetentionDays >= MIN_RETENTION_DAYS ? 'PASS' : 'FAIL',
      evidence: [`BackupRetentionPeriod ${rds.backupRetentionDays} day(s)`],
      resource: rds.identifier,
    };
  },
};

export const pointInTimeRestore: Check<'rds'> = {
  id: 'BAK-002',
  title: 'Latest restorable time within 1 hour',
  safeguard: BACKUP,
  group: 'BAK',
  probe: 'rds DescribeDBInstances: LatestRestorableTime.',
  fix: 'Turn on automated backups; a stale LatestRestorableTime means transaction logs are not being archived: open an AWS support case.',
  source: 'rds',
  judge(rds, { now }) {
    if (!rds.latestRestorableTime)
      return {
        verdict: 'FAIL',
        evidence: ['no LatestRestorableTime (automated backups off)'],
        resource: rds.identifier,
      };
    const gap = now - Date.parse(rds.latestRestorableTime);
    return {
      verdict: gap <= MAX_RESTORE_GAP_MS ? 'PASS' : 'FAIL',
      evidence: [`LatestRestorableTime ${rds.latestRestorableTime} (${Math.round(gap / 60_000)} min ago)`],
      resource: rds.identifier,
    };
  },
};

export const recentSnapshot: Check<'rds'> = {
  id: 'BAK-003',
  title: 'Newest automated snapshot younger than 24 hours',
  safeguard: BACKUP,
  group: 'BAK',
  probe: 'rds DescribeDBSnapshots (automated) of the instance: the newest SnapshotCreateTime.',
  fix: 'Check the backup window and the instance events: a missed automated backup means the backup plan is not working.',
  source: 'rds',
  judge(rds, { now }) {
    const automated = rds.snapshots
      .filter((s) => s.type === 'automated' && s.createdAt)
      .sort((a, b) => Date.parse(b.createdAt ?? '') - Date.parse(a.createdAt ?? ''));
    const newest = automated[0];
    if (!newest?.createdAt)
      return { verdict: 'FAIL', evidence: ['no automated snapshot'], resource: rds.identifier };
    const age = now - Date.parse(newest.createdAt);
    return {
      verdict: age <= MAX_SNAPSHOT_AGE_MS ? 'PASS' : 'FAIL',
      evidence: [
        `newest automated snapshot ${newest.id} at ${newest.createdAt} (${(age / 3_600_000).toFixed(1)} h ago)`,
      ],
      resource: rds.identifier,
    };
  },
};

export const deletionProtection: Check<'rds'> = {
  id: 'BAK-004',
  title: 'RDS deletion protection on',
  safeguard: BACKUP,
  group: 'BAK',
  probe: 'rds DescribeDBInstances: DeletionProtection.',
  fix: 'aws rds modify-db-instance --deletion-protection --apply-immediately',
  source: 'rds',
  judge(rds) {
    return {
      verdict: rds.deletionProtection ? 'PASS' : 'FAIL',
      evidence: [`DeletionProtection ${rds.deletionProtection}`],
      resource: rds.identifier,
    };
  },
};

export const multiAz: Check<'rds'> = {
  id: 'BAK-005',
  title: 'RDS Multi-AZ',
  safeguard: RECOVERY,
  group: 'BAK',
  probe: 'rds DescribeDBInstances: MultiAZ.',
  fix: 'aws rds modify-db-instance --multi-az (applies in the maintenance window unless --apply-immediately).',
  source: 'rds',
  judge(rds) {
    return {
      verdict: rds.multiAz ? 'PASS' : 'FAIL',
      evidence: [`MultiAZ ${rds.multiAz}`],
      resource: rds.identifier,
    };
  },
};

export const backupChecks = [
  backupRetention,
  pointInTimeRestore,
  recentSnapshot,
  deletionProtection,
  multiAz,
] as const;
