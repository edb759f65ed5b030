/**
 * evidence-bundle: gathers every audit record and report of a deployment (the downloaded
 * evidence artifacts of its jobs) into one evidence file with the SHA-256 of each part, and,
 * when an audit bucket is given, stores it in S3 under Object Lock retention.
 */
import { existsSync, lstatSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { createAwsClient } from '@white-cross/aws';
import {
  ActionFailure,
  formatBytes,
  formatDuration,
  runAction,
  type ActionContext,
  type ActionDefinition,
} from '@white-cross/core';
import { fetchApprovals } from './approvals.js';
import { assembleBundle, sha256, type EvidenceBundle, type EvidenceFile } from './bundle.js';
import { parseInputs, type EvidenceBundleInputs } from './inputs.js';
import { retainUntil, storeEvidence } from './store.js';
import { ACTION_NAME, ACTION_VERSION, OUTPUT } from './constants.js';
import { findCredentials } from './credentials.js';

export const VERSION = ACTION_VERSION;

/** Every regular file under `root` (symbolic links are not followed: evidence is what was written). */
export function collectFiles(root: string): EvidenceFile[] {
  const out: EvidenceFile[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      const stat = lstatSync(full);
      if (stat.isDirectory()) walk(full);
      else if (stat.isFile())
        out.push({ path: relative(root, full).split(sep).join('/'), content: readFileSync(full) });
    }
  };
  walk(root);
  return out;
}

const short = (hash: string) => hash.slice(0, 12);

function mermaidGantt(bundle: EvidenceBundle): string {
  const entries = bundle.timeline.filter((t) => t.startedAt && t.durationMs >= 0);
  if (entries.length < 2) return '';
  const lines = [
    '```mermaid',
    'gantt',
    '  title Deployment timeline',
    '  dateFormat x',
    '  axisFormat %H:%M:%S',
  ];
  entries.forEach((t, i) => {
    const start = Date.parse(t.startedAt);
    const tag = t.outcome === 'success' ? '' : 'crit, ';
    lines.push(
      `  ${t.action.replace(/[:;#]/g, ' ')} (${t.outcome}) :${tag}a${i}, ${start}, ${start + Math.max(t.durationMs, 1)}`,
    );
  });
  lines.push('```');
  return lines.join('\n');
}

function writeSummary(ctx: ActionContext, bundle: EvidenceBundle, file: string, hash: string): void {
  const s = ctx.summary.heading(`Evidence bundle ${bundle.deploymentId}: ${bundle.outcome}`);
  s.table(
    ['', ''],
    [
      ['Environment', bundle.environment ?? '—'],
      ['Version', bundle.version ?? '—'],
      ['Commit', bundle.commit ?? '—'],
      ['Actor', bundle.actor ?? '—'],
      [
        'Approved by',
        bundle.approvals.length ? bundle.approvals.map((a) => `${a.user} (${a.state})`).join(', ') : '—',
      ],
      ['Parts', String(bundle.parts.length)],
      ['Bundle', `${file.split('/').pop()} — SHA-256 ${hash}`],
    ],
  );
  if (bundle.timeline.length) {
    s.heading('Timeline', 3).table(
      ['Action', 'Job', 'Outcome', 'Started', 'Took'],
      bundle.timeline.map((t) => [
        t.action,
        t.job ?? '—',
        t.outcome,
        t.startedAt,
        formatDuration(t.durationMs),
      ]),
    );
    const gantt = mermaidGantt(bundle);
    if (gantt) s.raw(gantt);
  }
  s.details(`Parts and their SHA-256 (${bundle.parts.length})`, (d) =>
    d.table(
      ['Part', 'Kind', 'Action', 'SHA-256', 'Size'],
      bundle.parts.map((p) => [
        p.name,
        p.kind,
        p.action ?? '—',
        { md: `\`${short(p.sha256)}…\`` },
        formatBytes(p.bytes),
      ]),
    ),
  );
}

export const evidenceBundle: ActionDefinition<EvidenceBundleInputs> = {
  name: ACTION_NAME,
  version: ACTION_VERSION,
  parseInputs,
  async run(inputs, ctx) {
    const root = inputs.root;
    if (!existsSync(root) || !lstatSync(root).isDirectory()) {
      throw new ActionFailure(
        `No evidence folder at ${inputs.path}: download the jobs' evidence artifacts there first (actions/download-artifact with pattern evidence-*). No bundle was written.`,
      );
    }
    const files = collectFiles(root);
    if (files.length === 0) {
      throw new ActionFailure(
        `The evidence folder ${inputs.path} is empty: no job uploaded its evidence. No bundle was written.`,
      );
    }
    // Before anything is written: a credential in the bundle would be locked away for years.
    const credentials = findCredentials(files, (text) => ctx.log.redact(text));
    if (credentials.length > 0) {
      throw new ActionFailure(
        `The evidence folder ${inputs.path} holds credentials: ${credentials
          .map((c) => `${c.path} (${c.what})`)
          .join(
            ', ',
          )}. Evidence is kept under Object Lock for years, so nothing was written; upload only the jobs' evidence folders (not the workspace, ~/.npmrc or ~/.aws), and rotate any credential that was exposed.`,
      );
    }
    const env = ctx.env;
    const approvals =
      inputs.githubToken && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
        ? await fetchApprovals({
            apiUrl: env.GITHUB_API_URL || 'https://api.github.com',
            repository: env.GITHUB_REPOSITORY,
            runId: env.GITHUB_RUN_ID,
            token: inputs.githubToken,
          })
        : [];
    const bundle = assembleBundle(
      files,
      {
        deploymentId: inputs.deploymentId,
        ...(inputs.environment ? { environment: inputs.environment } : {}),
        ...(inputs.version ? { version: inputs.version } : {}),
        repository: env.GITHUB_REPOSITORY,
        commit: env.GITHUB_SHA,
        ref: env.GITHUB_REF,
        workflow: env.GITHUB_WORKFLOW,
        runId: env.GITHUB_RUN_ID,
        runAttempt: env.GITHUB_RUN_ATTEMPT,
        actor: env.GITHUB_ACTOR,
      },
      approvals,
    );
    const name = `evidence-bundle-${inputs.deploymentId}.json`;
    const file = ctx.writeEvidence(name, `${JSON.stringify(bundle, null, 2)}\n`);
    // Hash what was written (the redactor may have masked something on the way).
    const body = readFileSync(file);
    const hash = sha256(body);
    ctx.log.info(
      `Evidence bundle ${name}: ${bundle.parts.length} part(s), ${bundle.auditRecords.length} audit record(s), ${formatBytes(body.length)}, SHA-256 ${hash}`,
    );
    ctx.setOutput(OUTPUT.path, file);
    ctx.setOutput(OUTPUT.sha256, hash);
    ctx.setOutput(OUTPUT.deploymentId, inputs.deploymentId);
    ctx.setOutput(OUTPUT.outcome, bundle.outcome);
    ctx.setOutput(OUTPUT.parts, bundle.parts.length);
    ctx.fact('bundle', {
      name,
      sha256: hash,
      parts: bundle.parts.length,
      outcome: bundle.outcome,
      failedActions: bundle.failedActions,
    });
    writeSummary(ctx, bundle, file, hash);

    if (!inputs.auditBucket) {
      ctx.setOutput(OUTPUT.s3Uri, '');
      ctx.setOutput(OUTPUT.versionId, '');
      ctx.setOutput(OUTPUT.retainUntil, '');
      return;
    }
    const s3 = createAwsClient(S3Client, {
      region: inputs.region,
      action: ACTION_NAME,
      version: ACTION_VERSION,
      env,
    });
    const key = `${inputs.keyPrefix.replace(/\/?$/, '/')}${inputs.environment ? `${inputs.environment}/` : ''}${name}`;
    const until = retainUntil(new Date(ctx.clock.now()), inputs.retentionYears);
    ctx.log.info(
      `Storing the bundle in s3://${inputs.auditBucket}/${key} with ${inputs.retentionMode} retention until ${until.toISOString()}`,
    );
    const stored = await storeEvidence(
      s3,
      {
        bucket: inputs.auditBucket,
        key,
        body,
        sha256: hash,
        mode: inputs.retentionMode,
        retainUntil: until,
        ...(inputs.kmsKeyId ? { kmsKeyId: inputs.kmsKeyId } : {}),
      },
      ctx.log,
      ctx.sleep,
    );
    ctx.setOutput(OUTPUT.s3Uri, stored.uri);
    ctx.setOutput(OUTPUT.versionId, stored.versionId);
    ctx.setOutput(OUTPUT.retainUntil, stored.retainUntil);
    ctx.fact('stored', stored);
    ctx.summary
      .heading('Stored under Object Lock', 3)
      .table(
        ['Object', 'Version', 'Mode', 'Retained until', 'Written'],
        [
          [
            stored.uri,
            stored.versionId || '—',
            stored.mode,
            stored.retainUntil,
            stored.written ? 'yes' : 'no (identical bundle already stored)',
          ],
        ],
      );
  },
};

export const run = () => runAction(evidenceBundle);
