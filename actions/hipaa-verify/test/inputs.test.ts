import { describe, expect, it } from '@jest/globals';
import { ConfigurationError, Inputs, inputVariable } from '@white-cross/core';
import { parseInputs } from '../src/inputs.js';

function parse(inputs: Record<string, string>, env: Record<string, string> = {}) {
  const all = {
    ...env,
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [inputVariable(k), v])),
  };
  const secrets: string[] = [];
  return { parsed: parseInputs(new Inputs(all, (s) => secrets.push(s)), all), secrets };
}

function mistake(inputs: Record<string, string>, env: Record<string, string> = {}): ConfigurationError {
  try {
    parse(inputs, env);
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('parseInputs', () => {
  it('reads a full set into a typed object', () => {
    const { parsed, secrets } = parse(
      {
        'app-url': 'https://app.example.org',
        'api-url': 'https://api.example.org/v1/',
        checks: 'TLS, !TLS-005\nBAK-001',
        'protected-routes': '/api/v1/students, /api/v1/health-records',
        'log-groups': '/ecs/api\n/ecs/worker',
        'db-instance-identifier': 'school-health-db',
        buckets: 'school-health-frontend',
        'distribution-id': 'E2QWRUHEXAMPLE',
        'listener-arn':
          'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/school-health-alb/50dc6c495c0c9188/f2f7dc8efc522ab2',
        'fail-on': 'WARN',
        'logs-since': '2h',
        'synthetic-values': 'ZZTEST Harrowgate\n551-23-4417',
        'role-tokens': 'nurse=abc\nteacher=def',
        'role-matrix': 'nurse GET /api/v1/students 200\nteacher get /api/v1/students 403',
      },
      { AWS_REGION: 'us-west-2' },
    );
    expect(parsed.checks.map((c) => c.id)).toEqual([
      'TLS-001',
      'TLS-002',
      'TLS-003',
      'TLS-004',
      'TLS-006',
      'TLS-007',
      'TLS-008',
      'TLS-009',
      'TLS-010',
      'TLS-011',
      'TLS-012',
      'BAK-001',
    ]);
    expect(parsed).toMatchObject({
      protectedRoutes: ['/api/v1/students', '/api/v1/health-records'],
      logGroups: ['/ecs/api', '/ecs/worker'],
      failOn: 'WARN',
      region: 'us-west-2',
      logsSinceMs: 7_200_000,
      syntheticValues: ['ZZTEST Harrowgate', '551-23-4417'],
      roleMatrix: [
        { role: 'nurse', method: 'GET', route: '/api/v1/students', expected: 200 },
        { role: 'teacher', method: 'GET', route: '/api/v1/students', expected: 403 },
      ],
    });
    expect(parsed.roleTokens.get('teacher')).toBe('def');
    // Tokens and synthetic PHI are masked from the moment they are read.
    expect(secrets).toEqual(['ZZTEST Harrowgate\n551-23-4417', 'nurse=abc\nteacher=def']);
  });

  it('defaults to every check on /api/v1/students, failing on FAIL, without needing a region', () => {
    const { parsed } = parse({ 'app-url': 'https://app.example.org' });
    expect(parsed).toMatchObject({
      protectedRoutes: ['/api/v1/students'],
      failOn: 'FAIL',
      region: undefined,
      auditWaitMs: 60_000,
      auditMaxAgeMs: 900_000,
    });
    expect(parsed.checks).toHaveLength(46);
  });

  it.each([
    [
      { 'app-url': 'app.example.org' },
      "Input 'app-url' must be an https:// URL such as https://app.example.org; got 'app.example.org'.",
    ],
    [
      { 'api-url': 'http://api.example.org' },
      "Input 'api-url' must be an https:// URL (TLS is what is verified); got 'http://api.example.org'.",
    ],
    [{ 'fail-on': 'ERROR' }, "Input 'fail-on' must be one of FAIL, WARN; got 'ERROR'."],
    [
      { 'protected-routes': 'api/v1/students' },
      "Input 'protected-routes' items must be paths starting with /; got 'api/v1/students'.",
    ],
    [{ buckets: 'School_Health' }, "Input 'buckets' items must be S3 bucket names; got 'School_Health'."],
    [
      { 'listener-arn': 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/x/1' },
      /^Input 'listener-arn' must be an ALB listener ARN/,
    ],
    [
      { 'distribution-id': 'my-distribution' },
      "Input 'distribution-id' must be a CloudFront distribution id such as E2QWRUHEXAMPLE; got 'my-distribution'.",
    ],
    [{ 'ecs-services': 'api-blue' }, "Input 'ecs-cluster' is required when 'ecs-services' is given."],
    [
      { 'logs-since': 'yesterday' },
      "Input 'logs-since' must be a duration such as 90s, 5m or 1h; got 'yesterday'.",
    ],
    [{ 'synthetic-values': 'Al' }, /^Input 'synthetic-values' items must be at least 4 characters/],
    [{ 'role-tokens': 'nurse' }, /^Input 'role-tokens' must be one role=token a line/],
    [
      { 'role-matrix': 'nurse can read students' },
      /^Input 'role-matrix' lines must be 'role METHOD \/route status'/,
    ],
    [
      {
        'role-matrix': 'nurse GET /api/v1/students 200',
        'role-tokens': 'teacher=x',
        'api-url': 'https://api.example.org',
      },
      "Input 'role-tokens' has no token for role 'nurse' used in 'role-matrix'.",
    ],
    [
      { 'emergency-access-doc': '../secrets.md' },
      /^Input 'emergency-access-doc' must be a path inside the repository/,
    ],
    [{ checks: 'TLS-1' }, /^Input 'checks' names 'TLS-1'/],
    [
      { 'db-instance-identifier': 'school-health-db' },
      "No AWS region: set the input 'region' or AWS_REGION (aws-actions/configure-aws-credentials sets it).",
    ],
    [
      { 'log-groups': '/ecs/api', region: 'Virginia' },
      "Input 'region' must be an AWS region such as us-east-1; got 'Virginia'.",
    ],
  ] as [Record<string, string>, string | RegExp][])('refuses %j', (inputs, message) => {
    const error = mistake(inputs);
    if (typeof message === 'string') expect(error.message).toBe(message);
    else expect(error.message).toMatch(message);
  });
});
