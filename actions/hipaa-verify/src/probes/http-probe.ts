/**
 * Live HTTP probes over node:https (certificate verified): security headers, the answers of
 * protected routes to bad credentials, the audit-status endpoint and the role matrix.
 */
import { request } from 'node:https';
import { randomBytes } from 'node:crypto';
import type { BadCredential, HttpAnswer } from '../model.js';

export interface HttpRequest {
  method?: string;
  headers?: Record<string, string>;
  timeoutMs: number;
}

/** Sends one request; never throws (a failure is an answer with `error`). Reads at most 256 kB of body. */
export function fetchAnswer(url: URL, options: HttpRequest): Promise<HttpAnswer & { body: string }> {
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        headers: { 'user-agent': 'white-cross-hipaa-verify', ...options.headers },
        timeout: options.timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= 262_144) chunks.push(c);
        });
        res.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers))
            if (k !== 'set-cookie' && v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
          resolve({
            url: url.toString(),
            status: res.statusCode ?? 0,
            headers,
            setCookies: res.headers['set-cookie'] ?? [],
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
        res.on('error', (e) =>
          resolve({
            url: url.toString(),
            status: 0,
            headers: {},
            setCookies: [],
            body: '',
            error: e.message,
          }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer in ${options.timeoutMs} ms`)));
    req.on('error', (e: NodeJS.ErrnoException) =>
      resolve({
        url: url.toString(),
        status: 0,
        headers: {},
        setCookies: [],
        body: '',
        error: e.code ? `${e.code}: ${e.message}` : e.message,
      }),
    );
    req.end();
  });
}

const b64url = (value: object | Buffer) =>
  (Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value))).toString('base64url');

/**
 * The bad credentials every protected route must refuse: the header value for each kind
 * (undefined: no Authorization header). The JWTs are forged: an expired HS256 token with a
 * random signature, and an unsigned `alg: none` token claiming an admin role.
 *
 * @example
 * badCredentials(Date.now())['alg-none']; // 'Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJ….'
 */
export function badCredentials(now: number): Record<BadCredential, string | undefined> {
  const seconds = Math.floor(now / 1000);
  const expired = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ sub: 'hipaa-verify-probe', role: 'admin', iat: seconds - 7200, exp: seconds - 3600 })}.${b64url(randomBytes(32))}`;
  const unsigned = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ sub: 'hipaa-verify-probe', role: 'admin', iat: seconds, exp: seconds + 3600 })}.`;
  return {
    none: undefined,
    invalid: 'Bearer not-a-valid-token',
    expired: `Bearer ${expired}`,
    'alg-none': `Bearer ${unsigned}`,
  };
}

/**
 * Joins a base URL and a route.
 *
 * @example
 * routeUrl(new URL('https://api.example.org/v2/'), '/students').toString(); // 'https://api.example.org/v2/students'
 */
export function routeUrl(base: URL, route: string): URL {
  const url = new URL(base.toString());
  const [path, query] = route.split('?', 2);
  url.pathname = `${base.pathname.replace(/\/$/, '')}${path}`;
  url.search = query ? `?${query}` : '';
  return url;
}
