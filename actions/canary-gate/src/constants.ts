/** The action's name (its folder) and version, for the audit record and the user agent. */
export const ACTION_NAME = 'canary-gate';
export const ACTION_VERSION = '0.1.0';

/** Evidence file written beside the audit record. */
export const REPORT_EVIDENCE = 'canary-gate-report.json';

/** Input names, in one place. */
export const Input = {
  loadBalancer: 'load-balancer',
  canaryTargetGroup: 'canary-target-group',
  baselineTargetGroup: 'baseline-target-group',
  window: 'window',
  interval: 'interval',
  maxErrorRate: 'max-error-rate',
  maxP95Latency: 'max-p95-latency',
  confidence: 'confidence',
  compareBaseline: 'compare-baseline',
  baselineConfidence: 'baseline-confidence',
  baselineTolerance: 'baseline-tolerance',
  minRequests: 'min-requests',
  failOnInconclusive: 'fail-on-inconclusive',
  earlyStop: 'early-stop',
  metrics: 'metrics',
  metricsDelay: 'metrics-delay',
  region: 'region',
} as const;

/** The shared names, as every action's constants.ts has them. */
export const INPUT = Input;

/** Output names, in one place. */
export const Output = {
  verdict: 'verdict',
  reason: 'reason',
  requestsSeen: 'requests-seen',
  requestsNeeded: 'requests-needed',
  report: 'report',
} as const;

export const OUTPUT = Output;
