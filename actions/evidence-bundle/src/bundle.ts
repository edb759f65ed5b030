/**
 * The evidence bundle: every audit record and report a deployment produced, in one JSON
 * document with the SHA-256 of each part, so an auditor can show years later that what is in
 * the bundle is what the pipeline wrote. Pure: the files come in already read.
 */
import { createHash } from 'node:crypto';

export const EVIDENCE_SCHEMA = 'white-cross-deploy/evidence@1';
const AUDIT_SCHEMA = 'white-cross-deploy/audit@1';

/** A file found among the downloaded evidence artifacts. */
export interface EvidenceFile {
  /** Path relative to the evidence folder, with `/` separators. */
  path: string;
  content: Buffer;
}

export type PartKind = 'audit-record' | 'report' | 'file';

export interface EvidencePart {
  /** `audit.jsonl#3` for the third record of a file, else the file's path. */
  name: string;
  kind: PartKind;
  /** The action that wrote it, when known. */
  action?: string;
  /** SHA-256 (hex) of the part's exact bytes (a record: its JSON line without the newline). */
  sha256: string;
  bytes: number;
}

export interface TimelineEntry {
  action: string;
  outcome: string;
  job?: string;
  startedAt: string;
  endedAt: string;
  durationMs: number;
}

export interface Approval {
  user: string;
  state: string;
  environments: string[];
  comment?: string;
  at?: string;
}

export interface DeploymentIdentity {
  deploymentId: string;
  environment?: string;
  version?: string;
  repository?: string;
  commit?: string;
  ref?: string;
  workflow?: string;
  runId?: string;
  runAttempt?: string;
  actor?: string;
}

export interface EvidenceBundle extends DeploymentIdentity {
  schema: typeof EVIDENCE_SCHEMA;
  /**
   * When the last recorded action ended. The bundle holds no clock reading of its own, so the
   * same evidence always makes the same bytes (and a re-run stores nothing new).
   */
  lastEventAt?: string;
  /** `success` when every action succeeded, else `failure` (with the failed actions listed). */
  outcome: 'success' | 'failure';
  failedActions: string[];
  approvals: Approval[];
  /** Each action's version, from its audit record. */
  actionVersions: Record<string, string>;
  timeline: TimelineEntry[];
  parts: EvidencePart[];
  auditRecords: Record<string, unknown>[];
  reports: Record<string, unknown>;
  /** Files that were hashed but not inlined (not JSON, or too large). */
  attachments: string[];
}

/** Reports larger than this are hashed and listed, not inlined. */
export const INLINE_LIMIT = 1024 * 1024;

/**
 * SHA-256 in hex.
 *
 * @example
 * sha256('abc'); // 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
 */
export function sha256(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/** True for a file another evidence-bundle run wrote (it is not evidence of this deployment). */
export function isBundleFile(path: string): boolean {
  return /(^|\/)evidence-bundle[^/]*\.json$/.test(path);
}

interface AuditLike {
  schema?: unknown;
  action?: unknown;
  version?: unknown;
  outcome?: unknown;
  job?: unknown;
  startedAt?: unknown;
  endedAt?: unknown;
  durationMs?: unknown;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Assembles the bundle. Audit records appearing in more than one artifact (the same line
 * downloaded twice) are kept once; the timeline is in start order.
 *
 * @example
 * const bundle = assembleBundle(files, { deploymentId: 'school-health-4242-1' }, []);
 * bundle.parts.length; // one per record and report
 */
export function assembleBundle(
  files: readonly EvidenceFile[],
  identity: DeploymentIdentity,
  approvals: readonly Approval[],
): EvidenceBundle {
  const parts: EvidencePart[] = [];
  const auditRecords: Record<string, unknown>[] = [];
  const reports: Record<string, unknown> = {};
  const attachments: string[] = [];
  const seenRecords = new Set<string>();
  const sorted = [...files].filter((f) => !isBundleFile(f.path)).sort((a, b) => a.path.localeCompare(b.path));

  for (const file of sorted) {
    if (file.path.endsWith('.jsonl')) {
      const lines = file.content.toString('utf8').split('\n');
      let index = 0;
      for (const line of lines) {
        if (line.trim() === '') continue;
        index++;
        const hash = sha256(line);
        let record: AuditLike & Record<string, unknown>;
        try {
          record = JSON.parse(line) as AuditLike & Record<string, unknown>;
        } catch {
          parts.push({
            name: `${file.path}#${index}`,
            kind: 'file',
            sha256: hash,
            bytes: Buffer.byteLength(line),
          });
          continue;
        }
        if (record.schema !== AUDIT_SCHEMA) {
          parts.push({
            name: `${file.path}#${index}`,
            kind: 'file',
            sha256: hash,
            bytes: Buffer.byteLength(line),
          });
          continue;
        }
        if (seenRecords.has(hash)) continue;
        seenRecords.add(hash);
        auditRecords.push(record);
        const action = str(record.action);
        parts.push({
          name: `${file.path}#${index}`,
          kind: 'audit-record',
          ...(action ? { action } : {}),
          sha256: hash,
          bytes: Buffer.byteLength(line),
        });
      }
      continue;
    }
    const hash = sha256(file.content);
    const action = reportAction(file.path);
    let inlined = false;
    if (file.path.endsWith('.json') && file.content.length <= INLINE_LIMIT) {
      try {
        reports[file.path] = JSON.parse(file.content.toString('utf8')) as unknown;
        inlined = true;
      } catch {
        inlined = false;
      }
    }
    if (!inlined) attachments.push(file.path);
    parts.push({
      name: file.path,
      kind: inlined ? 'report' : 'file',
      ...(action ? { action } : {}),
      sha256: hash,
      bytes: file.content.length,
    });
  }

  const timeline: TimelineEntry[] = auditRecords
    .map((r: AuditLike) => ({
      action: str(r.action) ?? 'unknown',
      outcome: str(r.outcome) ?? 'unknown',
      ...(str(r.job) ? { job: str(r.job) } : {}),
      startedAt: str(r.startedAt) ?? '',
      endedAt: str(r.endedAt) ?? '',
      durationMs: typeof r.durationMs === 'number' ? r.durationMs : 0,
    }))
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const actionVersions: Record<string, string> = {};
  for (const r of auditRecords as AuditLike[]) {
    const action = str(r.action);
    const version = str(r.version);
    if (action && version) actionVersions[action] = version;
  }
  const lastEventAt = timeline
    .map((t) => t.endedAt)
    .sort()
    .at(-1);
  const failedActions = [...new Set(timeline.filter((t) => t.outcome !== 'success').map((t) => t.action))];
  return {
    schema: EVIDENCE_SCHEMA,
    ...identity,
    ...(lastEventAt ? { lastEventAt } : {}),
    outcome: failedActions.length ? 'failure' : 'success',
    failedActions,
    approvals: [...approvals],
    actionVersions,
    timeline,
    parts,
    auditRecords,
    reports,
    attachments,
  };
}

/** The action a report belongs to, from its `<action>-<what>.json` name. */
function reportAction(path: string): string | undefined {
  const base = path.split('/').pop() ?? path;
  const known = [
    'build-validate',
    'db-migrate',
    's3-deploy',
    'ecs-bluegreen',
    'canary-gate',
    'hipaa-verify',
    'release',
    'deploy-window',
  ];
  return known.find((a) => base.startsWith(`${a}-`));
}

/**
 * Checks a bundle's parts against the files they came from: the names of parts whose hash
 * no longer matches (for `verify` in tests and for auditors' scripts).
 *
 * @example
 * verifyParts(bundle, files); // [] when nothing was changed
 */
export function verifyParts(bundle: EvidenceBundle, files: readonly EvidenceFile[]): string[] {
  const byPath = new Map(files.map((f) => [f.path, f.content]));
  const changed: string[] = [];
  for (const part of bundle.parts) {
    const [path, index] = part.name.split('#') as [string, string | undefined];
    const content = byPath.get(path);
    if (!content) {
      changed.push(part.name);
      continue;
    }
    if (index === undefined) {
      if (sha256(content) !== part.sha256) changed.push(part.name);
      continue;
    }
    const line = content
      .toString('utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')[Number(index) - 1];
    if (line === undefined || sha256(line) !== part.sha256) changed.push(part.name);
  }
  return changed;
}
