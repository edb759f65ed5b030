import { describe, expect, it } from '@jest/globals';
import { assembleBundle, sha256, verifyParts, type EvidenceFile } from '../src/bundle.js';
import { retainUntil } from '../src/store.js';

const record = (action: string, outcome: string, startedAt: string, durationMs = 1000) =>
  JSON.stringify({
    schema: 'white-cross-deploy/audit@1',
    action,
    version: '0.1.0',
    outcome,
    startedAt,
    endedAt: new Date(Date.parse(startedAt) + durationMs).toISOString(),
    durationMs,
    job: action,
    inputs: {},
    facts: {},
  });

const file = (path: string, text: string): EvidenceFile => ({ path, content: Buffer.from(text) });

const files = [
  file('evidence-build/audit.jsonl', `${record('build-validate', 'success', '2026-11-21T10:00:00.000Z')}\n`),
  file(
    'evidence-deploy/audit.jsonl',
    `${record('ecs-bluegreen', 'success', '2026-11-21T10:05:00.000Z')}\n${record('canary-gate', 'failure', '2026-11-21T10:06:00.000Z')}\n`,
  ),
  // The same record downloaded twice (two artifacts of one job) counts once.
  file('evidence-copy/audit.jsonl', `${record('build-validate', 'success', '2026-11-21T10:00:00.000Z')}\n`),
  file('evidence-deploy/canary-gate-report.json', '{"verdict":"fail"}'),
  file('evidence-db/migration.log', 'Migrated 20261101-create-students\n'),
  file('evidence-old/evidence-bundle-previous.json', '{}'),
];

describe('assembleBundle', () => {
  const bundle = assembleBundle(files, { deploymentId: 'school-health-42-1', environment: 'production' }, []);

  it('hashes each record and file, keeps duplicates once, and skips earlier bundles', () => {
    expect(bundle.parts.map((p) => [p.name, p.kind, p.action])).toEqual([
      ['evidence-build/audit.jsonl#1', 'audit-record', 'build-validate'],
      ['evidence-db/migration.log', 'file', undefined],
      ['evidence-deploy/audit.jsonl#1', 'audit-record', 'ecs-bluegreen'],
      ['evidence-deploy/audit.jsonl#2', 'audit-record', 'canary-gate'],
      ['evidence-deploy/canary-gate-report.json', 'report', 'canary-gate'],
    ]);
    expect(bundle.parts[0]?.sha256).toBe(
      sha256(record('build-validate', 'success', '2026-11-21T10:00:00.000Z')),
    );
    expect(bundle.reports).toEqual({ 'evidence-deploy/canary-gate-report.json': { verdict: 'fail' } });
    expect(bundle.attachments).toEqual(['evidence-db/migration.log']);
  });

  it('orders the timeline by start and fails the bundle when an action failed', () => {
    expect(bundle.timeline.map((t) => `${t.action}:${t.outcome}`)).toEqual([
      'build-validate:success',
      'ecs-bluegreen:success',
      'canary-gate:failure',
    ]);
    expect(bundle.outcome).toBe('failure');
    expect(bundle.failedActions).toEqual(['canary-gate']);
    expect(bundle.actionVersions).toEqual({
      'build-validate': '0.1.0',
      'ecs-bluegreen': '0.1.0',
      'canary-gate': '0.1.0',
    });
  });

  it('lets anyone check the parts later, and notices a changed one', () => {
    expect(verifyParts(bundle, files)).toEqual([]);
    const tampered = files.map((f) =>
      f.path.endsWith('canary-gate-report.json') ? file(f.path, '{"verdict":"pass"}') : f,
    );
    expect(verifyParts(bundle, tampered)).toEqual(['evidence-deploy/canary-gate-report.json']);
  });
});

describe('retainUntil', () => {
  it('adds calendar years, and moves 29 February to the 28th', () => {
    expect(retainUntil(new Date('2026-11-21T16:00:00Z'), 7).toISOString()).toBe('2033-11-21T16:00:00.000Z');
    expect(retainUntil(new Date('2028-02-29T12:00:00Z'), 7).toISOString()).toBe('2035-02-28T12:00:00.000Z');
  });
});
