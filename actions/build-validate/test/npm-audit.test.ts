import { describe, expect, it } from '@jest/globals';
import { AuditUnavailable, failingPackages, parseNpmAudit } from '../src/npm-audit.js';

// Shaped like `npm audit --json` from npm 11 (report version 2).
const report = {
  auditReportVersion: 2,
  vulnerabilities: {
    'left-pad': {
      name: 'left-pad',
      severity: 'high',
      isDirect: true,
      via: [
        {
          source: 1001,
          name: 'left-pad',
          title: 'Prototype pollution in left-pad',
          severity: 'high',
          range: '<1.3.1',
        },
      ],
      effects: [],
      range: '<1.3.1',
      nodes: ['node_modules/left-pad'],
      fixAvailable: { name: 'left-pad', version: '2.0.0', isSemVerMajor: true },
    },
    'pad-wrapper': {
      name: 'pad-wrapper',
      severity: 'moderate',
      isDirect: false,
      via: ['left-pad'],
      fixAvailable: true,
    },
    'tiny-lib': {
      name: 'tiny-lib',
      severity: 'critical',
      isDirect: true,
      via: [{ title: 'RCE in tiny-lib' }],
      fixAvailable: false,
    },
  },
  metadata: { vulnerabilities: { info: 0, low: 0, moderate: 1, high: 1, critical: 1, total: 3 } },
};

describe('parseNpmAudit', () => {
  it('reads each vulnerable package, most severe first, with counts', () => {
    const audit = parseNpmAudit(JSON.stringify(report));
    expect(audit.counts).toEqual({ info: 0, low: 0, moderate: 1, high: 1, critical: 1 });
    expect(audit.packages).toEqual([
      { name: 'tiny-lib', severity: 'critical', isDirect: true, via: ['RCE in tiny-lib'], fix: 'false' },
      {
        name: 'left-pad',
        severity: 'high',
        isDirect: true,
        via: ['Prototype pollution in left-pad'],
        fix: 'left-pad@2.0.0 (major)',
      },
      { name: 'pad-wrapper', severity: 'moderate', isDirect: false, via: ['left-pad'], fix: 'true' },
    ]);
  });

  it('says why there is no report', () => {
    const noLock = JSON.stringify({
      error: { code: 'ENOLOCK', summary: 'This command requires an existing lockfile.', detail: '' },
    });
    expect(() => parseNpmAudit(noLock)).toThrow(
      new AuditUnavailable('npm audit failed: This command requires an existing lockfile.'),
    );
    const offline = JSON.stringify({
      message: 'request to http://127.0.0.1:1/-/npm/v1/security/advisories/bulk failed',
      error: { summary: '', detail: '' },
    });
    expect(() => parseNpmAudit(offline)).toThrow(
      'npm audit failed: request to http://127.0.0.1:1/-/npm/v1/security/advisories/bulk failed',
    );
    expect(() => parseNpmAudit('')).toThrow(new AuditUnavailable('npm audit printed no report'));
  });
});

describe('failingPackages', () => {
  const audit = parseNpmAudit(JSON.stringify(report));
  it.each([
    ['critical', ['tiny-lib']],
    ['high', ['tiny-lib', 'left-pad']],
    ['low', ['tiny-lib', 'left-pad', 'pad-wrapper']],
  ] as const)('at %s fails %j', (level, names) => {
    expect(failingPackages(audit, level).map((p) => p.name)).toEqual(names);
  });
});
