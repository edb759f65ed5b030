import { describe, expect, it } from '@jest/globals';
import { findPhi, Redactor, redactPhi, SECRET_MASK } from '@white-cross/core';
import { PHI_NEGATIVES, PHI_POSITIVES } from './phi-cases.js';

describe('the shared PHI table (hipaa-verify scans with the same one)', () => {
  it.each(PHI_POSITIVES)('redacts %s', (_name, input, expected) => {
    expect(redactPhi(input)).toBe(expected);
  });
  it.each(PHI_NEGATIVES)('leaves %s alone', (_name, input) => {
    expect(findPhi(input)).toEqual([]);
    expect(redactPhi(input)).toBe(input);
  });
});

describe('redactPhi', () => {
  it.each([
    ['SSN dashed', 'student ssn 123-45-6789 seen', 'student ssn [REDACTED-SSN] seen'],
    ['SSN spaced', 'ssn 123 45 6789', 'ssn [REDACTED-SSN]'],
    ['MRN with colon', 'MRN: A1234567 admitted', 'MRN: [REDACTED-MRN] admitted'],
    ['medical record number', 'medical record number=MR-20931', 'medical record number=[REDACTED-MRN]'],
    ['DOB ISO', 'DOB: 2011-04-02', 'DOB: [REDACTED-DOB]'],
    ['date of birth US', 'date_of_birth=4/2/2011', 'date_of_birth=[REDACTED-DOB]'],
    ['JSON date of birth', '{"dateOfBirth":"2011-04-02"}', '{"dateOfBirth":"[REDACTED-DOB]"}'],
    ['email', 'parent jane.doe+school@example.org wrote', 'parent [REDACTED-EMAIL] wrote'],
    ['phone dashed', 'call 555-123-4567 now', 'call [REDACTED-PHONE] now'],
    ['phone parenthesised', 'call (555) 123-4567', 'call [REDACTED-PHONE]'],
    ['phone +1 dotted', 'call +1 555.123.4567', 'call [REDACTED-PHONE]'],
  ])('redacts %s', (_name, input, expected) => {
    expect(redactPhi(input)).toBe(expected);
  });

  it.each([
    ['an SSN with area 000', '000-12-3456'],
    ['an SSN with area 666', '666-12-3456'],
    ['an SSN with area 9xx', '912-12-3456'],
    ['an SSN with group 00', '123-00-4567'],
    ['an SSN with serial 0000', '123-45-0000'],
    ['a version', 'v1.22.333'],
    ['an ISO timestamp', '2026-11-21T15:53:07Z'],
    ['an ARN', 'arn:aws:ecs:us-east-1:123456789012:task-definition/app:42'],
    ['a sha256', 'sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'],
    ['a date without a birth key', 'released 2011-04-02'],
  ])('leaves %s alone', (_name, input) => {
    expect(redactPhi(input)).toBe(input);
  });
});

describe('Redactor', () => {
  it('masks a secret wherever it appears, and its URL-encoded form', () => {
    const r = new Redactor();
    r.addSecret('p@ss/word 1');
    expect(r.redact('url postgresql://u:p%40ss%2Fword%201@h/db and p@ss/word 1')).toBe(
      `url postgresql://u:${SECRET_MASK}@h/db and ${SECRET_MASK}`,
    );
  });

  it('masks each line of a multi-line secret on its own', () => {
    const r = new Redactor();
    r.addSecret('-----BEGIN KEY-----\nAbCdEf123456\n-----END KEY-----');
    expect(r.redact('key line AbCdEf123456 leaked')).toBe(`key line ${SECRET_MASK} leaked`);
  });

  it('masks the longer of two overlapping secrets whole', () => {
    const r = new Redactor();
    r.addSecret('abc');
    r.addSecret('abcdef');
    expect(r.redact('x abcdef y abc')).toBe(`x ${SECRET_MASK} y ${SECRET_MASK}`);
  });

  it('redacts every string inside nested values and keeps other types', () => {
    const r = new Redactor();
    r.addSecret('tok3n');
    expect(r.redactValue({ a: ['tok3n', 1, true], b: { c: 'ssn 123-45-6789' }, d: null })).toEqual({
      a: [SECRET_MASK, 1, true],
      b: { c: 'ssn [REDACTED-SSN]' },
      d: null,
    });
  });

  it('redacts object keys too, keeping two keys that redact alike apart', () => {
    const r = new Redactor();
    r.addSecret('tok3n');
    expect(
      r.redactValue({
        files: { 'dist/jane.doe@example.org.pdf': 10, 'dist/ann.roe@example.org.pdf': 20, 'tok3n.txt': 1 },
      }),
    ).toEqual({
      files: { 'dist/[REDACTED-EMAIL]': 10, 'dist/[REDACTED-EMAIL]#2': 20, [`${SECRET_MASK}.txt`]: 1 },
    });
  });

  it('ignores empty and blank secrets', () => {
    const r = new Redactor();
    r.addSecret('');
    r.addSecret('  \n ');
    expect(r.registered).toEqual([]);
    expect(r.redact('nothing to hide')).toBe('nothing to hide');
  });
});
