import { describe, expect, it } from '@jest/globals';
import { redactPhi } from '@white-cross/core';
describe('smoke', () => {
  it('redacts', () => {
    expect(redactPhi('x 123-45-6789')).toBe('x [REDACTED-SSN]');
  });
});
