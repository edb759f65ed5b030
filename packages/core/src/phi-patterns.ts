/**
 * The one definition of PHI-like text in White Cross Deploy. The redactor (every log line,
 * output, summary, audit record and evidence file) and hipaa-verify's scanner of application
 * logs both find PHI through {@link findPhi}, so that what the scanner flags in an app's log
 * is also what our own logs never show. Built to be quiet on what deploy logs are full of:
 * versions, hashes, timestamps, UUIDs, ARNs, ports, sizes, order numbers.
 */

/** The kinds of PHI-like text found. */
export type PhiKind = 'SSN' | 'MRN' | 'DOB' | 'EMAIL' | 'PHONE';

/** Where a PHI-like value is in a text: `[start, end)` covers the value, not its key. */
export interface PhiSpan {
  kind: PhiKind;
  start: number;
  end: number;
}

// Nine digits, dashed, spaced or bare, standing alone (not inside a longer number, word,
// version or decimal).
const SSN_CANDIDATE = /(?<![\w-]|\d[.,])(\d{3})([- ]?)(\d{2})\2(\d{4})(?![\w-]|[.,]\d)/g;
// The key just before a value that says it is an SSN.
const SSN_KEY =
  /(?<![a-z0-9])(ssn|social[ _-]?security(?:[ _-]?(?:number|no|num))?|soc[ _-]?sec|ss#|tax[ _-]?id|tin)(?![a-z0-9])[^\w\n]{0,6}$/i;
// Keys of other numbers that are shaped like an SSN (checked on snake_cased text, so that
// `totalSize` reads as `total_size`).
const OTHER_NUMBER_KEY =
  /(?<![a-z0-9])(order|invoice|tracking|confirmation|conf|ref|reference|po|sku|ticket|case|shipment|transaction|txn|request|req|build|version|batch|lot|serial|part|account|acct|phone|tel|fax|zip|route|size|bytes|count|total|duration|ms|ns|id|port|pid|time|timestamp|epoch|length|offset|line|checksum|crc)(?![a-z0-9])[^\n]{0,12}$/;
// A unit after a number makes it a quantity.
const QUANTITY_UNIT = /^\s?(?:ms|ns|us|s|sec|bytes?|b|kb|kib|mb|mib|gb|gib|rows?|items?|files?)(?![a-z0-9])/i;

// Keys that name a medical record number (MRN, MR#, medical/patient/chart record number,
// "record no").
const MRN =
  /(?<![a-z0-9])(MRN|MR#|(?:(?:medical|patient|health|chart)[ _-]?)?record[ _-]?(?:number|no\.?|num|#)|(?:medical|patient)[ _-]?record|chart[ _-]?(?:number|no\.?|#))(["']?\s*[:=#]?\s*["']?\s*)((?=[A-Z-]*\d)[A-Z0-9][A-Z0-9-]{3,})/gi;
const DATE = String.raw`(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2}))(?![\d:T])`;
// Keys that name a date of birth, then the date.
const DOB_KEYED = new RegExp(
  String.raw`(?<![a-z0-9])(DOB|D\.O\.B\.?|date[ _-]?of[ _-]?birth|birth[ _-]?date|birthday)(["']?\s*[:=]?\s*["']?\s*)(${DATE})`,
  'gi',
);
// A date of birth said in words: "born 2011-04-02", "born on 4/2/2011", "b. 04/02/2011".
const DOB_WORDS = new RegExp(String.raw`(?<![a-z0-9])(born(?:\s+on)?|b\.)(\s*)(${DATE})`, 'gi');
const EMAIL = /(?<![\w.%+-])[A-Z0-9._%+-]+@[A-Z0-9.-]+\.[A-Z]{2,}(?![\w-])/gi;
// North American numbers with separators: (555) 123-4567, 555-123-4567, +1 555.123.4567.
const PHONE = /(?<![\w-])(?:\+?1[ .-]?)?(?:\(\d{3}\)\s?|\d{3}[ .-])\d{3}[ .-]\d{4}(?![\w-])/g;
// PostgreSQL's DETAIL of a key violation: `Key (mrn, dob)=(A7731902, 2011-04-02) already exists.`
const KEY_TUPLE = /\bKey \(([^()\n]+)\)=\(([^\n]*?)\)(?=[\s.]|$)/g;
const COLUMN_KINDS: readonly [RegExp, PhiKind][] = [
  [/ssn|social_?security/i, 'SSN'],
  [/mrn|medical_?record|record_?(?:no|num|number)|chart/i, 'MRN'],
  [/dob|birth/i, 'DOB'],
  [/e_?mail/i, 'EMAIL'],
  [/phone|mobile|tel\b/i, 'PHONE'],
];

/**
 * True when nine digits could be an issued SSN: area not 000, 666 or 900-999; group not 00;
 * serial not 0000.
 *
 * @example
 * isPlausibleSsn('536-22-1907'); // true
 * isPlausibleSsn('987-65-4321'); // false (area 9xx is never issued)
 */
export function isPlausibleSsn(text: string): boolean {
  const digits = text.replace(/\D/g, '');
  if (digits.length !== 9) return false;
  const area = digits.slice(0, 3);
  if (area === '000' || area === '666' || area.startsWith('9')) return false;
  return digits.slice(3, 5) !== '00' && digits.slice(5) !== '0000';
}

function snakeCase(text: string): string {
  return text.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

function ssnSpans(text: string): PhiSpan[] {
  const out: PhiSpan[] = [];
  SSN_CANDIDATE.lastIndex = 0;
  for (let m = SSN_CANDIDATE.exec(text); m; m = SSN_CANDIDATE.exec(text)) {
    if (!isPlausibleSsn(m[0])) continue;
    const before = text.slice(Math.max(0, m.index - 40), m.index);
    const keyed = SSN_KEY.test(before);
    if (!keyed) {
      // A number introduced by another key (order, invoice, size, …) is that thing.
      if (OTHER_NUMBER_KEY.test(snakeCase(before))) continue;
      // Unkeyed, only the dashed and the bare forms count: spaced digits are too common.
      if (m[2] === ' ') continue;
      if (m[2] === '' && QUANTITY_UNIT.test(text.slice(m.index + 9, m.index + 16))) continue;
    }
    out.push({ kind: 'SSN', start: m.index, end: m.index + m[0].length });
  }
  return out;
}

function valueSpans(text: string, pattern: RegExp, kind: PhiKind, valueGroup?: number): PhiSpan[] {
  const out: PhiSpan[] = [];
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    const value = valueGroup === undefined ? m[0] : (m[valueGroup] ?? '');
    const start = m.index + m[0].length - value.length;
    out.push({ kind, start, end: start + value.length });
    if (m[0].length === 0) pattern.lastIndex++;
  }
  return out;
}

/** The values of a key tuple whose columns name PHI, each with its column's kind. */
function tupleSpans(text: string): PhiSpan[] {
  const out: PhiSpan[] = [];
  KEY_TUPLE.lastIndex = 0;
  for (let m = KEY_TUPLE.exec(text); m; m = KEY_TUPLE.exec(text)) {
    const columns = (m[1] ?? '').split(',').map((c) => c.trim());
    const kinds = columns.map((c) => COLUMN_KINDS.find(([p]) => p.test(c))?.[1]);
    const first = kinds.find((k) => k !== undefined);
    if (first === undefined) continue;
    const valuesText = m[2] ?? '';
    const valuesStart = m.index + m[0].length - 1 - valuesText.length;
    const values = valuesText.split(', ');
    if (values.length !== columns.length) {
      // A value with ", " inside: the row cannot be split safely, so all of it goes.
      out.push({ kind: first, start: valuesStart, end: valuesStart + valuesText.length });
      continue;
    }
    // A row with one PHI column is a patient's row: every value in it is redacted.
    let offset = valuesStart;
    values.forEach((value, i) => {
      out.push({ kind: kinds[i] ?? first, start: offset, end: offset + value.length });
      offset += value.length + 2;
    });
  }
  return out;
}

/**
 * Finds PHI-like values in a text: SSNs (with the issuing rules; dashed or bare nine digits,
 * and any form after an SSN key, never after another number's key), MRNs and "record no"
 * values after their keys, dates of birth after their keys or after "born", emails, phone
 * numbers, and every value of a PostgreSQL `Key (…)=(…)` row that has a PHI column. Spans
 * do not overlap; the first found wins, in that order: key tuples, MRN, DOB, SSN, email, phone.
 *
 * @example
 * findPhi('ssn: 536221907'); // [{ kind: 'SSN', start: 5, end: 14 }]
 * findPhi('released v2026.12.01 on 2026-12-01'); // []
 */
export function findPhi(text: string): PhiSpan[] {
  const candidates = [
    ...tupleSpans(text),
    ...valueSpans(text, MRN, 'MRN', 3),
    ...valueSpans(text, DOB_KEYED, 'DOB', 3),
    ...valueSpans(text, DOB_WORDS, 'DOB', 3),
    ...ssnSpans(text),
    ...valueSpans(text, EMAIL, 'EMAIL'),
    ...valueSpans(text, PHONE, 'PHONE'),
  ];
  const kept: PhiSpan[] = [];
  for (const span of candidates) {
    if (span.end <= span.start) continue;
    if (!kept.some((k) => span.start < k.end && k.start < span.end)) kept.push(span);
  }
  return kept.sort((a, b) => a.start - b.start);
}

/**
 * Replaces each span of `text` with `replacement(kind)`; spans must not overlap.
 *
 * @example
 * replaceSpans('ssn: 536221907', findPhi('ssn: 536221907'), (k) => `[${k}]`); // 'ssn: [SSN]'
 */
export function replaceSpans<K extends string>(
  text: string,
  spans: readonly { kind: K; start: number; end: number }[],
  replacement: (kind: K) => string,
): string {
  let out = '';
  let cursor = 0;
  for (const span of [...spans].sort((a, b) => a.start - b.start)) {
    if (span.start < cursor) continue;
    out += text.slice(cursor, span.start) + replacement(span.kind);
    cursor = span.end;
  }
  return out + text.slice(cursor);
}
