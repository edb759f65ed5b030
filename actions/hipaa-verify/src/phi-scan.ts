/**
 * The PHI scanner for application log lines: exact matches of known synthetic values, and
 * the suite's one set of PHI patterns (`findPhi` in core, which the redactor of our own logs
 * uses too: SSNs with validity rules and context, MRNs, DOBs, emails, phones, PostgreSQL key
 * rows). Built to be quiet on the look-alikes logs are full of: an order number shaped like
 * an SSN is not an SSN.
 */
import { findPhi, isPlausibleSsn, redactPhi, replaceSpans } from '@white-cross/core';
import type { PhiFinding } from './model.js';

export type PhiKind = PhiFinding['kind'];

export interface PhiMatch {
  kind: PhiKind;
  start: number;
  end: number;
}

// Numbers the SSA never issued or that were published as examples (and so appear in test data).
const ADVERTISED_SSNS = new Set(['078051120', '219099999', '457555462', '123456789']);

/**
 * True when the nine digits could be an issued SSN: area not 000, 666 or 900-999; group not
 * 00; serial not 0000; not one of the numbers published as examples.
 *
 * @example
 * isValidSsn('536-22-1907'); // true
 * isValidSsn('987-65-4321'); // false (area 9xx is never issued)
 */
export function isValidSsn(text: string): boolean {
  return isPlausibleSsn(text) && !ADVERTISED_SSNS.has(text.replace(/\D/g, ''));
}

/**
 * Finds PHI in one log line. Synthetic values (the known test patients' identifiers) match
 * exactly, case-insensitively; overlapping pattern matches keep the first kind found.
 *
 * @example
 * scanLine('created student ssn=536-22-1907', []); // [{ kind: 'SSN', start: 23, end: 34 }]
 * scanLine('order 536-22-1907 shipped', []); // []
 */
export function scanLine(line: string, syntheticValues: readonly string[]): PhiMatch[] {
  const found: PhiMatch[] = [];
  const lower = line.toLowerCase();
  for (const value of syntheticValues) {
    const needle = value.toLowerCase();
    if (!needle) continue;
    for (let i = lower.indexOf(needle); i >= 0; i = lower.indexOf(needle, i + needle.length)) {
      found.push({ kind: 'SYNTHETIC', start: i, end: i + needle.length });
    }
  }
  for (const p of findPhi(line)) {
    if (!found.some((f) => p.start < f.end && f.start < p.end)) found.push(p);
  }
  return found.sort((a, b) => a.start - b.start);
}

/**
 * The line around the first match, every match replaced by `[KIND]`, then passed through the
 * core PHI redaction as well; at most `width` characters each side.
 *
 * @example
 * redactedExcerpt('x ssn=536-22-1907 y', [{ kind: 'SSN', start: 6, end: 17 }]); // 'x ssn=[SSN] y'
 */
export function redactedExcerpt(line: string, matches: readonly PhiMatch[], width = 60): string {
  const out = replaceSpans(line, matches, (kind) => `[${kind}]`);
  const first = out.indexOf('[');
  const from = Math.max(0, first - width);
  const excerpt = `${from > 0 ? '…' : ''}${out.slice(from, first + width + 10)}${first + width + 10 < out.length ? '…' : ''}`;
  return redactPhi(excerpt.replace(/\s+/g, ' ').trim());
}
