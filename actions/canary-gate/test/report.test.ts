import { describe, expect, test } from '@jest/globals';
import { metricResult } from '../src/report.js';

describe('the result cell of a metric', () => {
  test('a canary over its limit that has not reached significance is not shown as a pass', () => {
    expect(metricResult({ failing: false, classification: 'Pass', canary: 0.0923, limit: 0.05 })).toBe(
      '⏳ over the limit, not yet significant',
    );
  });
  test('a failing metric, a metric with no data and a clean pass', () => {
    expect(metricResult({ failing: true, classification: 'High', canary: 0.2, limit: 0.05 })).toBe('❌ High');
    expect(metricResult({ failing: false, classification: 'Nodata' })).toBe('➖ Nodata');
    expect(metricResult({ failing: false, classification: 'Pass', canary: 0.01, limit: 0.05 })).toBe(
      '✅ Pass',
    );
  });
});
