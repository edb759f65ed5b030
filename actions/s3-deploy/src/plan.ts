/**
 * The sync plan, as pure functions: which objects to upload (and why), which are unchanged,
 * which to delete, in which order, and what to invalidate. Change is decided by content
 * (SHA-256) and by the headers a file should carry, never by file times or by comparing ETags
 * with a local digest (under SSE-KMS the ETag is not the MD5).
 */
import { createHash } from 'node:crypto';
import type { LocalFile } from './local-files.js';

/** An object as ListObjectsV2 shows it. */
export interface ListedObject {
  key: string;
  size: number;
  etag: string;
}

/** What is known of an object's content and headers (from its metadata, or the deploy record). */
export interface ObjectState {
  /** Hex SHA-256, when the object carries one (`x-amz-meta-sha256` or a full-object checksum). */
  sha256: string | undefined;
  contentType: string | undefined;
  cacheControl: string | undefined;
  sse: string | undefined;
}

/**
 * One object of the deploy record: its state, and the identity S3 gave the object when it was
 * recorded (its size and ETag, as the PUT answered or a listing showed).
 */
export interface RecordedObject extends ObjectState {
  size: number;
  etag: string;
}

/**
 * The record a deploy leaves in the bucket (beside the site, under the prefix): each object's
 * SHA-256 and headers as written, with the identity S3 gave it, so the next deploy need not ask
 * for every object's metadata; and an invalidation still owed to CloudFront, so a re-run after
 * a failure still invalidates what the failed run changed.
 */
export interface DeployRecord {
  schema: typeof DEPLOY_RECORD_SCHEMA;
  updatedAt: string;
  runId?: string;
  commit?: string;
  objects: Record<string, RecordedObject>;
  pendingInvalidation?: PendingInvalidation;
}

export interface PendingInvalidation {
  distributionId: string;
  callerReference: string;
  paths: string[];
}

export const DEPLOY_RECORD_SCHEMA = 'white-cross-deploy/s3-deploy-record@1';
/** Where the deploy record lives, relative to the prefix. */
export const DEPLOY_RECORD_PATH = '.white-cross-deploy/s3-deploy-record.json.gz';

export type UploadReason = 'new' | 'content' | 'content-type' | 'cache-control' | 'encryption';

export interface PlannedUpload {
  file: LocalFile;
  reason: UploadReason;
}

export interface SyncPlan {
  /**
   * Uploads in the order they must happen: non-HTML, then HTML pages, then the root
   * `index.html`; within a phase, largest first.
   */
  phases: { name: 'assets' | 'pages' | 'index.html'; uploads: PlannedUpload[] }[];
  unchanged: LocalFile[];
  /** Keys to delete after every upload succeeded. */
  deletions: string[];
  /** Objects under the prefix before the deploy (the deploy record not counted). */
  existingObjects: number;
  bytesToUpload: number;
}

/** All uploads of a plan, in order. */
export function uploadsOf(plan: SyncPlan): PlannedUpload[] {
  return plan.phases.flatMap((p) => p.uploads);
}

/**
 * The keys whose state must be read from S3 itself (HeadObject): those that exist remotely
 * but whose deploy-record entry is missing, or whose size or ETag no longer match what the
 * record saw (something else wrote the object since). The ETag is used only as S3's own name
 * for "this exact object", as S3 gave it; it is never compared with a digest of a local file.
 *
 * @example
 * keysToInspect(local, listing, record.objects); // ['assets/new.js'] when only that one is unknown
 */
export function keysToInspect(
  local: readonly LocalFile[],
  listing: ReadonlyMap<string, ListedObject>,
  recorded: Readonly<Record<string, RecordedObject>>,
): string[] {
  return local
    .filter((file) => {
      const listed = listing.get(file.key);
      return listed !== undefined && recordedState(listed, recorded[file.key]) === undefined;
    })
    .map((file) => file.key);
}

/** The recorded state of a listed object, if the record still describes that very object. */
export function recordedState(
  listed: ListedObject,
  entry: RecordedObject | undefined,
): ObjectState | undefined {
  if (!entry) return undefined;
  if (entry.size !== listed.size || entry.etag === '' || entry.etag !== listed.etag) return undefined;
  return entry;
}

/** Why a local file must be uploaded over an existing object, or undefined when it need not be. */
export function uploadReason(
  file: LocalFile,
  remote: ObjectState | undefined,
  sse: string | undefined,
): UploadReason | undefined {
  if (!remote) return 'new';
  if (remote.sha256 !== file.sha256) return 'content';
  if (remote.contentType !== file.contentType) return 'content-type';
  if (remote.cacheControl !== file.cacheControl) return 'cache-control';
  // Unknown expected encryption (a bucket without a default): any is kept.
  if (sse !== undefined && remote.sse !== sse) return 'encryption';
  return undefined;
}

export interface PlanInput {
  local: readonly LocalFile[];
  listing: ReadonlyMap<string, ListedObject>;
  /** The state of each listed key the local files have (from the record or from HeadObject). */
  states: ReadonlyMap<string, ObjectState>;
  /** The encryption objects must have (`AES256`, `aws:kms`), or undefined when any will do. */
  sse: string | undefined;
  deleteStale: boolean;
  /** Keys never deleted (the deploy record). */
  reserved: ReadonlySet<string>;
}

/**
 * Plans the sync: what to upload in which phase, what is unchanged, what to delete.
 *
 * @example
 * const plan = planSync({ local, listing, states, sse: 'AES256', deleteStale: true, reserved: new Set([recordKey]) });
 */
export function planSync(input: PlanInput): SyncPlan {
  const assets: PlannedUpload[] = [];
  const pages: PlannedUpload[] = [];
  const entry: PlannedUpload[] = [];
  const unchanged: LocalFile[] = [];
  const localKeys = new Set<string>();
  const rootIndex = input.local.find((f) => f.path === 'index.html');
  for (const file of input.local) {
    localKeys.add(file.key);
    const listed = input.listing.get(file.key);
    const state = listed
      ? (input.states.get(file.key) ?? {
          sha256: undefined,
          contentType: undefined,
          cacheControl: undefined,
          sse: undefined,
        })
      : undefined;
    const reason = uploadReason(file, state, input.sse);
    if (reason === undefined) {
      unchanged.push(file);
      continue;
    }
    const upload = { file, reason };
    if (file === rootIndex) entry.push(upload);
    else if (file.html) pages.push(upload);
    else assets.push(upload);
  }
  const existing = [...input.listing.keys()].filter((key) => !input.reserved.has(key));
  const deletions = input.deleteStale ? existing.filter((key) => !localKeys.has(key)).sort() : [];
  // Largest first: multipart uploads of big files then overlap with the many small ones.
  const bySize = (a: PlannedUpload, b: PlannedUpload) =>
    b.file.size - a.file.size || a.file.key.localeCompare(b.file.key);
  assets.sort(bySize);
  pages.sort(bySize);
  const all = [...assets, ...pages, ...entry];
  return {
    phases: [
      { name: 'assets', uploads: assets },
      { name: 'pages', uploads: pages },
      { name: 'index.html', uploads: entry },
    ],
    unchanged,
    deletions,
    existingObjects: existing.length,
    bytesToUpload: all.reduce((sum, u) => sum + u.file.size, 0),
  };
}

/**
 * The share of existing objects the plan would delete (0 when the prefix is empty).
 *
 * @example
 * deleteRatio({ deletions: ['a', 'b'], existingObjects: 4 } as SyncPlan); // 0.5
 */
export function deleteRatio(plan: Pick<SyncPlan, 'deletions' | 'existingObjects'>): number {
  return plan.existingObjects === 0 ? 0 : plan.deletions.length / plan.existingObjects;
}

/** Past this many paths, an invalidation becomes `/*` (one path, and CloudFront bills per path). */
export const INVALIDATION_PATH_LIMIT = 25;

/**
 * The CloudFront paths for changed files (paths relative to the site root): each file, plus
 * the folder URL of every `index.html`; `/*` when there are more than `limit`.
 *
 * @example
 * invalidationPathsFor(['index.html', 'favicon.ico']); // ['/', '/favicon.ico', '/index.html']
 */
export function invalidationPathsFor(changed: readonly string[], limit = INVALIDATION_PATH_LIMIT): string[] {
  const paths = new Set<string>();
  for (const path of changed) {
    paths.add(`/${encodeCloudFrontPath(path)}`);
    if (path === 'index.html' || path.endsWith('/index.html'))
      paths.add(`/${encodeCloudFrontPath(path.slice(0, -'index.html'.length))}`);
  }
  if (paths.size > limit) return ['/*'];
  return [...paths].sort();
}

// CloudFront matches invalidation paths against URL paths: encode what a browser would.
function encodeCloudFrontPath(path: string): string {
  return path
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/%40/g, '@').replace(/%2B/g, '+'))
    .join('/');
}

/**
 * Merges paths still owed from an earlier run with this run's, collapsing like
 * {@link invalidationPathsFor}.
 *
 * @example
 * mergeInvalidationPaths(['/a.js'], ['/b.js']); // ['/a.js', '/b.js']
 */
export function mergeInvalidationPaths(
  a: readonly string[],
  b: readonly string[],
  limit = INVALIDATION_PATH_LIMIT,
): string[] {
  const all = new Set([...a, ...b]);
  if (all.has('/*') || all.size > limit) return ['/*'];
  return [...all].sort();
}

/**
 * The CallerReference of a deploy's invalidation: derived from what is invalidated, the
 * manifest deployed and the workflow run, so that a re-run of the same run asks for the same
 * invalidation (CloudFront answers a repeated CallerReference with the existing one).
 *
 * @example
 * callerReferenceFor({ distributionId: 'E2QWRUHAPOMQZL', paths: ['/*'], manifestSha256: 'ab…', runId: '4242' });
 */
export function callerReferenceFor(deploy: {
  distributionId: string;
  paths: readonly string[];
  manifestSha256: string;
  runId: string | undefined;
}): string {
  const digest = createHash('sha256')
    .update(
      JSON.stringify([
        deploy.distributionId,
        [...deploy.paths].sort(),
        deploy.manifestSha256,
        deploy.runId ?? '',
      ]),
    )
    .digest('hex');
  return `white-cross-s3-deploy-${digest.slice(0, 40)}`;
}

/**
 * The SHA-256 of a manifest (key → sha256), independent of key order.
 *
 * @example
 * manifestDigest({ 'index.html': 'ab…' });
 */
export function manifestDigest(manifest: Readonly<Record<string, string>>): string {
  const lines = Object.keys(manifest)
    .sort()
    .map((key) => `${key}\t${manifest[key]}`);
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}
