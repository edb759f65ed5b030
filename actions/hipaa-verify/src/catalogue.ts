/**
 * The HIPAA checklist: every check in one ordered catalogue, the selection the `checks`
 * input makes from it, and the evaluation of the selected checks against gathered evidence.
 */
import { ConfigurationError } from '@white-cross/core';
import { accessChecks } from './checks/access.js';
import { auditChecks } from './checks/audit.js';
import { backupChecks } from './checks/backups.js';
import { documentChecks } from './checks/documents.js';
import { encryptionChecks } from './checks/encryption.js';
import { headerChecks } from './checks/headers.js';
import { logChecks } from './checks/logs.js';
import { transmissionChecks } from './checks/transmission.js';
import type { Check, CheckGroup, CheckResult, JudgeContext, SourceName, Sources } from './model.js';

export const CATALOGUE: readonly Check[] = [
  ...transmissionChecks,
  ...encryptionChecks,
  ...auditChecks,
  ...accessChecks,
  ...headerChecks,
  ...backupChecks,
  ...logChecks,
  ...documentChecks,
] as unknown as readonly Check[];

export const GROUPS: Record<CheckGroup, string> = {
  TLS: 'Transmission security',
  ENC: 'Encryption at rest',
  AUD: 'Audit controls',
  ACC: 'Access control',
  HDR: 'Security headers',
  BAK: 'Backups',
  LOG: 'PHI in logs',
  DOC: 'Documents',
};

/**
 * The checks a `checks` selection names: `all` (the default), ids (`TLS-001`) and groups
 * (`TLS`) to include, and the same prefixed with `!` to exclude. Only exclusions means "all
 * but these". Unknown names are a ConfigurationError naming the input.
 *
 * @example
 * selectChecks(['TLS', '!TLS-005']).map((c) => c.id); // TLS-001 … TLS-012 without TLS-005
 */
export function selectChecks(selection: readonly string[], catalogue: readonly Check[] = CATALOGUE): Check[] {
  const includes: string[] = [];
  const excludes: string[] = [];
  for (const raw of selection) {
    const item = raw.trim().toUpperCase();
    const excluded = item.startsWith('!') || item.startsWith('-');
    const name = excluded ? item.slice(1).trim() : item;
    if (name !== 'ALL' && !(name in GROUPS) && !catalogue.some((c) => c.id === name)) {
      throw new ConfigurationError(
        `Input 'checks' names '${raw.trim()}', which is neither a check id (such as TLS-001) nor a group (${Object.keys(GROUPS).join(', ')}) nor all; prefix with ! to exclude.`,
        'checks',
      );
    }
    (excluded ? excludes : includes).push(name);
  }
  const matches = (c: Check, name: string) => name === 'ALL' || c.id === name || c.group === name;
  const base =
    includes.length === 0 ? catalogue : catalogue.filter((c) => includes.some((n) => matches(c, n)));
  const chosen = base.filter((c) => !excludes.some((n) => matches(c, n)));
  if (chosen.length === 0)
    throw new ConfigurationError(
      `Input 'checks' selects no check at all; got '${selection.join(', ')}'.`,
      'checks',
    );
  return chosen;
}

/** Why a source has no evidence: its inputs were not given (SKIPPED), or gathering failed (FAIL). */
export type SourceGap = { skipped: string } | { failed: string };

/**
 * Judges each check against the evidence of its source. A source that could not be read fails
 * its checks (fail closed, with what went wrong as the evidence); one whose inputs were not
 * given skips them.
 *
 * @example
 * evaluate(selectChecks(['BAK-004']), { rds }, {}, { now: Date.now() })[0].verdict; // 'PASS' when DeletionProtection is on
 */
export function evaluate(
  checks: readonly Check[],
  sources: Partial<Sources>,
  gaps: Partial<Record<SourceName, SourceGap>>,
  context: JudgeContext,
): CheckResult[] {
  return checks.map((check) => {
    const meta = {
      id: check.id,
      title: check.title,
      safeguard: check.safeguard,
      group: check.group,
      probe: check.probe,
      fix: check.fix,
    };
    const gap = gaps[check.source];
    const evidence = sources[check.source];
    if (gap && 'failed' in gap)
      return { ...meta, verdict: 'FAIL', evidence: [`could not be verified: ${gap.failed}`] };
    if (gap || evidence === undefined)
      return {
        ...meta,
        verdict: 'SKIPPED',
        evidence: [gap && 'skipped' in gap ? gap.skipped : 'not applicable'],
      };
    try {
      return { ...meta, ...(check.judge as (e: unknown, c: JudgeContext) => CheckResult)(evidence, context) };
    } catch (error) {
      return { ...meta, verdict: 'FAIL', evidence: [`could not be judged: ${(error as Error).message}`] };
    }
  });
}
