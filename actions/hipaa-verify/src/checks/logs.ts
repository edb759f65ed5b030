/**
 * No PHI in application logs since the deploy: exact search for the known synthetic
 * patients' values, and a pattern scan. Findings name the log stream and show a redacted excerpt.
 */
import type { Check, LogScanEvidence, PhiFinding } from '../model.js';

const ACCESS = '§164.312(a)(1) Access control';

function describe(f: PhiFinding): string {
  return `${f.kind} in ${f.logGroup} / ${f.logStream} at ${f.at}: ${f.excerpt}`;
}

function scanned(scan: LogScanEvidence): string {
  return `${scan.eventsScanned} event(s) in ${scan.logGroups.join(', ')} since ${scan.since}${scan.truncated ? ' (stopped at the event limit)' : ''}`;
}

export const noSyntheticValuesInLogs: Check<'logScan'> = {
  id: 'LOG-001',
  title: 'Known synthetic PHI values absent from application logs',
  safeguard: ACCESS,
  group: 'LOG',
  probe: 'logs FilterLogEvents since the deploy; exact, case-insensitive search for each synthetic value.',
  fix: 'Find the log statement that prints the record (see the stream) and log its id instead of its fields.',
  source: 'logScan',
  judge(scan) {
    if (scan.logGroups.length === 0) return { verdict: 'SKIPPED', evidence: ['no log-groups given'] };
    if (scan.syntheticValues === 0) return { verdict: 'SKIPPED', evidence: ['no synthetic-values given'] };
    const hits = scan.findings.filter((f) => f.kind === 'SYNTHETIC');
    return hits.length
      ? {
          verdict: 'FAIL',
          evidence: [`${hits.length} finding(s) in ${scanned(scan)}`, ...hits.slice(0, 20).map(describe)],
          resource: hits[0]?.logGroup,
        }
      : { verdict: 'PASS', evidence: [`${scan.syntheticValues} value(s) absent from ${scanned(scan)}`] };
  },
};

export const noPhiPatternsInLogs: Check<'logScan'> = {
  id: 'LOG-002',
  title: 'No PHI patterns (SSN, MRN, DOB, email, phone) in application logs',
  safeguard: ACCESS,
  group: 'LOG',
  probe:
    'logs FilterLogEvents since the deploy; SSN with validity rules and context keys, MRN and DOB next to their keys, emails, phones.',
  fix: 'Remove PHI from the log statement (log record ids), or route it through the redacting logger.',
  source: 'logScan',
  judge(scan) {
    if (scan.logGroups.length === 0) return { verdict: 'SKIPPED', evidence: ['no log-groups given'] };
    const hits = scan.findings.filter((f) => f.kind !== 'SYNTHETIC');
    return hits.length
      ? {
          verdict: 'FAIL',
          evidence: [`${hits.length} finding(s) in ${scanned(scan)}`, ...hits.slice(0, 20).map(describe)],
          resource: hits[0]?.logGroup,
        }
      : { verdict: 'PASS', evidence: [`no PHI patterns in ${scanned(scan)}`] };
  },
};

export const logChecks = [noSyntheticValuesInLogs, noPhiPatternsInLogs] as const;
