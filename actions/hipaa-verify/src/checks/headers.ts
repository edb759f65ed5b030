/**
 * Security headers on the frontend and the API (after the MDN HTTP Observatory's tests): HSTS,
 * CSP, nosniff, framing, referrer, cookies, and no caching of PHI responses.
 */
import {
  combine,
  type Check,
  type HttpAnswer,
  type HttpEvidence,
  type Judgement,
  type Verdict,
} from '../model.js';

const TRANSMISSION = '§164.312(e)(1) Transmission security';
const INTEGRITY = '§164.312(c)(1) Integrity';
const ACCESS = '§164.312(a)(1) Access control';

export const HSTS_MIN_SECONDS = 31_536_000;
const STRICT_REFERRER = ['no-referrer', 'same-origin', 'strict-origin', 'strict-origin-when-cross-origin'];

/**
 * Splits a Content-Security-Policy into directives (lower-case names, source lists).
 *
 * @example
 * parseCsp("default-src 'self'; script-src 'self' 'unsafe-inline'")['script-src']; // ["'self'", "'unsafe-inline'"]
 */
export function parseCsp(header: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const part of header.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name && !(name.toLowerCase() in out)) out[name.toLowerCase()] = values;
  }
  return out;
}

function perPage(
  http: HttpEvidence,
  judgePage: (a: HttpAnswer) => { verdict: Verdict; line: string },
): Judgement {
  if (http.pages.length === 0) return { verdict: 'SKIPPED', evidence: ['no app-url or api-url given'] };
  return combine(
    http.pages.map((a) => (a.error ? { verdict: 'FAIL', line: `${a.url}: ${a.error}` } : judgePage(a))),
  );
}

/**
 * Judges a Strict-Transport-Security header.
 *
 * @example
 * judgeHsts('max-age=63072000; includeSubDomains; preload'); // { ok: true, ... }
 */
export function judgeHsts(header: string | undefined): { ok: boolean; reason: string } {
  if (!header) return { ok: false, reason: 'no Strict-Transport-Security' };
  const maxAge = Number(/max-age\s*=\s*"?(\d+)"?/i.exec(header)?.[1] ?? NaN);
  const sub = /(^|;)\s*includesubdomains\s*(;|$)/i.test(header);
  if (!Number.isFinite(maxAge) || maxAge < HSTS_MIN_SECONDS)
    return {
      ok: false,
      reason: `max-age ${Number.isFinite(maxAge) ? maxAge : 'missing'} < ${HSTS_MIN_SECONDS}`,
    };
  if (!sub) return { ok: false, reason: 'no includeSubDomains' };
  return { ok: true, reason: header };
}

export const hsts: Check<'http'> = {
  id: 'HDR-001',
  title: 'HSTS at least one year with includeSubDomains',
  safeguard: TRANSMISSION,
  group: 'HDR',
  probe: 'GET the frontend and the API: Strict-Transport-Security.',
  fix: 'Send Strict-Transport-Security: max-age=63072000; includeSubDomains (CloudFront response headers policy, helmet on the API).',
  source: 'http',
  judge: (http) =>
    perPage(http, (a) => {
      const r = judgeHsts(a.headers['strict-transport-security']);
      return { verdict: r.ok ? 'PASS' : 'FAIL', line: `${a.url}: ${r.reason}` };
    }),
};

/**
 * Judges a Content-Security-Policy: FAIL without one or with 'unsafe-inline' for scripts,
 * WARN with 'unsafe-inline' only for styles.
 *
 * @example
 * judgeCsp("default-src 'self'; frame-ancestors 'none'").verdict; // 'PASS'
 */
export function judgeCsp(header: string | undefined): { verdict: Verdict; reason: string } {
  if (!header) return { verdict: 'FAIL', reason: 'no Content-Security-Policy' };
  const csp = parseCsp(header);
  const scripts = csp['script-src'] ?? csp['default-src'];
  if (!scripts) return { verdict: 'FAIL', reason: 'neither script-src nor default-src' };
  if (scripts.includes("'unsafe-inline'"))
    return { verdict: 'FAIL', reason: "scripts allow 'unsafe-inline'" };
  const styles = csp['style-src'] ?? csp['default-src'] ?? [];
  if (styles.includes("'unsafe-inline'")) return { verdict: 'WARN', reason: "styles allow 'unsafe-inline'" };
  return { verdict: 'PASS', reason: "no 'unsafe-inline'" };
}

export const contentSecurityPolicy: Check<'http'> = {
  id: 'HDR-002',
  title: "Content-Security-Policy without 'unsafe-inline'",
  safeguard: INTEGRITY,
  group: 'HDR',
  probe: 'GET the frontend and the API: Content-Security-Policy script-src/default-src/style-src.',
  fix: "Send a CSP with default-src 'self' and no 'unsafe-inline' (use nonces or hashes for the few inline scripts).",
  source: 'http',
  judge: (http) =>
    perPage(http, (a) => {
      const r = judgeCsp(a.headers['content-security-policy']);
      return { verdict: r.verdict, line: `${a.url}: ${r.reason}` };
    }),
};

export const noSniff: Check<'http'> = {
  id: 'HDR-003',
  title: 'X-Content-Type-Options: nosniff',
  safeguard: INTEGRITY,
  group: 'HDR',
  probe: 'GET the frontend and the API: X-Content-Type-Options.',
  fix: 'Send X-Content-Type-Options: nosniff.',
  source: 'http',
  judge: (http) =>
    perPage(http, (a) => {
      const v = a.headers['x-content-type-options'];
      return {
        verdict: v?.trim().toLowerCase() === 'nosniff' ? 'PASS' : 'FAIL',
        line: `${a.url}: ${v ?? 'missing'}`,
      };
    }),
};

export const framing: Check<'http'> = {
  id: 'HDR-004',
  title: 'Framing restricted (CSP frame-ancestors or X-Frame-Options)',
  safeguard: INTEGRITY,
  group: 'HDR',
  probe: 'GET the frontend and the API: CSP frame-ancestors, X-Frame-Options.',
  fix: "Send CSP frame-ancestors 'none' (or 'self'), or X-Frame-Options: DENY.",
  source: 'http',
  judge: (http) =>
    perPage(http, (a) => {
      const fa = parseCsp(a.headers['content-security-policy'] ?? '')['frame-ancestors'];
      if (fa && !fa.includes('*'))
        return { verdict: 'PASS', line: `${a.url}: frame-ancestors ${fa.join(' ')}` };
      const xfo = a.headers['x-frame-options']?.trim().toUpperCase();
      if (xfo === 'DENY' || xfo === 'SAMEORIGIN')
        return { verdict: 'PASS', line: `${a.url}: X-Frame-Options ${xfo}` };
      return { verdict: 'FAIL', line: `${a.url}: neither frame-ancestors nor X-Frame-Options` };
    }),
};

export const referrerPolicy: Check<'http'> = {
  id: 'HDR-005',
  title: 'Strict Referrer-Policy',
  safeguard: ACCESS,
  group: 'HDR',
  probe: 'GET the frontend and the API: Referrer-Policy (the last understood value applies).',
  fix: 'Send Referrer-Policy: strict-origin-when-cross-origin (or no-referrer), so PHI in URLs never leaves the site.',
  source: 'http',
  judge: (http) =>
    perPage(http, (a) => {
      const raw = a.headers['referrer-policy'];
      const effective = raw
        ?.split(',')
        .map((v) => v.trim().toLowerCase())
        .filter(Boolean)
        .pop();
      return {
        verdict: effective && STRICT_REFERRER.includes(effective) ? 'PASS' : 'FAIL',
        line: `${a.url}: ${raw ?? 'missing'}`,
      };
    }),
};

/**
 * What a Set-Cookie header lacks of Secure, HttpOnly and SameSite (Lax or Strict; None only with Secure).
 *
 * @example
 * cookieProblems('sid=1; Path=/; HttpOnly'); // ['Secure', 'SameSite']
 */
export function cookieProblems(setCookie: string): string[] {
  const attrs = setCookie
    .split(';')
    .slice(1)
    .map((a) => a.trim().toLowerCase());
  const problems: string[] = [];
  if (!attrs.includes('secure')) problems.push('Secure');
  if (!attrs.includes('httponly')) problems.push('HttpOnly');
  const sameSite = attrs.find((a) => a.startsWith('samesite='))?.split('=')[1];
  if (!sameSite || !['lax', 'strict'].includes(sameSite)) problems.push('SameSite');
  return problems;
}

export const cookies: Check<'http'> = {
  id: 'HDR-006',
  title: 'Cookies Secure, HttpOnly and SameSite',
  safeguard: ACCESS,
  group: 'HDR',
  probe: 'Set-Cookie headers of every answer seen (frontend, API, protected routes).',
  fix: 'Set cookies with Secure; HttpOnly; SameSite=Lax (or Strict).',
  source: 'http',
  judge(http) {
    const answers = [...http.pages, ...http.authenticated];
    if (answers.length === 0) return { verdict: 'SKIPPED', evidence: ['no app-url or api-url given'] };
    const items = answers.flatMap((a) =>
      a.setCookies.map((c) => {
        const name = c.split('=')[0]?.trim() ?? '?';
        const problems = cookieProblems(c);
        return {
          verdict: (problems.length ? 'FAIL' : 'PASS') as Verdict,
          line: `${a.url}: cookie ${name} ${problems.length ? `lacks ${problems.join(', ')}` : 'ok'}`,
        };
      }),
    );
    return items.length ? combine(items) : { verdict: 'PASS', evidence: ['no cookies set'] };
  },
};

function hasNoStore(answer: HttpAnswer): boolean {
  const cc = answer.headers['cache-control'] ?? '';
  return cc
    .toLowerCase()
    .split(',')
    .map((d) => d.trim())
    .includes('no-store');
}

export const noStoreOnPhi: Check<'http'> = {
  id: 'HDR-007',
  title: 'Cache-Control: no-store on PHI responses',
  safeguard: ACCESS,
  group: 'HDR',
  probe:
    'Cache-Control of the protected routes: read with the test token (PHI answers), and without one (an answer with data there is PHI too; a 401 without no-store is a warning).',
  fix: 'Send Cache-Control: no-store on every /api response that may carry PHI (and on its error answers).',
  source: 'http',
  judge(http) {
    const anonymous = http.unauthenticated.map((u) => u.answers.none);
    const answers = [...http.authenticated, ...anonymous];
    if (answers.length === 0) return { verdict: 'SKIPPED', evidence: ['no api-url given'] };
    const isPhi = (a: HttpAnswer) => http.authenticated.includes(a) || (a.status >= 200 && a.status < 300);
    const items: { verdict: Verdict; line: string }[] = answers.map((a) => {
      if (a.error) return { verdict: 'FAIL', line: `${a.url}: ${a.error}` };
      const line = `${a.url} (HTTP ${a.status}${http.authenticated.includes(a) ? ', with the test token' : ''}): Cache-Control ${a.headers['cache-control'] ?? 'missing'}`;
      if (hasNoStore(a)) return { verdict: 'PASS', line };
      return { verdict: isPhi(a) ? 'FAIL' : 'WARN', line };
    });
    if (!answers.some(isPhi))
      items.push({ verdict: 'WARN', line: 'no PHI answer seen: give auth-token to check one' });
    return combine(items);
  },
};

export const headerChecks = [
  hsts,
  contentSecurityPolicy,
  noSniff,
  framing,
  referrerPolicy,
  cookies,
  noStoreOnPhi,
] as const;
