/**
 * The statistics canary-gate judges with. Pure functions, no I/O: the normal distribution,
 * an exact one-sided binomial test (is a rate above its limit?), the two-proportion z-test
 * (is the canary's error rate worse than the baseline's, beyond a tolerance?), the
 * Mann-Whitney U test (are the canary's latency samples larger than the baseline's?), the
 * smallest number of requests a verdict needs, and the alpha spending that keeps repeated looks
 * at the same canary from multiplying false alarms.
 */

/**
 * The complementary error function, erfc(x) = 1 − erf(x), with a fractional error below
 * 1.2·10⁻⁷ everywhere (the Chebyshev fit from Numerical Recipes, §6.2). A relative error bound
 * matters here: tail probabilities of 10⁻⁸ must keep their digits.
 *
 * @example
 * erfc(0); // 1
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/**
 * The standard normal distribution function Φ(z).
 *
 * @example
 * normalCdf(1.959964); // ≈ 0.975
 */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/**
 * The upper tail 1 − Φ(z), computed directly so that small tails keep their precision.
 *
 * @example
 * normalUpperTail(3); // ≈ 0.0013499
 */
export function normalUpperTail(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/**
 * The standard normal quantile Φ⁻¹(p) (Acklam's rational approximation, relative error
 * below 1.2·10⁻⁹).
 *
 * @example
 * normalQuantile(0.95); // ≈ 1.644854
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return -Infinity;
    if (p === 1) return Infinity;
    throw new RangeError(`normalQuantile needs 0 < p < 1; got ${p}`);
  }
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) /
      ((((d0 * q + d1) * q + d2) * q + d3) * q + 1)
    );
  }
  if (p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return (
      -(((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) /
      ((((d0 * q + d1) * q + d2) * q + d3) * q + 1)
    );
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) /
    (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1)
  );
}

/**
 * ln Γ(x) for x > 0 (Lanczos approximation, g = 7, 9 terms; about 15 significant digits).
 *
 * @example
 * Math.exp(logGamma(5)); // ≈ 24
 */
export function logGamma(x: number): number {
  const g = 7;
  const coefficients = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const y = x - 1;
  let sum = coefficients[0] as number;
  for (let i = 1; i < g + 2; i++) sum += (coefficients[i] as number) / (y + i);
  const t = y + g + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(sum);
}

/**
 * P(X ≥ k) for X ~ Binomial(n, p), summed exactly term by term (in log space, so n in the
 * millions is fine).
 *
 * @example
 * binomialUpperTail(3, 10, 0.1); // ≈ 0.0701908
 */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  const logTerm =
    logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log1p(-p);
  let term = Math.exp(logTerm);
  let sum = term;
  const ratio = p / (1 - p);
  for (let j = k; j < n; j++) {
    term *= ((n - j) / (j + 1)) * ratio;
    sum += term;
    if (j > n * p && term < sum * 1e-16) break;
  }
  return Math.min(1, sum);
}

/** The result of a one-sided test: the statistic, its p-value and how it was computed. */
export interface TestResult {
  /** The test statistic (z, or U for Mann-Whitney, or the count for the binomial test). */
  statistic: number;
  /** One-sided p-value for "the canary is worse". */
  pValue: number;
  /** How the p-value was computed, for the report. */
  method: string;
}

/**
 * Exact one-sided binomial test of H₀: rate ≤ `limit` against H₁: rate > `limit`, for
 * `events` out of `trials` (errors out of requests, or slow responses out of responses).
 *
 * @example
 * rateAboveLimitTest(9, 100, 0.05).pValue; // ≈ 0.0631
 */
export function rateAboveLimitTest(events: number, trials: number, limit: number): TestResult {
  return {
    statistic: events,
    pValue: binomialUpperTail(events, trials, limit),
    method: 'exact binomial, one-sided',
  };
}

/**
 * One-sided two-proportion z-test that the canary's rate is worse than the baseline's beyond a
 * relative `tolerance`: H₀: p_c ≤ (1 + tolerance)·p_b. With no tolerance this is the textbook
 * pooled test of p_c = p_b; with a tolerance it is the Wald test of the shifted difference
 * (each proportion's own variance), since pooling assumes the two rates are equal.
 *
 * @example
 * twoProportionTest(30, 500, 20, 1000, 0).statistic; // ≈ 4.0684 (pooled)
 */
export function twoProportionTest(
  canaryEvents: number,
  canaryTrials: number,
  baselineEvents: number,
  baselineTrials: number,
  tolerance = 0,
): TestResult {
  const pc = canaryEvents / canaryTrials;
  const pb = baselineEvents / baselineTrials;
  const factor = 1 + tolerance;
  let se: number;
  let method: string;
  if (tolerance === 0) {
    const pooled = (canaryEvents + baselineEvents) / (canaryTrials + baselineTrials);
    se = Math.sqrt(pooled * (1 - pooled) * (1 / canaryTrials + 1 / baselineTrials));
    method = 'two-proportion z-test (pooled), one-sided';
  } else {
    se = Math.sqrt((pc * (1 - pc)) / canaryTrials + (factor * factor * pb * (1 - pb)) / baselineTrials);
    method = `two-proportion z-test (Wald, margin +${Number((tolerance * 100).toPrecision(4))} %), one-sided`;
  }
  const difference = pc - factor * pb;
  if (se === 0) {
    return {
      statistic: difference > 0 ? Infinity : difference < 0 ? -Infinity : 0,
      pValue: difference > 0 ? 0 : 1,
      method,
    };
  }
  const z = difference / se;
  return { statistic: z, pValue: normalUpperTail(z), method };
}

/** Mid-ranks (1-based) of `values`, ties sharing their average rank, and the tie groups' sizes. */
function midRanks(values: readonly number[]): { ranks: number[]; tieSizes: number[] } {
  const order = values.map((v, i) => [v, i] as const).sort((x, y) => x[0] - y[0]);
  const ranks = new Array<number>(values.length).fill(0);
  const tieSizes: number[] = [];
  for (let i = 0; i < order.length;) {
    let j = i;
    while (
      j + 1 < order.length &&
      (order[j + 1] as readonly [number, number])[0] === (order[i] as readonly [number, number])[0]
    )
      j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[(order[k] as readonly [number, number])[1]] = rank;
    if (j > i) tieSizes.push(j - i + 1);
    i = j + 1;
  }
  return { ranks, tieSizes };
}

/** Largest sample sizes (each) for which the exact null distribution of U is used. */
export const EXACT_MANN_WHITNEY_LIMIT = 25;

/**
 * The number of arrangements of m canary and n baseline values (no ties) for each value of the
 * canary's U: counts[u] for u = 0 … m·n. The null distribution of U is counts / C(m+n, m).
 */
function mannWhitneyCounts(m: number, n: number): number[] {
  // f(i, j, u) = f(i−1, j, u−j) + f(i, j−1, u): the largest value is either a canary value
  // (beating all j baseline values) or a baseline value (beating none).
  let previous: number[][] = [];
  for (let i = 0; i <= m; i++) {
    const row: number[][] = [];
    for (let j = 0; j <= n; j++) {
      const counts = new Array<number>(i * j + 1).fill(0);
      if (i === 0 || j === 0) counts[0] = 1;
      else {
        const above = previous[j] as number[];
        const left = row[j - 1] as number[];
        for (let u = 0; u < counts.length; u++) {
          counts[u] =
            (u - j >= 0 && u - j < above.length ? (above[u - j] as number) : 0) +
            (u < left.length ? (left[u] as number) : 0);
        }
      }
      row.push(counts);
    }
    previous = row;
  }
  return previous[n] as number[];
}

/**
 * One-sided Mann-Whitney U test that the canary's values tend to be larger than the
 * baseline's. U is the canary's count of (canary, baseline) pairs it wins, ties counting ½.
 * Exact (the permutation distribution of U) when there are no ties and both samples have at
 * most {@link EXACT_MANN_WHITNEY_LIMIT} values; otherwise the normal approximation with the tie
 * correction of the variance and a continuity correction of ½.
 *
 * @example
 * mannWhitneyGreater([4, 5, 6], [1, 2, 3]).pValue; // 0.05 (exact: 1 of C(6,3) = 20 arrangements)
 */
export function mannWhitneyGreater(canary: readonly number[], baseline: readonly number[]): TestResult {
  const m = canary.length;
  const n = baseline.length;
  if (m === 0 || n === 0) return { statistic: NaN, pValue: 1, method: 'Mann-Whitney U (no data)' };
  const { ranks, tieSizes } = midRanks([...canary, ...baseline]);
  const rankSum = ranks.slice(0, m).reduce((s, r) => s + r, 0);
  const u = rankSum - (m * (m + 1)) / 2;
  if (tieSizes.length === 0 && m <= EXACT_MANN_WHITNEY_LIMIT && n <= EXACT_MANN_WHITNEY_LIMIT) {
    const counts = mannWhitneyCounts(m, n);
    const total = counts.reduce((s, c) => s + c, 0);
    let atLeast = 0;
    for (let k = Math.round(u); k < counts.length; k++) atLeast += counts[k] as number;
    return { statistic: u, pValue: atLeast / total, method: 'Mann-Whitney U (exact), one-sided' };
  }
  const N = m + n;
  const tieTerm = tieSizes.reduce((s, t) => s + (t * t * t - t), 0) / (N * (N - 1));
  const variance = ((m * n) / 12) * (N + 1 - tieTerm);
  if (variance <= 0) return { statistic: u, pValue: 1, method: 'Mann-Whitney U (all values tied)' };
  const z = (u - (m * n) / 2 - 0.5) / Math.sqrt(variance);
  return {
    statistic: u,
    pValue: normalUpperTail(z),
    method: 'Mann-Whitney U (normal approx., tie-corrected), one-sided',
  };
}

/**
 * The smallest p-value the exact Mann-Whitney test can reach with m and n values:
 * 1 / C(m+n, m). When it is above the level a look tests at, the test cannot find anything.
 *
 * @example
 * smallestMannWhitneyPValue(3, 3); // 0.05
 */
export function smallestMannWhitneyPValue(m: number, n: number): number {
  if (m === 0 || n === 0) return 1;
  return Math.exp(logGamma(m + 1) + logGamma(n + 1) - logGamma(m + n + 1));
}

/**
 * The fewest requests a verdict on a rate limit can rest on: the smallest n for which a canary
 * with no bad requests at all could be told, with the given confidence, from one whose rate is
 * exactly at the limit — P(0 of n | rate = limit) = (1 − limit)ⁿ ≤ 1 − confidence, so
 * n = ⌈ln(1 − confidence) / ln(1 − limit)⌉. Below it, even a perfect canary proves nothing
 * ("5 % of 12 requests means nothing").
 *
 * @example
 * requiredRequests(0.05, 0.95); // 59
 */
export function requiredRequests(limit: number, confidence: number): number {
  if (!(limit > 0 && limit < 1) || !(confidence > 0 && confidence < 1)) {
    throw new RangeError(
      `requiredRequests needs 0 < limit < 1 and 0 < confidence < 1; got ${limit}, ${confidence}`,
    );
  }
  // The tiny slack keeps an exact boundary (e.g. limit 10 %, confidence 99 %: 43.7...) from
  // rounding up one request too far through floating-point noise.
  return Math.ceil(Math.log(1 - confidence) / Math.log1p(-limit) - 1e-9);
}

/**
 * Lan-DeMets alpha spending of Pocock type: the share of the false-alarm budget `alpha` spent
 * by information fraction t (0 … 1): α·ln(1 + (e − 1)·t). It spends more early than the
 * O'Brien-Fleming type, which is what failing fast needs.
 *
 * @example
 * pocockSpending(1, 0.05); // 0.05
 */
export function pocockSpending(t: number, alpha: number): number {
  const clamped = Math.min(1, Math.max(0, t));
  return alpha * Math.log(1 + (Math.E - 1) * clamped);
}

/**
 * The level one look tests at: the alpha spent between the previous look's information
 * fraction and this one's. Testing each look at its own increment keeps the chance of any false
 * alarm over all looks at or below `alpha` by the union bound, however the looks correlate.
 *
 * @example
 * lookLevel(0.2, 0.4, 0.05); // ≈ 0.0114
 */
export function lookLevel(previousFraction: number, fraction: number, alpha: number): number {
  return pocockSpending(fraction, alpha) - pocockSpending(previousFraction, alpha);
}

/**
 * The q-quantile of values by the nearest-rank method (the smallest value with at least q of
 * the values at or below it). Returns NaN for no values.
 *
 * @example
 * nearestRankQuantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95); // 10
 */
export function nearestRankQuantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length))) - 1;
  return sorted[index] as number;
}
