/**
 * The deploy, step by step: hash the build, check the bucket is safe, read what is there,
 * plan, then upload assets, HTML and the root index.html in that order, delete what is stale,
 * record the result, and invalidate CloudFront. Any failure before the HTML step leaves the
 * live site as it was (new assets beside the old, which nothing references yet).
 */
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { S3Client } from '@aws-sdk/client-s3';
import { S3ControlClient } from '@aws-sdk/client-s3-control';
import { STSClient } from '@aws-sdk/client-sts';
import {
  ActionCancelled,
  ActionFailure,
  formatBytes,
  formatDuration,
  formatPercent,
  type ActionContext,
} from '@white-cross/core';
import { awsCaller, createAwsClient } from '@white-cross/aws';
import { ACTION_NAME, ACTION_VERSION, OUTPUT } from './constants.js';
import type { DeployInputs } from './inputs.js';
import { keyFor, scanLocalFiles, type LocalFile } from './local-files.js';
import { mapConcurrent } from './concurrency.js';
import {
  DEPLOY_RECORD_PATH,
  DEPLOY_RECORD_SCHEMA,
  callerReferenceFor,
  deleteRatio,
  invalidationPathsFor,
  keysToInspect,
  manifestDigest,
  mergeInvalidationPaths,
  planSync,
  recordedState,
  uploadsOf,
  type DeployRecord,
  type ListedObject,
  type ObjectState,
  type PendingInvalidation,
  type PlannedUpload,
  type RecordedObject,
  type SyncPlan,
} from './plan.js';
import {
  deleteObjects,
  inspectObjects,
  listObjects,
  readBucketSafety,
  accountPublicAccessReader,
  readDeployRecord,
  uploadFile,
  writeDeployRecord,
  type BucketSafety,
  type Encryption,
  type S3Call,
} from './remote.js';
import {
  checkDistribution,
  ensureInvalidation,
  invalidationStatus,
  waitForInvalidation,
} from './invalidation.js';
import { writeDeploySummary, type DeployReport } from './report.js';

export const ACTION = ACTION_NAME;
export const VERSION = ACTION_VERSION;

const UNCHANGED = 'Nothing was changed.';

/** Runs the deploy; the report is filled in as it goes, and written however it ends. */
export async function deploy(inputs: DeployInputs, ctx: ActionContext): Promise<void> {
  const report: DeployReport = {
    target: `s3://${inputs.bucket}/${inputs.prefix === '' ? '' : `${inputs.prefix}/`}`,
    dryRun: inputs.dryRun,
    started: ctx.clock.now(),
    uploaded: [],
    deleted: [],
    unchanged: 0,
    bytesUploaded: 0,
    stage: 'hashing the build',
  };
  try {
    await run(inputs, ctx, report);
  } catch (error) {
    if (!(error instanceof ActionCancelled)) throw error;
    // Each stage is safe to stop in (assets first, HTML last, deletions after): say which state
    // the site was left in, as a failed call at that stage would.
    const left = report.leftAs ?? UNCHANGED;
    ctx.fact('cancelled', { during: report.stage, left });
    throw new ActionFailure(`Cancelled (${String(ctx.signal.reason)}) while ${report.stage}: ${left}`);
  } finally {
    report.ended = ctx.clock.now();
    publish(ctx, report);
  }
}

async function run(inputs: DeployInputs, ctx: ActionContext, report: DeployReport): Promise<void> {
  const { log } = ctx;
  const settings = { region: inputs.region, action: ACTION, version: VERSION, env: ctx.env };
  const s3 = createAwsClient(S3Client, settings);
  const cf = inputs.distributionId ? createAwsClient(CloudFrontClient, settings) : undefined;
  // Every AWS call goes through awsCall (the one retry layer, waits logged), with the state a
  // failure at that stage leaves.
  const caller = awsCaller({ log, sleep: ctx.sleep });
  const leaving =
    (leftAs: string, attempts?: number): S3Call =>
    (operation, resource, send) => {
      report.leftAs = leftAs;
      return caller({ operation, resource, leftAs }, send, attempts === undefined ? {} : { attempts });
    };
  const encryption: Encryption = { mode: inputs.sse, kmsKeyId: inputs.kmsKeyId };
  const recordKey = keyFor(inputs.prefix, DEPLOY_RECORD_PATH);
  const where = report.target;

  // Hashing the build and reading the bucket overlap; nothing is changed before both are done.
  const scan = scanLocalFiles(inputs.sourceDir, inputs.prefix, inputs.cacheRules, inputs.concurrency);
  scan.catch(() => {});
  report.stage = 'checking the bucket';
  const safety = await readBucketSafety(
    s3,
    leaving(UNCHANGED),
    inputs.bucket,
    accountPublicAccessReader(
      createAwsClient(STSClient, settings),
      createAwsClient(S3ControlClient, settings),
      leaving(UNCHANGED),
    ),
  );
  report.safety = safety;
  enforceBucketSafety(inputs, safety, log);
  // Every named resource is checked before the first write: a wrong distribution-id fails now.
  if (cf && inputs.distributionId) {
    report.stage = 'checking the distribution';
    await checkDistribution(cf, leaving(UNCHANGED), inputs.distributionId);
  }
  // What the objects' encryption must be: what is sent, or else the bucket's own default.
  const expectedSse = inputs.sse === 'bucket-default' ? safety.defaultEncryption : inputs.sse;

  report.stage = 'reading the bucket';
  const [listing, record] = await Promise.all([
    listObjects(s3, leaving(UNCHANGED), inputs.bucket, inputs.prefix),
    readDeployRecord(s3, leaving(UNCHANGED), inputs.bucket, recordKey),
  ]);
  listing.delete(recordKey);
  report.stage = 'hashing the build';
  const local = await scan;
  if (local.length === 0)
    throw new ActionFailure(
      `Nothing to deploy: '${inputs.sourceDir}' holds no files; ${where} was not changed.`,
    );
  const clash = local.find((f) => f.path.startsWith('.white-cross-deploy/'));
  if (clash)
    throw new ActionFailure(
      `${clash.path} is in the build, but .white-cross-deploy/ is where s3-deploy keeps its record; nothing was changed.`,
    );
  if (!local.some((f) => f.path === 'index.html'))
    log.warning(`The build has no index.html at its root; deploying ${local.length} files anyway.`);
  log.info(
    `Hashed ${local.length} files (${formatBytes(local.reduce((s, f) => s + f.size, 0))}) in ${inputs.sourceDir}.`,
  );
  const recorded = record?.objects ?? {};
  const toInspect = keysToInspect(local, listing, recorded);
  if (toInspect.length > 0)
    log.info(`Reading the SHA-256 of ${toInspect.length} objects the deploy record does not vouch for.`);
  const inspected = await inspectObjects(
    s3,
    leaving(UNCHANGED),
    inputs.bucket,
    toInspect,
    inputs.concurrency,
  );
  const states = new Map<string, ObjectState>(inspected);
  for (const file of local) {
    const listed = listing.get(file.key);
    const known = listed && recordedState(listed, recorded[file.key]);
    if (known && !states.has(file.key)) states.set(file.key, known);
  }
  report.inspected = toInspect.length;

  const plan = planSync({
    local,
    listing,
    states,
    sse: expectedSse,
    deleteStale: inputs.delete,
    reserved: new Set([recordKey]),
  });
  report.plan = plan;
  report.unchanged = plan.unchanged.length;
  const ratio = deleteRatio(plan);
  if (ratio > inputs.maxDeleteRatio) {
    throw new ActionFailure(
      `Refusing to delete ${plan.deletions.length} of the ${plan.existingObjects} objects in ${where} (${formatPercent(ratio)}, more than max-delete-ratio ${formatPercent(inputs.maxDeleteRatio)}); nothing was changed. Check source-dir and prefix, or raise max-delete-ratio.`,
    );
  }
  const uploads = uploadsOf(plan);
  log.info(
    `Plan for ${where}: upload ${uploads.length} (${formatBytes(plan.bytesToUpload)}), keep ${plan.unchanged.length} unchanged, delete ${plan.deletions.length}.`,
  );
  const manifest = Object.fromEntries(local.map((f) => [f.key, f.sha256]));
  report.manifest = manifest;
  if (inputs.dryRun) {
    log.notice(`Dry run: ${where} was not changed.`);
    return;
  }

  // What CloudFront must forget: this run's changes, plus any an earlier run left owed.
  const changedPaths = [
    ...uploads.map((u) => u.file.path),
    ...plan.deletions.map((key) => relativePath(inputs.prefix, key)),
  ];
  let pending: PendingInvalidation | undefined;
  if (inputs.distributionId) {
    const owed =
      record?.pendingInvalidation?.distributionId === inputs.distributionId
        ? record.pendingInvalidation.paths
        : [];
    const ours =
      changedPaths.length === 0
        ? []
        : inputs.invalidationPaths.length > 0
          ? [...inputs.invalidationPaths]
          : invalidationPathsFor(changedPaths);
    const paths = mergeInvalidationPaths(owed, ours);
    if (paths.length > 0) {
      pending = {
        distributionId: inputs.distributionId,
        paths,
        callerReference: callerReferenceFor({
          distributionId: inputs.distributionId,
          paths,
          manifestSha256: manifestDigest(manifest),
          runId: ctx.env.GITHUB_RUN_ID,
        }),
      };
    }
  }
  const newRecord = (
    objects: Record<string, RecordedObject>,
    owed: PendingInvalidation | undefined,
  ): DeployRecord => ({
    schema: DEPLOY_RECORD_SCHEMA,
    updatedAt: new Date(ctx.clock.now()).toISOString(),
    runId: ctx.env.GITHUB_RUN_ID,
    commit: ctx.env.GITHUB_SHA,
    objects,
    ...(owed ? { pendingInvalidation: owed } : {}),
  });
  if (pending && uploads.length + plan.deletions.length > 0) {
    // Written before the first change, so a run that dies half-way still leaves the paths owed.
    await writeDeployRecord(
      s3,
      leaving(UNCHANGED),
      inputs.bucket,
      recordKey,
      newRecord(record?.objects ?? {}, pending),
      encryption,
    );
  }

  const etags = new Map<string, string>();
  for (const phase of plan.phases) {
    if (phase.uploads.length === 0) continue;
    // A cancelled run starts no further phase: above all no HTML after it was cancelled.
    if (ctx.signal.aborted) throw new ActionCancelled(`before uploading ${phase.name}`, ctx.signal);
    report.stage = `uploading ${phase.name}`;
    const state =
      phase.name === 'assets'
        ? 'No HTML was uploaded and nothing was deleted, so the live site is unchanged (the new assets uploaded so far are not referenced yet); re-run to finish.'
        : 'Every asset is in place and nothing was deleted, so old and new pages both work; re-run to finish.';
    await uploadPhase(s3, leaving(state), inputs, ctx, report, phase.name, phase.uploads, encryption, etags);
  }

  if (plan.deletions.length > 0) {
    if (ctx.signal.aborted) throw new ActionCancelled('before deleting stale objects', ctx.signal);
    report.stage = 'deleting stale objects';
    log.info(`Deleting ${plan.deletions.length} objects the new site no longer has.`);
    const failed = await deleteObjects(
      s3,
      leaving('The new site is live; stale objects remain.'),
      inputs.bucket,
      plan.deletions,
    );
    const failedKeys = new Set(failed.map((f) => f.key));
    report.deleted = plan.deletions.filter((k) => !failedKeys.has(k));
    for (const f of failed.slice(0, 10)) log.warning(`Could not delete ${f.key}: ${f.message}`);
    if (failed.length > 0)
      log.warning(`${failed.length} stale objects could not be deleted; the new site is live and whole.`);
  }

  report.stage = 'recording the deploy';
  const finalListing =
    uploads.length > 0
      ? await listObjects(s3, leaving('The new site is live.'), inputs.bucket, inputs.prefix)
      : listing;
  const objects = recordObjects(local, plan, finalListing, states, etags, expectedSse);
  let owed = pending;
  const recordChanged = () =>
    JSON.stringify({ o: record?.objects, p: record?.pendingInvalidation }) !==
    JSON.stringify({ o: objects, p: owed });
  if (recordChanged()) {
    await writeDeployRecord(
      s3,
      leaving('The new site is live.'),
      inputs.bucket,
      recordKey,
      newRecord(objects, owed),
      encryption,
    );
  }

  if (pending && inputs.distributionId && cf) {
    const distributionId = inputs.distributionId;
    report.stage = 'invalidating CloudFront';
    const invalidation = await ensureInvalidation(
      cf,
      leaving(
        'The new site is live in S3; CloudFront may serve cached copies until a re-run invalidates them.',
      ),
      distributionId,
      pending.callerReference,
      pending.paths,
    );
    report.invalidation = {
      id: invalidation.id,
      paths: pending.paths,
      status: invalidation.status,
      reused: invalidation.reused,
    };
    log.info(
      `${invalidation.reused ? 'Reusing' : 'Created'} invalidation ${invalidation.id} on ${distributionId} for ${pending.paths.length === 1 ? pending.paths[0] : `${pending.paths.length} paths`}.`,
    );
    if (inputs.waitForInvalidation) {
      const waiting =
        'The new site is live in S3; CloudFront finishes invalidating on its own, and a re-run waits for the same invalidation.';
      report.leftAs = waiting; // the wait sleeps before its first look
      const waited = await waitForInvalidation({
        initialStatus: invalidation.status,
        getStatus: invalidationStatus(cf, leaving(waiting, 1), distributionId, invalidation.id),
        timeoutMs: inputs.invalidationTimeoutMs,
        clock: ctx.clock,
        sleep: ctx.sleep,
        log,
        label: `${invalidation.id} on ${distributionId}`,
      });
      report.invalidation.status = waited.status;
      report.invalidation.waitedMs = waited.waitedMs;
      if (!waited.completed) {
        throw new ActionFailure(
          `Invalidation ${invalidation.id} on ${distributionId} was still ${waited.status} after ${formatDuration(waited.waitedMs)} (invalidation-timeout); the new site is live in S3 and CloudFront will finish invalidating on its own; a re-run waits for the same invalidation.`,
        );
      }
    }
    owed = undefined;
    await writeDeployRecord(
      s3,
      leaving('The new site is live and invalidated.'),
      inputs.bucket,
      recordKey,
      newRecord(objects, owed),
      encryption,
    );
  }
  report.stage = 'done';
  log.info(
    `Deployed ${where}: ${report.uploaded.length} uploaded (${formatBytes(report.bytesUploaded)}), ${plan.unchanged.length} unchanged, ${report.deleted.length} deleted, in ${formatDuration(ctx.clock.now() - report.started)}.`,
  );
}

async function uploadPhase(
  s3: S3Client,
  call: S3Call,
  inputs: DeployInputs,
  ctx: ActionContext,
  report: DeployReport,
  phase: string,
  uploads: PlannedUpload[],
  encryption: Encryption,
  etags: Map<string, string>,
): Promise<void> {
  const total = uploads.length;
  const bytes = uploads.reduce((s, u) => s + u.file.size, 0);
  ctx.log.info(
    `Uploading ${total} ${phase === 'assets' ? 'assets' : phase === 'pages' ? 'HTML pages' : 'index.html'} (${formatBytes(bytes)}).`,
  );
  let done = 0;
  let lastLog = ctx.clock.now();
  await mapConcurrent(uploads, inputs.concurrency, async (upload) => {
    // Cancelled: no new upload starts (those in flight end on their own).
    if (ctx.signal.aborted) throw new ActionCancelled(`uploading ${phase}`, ctx.signal);
    etags.set(upload.file.key, await uploadFile(s3, call, inputs.bucket, upload.file, encryption));
    report.uploaded.push(upload);
    report.bytesUploaded += upload.file.size;
    done++;
    if (total > 50 && (ctx.clock.now() - lastLog > 5000 || done === total)) {
      lastLog = ctx.clock.now();
      ctx.log.info(
        `  ${done}/${total} ${phase} uploaded (${formatBytes(report.bytesUploaded)} in all so far).`,
      );
    }
  });
}

function recordObjects(
  local: readonly LocalFile[],
  plan: SyncPlan,
  listing: ReadonlyMap<string, ListedObject>,
  states: ReadonlyMap<string, ObjectState>,
  etags: ReadonlyMap<string, string>,
  sse: string | undefined,
): Record<string, RecordedObject> {
  const uploaded = new Set(uploadsOf(plan).map((u) => u.file.key));
  const objects: Record<string, RecordedObject> = {};
  for (const file of local) {
    if (uploaded.has(file.key)) {
      // The object this run wrote, by the ETag S3 answered the PUT with.
      const etag = etags.get(file.key);
      if (etag)
        objects[file.key] = {
          sha256: file.sha256,
          contentType: file.contentType,
          cacheControl: file.cacheControl,
          sse,
          size: file.size,
          etag,
        };
      continue;
    }
    const listed = listing.get(file.key);
    const state = states.get(file.key);
    if (listed && state) {
      objects[file.key] = {
        sha256: state.sha256,
        contentType: state.contentType,
        cacheControl: state.cacheControl,
        sse: state.sse,
        size: listed.size,
        etag: listed.etag,
      };
    }
  }
  return objects;
}

function enforceBucketSafety(inputs: DeployInputs, safety: BucketSafety, log: ActionContext['log']): void {
  if (safety.defaultEncryption === undefined && !inputs.allowUnencryptedBucket) {
    const sent =
      inputs.sse === 'bucket-default'
        ? 'S3 then stores every object with SSE-S3, as it does any new object'
        : `every object is still sent with sse ${inputs.sse}`;
    throw new ActionFailure(
      `Bucket ${inputs.bucket} has no default encryption; nothing was changed. Turn it on (aws s3api put-bucket-encryption), or set allow-unencrypted-bucket: true to deploy anyway (${sent}).`,
    );
  }
  // CloudFront reads an SSE-KMS object only when the key policy grants its origin access
  // control kms:Decrypt, and the policy of the AWS managed key aws/s3 cannot be changed.
  const managedKey =
    inputs.sse === 'aws:kms'
      ? !inputs.kmsKeyId || inputs.kmsKeyId.endsWith('alias/aws/s3')
      : inputs.sse === 'bucket-default' &&
        safety.defaultEncryption?.startsWith('aws:kms') === true &&
        (!safety.defaultKmsKeyId || safety.defaultKmsKeyId.endsWith('alias/aws/s3'));
  if (managedKey) {
    log.warning(
      `Objects in ${inputs.bucket} are encrypted with the AWS managed key aws/s3, whose key policy cannot be changed: CloudFront origin access control cannot be granted kms:Decrypt on it, so CloudFront will answer 403 for them. Use a customer managed key (kms-key-id, or the bucket's default) and grant the distribution kms:Decrypt in its key policy.`,
    );
  }
  const gaps = safety.publicAccessGaps;
  if (safety.publicAccessFromAccount && gaps?.length === 0) {
    log.info(
      `Bucket ${inputs.bucket} leaves ${safety.publicAccessFromAccount.join(', ')} to the account's Block Public Access, which has them on.`,
    );
  }
  if ((gaps === undefined || gaps.length > 0) && !inputs.allowPublicBucket) {
    const what =
      gaps === undefined
        ? 'has no Block Public Access configuration (neither the bucket nor the account)'
        : `has Block Public Access settings off at bucket and account level: ${gaps.join(', ')}`;
    throw new ActionFailure(
      `Bucket ${inputs.bucket} ${what}; nothing was changed. Block public access (aws s3api put-public-access-block) and serve through CloudFront, or set allow-public-bucket: true to deploy anyway.`,
    );
  }
}

function relativePath(prefix: string, key: string): string {
  return prefix === '' ? key : key.slice(prefix.length + 1);
}

function publish(ctx: ActionContext, report: DeployReport): void {
  const manifest = report.manifest ?? {};
  const planned = report.plan ? uploadsOf(report.plan) : [];
  const uploadedCount = report.dryRun ? planned.length : report.uploaded.length;
  const deletedCount = report.dryRun ? (report.plan?.deletions.length ?? 0) : report.deleted.length;
  const bytes = report.dryRun ? (report.plan?.bytesToUpload ?? 0) : report.bytesUploaded;
  ctx.setOutput(OUTPUT.uploaded, uploadedCount);
  ctx.setOutput(OUTPUT.unchanged, report.unchanged);
  ctx.setOutput(OUTPUT.deleted, deletedCount);
  ctx.setOutput(OUTPUT.bytesUploaded, bytes);
  ctx.setOutput(OUTPUT.invalidationId, report.invalidation?.id ?? '');
  ctx.setOutput(OUTPUT.manifest, manifest);
  ctx.fact('target', report.target);
  ctx.fact('dryRun', report.dryRun);
  ctx.fact('uploaded', uploadedCount);
  ctx.fact('unchanged', report.unchanged);
  ctx.fact('deleted', deletedCount);
  ctx.fact('bytesUploaded', bytes);
  if (report.safety) ctx.fact('bucketSafety', report.safety);
  if (report.invalidation) ctx.fact('invalidation', report.invalidation);
  ctx.fact('manifest', manifest);
  if (report.plan) {
    ctx.writeEvidence(
      's3-deploy-manifest.json',
      JSON.stringify(
        {
          target: report.target,
          dryRun: report.dryRun,
          objects: manifest,
          uploaded: (report.dryRun ? planned : report.uploaded).map((u) => ({
            key: u.file.key,
            reason: u.reason,
            sha256: u.file.sha256,
            size: u.file.size,
          })),
          deleted: report.dryRun ? report.plan.deletions : report.deleted,
          invalidation: report.invalidation ?? null,
        },
        null,
        2,
      ),
    );
  }
  writeDeploySummary(ctx.summary, report);
}
