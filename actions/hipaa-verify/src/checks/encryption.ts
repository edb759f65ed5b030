/**
 * Encryption at rest (§164.312(a)(2)(iv)): RDS storage and snapshots, S3 default encryption
 * with KMS, log groups with KMS keys, and those keys enabled and rotating.
 */
import { combine, type Check } from '../model.js';

const ENCRYPTION = '§164.312(a)(2)(iv) Encryption and decryption';

export const rdsStorageEncrypted: Check<'rds'> = {
  id: 'ENC-001',
  title: 'RDS storage encrypted',
  safeguard: ENCRYPTION,
  group: 'ENC',
  probe: 'rds DescribeDBInstances: StorageEncrypted.',
  fix: 'Encryption cannot be turned on in place: restore an encrypted copy of a snapshot and switch to it.',
  source: 'rds',
  judge(rds) {
    return {
      verdict: rds.storageEncrypted ? 'PASS' : 'FAIL',
      evidence: [
        rds.storageEncrypted
          ? `StorageEncrypted true (key ${rds.kmsKeyId ?? 'default'})`
          : 'StorageEncrypted false',
      ],
      resource: rds.identifier,
    };
  },
};

export const rdsSnapshotsEncrypted: Check<'rds'> = {
  id: 'ENC-002',
  title: 'RDS snapshots encrypted',
  safeguard: ENCRYPTION,
  group: 'ENC',
  probe: 'rds DescribeDBSnapshots of the instance: Encrypted.',
  fix: 'Copy unencrypted snapshots with --kms-key-id and delete the originals.',
  source: 'rds',
  judge(rds) {
    if (rds.snapshots.length === 0)
      return { verdict: 'WARN', evidence: ['no snapshots to inspect'], resource: rds.identifier };
    const plain = rds.snapshots.filter((s) => !s.encrypted);
    return {
      verdict: plain.length ? 'FAIL' : 'PASS',
      evidence: plain.length
        ? plain.map((s) => `${s.id} (${s.type}) not encrypted`)
        : [`all ${rds.snapshots.length} snapshot(s) encrypted`],
      resource: rds.identifier,
    };
  },
};

export const s3DefaultEncryption: Check<'buckets'> = {
  id: 'ENC-003',
  title: 'S3 default encryption with KMS',
  safeguard: ENCRYPTION,
  group: 'ENC',
  probe: 's3 GetBucketEncryption: SSEAlgorithm aws:kms (or aws:kms:dsse).',
  fix: 'aws s3api put-bucket-encryption with SSEAlgorithm aws:kms and a customer managed key.',
  source: 'buckets',
  judge(buckets) {
    if (buckets.length === 0) return { verdict: 'SKIPPED', evidence: ['no buckets given'] };
    return combine(
      buckets.map((b) => {
        if (b.error) return { verdict: 'FAIL', line: `${b.bucket}: ${b.error}` };
        const alg = b.encryption?.algorithm;
        if (alg === 'aws:kms' || alg === 'aws:kms:dsse')
          return { verdict: 'PASS', line: `${b.bucket}: ${alg} (${b.encryption?.kmsKeyId ?? 'aws/s3 key'})` };
        if (alg === 'AES256')
          return { verdict: 'WARN', line: `${b.bucket}: AES256 (S3-managed keys, no KMS audit trail)` };
        return { verdict: 'FAIL', line: `${b.bucket}: no default encryption configured` };
      }),
    );
  },
};

export const logGroupsEncrypted: Check<'logGroups'> = {
  id: 'ENC-004',
  title: 'Log groups encrypted with KMS keys',
  safeguard: ENCRYPTION,
  group: 'ENC',
  probe: 'logs DescribeLogGroups: kmsKeyId.',
  fix: 'aws logs associate-kms-key --log-group-name NAME --kms-key-id KEY_ARN',
  source: 'logGroups',
  judge(groups) {
    if (groups.length === 0) return { verdict: 'SKIPPED', evidence: ['no log-groups given'] };
    return combine(
      groups.map((g) => {
        if (!g.found) return { verdict: 'FAIL', line: `${g.name}: not found` };
        return g.kmsKeyId
          ? { verdict: 'PASS', line: `${g.name}: ${g.kmsKeyId}` }
          : { verdict: 'FAIL', line: `${g.name}: no KMS key` };
      }),
    );
  },
};

export const keysRotating: Check<'keys'> = {
  id: 'ENC-005',
  title: 'KMS keys enabled and rotating',
  safeguard: ENCRYPTION,
  group: 'ENC',
  probe:
    'kms DescribeKey and GetKeyRotationStatus for every key the RDS instance, buckets and log groups use.',
  fix: 'aws kms enable-key-rotation --key-id KEY (and re-enable a disabled key, or move data off a key pending deletion).',
  source: 'keys',
  judge(keys) {
    if (keys.length === 0)
      return { verdict: 'SKIPPED', evidence: ['no KMS keys referenced by the given resources'] };
    return combine(
      keys.map((k) => {
        const users = k.usedBy.join(', ');
        if (k.error) return { verdict: 'FAIL', line: `${k.keyId} (used by ${users}): ${k.error}` };
        if (k.state !== 'Enabled')
          return { verdict: 'FAIL', line: `${k.keyId} (used by ${users}): state ${k.state}` };
        if (k.manager === 'AWS')
          return { verdict: 'PASS', line: `${k.keyId} (used by ${users}): AWS managed, rotated by AWS` };
        return k.rotationEnabled
          ? { verdict: 'PASS', line: `${k.keyId} (used by ${users}): enabled, rotation on` }
          : { verdict: 'FAIL', line: `${k.keyId} (used by ${users}): rotation off` };
      }),
    );
  },
};

export const encryptionChecks = [
  rdsStorageEncrypted,
  rdsSnapshotsEncrypted,
  s3DefaultEncryption,
  logGroupsEncrypted,
  keysRotating,
] as const;
