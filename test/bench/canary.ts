/**
 * Benchmark: canary-gate's judge against a thresholds-only judge, on simulated traffic.
 *
 * Each simulated canary gets a window of requests (by default 100 requests/s, 10 % to the
 * canary: 10 canary requests/s over a 5-minute window, a look every minute). Baseline requests
 * fail with probability 0.5 % and take a log-normal time (median 150 ms, σ = 0.5: p95 ≈ 341 ms).
 * A healthy canary behaves exactly like the baseline; a faulty one has its error rate 5 points
 * higher, or every response 30 % slower (so its p95 is 30 % higher). Per period the simulation
 * computes what CloudWatch would report (RequestCount, 5XX count, p95/p99, responses slower than
 * the p95 limit) and hands it to the judges:
 *
 * - canary-gate: the action's own `watchCanary` with its default policy (parsed from the action's
 *   defaults), a fake clock and early stop;
 * - thresholds-only (CodeDeploy-style alarms): at every period, fail when the canary's error
 *   rate that period is over 5 % or its p95 over 1 s; otherwise pass at the end of the window.
 *
 * A second, quiet scenario (0.3 canary requests/s) shows what thresholds alone do when "5 % of
 * 12 requests" is one error. Everything runs in-process on pure functions; a seeded generator
 * makes runs repeatable.
 *
 * Usage: npm run bench:canary [-- --canaries 1000 --rps 100 --share 0.1 --window 300 --interval 60 --seed 7 --quiet-rps 3]
 */
import { formatPercent, Inputs, inputVariable, type Logger } from '@white-cross/core';
import type { MetricsSource } from '../../actions/canary-gate/src/cloudwatch.js';
import { watchCanary } from '../../actions/canary-gate/src/gate.js';
import { parseInputs } from '../../actions/canary-gate/src/inputs.js';
import type {
  CanaryPolicy,
  ColorMetrics,
  Observation,
  PeriodPoint,
} from '../../actions/canary-gate/src/judge.js';

interface Options {
  canaries: number;
  rps: number;
  share: number;
  windowSeconds: number;
  intervalSeconds: number;
  seed: number;
  quietRps: number;
}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    canaries: 1000,
    rps: 100,
    share: 0.1,
    windowSeconds: 300,
    intervalSeconds: 60,
    seed: 7,
    quietRps: 3,
  };
  const keys: Record<string, keyof Options> = {
    '--canaries': 'canaries',
    '--rps': 'rps',
    '--share': 'share',
    '--window': 'windowSeconds',
    '--interval': 'intervalSeconds',
    '--seed': 'seed',
    '--quiet-rps': 'quietRps',
  };
  for (let i = 0; i < argv.length; i += 2) {
    const key = keys[argv[i] ?? ''];
    const value = Number(argv[i + 1]);
    if (!key || !Number.isFinite(value))
      throw new Error(`usage: ${Object.keys(keys).join(' N ')} N; got '${argv[i]} ${argv[i + 1]}'`);
    options[key] = value;
  }
  return options;
}

/** mulberry32: small, fast, seedable. */
function generator(seed: number) {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let spare: number | undefined;
  const normal = () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = uniform();
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
  /** Poisson by inversion for small means, normal approximation for large ones. */
  const poisson = (mean: number) => {
    if (mean > 50) return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal()));
    const limit = Math.exp(-mean);
    let k = 0;
    let p = uniform();
    while (p > limit) {
      k++;
      p *= uniform();
    }
    return k;
  };
  return { uniform, normal, poisson };
}

type Random = ReturnType<typeof generator>;

interface Behaviour {
  errorRate: number;
  /** Multiplier on every response time. */
  slowdown: number;
}

const BASELINE: Behaviour = { errorRate: 0.005, slowdown: 1 };
const MEDIAN_MS = 150;
const SIGMA = 0.5;

/** One period of one color, as CloudWatch would report it, plus the slow-response count. */
interface SimulatedPeriod extends PeriodPoint {
  samples: number;
  slow: number;
}

function simulatePeriod(
  random: Random,
  at: number,
  meanRequests: number,
  behaviour: Behaviour,
  limitMs: number,
  buffer: Float64Array,
): SimulatedPeriod {
  const requests = random.poisson(meanRequests);
  let errors = 0;
  let slow = 0;
  for (let i = 0; i < requests; i++) {
    if (random.uniform() < behaviour.errorRate) errors++;
    const latency = MEDIAN_MS * behaviour.slowdown * Math.exp(SIGMA * random.normal());
    buffer[i] = latency;
    if (latency > limitMs) slow++;
  }
  const period: SimulatedPeriod = { at, requests, errors, samples: requests, slow };
  if (requests > 0) {
    const sorted = buffer.subarray(0, requests).sort();
    period.p95Ms = sorted[Math.min(requests, Math.ceil(0.95 * requests)) - 1] as number;
    period.p99Ms = sorted[Math.min(requests, Math.ceil(0.99 * requests)) - 1] as number;
  }
  return period;
}

function cumulative(periods: SimulatedPeriod[]): ColorMetrics {
  let requests = 0;
  let errors = 0;
  let samples = 0;
  let slow = 0;
  let p95: number | undefined;
  for (const p of periods) {
    requests += p.requests;
    errors += p.errors;
    samples += p.samples;
    slow += p.slow;
    if (p.p95Ms !== undefined) p95 = Math.max(p95 ?? 0, p.p95Ms);
  }
  return {
    requests,
    errors,
    latencySamples: samples,
    slowResponses: slow,
    // The judge tests the limit on the slow count; the window's p95 is display only here.
    ...(p95 === undefined ? {} : { p95Ms: p95 }),
    periods: periods.map(({ at, requests: r, errors: e, p95Ms, p99Ms }) => ({
      at,
      requests: r,
      errors: e,
      ...(p95Ms === undefined ? {} : { p95Ms }),
      ...(p99Ms === undefined ? {} : { p99Ms }),
    })),
    extra: {},
  };
}

interface Outcome {
  verdict: 'pass' | 'fail' | 'inconclusive';
  /** Seconds from the start to the verdict. */
  seconds: number;
}

const silent: Logger = {
  redact: (t) => t,
  debug: () => {},
  info: () => {},
  notice: () => {},
  warning: () => {},
  error: () => {},
  group: (_title, body) => body(),
};

async function judgeWithGate(
  policy: CanaryPolicy,
  options: Options,
  canary: SimulatedPeriod[],
  baseline: SimulatedPeriod[],
): Promise<Outcome> {
  let now = 0;
  const periodMs = options.intervalSeconds * 1000;
  const source: MetricsSource = {
    read: async (request) => {
      const count = Math.ceil((request.end - request.start) / periodMs);
      const observation: Observation = {
        canary: cumulative(canary.slice(0, count)),
        baseline: cumulative(baseline.slice(0, count)),
      };
      return observation;
    },
  };
  const result = await watchCanary(
    policy,
    {
      windowMs: options.windowSeconds * 1000,
      intervalMs: periodMs,
      periodSeconds: options.intervalSeconds,
      earlyStop: true,
    },
    {
      clock: { now: () => now },
      sleep: async (ms) => {
        now += ms;
      },
      log: silent,
      source,
    },
  );
  return { verdict: result.verdict, seconds: result.elapsedMs / 1000 };
}

function judgeWithThresholds(policy: CanaryPolicy, options: Options, canary: SimulatedPeriod[]): Outcome {
  for (const [i, p] of canary.entries()) {
    const errorRate = p.requests === 0 ? 0 : p.errors / p.requests;
    if (errorRate > policy.maxErrorRate || (p.p95Ms ?? 0) > (policy.maxP95LatencyMs ?? Infinity)) {
      return { verdict: 'fail', seconds: (i + 1) * options.intervalSeconds };
    }
  }
  return { verdict: 'pass', seconds: options.windowSeconds };
}

interface Tally {
  fail: number;
  inconclusive: number;
  pass: number;
  failSeconds: number[];
}

function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

async function runGroup(
  policy: CanaryPolicy,
  options: Options,
  rps: number,
  behaviour: Behaviour,
  random: Random,
): Promise<{ gate: Tally; thresholds: Tally }> {
  const periods = Math.ceil(options.windowSeconds / options.intervalSeconds);
  const canaryMean = rps * options.share * options.intervalSeconds;
  const baselineMean = rps * (1 - options.share) * options.intervalSeconds;
  const buffer = new Float64Array(Math.ceil(baselineMean * 2 + 1000));
  const limitMs = policy.maxP95LatencyMs ?? Infinity;
  const gate: Tally = { fail: 0, inconclusive: 0, pass: 0, failSeconds: [] };
  const thresholds: Tally = { fail: 0, inconclusive: 0, pass: 0, failSeconds: [] };
  for (let n = 0; n < options.canaries; n++) {
    const canary: SimulatedPeriod[] = [];
    const baseline: SimulatedPeriod[] = [];
    for (let k = 0; k < periods; k++) {
      const at = k * options.intervalSeconds * 1000;
      canary.push(simulatePeriod(random, at, canaryMean, behaviour, limitMs, buffer));
      baseline.push(simulatePeriod(random, at, baselineMean, BASELINE, limitMs, buffer));
    }
    for (const [tally, outcome] of [
      [gate, await judgeWithGate(policy, options, canary, baseline)],
      [thresholds, judgeWithThresholds(policy, options, canary)],
    ] as const) {
      tally[outcome.verdict]++;
      if (outcome.verdict === 'fail') tally.failSeconds.push(outcome.seconds);
    }
  }
  return { gate, thresholds };
}

function pct(count: number, total: number): string {
  return formatPercent(count / total, { spaced: true });
}

function pad(text: string, width: number): string {
  return text.padEnd(width);
}

async function scenario(
  title: string,
  policy: CanaryPolicy,
  options: Options,
  rps: number,
  random: Random,
  withTargets: boolean,
) {
  const started = Date.now();
  const healthy = await runGroup(policy, options, rps, BASELINE, random);
  const errorFault = await runGroup(
    policy,
    options,
    rps,
    { errorRate: BASELINE.errorRate + 0.05, slowdown: 1 },
    random,
  );
  const latencyFault = await runGroup(
    policy,
    options,
    rps,
    { errorRate: BASELINE.errorRate, slowdown: 1.3 },
    random,
  );
  const n = options.canaries;
  console.log(
    `\n## ${title}: ${Number((rps * options.share).toPrecision(4))} canary requests/s (${rps} in all), ${options.windowSeconds} s window, a look every ${options.intervalSeconds} s, ${n} canaries per group`,
  );
  const header = [
    'judge',
    'false-fail (healthy)',
    'inconclusive (healthy)',
    'detect: errors +5 pt',
    'detect: p95 +30 %',
    'median time to fail (errors)',
    'median time to fail (p95)',
  ];
  const widths = [18, 22, 24, 22, 20, 30, 28];
  console.log(header.map((h, i) => pad(h, widths[i] as number)).join(''));
  for (const [name, pick] of [
    ['canary-gate', (g: { gate: Tally; thresholds: Tally }) => g.gate],
    ['thresholds-only', (g: { gate: Tally; thresholds: Tally }) => g.thresholds],
  ] as const) {
    const h = pick(healthy);
    const e = pick(errorFault);
    const l = pick(latencyFault);
    const row = [
      name,
      pct(h.fail, n),
      pct(h.inconclusive, n),
      pct(e.fail, n),
      pct(l.fail, n),
      `${median(e.failSeconds)} s`,
      `${Number.isNaN(median(l.failSeconds)) ? '—' : `${median(l.failSeconds)} s`}`,
    ];
    console.log(row.map((c, i) => pad(c, widths[i] as number)).join(''));
  }
  if (withTargets) {
    const g = { h: healthy.gate, e: errorFault.gate };
    const checks: [string, boolean][] = [
      [`false-fail ≤ 1 %: ${pct(g.h.fail, n)}`, g.h.fail / n <= 0.01],
      [`detection ≥ 99 % for the error-rate fault: ${pct(g.e.fail, n)}`, g.e.fail / n >= 0.99],
      [
        `median time to a fail ≤ 2 min with early stop: ${median(g.e.failSeconds)} s`,
        median(g.e.failSeconds) <= 120,
      ],
    ];
    console.log('\nTargets (canary-gate):');
    for (const [text, met] of checks) console.log(`  ${met ? 'met    ' : 'NOT MET'}  ${text}`);
  }
  console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  // The action's own defaults, read the way the action reads them.
  const env = {
    [inputVariable('load-balancer')]: 'app/school-health-alb/50dc6c495c0c9188',
    [inputVariable('canary-target-group')]: 'targetgroup/school-health-green/73e2d6bc24d8a067',
    [inputVariable('baseline-target-group')]: 'targetgroup/school-health-blue/0c5a9f3e2b1d4a77',
    [inputVariable('window')]: `${options.windowSeconds}s`,
    [inputVariable('interval')]: `${options.intervalSeconds}s`,
    AWS_REGION: 'us-east-1',
  };
  const { policy } = parseInputs(new Inputs(env), env);
  console.log(
    `canary-gate policy: error rate ≤ ${policy.maxErrorRate * 100} %, p95 ≤ ${policy.maxP95LatencyMs} ms at ${policy.confidence * 100} % confidence; ` +
      `vs baseline at ${policy.baselineConfidence * 100} % with ${policy.baselineTolerance * 100} % tolerance; needs ${policy.requestsNeeded} requests; early stop (Pocock-type alpha spending).`,
  );
  console.log(
    `traffic: baseline errors ${BASELINE.errorRate * 100} %, latency log-normal (median ${MEDIAN_MS} ms, σ ${SIGMA}); seed ${options.seed}`,
  );
  const random = generator(options.seed);
  await scenario('Busy', policy, options, options.rps, random, true);
  await scenario('Quiet night', policy, options, options.quietRps, random, false);
}

await main();
