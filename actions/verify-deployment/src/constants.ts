/** The action's name (its folder) and version, for the audit record and the user agent. */
export const ACTION_NAME = 'verify-deployment';
export const ACTION_VERSION = '0.1.0';

/** Evidence files written beside the audit record. */
export const REPORT_EVIDENCE = 'verify-deployment-report.json';
export const SCREENSHOT_EVIDENCE = 'verify-deployment-screenshot.png';

/** Where Debian and Ubuntu put Chromium (`apt-get install chromium`). */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** Input names, in one place. */
export const Input = {
  baseUrl: 'base-url',
  headers: 'headers',
  health: 'health',
  healthTimeout: 'health-timeout',
  smokeFile: 'smoke-file',
  authToken: 'auth-token',
  load: 'load',
  loadPath: 'load-path',
  baselineUrl: 'baseline-url',
  maxP95: 'max-p95-latency',
  maxErrorRate: 'max-error-rate',
  baselineTolerance: 'baseline-tolerance',
  browserUrl: 'browser-url',
  browserRoot: 'browser-root',
  maxPageLoad: 'max-page-load',
  chromiumPath: 'chromium-path',
  caFile: 'ca-file',
} as const;

/** Output names, in one place. */
export const Output = {
  verdict: 'verdict',
  reason: 'reason',
  report: 'report',
  p50: 'p50-ms',
  p95: 'p95-ms',
  p99: 'p99-ms',
  errorRate: 'error-rate',
  baselineP50: 'baseline-p50-ms',
  baselineP95: 'baseline-p95-ms',
  baselineP99: 'baseline-p99-ms',
  baselineErrorRate: 'baseline-error-rate',
  screenshot: 'screenshot',
} as const;
