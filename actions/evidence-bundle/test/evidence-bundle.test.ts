/**
 * The committed bundle against a real moto S3 (which implements Object Lock for buckets created
 * with it) and a small local server playing GitHub's run-approvals API.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  freePort,
  runActionBundle,
  runActionBundleAndSignal,
  startAwsProxy,
  throttling,
  startMoto,
  type AwsProxy,
  type MotoServer,
} from '@white-cross/testkit';
import { sha256, verifyParts, type EvidenceBundle } from '../src/bundle.js';
import { collectFiles } from '../src/main.js';

let moto: MotoServer;
let proxy: AwsProxy;
let s3: S3Client;
let workspace: string;
let github: Server;
let githubUrl: string;
const seenAuthorization: string[] = [];

const record = (action: string, outcome: string, startedAt: string) =>
  JSON.stringify({
    schema: 'white-cross-deploy/audit@1',
    action,
    version: '0.1.0',
    outcome,
    startedAt,
    endedAt: startedAt,
    durationMs: 1200,
    inputs: {},
    facts: {},
  });

beforeAll(async () => {
  moto = await startMoto();
  proxy = await startAwsProxy(moto.url);
  s3 = new S3Client({
    region: 'us-east-1',
    endpoint: moto.url,
    forcePathStyle: true,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  await s3.send(new CreateBucketCommand({ Bucket: 'school-health-audit', ObjectLockEnabledForBucket: true }));
  await s3.send(new CreateBucketCommand({ Bucket: 'school-health-plain' }));
  workspace = mkdtempSync(join(tmpdir(), 'wcd-evidence-'));
  const evidence = join(workspace, 'evidence');
  mkdirSync(join(evidence, 'evidence-build'), { recursive: true });
  mkdirSync(join(evidence, 'evidence-deploy'), { recursive: true });
  writeFileSync(
    join(evidence, 'evidence-build', 'audit.jsonl'),
    `${record('build-validate', 'success', '2026-11-21T10:00:00.000Z')}\n`,
  );
  writeFileSync(join(evidence, 'evidence-build', 'build-validate-manifest.json'), '{"files":12}');
  writeFileSync(
    join(evidence, 'evidence-deploy', 'audit.jsonl'),
    `${record('ecs-bluegreen', 'success', '2026-11-21T10:05:00.000Z')}\n${record('canary-gate', 'success', '2026-11-21T10:06:00.000Z')}\n`,
  );
  writeFileSync(join(evidence, 'evidence-deploy', 'canary-gate-report.json'), '{"verdict":"pass"}');
  const port = await freePort();
  github = createServer((req, res) => {
    seenAuthorization.push(String(req.headers.authorization));
    if (req.url === '/repos/white-cross/school-health/actions/runs/4242/approvals') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify([
          {
            state: 'approved',
            comment: 'window ok',
            user: { login: 'compliance-lead' },
            environments: [{ name: 'production' }],
          },
        ]),
      );
      return;
    }
    res.writeHead(404).end('{}');
  });
  await new Promise<void>((r) => github.listen(port, '127.0.0.1', r));
  githubUrl = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  s3?.destroy();
  await new Promise<void>((r) => github?.close(() => r()));
  await proxy?.stop();
  await moto?.stop();
  rmSync(workspace, { recursive: true, force: true });
});

describe('evidence-bundle bundle', () => {
  it('writes one bundle with a hash per part and the approver, and stores it under COMPLIANCE retention', async () => {
    const run = await runActionBundle('evidence-bundle', {
      workspace,
      env: { ...moto.env, GITHUB_API_URL: githubUrl },
      inputs: {
        environment: 'production',
        version: '1.4.0',
        'audit-bucket': 'school-health-audit',
        'github-token': 'ghs_approvalsToken123',
      },
    });
    expect(run.annotations.filter((a) => a.level === 'error')).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(seenAuthorization).toContain('Bearer ghs_approvalsToken123');
    const shown = run.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::'));
    expect(shown.join('\n')).not.toContain('ghs_approvalsToken123');

    const file = run.outputs.path ?? '';
    const body = readFileSync(file);
    expect(run.outputs.sha256).toBe(sha256(body));
    expect(run.outputs).toMatchObject({
      'deployment-id': 'school-health-4242-1',
      outcome: 'success',
      parts: '5',
    });
    const bundle = JSON.parse(body.toString('utf8')) as EvidenceBundle;
    expect(bundle).toMatchObject({
      environment: 'production',
      version: '1.4.0',
      commit: '0123456789abcdef0123456789abcdef01234567',
    });
    expect(bundle.approvals).toEqual([
      { user: 'compliance-lead', state: 'approved', environments: ['production'], comment: 'window ok' },
    ]);
    expect(verifyParts(bundle, collectFiles(join(workspace, 'evidence')))).toEqual([]);

    const key = 'evidence/production/evidence-bundle-school-health-4242-1.json';
    expect(run.outputs['s3-uri']).toBe(`s3://school-health-audit/${key}`);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'school-health-audit', Key: key }));
    expect(head.ObjectLockMode).toBe('COMPLIANCE');
    const years = (head.ObjectLockRetainUntilDate!.getTime() - Date.now()) / (365.25 * 86_400_000);
    expect(Math.round(years)).toBe(7);
    expect(run.outputs['retain-until']).toBe(head.ObjectLockRetainUntilDate!.toISOString());
    const stored = await s3.send(new GetObjectCommand({ Bucket: 'school-health-audit', Key: key }));
    expect(sha256(Buffer.from(await stored.Body!.transformToByteArray()))).toBe(run.outputs.sha256);
    // Retention holds: the locked version cannot be deleted.
    await expect(
      s3.send(
        new DeleteObjectCommand({
          Bucket: 'school-health-audit',
          Key: key,
          VersionId: run.outputs['version-id'],
        }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(run.summary).toContain('## Evidence bundle school-health-4242-1: success');
    expect(run.summary).toContain('| Approved by | compliance-lead (approved) |');
    expect(run.summary).toContain('gantt');
  });

  it('does not write a second version when re-run on the same evidence', async () => {
    const inputs = {
      environment: 'staging',
      'audit-bucket': 'school-health-audit',
      'deployment-id': 'rerun-1',
    };
    const first = await runActionBundle('evidence-bundle', { workspace, env: moto.env, inputs });
    expect(first.exitCode).toBe(0);
    const second = await runActionBundle('evidence-bundle', { workspace, env: moto.env, inputs });
    expect(second.exitCode).toBe(0);
    expect(second.outputs.sha256).toBe(first.outputs.sha256);
    expect(second.outputs['version-id']).toBe(first.outputs['version-id']);
    expect(second.summary).toContain('no (identical bundle already stored)');
    const versions = await s3.send(
      new ListObjectVersionsCommand({
        Bucket: 'school-health-audit',
        Prefix: 'evidence/staging/evidence-bundle-rerun-1.json',
      }),
    );
    expect(versions.Versions).toHaveLength(1);
  });

  it('refuses a bucket without Object Lock and writes nothing there', async () => {
    const run = await runActionBundle('evidence-bundle', {
      workspace,
      env: moto.env,
      inputs: { 'audit-bucket': 'school-health-plain' },
    });
    expect(run.exitCode).toBe(1);
    expect(run.annotations.filter((a) => a.level === 'error').map((a) => a.message)).toEqual([
      "Bucket school-health-plain does not have Object Lock enabled, so the evidence could be changed or deleted before its retention ends. Create the audit bucket with Object Lock enabled (it cannot be turned on for objects already there). Nothing was written; the bundle is still in the job's artifact.",
    ]);
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: 'school-health-plain' }));
    expect(versions.Versions ?? []).toEqual([]);
    expect(run.outputs.path).toMatch(/evidence-bundle-school-health-4242-1\.json$/);
  });

  it('fails at once on a bad input and on a missing evidence folder', async () => {
    const bad = await runActionBundle('evidence-bundle', { workspace, inputs: { 'retention-years': '0' } });
    expect(bad.exitCode).toBe(1);
    expect(bad.annotations.map((a) => a.message)).toEqual([
      "Input 'retention-years' must be a whole number from 1 to 100; got 0.",
    ]);
    // Nothing was attempted: no outputs, no bundle (the clock is not asserted on a shared machine).
    expect(bad.outputs).toEqual({});
    const missing = await runActionBundle('evidence-bundle', { workspace, inputs: { path: 'nowhere' } });
    expect(missing.annotations.map((a) => a.message)).toEqual([
      "No evidence folder at nowhere: download the jobs' evidence artifacts there first (actions/download-artifact with pattern evidence-*). No bundle was written.",
    ]);
  });

  it('stores a new bundle when S3 answers the missing key with 403 (the role has no s3:ListBucket)', async () => {
    // S3 answers HeadObject on a missing key with 404 only to a caller allowed s3:ListBucket,
    // else with 403 (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html,
    // "Permissions"). The proxy plays S3 for a role without ListBucket; moto alone would say 404.
    proxy.reset();
    proxy.setS3ListBucket(false);
    const run = await runActionBundle('evidence-bundle', {
      workspace,
      env: { ...moto.env, AWS_ENDPOINT_URL: proxy.url },
      inputs: { environment: 'qa', 'audit-bucket': 'school-health-audit', 'deployment-id': 'no-list-1' },
    });
    expect(run.annotations.filter((a) => a.level === 'error')).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(proxy.requests.some((r) => r.fault === 'AccessDenied (no s3:ListBucket)')).toBe(true);
    const key = 'evidence/qa/evidence-bundle-no-list-1.json';
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'school-health-audit', Key: key }));
    expect(head.ObjectLockMode).toBe('COMPLIANCE');
    expect(run.outputs['version-id']).toBe(head.VersionId);
  });

  // A cancelled workflow run sends SIGINT, then SIGTERM ("Workflow cancellation reference",
  // https://docs.github.com/en/actions/reference/workflow-cancellation-reference). The bundle is
  // one PutObject: cancelled while S3 throttles it, nothing half-written is left, and the line
  // says the bundle is still the job's artifact.
  it('SIGTERM while S3 throttles the PutObject: stops at once, nothing stored, the bundle still in the artifact', async () => {
    proxy.reset();
    proxy.addFault({ match: (r) => r.method === 'PUT', fault: throttling('s3') });
    try {
      const run = await runActionBundleAndSignal('evidence-bundle', {
        workspace,
        env: { ...moto.env, AWS_ENDPOINT_URL: proxy.url },
        inputs: { environment: 'qa', 'audit-bucket': 'school-health-audit', 'deployment-id': 'cancelled-1' },
        when: (line) => /^PutObject on .*; retry 1 in \d+ ms$/.test(line),
      });
      expect(run.exitCode).toBe(1);
      expect(run.annotations.filter((a) => a.level === 'error').map((a) => a.message)).toEqual([
        "PutObject on s3://school-health-audit/evidence/qa/evidence-bundle-cancelled-1.json: Cancelled while waiting (SIGTERM). The bundle is still in the job's artifact; re-run this job to store it.",
      ]);
      expect(run.exitedAfterMs).toBeLessThan(5_000);
      expect(run.audit[0]).toMatchObject({ outcome: 'cancelled', cancellation: { signal: 'SIGTERM' } });
      const versions = await s3.send(
        new ListObjectVersionsCommand({
          Bucket: 'school-health-audit',
          Prefix: 'evidence/qa/evidence-bundle-cancelled-1',
        }),
      );
      expect(versions.Versions ?? []).toEqual([]);
      expect(run.outputs.path).toMatch(/evidence-bundle-cancelled-1\.json$/);
    } finally {
      proxy.clearFaults();
    }
  });

  it.each([
    ['environment', '../../prod', "Input 'environment' must be one name of 1–64 letters"],
    ['environment', 'prod\n::error::forged', "Input 'environment' must be one name of 1–64 letters"],
    ['kms-key-id', 'my key', "Input 'kms-key-id' must be a KMS key ID, key ARN, alias ARN or 'alias/<name>'"],
    ['version', '1.4.0\n::add-mask::x', "Input 'version' must be a release version such as 1.4.0"],
    ['path', '../outside', "Input 'path' must be a folder inside the workspace (GITHUB_WORKSPACE)"],
    ['key-prefix', 'evidence/../other/', "Input 'key-prefix' must be a relative S3 key prefix"],
  ])('refuses %s %j before anything is written', async (input, value, message) => {
    proxy.reset();
    const run = await runActionBundle('evidence-bundle', {
      workspace,
      env: { ...moto.env, AWS_ENDPOINT_URL: proxy.url },
      inputs: { 'audit-bucket': 'school-health-audit', [input]: value },
    });
    expect(run.exitCode).toBe(1);
    const errors = run.annotations.filter((a) => a.level === 'error').map((a) => a.message);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(message);
    // The value is quoted escaped: no workflow command reaches the log from it.
    expect(run.stdout).not.toMatch(/^::(add-mask|error)::(forged|x)$/m);
    expect(run.outputs).toEqual({});
    expect(proxy.requests).toEqual([]);
  });

  it('refuses an evidence folder holding credential files, naming them, before anything is written', async () => {
    proxy.reset();
    const leak = join(workspace, 'evidence-leak');
    mkdirSync(join(leak, 'job', '.aws'), { recursive: true });
    writeFileSync(
      join(leak, 'job', 'audit.jsonl'),
      `${record('s3-deploy', 'success', '2026-11-21T10:00:00.000Z')}\n`,
    );
    writeFileSync(join(leak, 'job', '.npmrc'), '//registry.npmjs.org/:_authToken=npm_SECRETSECRETSECRET\n');
    writeFileSync(join(leak, 'job', '.aws', 'credentials'), '[default]\naws_access_key_id = AKIAEXAMPLE\n');
    writeFileSync(
      join(leak, 'job', 'deploy.pem'),
      '-----BEGIN RSA PRIVATE KEY-----\nMIIabc\n-----END RSA PRIVATE KEY-----\n',
    );
    const run = await runActionBundle('evidence-bundle', {
      workspace,
      env: { ...moto.env, AWS_ENDPOINT_URL: proxy.url },
      inputs: { path: 'evidence-leak', 'audit-bucket': 'school-health-audit', 'deployment-id': 'leak-1' },
    });
    expect(run.exitCode).toBe(1);
    const errors = run.annotations.filter((a) => a.level === 'error').map((a) => a.message);
    expect(errors).toEqual([
      "The evidence folder evidence-leak holds credentials: job/.aws/credentials (AWS credentials), job/.npmrc (an npm registry token or password), job/deploy.pem (a private key). Evidence is kept under Object Lock for years, so nothing was written; upload only the jobs' evidence folders (not the workspace, ~/.npmrc or ~/.aws), and rotate any credential that was exposed.",
    ]);
    expect(run.stdout).not.toContain('npm_SECRETSECRETSECRET');
    expect(run.outputs).toEqual({});
    expect(proxy.count(/^PUT /)).toBe(0);
  });

  it('refuses a bundle holding a registered secret (the github-token pasted into a report)', async () => {
    proxy.reset();
    const leak = join(workspace, 'evidence-token');
    mkdirSync(join(leak, 'job'), { recursive: true });
    writeFileSync(join(leak, 'job', 'report.json'), JSON.stringify({ note: 'token ghs_pastedToken9876' }));
    const run = await runActionBundle('evidence-bundle', {
      workspace,
      env: { ...moto.env, AWS_ENDPOINT_URL: proxy.url, GITHUB_API_URL: githubUrl },
      inputs: {
        path: 'evidence-token',
        'audit-bucket': 'school-health-audit',
        'github-token': 'ghs_pastedToken9876',
      },
    });
    expect(run.exitCode).toBe(1);
    expect(run.annotations.filter((a) => a.level === 'error').map((a) => a.message)).toEqual([
      expect.stringContaining('holds credentials: job/report.json (a secret registered in this run)'),
    ]);
    expect(proxy.count(/^PUT /)).toBe(0);
  });

  it('redacts PHI in file names inside the bundle, as in the log', async () => {
    const phi = join(workspace, 'evidence-phi');
    mkdirSync(join(phi, 'job'), { recursive: true });
    writeFileSync(
      join(phi, 'job', 'audit.jsonl'),
      `${record('s3-deploy', 'success', '2026-11-21T10:00:00.000Z')}\n`,
    );
    writeFileSync(join(phi, 'job', 'jane.doe@example.com.txt'), 'attachment');
    const run = await runActionBundle('evidence-bundle', {
      workspace,
      inputs: { path: 'evidence-phi', 'deployment-id': 'phi-1' },
    });
    expect(run.exitCode).toBe(0);
    const text = readFileSync(run.outputs.path ?? '', 'utf8');
    expect(text).not.toContain('jane.doe@example.com');
    expect(text).toContain('[REDACTED-EMAIL]');
    expect(run.stdout).not.toContain('jane.doe@example.com');
  });
});
