/**
 * Redaction of secrets and PHI-like text. Every line, summary, output and audit record an
 * action writes passes through a {@link Redactor}, so that neither a secret input nor
 * patient data echoed by a build or a migration tool ever reaches a log.
 */

import { findPhi, replaceSpans } from './phi-patterns.js';

/** What a masked secret is replaced with (the runner's own mask looks the same). */
export const SECRET_MASK = '***';

/**
 * Replaces PHI-like text (SSN, MRN, date of birth, email, phone, a patient's key row) with a
 * tag naming its kind. What counts as PHI is {@link findPhi}'s, shared with hipaa-verify.
 *
 * @example
 * redactPhi('patient 123-45-6789 DOB: 2011-04-02'); // 'patient [REDACTED-SSN] DOB: [REDACTED-DOB]'
 */
export function redactPhi(text: string): string {
  const spans = findPhi(text);
  return spans.length === 0 ? text : replaceSpans(text, spans, (kind) => `[REDACTED-${kind}]`);
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

  /**
   * Redacts every string inside a JSON-like value (for outputs and audit records): values and
   * object keys alike, since a key can be a file name or an address. Two keys that redact to
   * the same text are kept apart by a `#2`, `#3` suffix.
   *
   * @example
   * new Redactor().redactValue({ 'jane@example.org.pdf': 3 }); // { '[REDACTED-EMAIL]': 3 }
   */
  redactValue<T>(value: T): T {
    if (typeof value === 'string') return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.redactValue(v)) as T;
    if (value && typeof value === 'object' && !(value instanceof Date)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const key = this.redact(k);
        let unique = key;
        for (let n = 2; Object.hasOwn(out, unique); n++) unique = `${key}#${n}`;
        out[unique] = this.redactValue(v);
      }
      return out as T;
    }
    return value;
  }
}
