/**
 * The statistics module against reference values computed independently: by python3's
 * standard library (math.erfc, statistics.NormalDist, exact binomial sums with
 * fractions.Fraction and math.comb, and Mann-Whitney p-values by enumerating every
 * arrangement with itertools.combinations), in a script run once; the numbers are pasted
 * here. Tolerances reflect each approximation's documented accuracy.
 */
import { describe, expect, test } from '@jest/globals';
import {
  binomialUpperTail,
  logGamma,
  lookLevel,
  mannWhitneyGreater,
  nearestRankQuantile,
  normalCdf,
  normalQuantile,
  normalUpperTail,
  pocockSpending,
  rateAboveLimitTest,
  requiredRequests,
  smallestMannWhitneyPValue,
  twoProportionTest,
} from '../src/statistics.js';

/** Relative closeness: |actual − expected| ≤ rel·|expected|. */
function expectRelative(actual: number, expected: number, rel: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected));
}

describe('normal distribution', () => {
  test('tails keep relative precision far out', () => {
    // python: 0.5*math.erfc(3/math.sqrt(2)), 0.5*math.erfc(6/math.sqrt(2))
    expectRelative(normalUpperTail(3), 0.0013498980316300957, 2e-7);
    expectRelative(normalUpperTail(6), 9.865876450377012e-10, 2e-7);
    // python: statistics.NormalDist().cdf(-1.5)
    expectRelative(normalCdf(-1.5), 0.06680720126885809, 2e-7);
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
  });

  test('quantiles match NormalDist().inv_cdf', () => {
    expectRelative(normalQuantile(0.95), 1.6448536269514715, 1e-8);
    expectRelative(normalQuantile(0.975), 1.9599639845400536, 1e-8);
    expectRelative(normalQuantile(0.001), -3.090232306167813, 1e-8);
    expect(() => normalQuantile(1.5)).toThrow(RangeError);
  });

  test('logGamma gives factorials', () => {
    expect(Math.exp(logGamma(5))).toBeCloseTo(24, 9);
    expectRelative(logGamma(101), 363.73937555556347, 1e-13); // python: math.lgamma(101)
  });
});

describe('rate above its limit (exact binomial)', () => {
  test('upper tails equal the exact sums', () => {
    // python: float(sum(comb(n,j)*p**j*(1-p)**(n-j) for j in range(k,n+1))) with Fractions
    expectRelative(binomialUpperTail(3, 10, 0.1), 0.0701908264, 1e-10);
    expectRelative(rateAboveLimitTest(9, 100, 0.05).pValue, 0.06308959062744872, 1e-10);
    expectRelative(rateAboveLimitTest(40, 600, 0.05).pValue, 0.04204646458380411, 1e-9);
    expectRelative(rateAboveLimitTest(180, 3000, 0.05).pValue, 0.007923770405716925, 1e-9);
  });

  test('edge counts', () => {
    expect(binomialUpperTail(0, 10, 0.3)).toBe(1);
    expect(binomialUpperTail(11, 10, 0.3)).toBe(0);
    expect(binomialUpperTail(10, 10, 0.5)).toBeCloseTo(1 / 1024, 15);
  });
});

describe('two-proportion z-test (canary worse)', () => {
  test('pooled, without tolerance', () => {
    // python: p=(30+20)/1500; z=(30/500-20/1000)/sqrt(p*(1-p)*(1/500+1/1000))
    const result = twoProportionTest(30, 500, 20, 1000, 0);
    expectRelative(result.statistic, 4.0683810217248615, 1e-12);
    expectRelative(result.pValue, 2.367046178617605e-5, 2e-7);
    expect(result.method).toContain('pooled');
  });

  test('Wald, with a relative tolerance', () => {
    // python: z=(pc-1.2*pb)/sqrt(pc*(1-pc)/nc+1.44*pb*(1-pb)/nb)
    const result = twoProportionTest(30, 500, 20, 1000, 0.2);
    expectRelative(result.statistic, 3.031488927759536, 1e-12);
    expectRelative(result.pValue, 0.0012167542265806052, 2e-7);
    expectRelative(twoProportionTest(33, 600, 27, 5400, 0.2).pValue, 8.71469469142957e-8, 2e-7);
  });

  test('a canary better than baseline is not worse', () => {
    expect(twoProportionTest(1, 1000, 50, 1000, 0).pValue).toBeGreaterThan(0.99);
    expect(twoProportionTest(0, 100, 0, 900, 0.2).pValue).toBe(1);
  });
});

describe('Mann-Whitney U (canary greater)', () => {
  test('exact, without ties, equals full enumeration', () => {
    // python: count of itertools.combinations arrangements with U >= observed / C(11,5)
    const a = mannWhitneyGreater([1.2, 3.4, 5.1, 6.3, 2.2], [0.9, 1.1, 2.0, 3.0, 1.5, 0.7]);
    expect(a.statistic).toBe(26);
    expect(a.pValue).toBeCloseTo(0.025974025974025976, 14);
    expect(a.method).toContain('exact');
    const b = mannWhitneyGreater([0.31, 0.35, 0.29, 0.4], [0.3, 0.28, 0.33, 0.27, 0.32]);
    expect(b.statistic).toBe(15);
    expect(b.pValue).toBeCloseTo(0.14285714285714285, 14);
    expect(mannWhitneyGreater([4, 5, 6], [1, 2, 3]).pValue).toBeCloseTo(0.05, 14);
  });

  test('with ties: normal approximation with tie and continuity corrections', () => {
    // python: U by pairwise counting (ties ½), var = mn/12·((N+1) − Σ(t³−t)/(N(N−1)))
    const result = mannWhitneyGreater([3, 4, 4, 5, 6, 6, 7, 8], [1, 2, 2, 3, 4, 5, 5, 6, 2]);
    expect(result.statistic).toBe(57.5);
    expectRelative(result.pValue, 0.020570316486013103, 2e-7);
    expect(result.method).toContain('tie-corrected');
  });

  test('smallest reachable p-value', () => {
    expect(smallestMannWhitneyPValue(3, 3)).toBeCloseTo(0.05, 12);
    expect(smallestMannWhitneyPValue(5, 5)).toBeCloseTo(0.003968253968253968, 12);
    expect(mannWhitneyGreater([], [1]).pValue).toBe(1);
  });
});

describe('requests a verdict needs', () => {
  test('ln(1 − confidence) / ln(1 − limit), rounded up', () => {
    // python: math.log(1-c)/math.log(1-l) = 58.40, 458.21, 148.28, 43.71
    expect(requiredRequests(0.05, 0.95)).toBe(59);
    expect(requiredRequests(0.01, 0.99)).toBe(459);
    expect(requiredRequests(0.02, 0.95)).toBe(149);
    expect(requiredRequests(0.1, 0.99)).toBe(44);
    expect(() => requiredRequests(0, 0.95)).toThrow(RangeError);
  });
});

describe('alpha spending (Pocock type)', () => {
  test('spends the whole budget by the end, more early than late', () => {
    // python: a*math.log(1+(math.e-1)*t)
    expect(pocockSpending(1, 0.05)).toBeCloseTo(0.05, 15);
    expect(pocockSpending(0, 0.05)).toBe(0);
    expectRelative(pocockSpending(0.2, 0.05), 0.014769726456017382, 1e-12);
    expectRelative(lookLevel(0.2, 0.4, 0.05), 0.011387131724561893, 1e-12);
    expectRelative(lookLevel(0.8, 1, 0.05), 0.006758013741840485, 1e-12);
    const looks = [0.2, 0.4, 0.6, 0.8, 1].map((t, i, all) =>
      lookLevel(i === 0 ? 0 : (all[i - 1] as number), t, 0.05),
    );
    expect(looks.reduce((s, x) => s + x, 0)).toBeCloseTo(0.05, 15);
  });
});

test('nearest-rank quantile', () => {
  expect(nearestRankQuantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95)).toBe(10);
  expect(nearestRankQuantile([5, 1, 3], 0.5)).toBe(3);
  expect(nearestRankQuantile([], 0.5)).toBeNaN();
});
