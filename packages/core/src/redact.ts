/**
 * Redaction of secrets and PHI-like text. Every line, summary, output and audit record an
 * action writes passes through a {@link Redactor}, so that neither a secret input nor
 * patient data echoed by a build or a migration tool ever reaches a log.
 */

/** What a masked secret is replaced with (the runner's own mask looks the same). */
export const SECRET_MASK = '***';

interface PhiPattern {
  kind: string;
  pattern: RegExp;
  replace: (match: string, ...groups: string[]) => string;
}

// A US SSN: area 001-899 except 666, group 01-99, serial 0001-9999, dashed or spaced.
const SSN = /\b(?!000|666|9\d\d)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}\b/g;
// Keys that name a medical record number or a date of birth, followed by their value.
const MRN =
  /\b(MRN|medical[ _-]?record(?:[ _-]?(?:number|no\.?|num|#))?)(["']?\s*[:=#]?\s*["']?)([A-Z0-9][A-Z0-9-]{3,})/gi;
const DOB =
  /\b(DOB|date[ _-]?of[ _-]?birth|birth[ _-]?date)(["']?\s*[:=]?\s*["']?)(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4})/gi;
const EMAIL = /\b[A-Z0-9._%+-]+@[A-Z0-9.-]+\.[A-Z]{2,}\b/gi;
// North American numbers with separators: (555) 123-4567, 555-123-4567, +1 555.123.4567.
const PHONE = /(?<![\w-])(?:\+?1[ .-]?)?(?:\(\d{3}\)\s?|\d{3}[ .-])\d{3}[ .-]\d{4}(?![\w-])/g;

const PHI_PATTERNS: readonly PhiPattern[] = [
  { kind: 'MRN', pattern: MRN, replace: (_m, key, sep) => `${key}${sep}[REDACTED-MRN]` },
  { kind: 'DOB', pattern: DOB, replace: (_m, key, sep) => `${key}${sep}[REDACTED-DOB]` },
  { kind: 'EMAIL', pattern: EMAIL, replace: () => '[REDACTED-EMAIL]' },
  { kind: 'SSN', pattern: SSN, replace: () => '[REDACTED-SSN]' },
  { kind: 'PHONE', pattern: PHONE, replace: () => '[REDACTED-PHONE]' },
];

/**
 * Replaces PHI-like text (SSN, MRN, date of birth, email, phone) with a tag naming its kind.
 *
 * @example
 * redactPhi('patient 123-45-6789 DOB: 2011-04-02'); // 'patient [REDACTED-SSN] DOB: [REDACTED-DOB]'
 */
export function redactPhi(text: string): string {
  let out = text;
  for (const { pattern, replace } of PHI_PATTERNS) {
    pattern.lastIndex = 0;
    out = out.replace(pattern, replace as (substring: string, ...args: string[]) => string);
  }
  return out;
}

/**
 * Masks registered secrets and redacts PHI. One per action run; secrets are added as inputs
 * are read (and by actions that derive secrets, such as a password inside a database URL).
 *
 * @example
 * const r = new Redactor();
 * r.addSecret('hunter2');
 * r.redact('password=hunter2'); // 'password=***'
 */
export class Redactor {
  private secrets: string[] = [];

  /** Registers a secret; every later {@link redact} masks it, and its URL-encoded form. */
  addSecret(value: string | undefined): void {
    if (!value) return;
    const forms = new Set<string>();
    for (const piece of [value, ...value.split(/\r?\n/)]) {
      const trimmed = piece.trim();
      if (trimmed.length === 0) continue;
      forms.add(trimmed);
      forms.add(encodeURIComponent(trimmed));
    }
    for (const form of forms) if (!this.secrets.includes(form)) this.secrets.push(form);
    // Longest first, so that a secret containing another is masked whole.
    this.secrets.sort((a, b) => b.length - a.length);
  }

  /** The registered secrets (for registering them with the runner's own masking). */
  get registered(): readonly string[] {
    return this.secrets;
  }

  /** Masks secrets, then redacts PHI-like text. */
  redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) {
      if (out.includes(secret)) out = out.split(secret).join(SECRET_MASK);
    }
    return redactPhi(out);
  }

  /** Redacts every string inside a JSON-like value (for outputs and audit records). */
  redactValue<T>(value: T): T {
    if (typeof value === 'string') return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.redactValue(v)) as T;
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.redactValue(v);
      return out as T;
    }
    return value;
  }
}
