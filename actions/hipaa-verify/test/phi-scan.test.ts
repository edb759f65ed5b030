import { describe, expect, it } from '@jest/globals';
import { redactPhi } from '@white-cross/core';
import { PHI_NEGATIVES, PHI_POSITIVES } from '../../../packages/core/test/phi-cases.js';
import { isValidSsn, redactedExcerpt, scanLine } from '../src/phi-scan.js';

describe('the shared PHI table (the core redactor agrees on the same one)', () => {
  it.each(PHI_POSITIVES)('finds %s where the redactor redacts', (_name, input, redacted) => {
    const matches = scanLine(input, []);
    const marked = matches.reduceRight(
      (text, m) => `${text.slice(0, m.start)}[REDACTED-${m.kind}]${text.slice(m.end)}`,
      input,
    );
    expect(marked).toBe(redacted);
    expect(redactPhi(input)).toBe(redacted);
  });
  it.each(PHI_NEGATIVES)('finds nothing in %s', (_name, input) => {
    expect(scanLine(input, [])).toEqual([]);
    expect(redactPhi(input)).toBe(input);
  });
});

const kinds = (line: string, synthetic: string[] = []) => scanLine(line, synthetic).map((m) => m.kind);

describe('isValidSsn', () => {
  it.each(['536-22-1907', '536221907', '001-01-0001', '899-99-9999'])('accepts %s', (s) =>
    expect(isValidSsn(s)).toBe(true),
  );
  it.each([
    ['000-12-3456', 'area 000'],
    ['666-12-3456', 'area 666'],
    ['912-34-5678', 'area 9xx'],
    ['536-00-1907', 'group 00'],
    ['536-22-0000', 'serial 0000'],
    ['078-05-1120', 'the Woolworth wallet number'],
    ['123-45-6789', 'the advertised example'],
  ])('refuses %s (%s)', (s) => expect(isValidSsn(s)).toBe(false));
});

describe('scanLine', () => {
  it('finds an SSN after its key, dashed or not', () => {
    expect(kinds('student ssn=536-22-1907 enrolled')).toEqual(['SSN']);
    expect(kinds('{"socialSecurityNumber": "536221907"}')).toEqual(['SSN']);
    expect(kinds('{"ssn": "536221907"}')).toEqual(['SSN']);
    expect(kinds('Social Security: 536 22 1907')).toEqual(['SSN']);
  });

  it('finds a bare dashed SSN', () => {
    expect(kinds('created record 536-22-1907 for intake')).toEqual(['SSN']);
  });

  it('does not fire on order numbers and other keyed look-alikes', () => {
    expect(kinds('order 536-22-1907 shipped')).toEqual([]);
    expect(kinds('Order #536-22-1907 confirmed')).toEqual([]);
    expect(kinds('invoice: 412-55-1234 paid')).toEqual([]);
    expect(kinds('tracking number 536-22-1907')).toEqual([]);
    expect(kinds('batch 536221907 done')).toEqual([]);
  });

  it('does not fire on invalid SSNs even after the key', () => {
    expect(kinds('ssn=912-34-5678')).toEqual([]);
    expect(kinds('ssn=666-12-3456')).toEqual([]);
  });

  it('does not fire on SSN-shaped parts of longer numbers', () => {
    expect(kinds('trace 4536-22-1907-11 ok')).toEqual([]);
    expect(kinds('uuid 536-22-19071')).toEqual([]);
  });

  it('finds MRN and DOB only next to their keys', () => {
    expect(kinds('mrn: A123456 admitted')).toEqual(['MRN']);
    expect(kinds('DOB=2012-03-04')).toEqual(['DOB']);
    expect(kinds('date_of_birth: 03/04/2012')).toEqual(['DOB']);
    expect(kinds('deployed 2026-11-21 build A123456')).toEqual([]);
  });

  it('finds emails and phones', () => {
    expect(kinds('contact parent jane.doe@example.org')).toEqual(['EMAIL']);
    expect(kinds('call (555) 123-4567 now')).toEqual(['PHONE']);
  });

  it('finds synthetic values exactly and case-insensitively, before the patterns', () => {
    expect(kinds('loaded student ZZTEST Harrow', ['zztest harrow'])).toEqual(['SYNTHETIC']);
    expect(kinds('ssn=536-22-1907', ['536-22-1907'])).toEqual(['SYNTHETIC']);
    expect(kinds('nothing here', ['ZZTEST Harrow'])).toEqual([]);
  });
});

describe('redactedExcerpt', () => {
  it('replaces every match by its kind and keeps the context', () => {
    const line = 'GET /students/7 ssn=536-22-1907 email jane.doe@example.org';
    expect(redactedExcerpt(line, scanLine(line, []))).toBe('GET /students/7 ssn=[SSN] email [EMAIL]');
  });

  it('shortens long lines around the first match', () => {
    const line = `${'a'.repeat(200)} ssn=536-22-1907 ${'b'.repeat(200)}`;
    const excerpt = redactedExcerpt(line, scanLine(line, []), 20);
    expect(excerpt).toMatch(/^…a+ ssn=\[SSN\] b+…$/);
    expect(excerpt.length).toBeLessThan(60);
    expect(excerpt).not.toContain('536');
  });
});
