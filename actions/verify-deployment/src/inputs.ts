/**
 * Reads and checks every input of verify-deployment before any request is sent: the URLs, the
 * headers (secrets), the health list, the smoke file (parsed here, so a mistake in it names its
 * line before anything is asked of the app), the load plan and limits, the browser settings.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { ConfigurationError, type Env, type Inputs } from '@white-cross/core';
import { isJsonPath, type Assertion } from './assertions.js';
import { DEFAULT_CHROMIUM, Input } from './constants.js';
import { LOAD_FORMAT, parseLoadPlan, type LoadPlan, type LoadPolicy } from './load-plan.js';
import { parseSmokeFile, type SmokeTest } from './smoke.js';

export interface HealthCheck {
  readonly path: string;
  readonly assertions: readonly Assertion[];
}

export interface BrowserCheck {
  readonly url: URL;
  readonly rootSelector: string;
  readonly maxPageLoadMs: number;
  readonly chromiumPath: string;
}

export interface VerifyInputs {
  readonly baseUrl: URL;
  /** Extra request headers for base-url (e.g. the test route's header); values are secrets. */
  readonly headers: Readonly<Record<string, string>>;
  readonly health: readonly HealthCheck[];
  readonly healthTimeoutMs: number;
  readonly smokeFile?: string;
  readonly smoke: readonly SmokeTest[];
  readonly authToken?: string;
  readonly load?: LoadPlan;
  readonly loadPath: string;
  readonly baselineUrl?: URL;
  readonly policy: LoadPolicy;
  readonly browser?: BrowserCheck;
  /** PEM text of the CA bundle to trust, when given. */
  readonly ca?: string;
  readonly caFile?: string;
}

export const DEFAULT_HEALTH = [
  '/health 200 status=ok',
  '/api/v1/health/database 200 status=ok',
  '/api/v1/health/redis 200 status=ok',
];

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function url(inputs: Inputs, name: string, required: boolean): URL | undefined {
  const text = required ? inputs.string(name, { required: true }) : inputs.string(name);
  if (text === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw new ConfigurationError(
      `Input '${name}' must be an http:// or https:// URL such as https://green.school-health.example; got '${text}'.`,
      name,
    );
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ConfigurationError(
      `Input '${name}' must be an http:// or https:// URL; got a ${parsed.protocol} URL.`,
      name,
    );
  }
  if (parsed.username || parsed.password) {
    throw new ConfigurationError(
      `Input '${name}' must not hold credentials; pass them in '${Input.headers}' or '${Input.authToken}'.`,
      name,
    );
  }
  if (parsed.search || parsed.hash) {
    throw new ConfigurationError(
      `Input '${name}' must be a base URL without a query or fragment; got '${text}'.`,
      name,
    );
  }
  return parsed;
}

/**
 * Parses `headers`: one `Name: value` a line. The values are secrets (a test route's header
 * opens green to whoever knows it), masked from the moment they are read.
 *
 * @example
 * parseHeaders(['X-Canary-Route: 3f2a...']); // { 'X-Canary-Route': '3f2a...' }
 */
export function parseHeaders(lines: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  lines.forEach((line, i) => {
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trim() : '';
    const value = colon > 0 ? line.slice(colon + 1).trim() : '';
    if (!HEADER_NAME.test(name) || value === '') {
      throw new ConfigurationError(
        `Input '${Input.headers}' line ${i + 1}: expected 'Name: value', such as 'X-Deploy-Route: <token>'.`,
        Input.headers,
      );
    }
    if (name.toLowerCase() === 'host' || name.toLowerCase() === 'content-length') {
      throw new ConfigurationError(
        `Input '${Input.headers}' line ${i + 1}: ${name} is set by the request itself.`,
        Input.headers,
      );
    }
    out[name] = value;
  });
  return out;
}

/**
 * Parses the `health` list: one check a line, `<path> [<status>] [<json-path>=<value> ...]`;
 * a value that reads as JSON (a number, true, false, null) is compared as such.
 *
 * @example
 * parseHealth(['/api/v1/health/database 200 status=ok']);
 * // [{ path: '/api/v1/health/database', assertions: [{ kind: 'status', expected: 200 }, { kind: 'json-equals', path: 'status', expected: 'ok' }] }]
 */
export function parseHealth(lines: readonly string[]): HealthCheck[] {
  if (lines.length === 0) {
    throw new ConfigurationError(
      `Input '${Input.health}' must list at least one path, such as /health; use the default by leaving it empty.`,
      Input.health,
    );
  }
  return lines.map((line, i) => {
    const fail = (what: string): never => {
      throw new ConfigurationError(
        `Input '${Input.health}' line ${i + 1} ('${line}'): ${what}. Write '<path> [<status>] [<json-path>=<value> ...]', such as '/api/v1/health/database 200 status=ok'.`,
        Input.health,
      );
    };
    const [path = '', ...rest] = line.split(/\s+/);
    if (!path.startsWith('/')) fail('the path must start with /');
    const assertions: Assertion[] = [];
    let status = 200;
    rest.forEach((part, j) => {
      if (j === 0 && /^\d{3}$/.test(part)) {
        status = Number(part);
        return;
      }
      const eq = part.indexOf('=');
      if (eq <= 0) fail(`'${part}' is neither a status nor <json-path>=<value>`);
      const field = part.slice(0, eq);
      if (!isJsonPath(field)) fail(`'${field}' is not a JSON path such as status or checks.database`);
      const text = part.slice(eq + 1);
      let expected: unknown = text;
      if (/^(?:-?\d+(?:\.\d+)?|true|false|null)$/.test(text)) expected = JSON.parse(text) as unknown;
      assertions.push({ kind: 'json-equals', path: field, expected });
    });
    if (status < 100 || status > 599) fail(`status ${status} is not an HTTP status`);
    return { path, assertions: [{ kind: 'status', expected: status }, ...assertions] };
  });
}

function millis(inputs: Inputs, name: string, defaultValue: string, min: number, max: number): number {
  return inputs.duration(name, { default: defaultValue, min, max });
}

function readWorkspaceFile(
  env: Env,
  name: string,
  given: string,
  what: string,
): { file: string; text: string } {
  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  const file = isAbsolute(given) ? given : resolve(workspace, given);
  if (!existsSync(file)) {
    throw new ConfigurationError(
      `Input '${name}': ${what} '${given}' does not exist (paths are relative to the workspace).`,
      name,
    );
  }
  try {
    return { file: isAbsolute(given) ? given : relative(workspace, file), text: readFileSync(file, 'utf8') };
  } catch (error) {
    throw new ConfigurationError(
      `Input '${name}': ${what} '${given}' cannot be read (${(error as Error).message}).`,
      name,
    );
  }
}

export function parseInputs(inputs: Inputs, env: Env): VerifyInputs {
  const baseUrl = url(inputs, Input.baseUrl, true) as URL;
  const headerLines = inputs.secret(Input.headers);
  const headerList = (headerLines ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const headers = parseHeaders(headerList);
  const healthLines = inputs.list(Input.health);
  const health = parseHealth(healthLines.length ? healthLines : DEFAULT_HEALTH);
  const healthTimeoutMs = millis(inputs, Input.healthTimeout, '60s', 1_000, 600_000);
  const authToken = inputs.secret(Input.authToken);

  const smokeGiven = inputs.string(Input.smokeFile);
  let smoke: SmokeTest[] = [];
  let smokeFile: string | undefined;
  if (smokeGiven !== undefined) {
    const { file, text } = readWorkspaceFile(env, Input.smokeFile, smokeGiven, 'the smoke file');
    smokeFile = file;
    smoke = parseSmokeFile(text, file, { hasAuthToken: authToken !== undefined });
  }

  const loadText = inputs.string(Input.load, { default: '20/s for 30s' });
  const loadPlan = parseLoadPlan(loadText);
  if (loadPlan.error) throw new ConfigurationError(`Input '${Input.load}' ${loadPlan.error}.`, Input.load);
  const loadPath = inputs.string(Input.loadPath, { default: '/api/v1/health/database' });
  if (!loadPath.startsWith('/') || /\s/.test(loadPath)) {
    throw new ConfigurationError(
      `Input '${Input.loadPath}' must be a path starting with /, such as /api/v1/health/database; got '${loadPath}'.`,
      Input.loadPath,
    );
  }
  const baselineUrl = url(inputs, Input.baselineUrl, false);
  if (baselineUrl && !loadPlan.plan) {
    throw new ConfigurationError(
      `Input '${Input.baselineUrl}' is only used by the load test, but '${Input.load}' is off; drop one or set load to ${LOAD_FORMAT}.`,
      Input.baselineUrl,
    );
  }
  const maxP95Ms = millis(inputs, Input.maxP95, '200ms', 1, 60_000);
  const maxErrorRate = inputs.percent(Input.maxErrorRate, { default: 0.001, min: 0, max: 0.5 });
  const baselineTolerance = inputs.percent(Input.baselineTolerance, { default: 0.2, min: 0, max: 10 });

  const browserText = inputs.string(Input.browserUrl);
  let browser: BrowserCheck | undefined;
  if (browserText?.toLowerCase() !== 'off') {
    const browserUrl =
      browserText === undefined ? new URL('/', baseUrl) : (url(inputs, Input.browserUrl, true) as URL);
    const rootSelector = inputs.string(Input.browserRoot, { default: '#root' });
    const maxPageLoadMs = millis(inputs, Input.maxPageLoad, '3s', 100, 60_000);
    const chromiumPath = inputs.string(Input.chromiumPath, { default: DEFAULT_CHROMIUM });
    if (!existsSync(chromiumPath)) {
      throw new ConfigurationError(
        `Input '${Input.chromiumPath}': no Chromium at ${chromiumPath}. Install it (apt-get install chromium) or give its path; set ${Input.browserUrl} to off to skip the browser check.`,
        Input.chromiumPath,
      );
    }
    browser = { url: browserUrl, rootSelector, maxPageLoadMs, chromiumPath };
  }

  const caGiven = inputs.string(Input.caFile);
  let ca: string | undefined;
  let caFile: string | undefined;
  if (caGiven !== undefined) {
    const read = readWorkspaceFile(env, Input.caFile, caGiven, 'the CA file');
    if (!read.text.includes('-----BEGIN CERTIFICATE-----')) {
      throw new ConfigurationError(
        `Input '${Input.caFile}': '${caGiven}' holds no PEM certificate (-----BEGIN CERTIFICATE-----).`,
        Input.caFile,
      );
    }
    ca = read.text;
    caFile = read.file;
  }
  return {
    baseUrl,
    headers,
    health,
    healthTimeoutMs,
    ...(smokeFile === undefined ? {} : { smokeFile }),
    smoke,
    ...(authToken === undefined ? {} : { authToken }),
    ...(loadPlan.plan ? { load: loadPlan.plan } : {}),
    loadPath,
    ...(baselineUrl ? { baselineUrl } : {}),
    policy: { maxP95Ms, maxErrorRate, baselineTolerance },
    ...(browser ? { browser } : {}),
    ...(ca === undefined ? {} : { ca }),
    ...(caFile === undefined ? {} : { caFile }),
  };
}
