/**
 * The inputs of hipaa-verify, read and checked once, before any probe runs.
 */
import { ConfigurationError, inputVariable, type Env, type Inputs } from '@white-cross/core';
import { resolveRegion } from '@white-cross/aws';
import { selectChecks } from './catalogue.js';
import type { Check } from './model.js';

export interface RoleMatrixRow {
  role: string;
  method: string;
  route: string;
  expected: number;
}

export interface HipaaVerifyInputs {
  readonly appUrl?: URL;
  readonly apiUrl?: URL;
  /**
   * Credentials found inside `app-url` / `api-url` (userinfo, token-like query values): the
   * whole URL is masked as it is read, and these parts are registered for masking before any
   * use, so no form of the URL (normalised, decoded) shows them.
   */
  readonly urlSecrets: readonly string[];
  readonly checks: readonly Check[];
  readonly protectedRoutes: readonly string[];
  readonly logGroups: readonly string[];
  readonly auditLogGroup?: string;
  readonly dbInstanceIdentifier?: string;
  readonly buckets: readonly string[];
  readonly distributionId?: string;
  readonly listenerArn?: string;
  readonly ecsCluster?: string;
  readonly ecsServices: readonly string[];
  readonly failOn: 'FAIL' | 'WARN';
  /** Resolved only when an AWS resource is named. */
  readonly region?: string;
  readonly logsSinceMs: number;
  readonly maxLogEvents: number;
  readonly syntheticValues: readonly string[];
  readonly authToken?: string;
  readonly roleTokens: ReadonlyMap<string, string>;
  readonly roleMatrix: readonly RoleMatrixRow[];
  readonly auditMaxAgeMs: number;
  readonly auditWaitMs: number;
  readonly emergencyAccessDoc: string;
  readonly incidentResponseDoc: string;
  readonly requestTimeoutMs: number;
}

// Query parameters whose value is a credential (presigned URLs, API keys, OAuth codes).
const CREDENTIAL_PARAM = /token|key|secret|passw|pwd|auth|sig|credential|session|code/i;

/**
 * The credentials inside a URL: the userinfo's user and password, and token-like query values.
 *
 * @example
 * urlCredentials(new URL('https://nurse:pw@app.example.org/?token=t1&page=2')); // ['nurse', 'pw', 't1']
 */
export function urlCredentials(url: URL): string[] {
  const found = [url.username, url.password].map((v) => decodeURIComponent(v));
  for (const [name, value] of url.searchParams) if (CREDENTIAL_PARAM.test(name)) found.push(value);
  return found.filter((v) => v.length > 0);
}

/** The URL text with any credentials in it replaced by `***`, for error messages. */
function withoutCredentials(text: string): string {
  return text
    .replace(/^([a-z][\w+.-]*:\/\/)[^/?#@]*@/i, '$1***@')
    .replace(
      /([?&][^=&#]*(?:token|key|secret|passw|pwd|auth|sig|credential|session|code)[^=&#]*=)[^&#]*/gi,
      '$1***',
    );
}

function httpsUrl(inputs: Inputs, env: Env, name: string, secrets: string[]): URL | undefined {
  const given = (env[inputVariable(name)] ?? '').trim();
  let parsed: URL | undefined;
  try {
    parsed = new URL(given);
  } catch {
    parsed = undefined;
  }
  // A URL carrying credentials is read as a secret: masked (and recorded as ***) from here on.
  const credentials = parsed ? urlCredentials(parsed) : [];
  const hasCredentials = credentials.length > 0 || withoutCredentials(given) !== given;
  const text = hasCredentials ? inputs.secret(name) : inputs.string(name);
  if (text === undefined) return undefined;
  secrets.push(...credentials);
  const shown = withoutCredentials(text);
  if (!parsed) {
    throw new ConfigurationError(
      `Input '${name}' must be an https:// URL such as https://app.example.org; got '${shown}'.`,
      name,
    );
  }
  if (parsed.protocol !== 'https:') {
    throw new ConfigurationError(
      `Input '${name}' must be an https:// URL (TLS is what is verified); got '${shown}'.`,
      name,
    );
  }
  return parsed;
}

function matching(inputs: Inputs, name: string, pattern: RegExp, accepted: string): string | undefined {
  const value = inputs.string(name);
  if (value !== undefined && !pattern.test(value)) {
    throw new ConfigurationError(`Input '${name}' must be ${accepted}; got '${value}'.`, name);
  }
  return value;
}

const LOG_GROUP = /^[\w\-./#]{1,512}$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const ROLE = /^[\w.-]+$/;

/** Reads `role-tokens`: one `role=token` a line. */
function parseRoleTokens(inputs: Inputs): Map<string, string> {
  const raw = inputs.secret('role-tokens');
  const map = new Map<string, string>();
  if (!raw) return map;
  for (const line of raw
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)) {
    const i = line.indexOf('=');
    const role = line.slice(0, i).trim();
    if (i <= 0 || !ROLE.test(role) || line.slice(i + 1).trim() === '') {
      throw new ConfigurationError(
        "Input 'role-tokens' must be one role=token a line (role: letters, digits, . _ -).",
        'role-tokens',
      );
    }
    map.set(role, line.slice(i + 1).trim());
  }
  return map;
}

/** Reads `role-matrix`: one `role METHOD /route status` a line. */
function parseRoleMatrix(inputs: Inputs): RoleMatrixRow[] {
  return inputs.list('role-matrix').map((line) => {
    const m = /^([\w.-]+)\s+(GET|HEAD|POST|PUT|PATCH|DELETE)\s+(\/\S*)\s+([1-5]\d\d)$/i.exec(line);
    if (!m) {
      throw new ConfigurationError(
        `Input 'role-matrix' lines must be 'role METHOD /route status', such as 'nurse GET /api/v1/students 200'; got '${line}'.`,
        'role-matrix',
      );
    }
    return {
      role: m[1] as string,
      method: (m[2] as string).toUpperCase(),
      route: m[3] as string,
      expected: Number(m[4]),
    };
  });
}

/** Reads and checks every input; throws ConfigurationError naming the input. */
export function parseInputs(inputs: Inputs, env: Env): HipaaVerifyInputs {
  const urlSecrets: string[] = [];
  const appUrl = httpsUrl(inputs, env, 'app-url', urlSecrets);
  const apiUrl = httpsUrl(inputs, env, 'api-url', urlSecrets);
  const checks = selectChecks(inputs.list('checks', { commas: true }));
  const protectedRoutes = inputs.list('protected-routes', { commas: true });
  for (const route of protectedRoutes) {
    if (!route.startsWith('/'))
      throw new ConfigurationError(
        `Input 'protected-routes' items must be paths starting with /; got '${route}'.`,
        'protected-routes',
      );
  }
  const logGroups = inputs.list('log-groups', { commas: true });
  const auditLogGroup = inputs.string('audit-log-group');
  for (const [name, group] of [
    ...logGroups.map((g) => ['log-groups', g] as const),
    ['audit-log-group', auditLogGroup] as const,
  ]) {
    if (group !== undefined && !LOG_GROUP.test(group))
      throw new ConfigurationError(
        `Input '${name}' must name CloudWatch log groups such as /ecs/school-health-api; got '${group}'.`,
        name,
      );
  }
  const dbInstanceIdentifier = matching(
    inputs,
    'db-instance-identifier',
    /^[a-zA-Z][a-zA-Z0-9-]{0,62}$/,
    'an RDS DB instance identifier such as school-health-db',
  );
  const buckets = inputs.list('buckets', { commas: true });
  for (const b of buckets)
    if (!BUCKET.test(b))
      throw new ConfigurationError(`Input 'buckets' items must be S3 bucket names; got '${b}'.`, 'buckets');
  const distributionId = matching(
    inputs,
    'distribution-id',
    /^[A-Z0-9]{8,20}$/,
    'a CloudFront distribution id such as E2QWRUHEXAMPLE',
  );
  const listenerArn = matching(
    inputs,
    'listener-arn',
    /^arn:aws[\w-]*:elasticloadbalancing:[\w-]+:\d{12}:listener\/app\/[\w-]+\/[0-9a-f]+\/[0-9a-f]+$/,
    'an ALB listener ARN (arn:aws:elasticloadbalancing:REGION:ACCOUNT:listener/app/NAME/ID/ID)',
  );
  const ecsCluster = inputs.string('ecs-cluster');
  const ecsServices = inputs.list('ecs-services', { commas: true });
  if (ecsServices.length && !ecsCluster)
    throw new ConfigurationError(
      "Input 'ecs-cluster' is required when 'ecs-services' is given.",
      'ecs-cluster',
    );
  const failOn = inputs.choice('fail-on', ['FAIL', 'WARN'] as const, 'FAIL');
  const regionInput = inputs.string('region');
  const logsSinceMs = inputs.duration('logs-since', { default: '1h', min: 60_000, max: 14 * 86_400_000 });
  const maxLogEvents = inputs.number('max-log-events', {
    default: 20_000,
    min: 100,
    max: 1_000_000,
    integer: true,
  });
  const syntheticRaw = inputs.secret('synthetic-values');
  const syntheticValues = (syntheticRaw ?? '')
    .split(/\r?\n/)
    .map((v) => v.trim())
    .filter((v) => v !== '');
  for (const v of syntheticValues) {
    if (v.length < 4)
      throw new ConfigurationError(
        "Input 'synthetic-values' items must be at least 4 characters (one value a line), or they would match everywhere.",
        'synthetic-values',
      );
  }
  const authToken = inputs.secret('auth-token');
  const roleTokens = parseRoleTokens(inputs);
  const roleMatrix = parseRoleMatrix(inputs);
  for (const row of roleMatrix) {
    if (!roleTokens.has(row.role))
      throw new ConfigurationError(
        `Input 'role-tokens' has no token for role '${row.role}' used in 'role-matrix'.`,
        'role-tokens',
      );
  }
  if (roleMatrix.length && !apiUrl)
    throw new ConfigurationError("Input 'api-url' is required when 'role-matrix' is given.", 'api-url');
  const auditMaxAgeMs = inputs.duration('audit-max-age', { default: '15m', min: 1000 });
  const auditWaitMs = inputs.duration('audit-wait', { default: '60s', min: 1000, max: 600_000 });
  const emergencyAccessDoc = inputs.string('emergency-access-doc', {
    default: 'docs/hipaa/emergency-access-procedure.md',
  });
  const incidentResponseDoc = inputs.string('incident-response-doc', {
    default: 'docs/hipaa/incident-response-plan.md',
  });
  for (const [name, path] of [
    ['emergency-access-doc', emergencyAccessDoc],
    ['incident-response-doc', incidentResponseDoc],
  ] as const) {
    if (path.startsWith('/') || path.split(/[\\/]/).includes('..')) {
      throw new ConfigurationError(
        `Input '${name}' must be a path inside the repository, such as docs/hipaa/plan.md; got '${path}'.`,
        name,
      );
    }
  }
  const requestTimeoutMs = inputs.duration('request-timeout', { default: '10s', min: 500, max: 120_000 });
  const usesAws = Boolean(
    logGroups.length ||
    auditLogGroup ||
    dbInstanceIdentifier ||
    buckets.length ||
    distributionId ||
    listenerArn ||
    ecsCluster,
  );
  const region = usesAws ? resolveRegion(regionInput, env) : regionInput;
  return {
    appUrl,
    apiUrl,
    urlSecrets,
    checks,
    protectedRoutes: protectedRoutes.length ? protectedRoutes : ['/api/v1/students'],
    logGroups,
    auditLogGroup,
    dbInstanceIdentifier,
    buckets,
    distributionId,
    listenerArn,
    ecsCluster,
    ecsServices,
    failOn,
    region,
    logsSinceMs,
    maxLogEvents,
    syntheticValues,
    authToken,
    roleTokens,
    roleMatrix,
    auditMaxAgeMs,
    auditWaitMs,
    emergencyAccessDoc,
    incidentResponseDoc,
    requestTimeoutMs,
  };
}
