/**
 * The dependency gate: reading `npm audit --json` and deciding which vulnerable packages are
 * at or above the level that fails the build.
 */

export const SEVERITIES = ['info', 'low', 'moderate', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
/** The `audit-level` input: a severity, or `off` to skip the gate. */
export type AuditLevel = Severity | 'off';
export const AUDIT_LEVELS: readonly AuditLevel[] = ['off', ...SEVERITIES];

export interface VulnerablePackage {
  name: string;
  severity: Severity;
  /** A direct dependency of a workspace (not only pulled in by another package). */
  isDirect: boolean;
  /** Advisory titles, or the packages it is vulnerable through. */
  via: string[];
  /** `true`, `false`, or the breaking upgrade that fixes it (`name@version, major`). */
  fix: string;
}

export interface DependencyAudit {
  counts: Record<Severity, number>;
  packages: VulnerablePackage[];
}

/** `npm audit` did not produce a report (no lockfile, registry unreachable). */
export class AuditUnavailable extends Error {
  override readonly name = 'AuditUnavailable';
}

/**
 * Reads the JSON `npm audit --json` prints (report version 2, npm 7 and later).
 *
 * @throws {AuditUnavailable} when npm printed an error instead of a report.
 * @example
 * parseNpmAudit('{"auditReportVersion":2,"vulnerabilities":{},"metadata":{"vulnerabilities":{"info":0,"low":0,"moderate":0,"high":0,"critical":0,"total":0}}}');
 * // { counts: { info: 0, low: 0, moderate: 0, high: 0, critical: 0 }, packages: [] }
 */
export function parseNpmAudit(json: string): DependencyAudit {
  let report: NpmAuditJson;
  try {
    report = JSON.parse(json) as NpmAuditJson;
  } catch {
    throw new AuditUnavailable(
      `npm audit printed no report${json.trim() ? `: ${json.trim().slice(0, 200)}` : ''}`,
    );
  }
  if (report.error || !report.vulnerabilities) {
    const reason =
      [report.error?.summary, report.message, report.error?.code].find((text) => text) ?? 'no report';
    throw new AuditUnavailable(`npm audit failed: ${reason}`);
  }
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const packages: VulnerablePackage[] = [];
  for (const [name, entry] of Object.entries(report.vulnerabilities)) {
    const severity = (SEVERITIES as readonly string[]).includes(entry.severity)
      ? (entry.severity as Severity)
      : 'critical';
    counts[severity]++;
    packages.push({
      name,
      severity,
      isDirect: Boolean(entry.isDirect),
      via: (entry.via ?? []).map((v) => (typeof v === 'string' ? v : (v.title ?? v.name ?? 'advisory'))),
      fix:
        typeof entry.fixAvailable === 'object' && entry.fixAvailable
          ? `${entry.fixAvailable.name}@${entry.fixAvailable.version}${entry.fixAvailable.isSemVerMajor ? ' (major)' : ''}`
          : String(Boolean(entry.fixAvailable)),
    });
  }
  packages.sort((a, b) => rank(b.severity) - rank(a.severity) || a.name.localeCompare(b.name));
  return { counts, packages };
}

/**
 * The packages whose severity is at or above `level`, most severe first.
 *
 * @example
 * failingPackages(audit, 'high'); // the high and critical ones
 */
export function failingPackages(audit: DependencyAudit, level: Severity): VulnerablePackage[] {
  return audit.packages.filter((p) => rank(p.severity) >= rank(level));
}

function rank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

interface NpmAuditJson {
  message?: string;
  error?: { code?: string; summary?: string; detail?: string };
  vulnerabilities?: Record<
    string,
    {
      severity: string;
      isDirect?: boolean;
      via?: (string | { title?: string; name?: string })[];
      fixAvailable?: boolean | { name: string; version: string; isSemVerMajor?: boolean };
    }
  >;
}
