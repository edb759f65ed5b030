/**
 * The PHI scanner for application log lines: exact matches of known synthetic values, and
 * patterns (SSN with validity rules and context, MRN and DOB next to their keys, emails,
 * phones). Built to be quiet on the look-alikes logs are full of: an order number shaped like
 * an SSN is not an SSN.
 */
import { redactPhi } from '@white-cross/core';
import type { PhiFinding } from './model.js';

export type PhiKind = PhiFinding['kind'];

export interface PhiMatch {
  kind: PhiKind;
  start: number;
  end: number;
}

// Numbers the SSA never issued or that were published as examples (and so appear in test data).
const ADVERTISED_SSNS = new Set(['078051120', '219099999', '457555462', '123456789']);
const SSN_CANDIDATE = /(?<![\w-])(\d{3})([- ]?)(\d{2})\2(\d{4})(?![\w-])/g;
const SSN_KEY =
  /\b(ssn|social[ _-]?security(?:[ _-]?(?:number|no|num))?|soc[ _-]?sec|ss#|tax[ _-]?id|tin)\b[^\w\n]{0,6}$/i;
const OTHER_NUMBER_KEY =
  /\b(order|invoice|tracking|confirmation|conf|ref|reference|po|sku|ticket|case|shipment|transaction|txn|request|req|build|version|batch|lot|serial|part|account|acct|phone|tel|fax|zip|route)\b[^\n]{0,12}$/i;
const MRN =
  /\b(MRN|medical[ _-]?record(?:[ _-]?(?:number|no\.?|num|#))?)(["']?\s*[:=#]?\s*["']?)([A-Z0-9][A-Z0-9-]{3,})/gi;
const DOB =
  /\b(DOB|date[ _-]?of[ _-]?birth|birth[ _-]?date)(["']?\s*[:=]?\s*["']?)(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4})/gi;
const EMAIL = /\b[A-Z0-9._%+-]+@[A-Z0-9.-]+\.[A-Z]{2,}\b/gi;
const PHONE = /(?<![\w-])(?:\+?1[ .-]?)?(?:\(\d{3}\)\s?|\d{3}[ .-])\d{3}[ .-]\d{4}(?![\w-])/g;

/**
 * True when the nine digits could be an issued SSN: area not 000, 666 or 900-999; group not
 * 00; serial not 0000; not one of the numbers published as examples.
 *
 * @example
 * isValidSsn('536-22-1907'); // true
 * isValidSsn('987-65-4321'); // false (area 9xx is never issued)
 */
export function isValidSsn(text: string): boolean {
  const digits = text.replace(/\D/g, '');
  if (digits.length !== 9) return false;
  const area = digits.slice(0, 3);
  const group = digits.slice(3, 5);
  const serial = digits.slice(5);
  if (area === '000' || area === '666' || area.startsWith('9')) return false;
  if (group === '00' || serial === '0000') return false;
  return !ADVERTISED_SSNS.has(digits);
}

function ssnMatches(line: string): PhiMatch[] {
  const out: PhiMatch[] = [];
  SSN_CANDIDATE.lastIndex = 0;
  for (let m = SSN_CANDIDATE.exec(line); m; m = SSN_CANDIDATE.exec(line)) {
    const text = m[0];
    if (!isValidSsn(text)) continue;
    const before = line.slice(Math.max(0, m.index - 40), m.index);
    const keyed = SSN_KEY.test(before);
    // A number introduced by another key (order, invoice, tracking, …) is that thing, not an SSN.
    if (!keyed && OTHER_NUMBER_KEY.test(before)) continue;
    // Without an SSN key, only the canonical dashed form counts: nine bare digits are too common.
    if (!keyed && m[2] !== '-') continue;
    out.push({ kind: 'SSN', start: m.index, end: m.index + text.length });
  }
  return out;
}

function regexMatches(line: string, pattern: RegExp, kind: PhiKind, valueGroup?: number): PhiMatch[] {
  const out: PhiMatch[] = [];
  pattern.lastIndex = 0;
  for (let m = pattern.exec(line); m; m = pattern.exec(line)) {
    const value = valueGroup === undefined ? m[0] : (m[valueGroup] ?? '');
    const start = valueGroup === undefined ? m.index : m.index + m[0].length - value.length;
    out.push({ kind, start, end: start + value.length });
  }
  return out;
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
  const patterns = [
    ...regexMatches(line, MRN, 'MRN', 3),
    ...regexMatches(line, DOB, 'DOB', 3),
    ...ssnMatches(line),
    ...regexMatches(line, EMAIL, 'EMAIL'),
    ...regexMatches(line, PHONE, 'PHONE'),
  ];
  for (const p of patterns) {
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
  let out = '';
  let cursor = 0;
  for (const m of matches) {
    if (m.start < cursor) continue;
    out += line.slice(cursor, m.start) + `[${m.kind}]`;
    cursor = m.end;
  }
  out += line.slice(cursor);
  const first = out.indexOf('[');
  const from = Math.max(0, first - width);
  const excerpt = `${from > 0 ? '…' : ''}${out.slice(from, first + width + 10)}${first + width + 10 < out.length ? '…' : ''}`;
  return redactPhi(excerpt.replace(/\s+/g, ' ').trim());
}
