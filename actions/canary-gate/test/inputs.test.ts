/**
 * Bad inputs, through the bundle as the runner runs it: exit 1, exactly one `::error::` line
 * naming the input and what is accepted, an audit record saying so — and not one request to
 * CloudWatch (the endpoint is a metrics stand-in that counts what it answers).
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { awsEnv, runActionBundle } from '@white-cross/testkit';
import { startMetricsServer, type MetricsServer } from '@white-cross/testkit/metrics-server';

let metrics: MetricsServer;
beforeAll(async () => {
  metrics = await startMetricsServer();
});
afterAll(async () => {
  await metrics?.stop();
});

const VALID = {
  'load-balancer': 'app/school-health-alb/50dc6c495c0c9188',
  'canary-target-group': 'targetgroup/school-health-green/73e2d6bc24d8a067',
  'baseline-target-group': 'targetgroup/school-health-blue/0c5a9f3e2b1d4a77',
};

const CASES: [string, Record<string, string>, string][] = [
  [
    'a load balancer given as a full ARN',
    {
      'load-balancer':
        'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/school-health-alb/50dc6c495c0c9188',
    },
    "Input 'load-balancer' must be the LoadBalancer dimension value app/<name>/<16 hex digits>, such as app/school-health-alb/50dc6c495c0c9188; got 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/school-health-alb/50dc6c495c0c9188'. Pass the part of the ARN after 'loadbalancer/' ('app/school-health-alb/50dc6c495c0c9188').",
  ],
  [
    'a target group given by name only',
    { 'canary-target-group': 'school-health-green' },
    "Input 'canary-target-group' must be the TargetGroup dimension value targetgroup/<name>/<16 hex digits>, such as targetgroup/school-health-green/73e2d6bc24d8a067; got 'school-health-green'.",
  ],
  [
    'the same target group twice',
    { 'baseline-target-group': VALID['canary-target-group'] },
    "Input 'baseline-target-group' must differ from 'canary-target-group' (both are 'targetgroup/school-health-green/73e2d6bc24d8a067'): the canary is judged against the other color.",
  ],
  [
    'a window shorter than the interval',
    { window: '2m', interval: '3m' },
    "Input 'window' (2 min 00 s) must be at least 'interval' (3 min 00 s): the canary is looked at every interval within the window.",
  ],
  [
    // ALB metrics are standard resolution: one datapoint a minute
    // (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html).
    'an interval that is not whole minutes',
    { interval: '90s' },
    "Input 'interval' must be a whole number of minutes such as 1m (ALB publishes its metrics once a minute); got '1 min 30 s'.",
  ],
  [
    'an interval under a minute',
    { interval: '5s' },
    "Input 'interval' must be at least 1 min 00 s and at most 1 h 00 min; got '5s'.",
  ],
  [
    'a window that is not whole minutes',
    { window: '150s' },
    "Input 'window' must be a whole number of minutes such as 5m (ALB publishes its metrics once a minute); got '2 min 30 s'.",
  ],
  [
    'a metrics-delay over 15 minutes',
    { 'metrics-delay': '1h' },
    "Input 'metrics-delay' must be at least 0 ms and at most 15 min 00 s; got '1h'.",
  ],
  [
    'an error-rate limit of 0 %',
    { 'max-error-rate': '0%' },
    "Input 'max-error-rate' must be a percentage above 0% and below 100%, such as 5%; got '0%'.",
  ],
  [
    'an error-rate limit over 100 %',
    { 'max-error-rate': '150%' },
    "Input 'max-error-rate' must be a percentage above 0% and below 100%, such as 5%; got '150%'.",
  ],
  [
    'a p95 limit out of range',
    { 'max-p95-latency': '5m' },
    "Input 'max-p95-latency' must be at least 10 ms and at most 1 min 00 s; got '5m'.",
  ],
  [
    'a confidence of 40 %',
    { confidence: '40%' },
    "Input 'confidence' must be a percentage above 50% and below 100%, such as 95%; got '40%'.",
  ],
  [
    'a malformed extra metric',
    { metrics: 'TargetConnectionErrorCount Sum sideways 0' },
    "Input 'metrics' line 1 ('TargetConnectionErrorCount Sum sideways 0'): the direction must be increase, decrease or either; got 'sideways'. Write one metric a line as '<MetricName> <Statistic> <increase|decrease|either> <limit>', such as 'TargetConnectionErrorCount Sum increase 0'.",
  ],
  [
    'a min-requests that is not a whole number',
    { 'min-requests': '12.5' },
    "Input 'min-requests' must be a whole number from 1 to 100000000; got '12.5'.",
  ],
];

test.each(CASES)('%s is refused before any CloudWatch call', async (_name, inputs, message) => {
  const before = metrics.requests;
  const run = await runActionBundle('canary-gate', {
    inputs: { ...VALID, ...inputs },
    env: { ...awsEnv('http://127.0.0.1:9'), ...metrics.env },
  });
  expect(run.exitCode).toBe(1);
  expect(run.annotations).toEqual([{ level: 'error', message, properties: {} }]);
  // On the wire, '%' is escaped as '%25' (the runner's workflow-command format).
  expect(run.stdout.split('\n').filter((l) => l.startsWith('::error'))).toEqual([
    `::error::${message.replace(/%/g, '%25')}`,
  ]);
  expect(run.outputs).toEqual({});
  expect((run.audit[0] as { outcome: string }).outcome).toBe('invalid-input');
  expect(metrics.requests).toBe(before);
});

test('a missing region is refused naming the input', async () => {
  const { AWS_REGION: _r, AWS_DEFAULT_REGION: _d, ...noRegion } = awsEnv('http://127.0.0.1:9');
  const run = await runActionBundle('canary-gate', {
    inputs: VALID,
    env: { ...noRegion, AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined },
  });
  expect(run.exitCode).toBe(1);
  expect(run.annotations.map((a) => a.message)).toEqual([
    "No AWS region: set the input 'region' or AWS_REGION (aws-actions/configure-aws-credentials sets it).",
  ]);
});

test('missing credentials fail at the start, before any wait', async () => {
  const {
    AWS_ACCESS_KEY_ID: _k,
    AWS_SECRET_ACCESS_KEY: _s,
    AWS_SESSION_TOKEN: _t,
    ...noCredentials
  } = awsEnv('http://127.0.0.1:9');
  const run = await runActionBundle('canary-gate', {
    inputs: { ...VALID, window: '5m' },
    env: {
      ...noCredentials,
      ...metrics.env,
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_SESSION_TOKEN: undefined,
      AWS_PROFILE: undefined,
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
      AWS_CONFIG_FILE: '/nonexistent/config',
      AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
      AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
    },
    // A 5-minute window: had the action waited for its first look, this would time out.
    timeoutMs: 45_000,
  });
  expect(run.exitCode).toBe(1);
  const errors = run.annotations.filter((a) => a.level === 'error').map((a) => a.message);
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(/^GetMetricData on AWS\/ApplicationELB .+ failed: CredentialsProviderError/);
  expect(errors[0]).toMatch(/canary-gate changed nothing; no verdict was reached\.$/);
  // It never started watching.
  expect(run.stdout).not.toContain('Watching from');
});
