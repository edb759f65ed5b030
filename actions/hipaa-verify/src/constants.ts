/** The action's name (its folder) and version, for the audit record and the user agent. */
export const ACTION_NAME = 'hipaa-verify';
export const ACTION_VERSION = '0.1.0';

/** Input names, in one place. */
export const INPUT = {
  appUrl: 'app-url',
  apiUrl: 'api-url',
  checks: 'checks',
  protectedRoutes: 'protected-routes',
  logGroups: 'log-groups',
  auditLogGroup: 'audit-log-group',
  dbInstanceIdentifier: 'db-instance-identifier',
  buckets: 'buckets',
  distributionId: 'distribution-id',
  listenerArn: 'listener-arn',
  ecsCluster: 'ecs-cluster',
  ecsServices: 'ecs-services',
  failOn: 'fail-on',
  region: 'region',
  logsSince: 'logs-since',
  maxLogEvents: 'max-log-events',
  syntheticValues: 'synthetic-values',
  authToken: 'auth-token',
  roleTokens: 'role-tokens',
  roleMatrix: 'role-matrix',
  auditMaxAge: 'audit-max-age',
  auditWait: 'audit-wait',
  emergencyAccessDoc: 'emergency-access-doc',
  incidentResponseDoc: 'incident-response-doc',
  requestTimeout: 'request-timeout',
} as const;

/** Output names, in one place. */
export const OUTPUT = {
  passed: 'passed',
  failed: 'failed',
  warned: 'warned',
  manual: 'manual',
  skipped: 'skipped',
  report: 'report',
  sarif: 'sarif',
} as const;
