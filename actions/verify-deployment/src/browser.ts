/**
 * The frontend in real headless Chromium (the machine's own, through playwright-core: no
 * browser download): the root element renders, no console error, no failed request, page load
 * (Navigation Timing) under the limit, and a screenshot for the evidence.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { createHash, X509Certificate } from 'node:crypto';
import type * as Playwright from 'playwright-core';
import type { Route } from 'playwright-core';
import { ActionCancelled } from '@white-cross/core';
import type { BrowserCheck } from './inputs.js';

/**
 * Chromium's flags for a closed network and a throwaway profile: nothing phones home, nothing
 * updates, no GPU on a runner (playwright adds its own automation flags beside these).
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface BrowserResult {
  readonly url: string;
  readonly rootRendered: boolean;
  /** Console errors and uncaught exceptions, as counts and short texts (URLs without queries). */
  readonly consoleErrors: readonly string[];
  readonly failedRequests: readonly string[];
  readonly pageLoadMs?: number;
  readonly screenshot?: Buffer;
  /** Set when the page could not be loaded at all. */
  readonly error?: string;
}

export interface BrowserFinding {
  readonly check: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** A URL as it may be logged: origin and path, no query (it may carry identifiers). */
export function loggableUrl(text: string): string {
  try {
    const u = new URL(text);
    return u.protocol === 'data:' ? 'data:…' : `${u.origin}${u.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}

/**
 * Judges what the browser saw.
 *
 * @example
 * judgeBrowser({ url: 'https://app/', rootRendered: true, consoleErrors: [], failedRequests: [], pageLoadMs: 420 }, check);
 */
export function judgeBrowser(
  result: BrowserResult,
  check: Pick<BrowserCheck, 'rootSelector' | 'maxPageLoadMs'>,
): BrowserFinding[] {
  if (result.error !== undefined) {
    return [{ check: 'page loads', ok: false, detail: result.error }];
  }
  const list = (items: readonly string[]) =>
    items.length === 0
      ? 'none'
      : `${items.length}: ${items.slice(0, 3).join('; ')}${items.length > 3 ? '; …' : ''}`;
  return [
    {
      check: `${check.rootSelector} renders`,
      ok: result.rootRendered,
      detail: result.rootRendered ? 'visible, with content' : 'missing, hidden or empty after load',
    },
    { check: 'no console errors', ok: result.consoleErrors.length === 0, detail: list(result.consoleErrors) },
    {
      check: 'no failed requests',
      ok: result.failedRequests.length === 0,
      detail: list(result.failedRequests),
    },
    {
      check: `page load < ${check.maxPageLoadMs} ms`,
      ok: result.pageLoadMs !== undefined && result.pageLoadMs < check.maxPageLoadMs,
      detail:
        result.pageLoadMs === undefined
          ? 'no Navigation Timing entry'
          : `${Math.round(result.pageLoadMs)} ms (loadEventEnd)`,
    },
  ];
}

/**
 * The SHA-256 of the server's leaf public key, after Node has verified its chain against the
 * CA file: Chromium is then told to accept exactly that key (its profile has no CA store of
 * ours), which is no looser than the CA check just done.
 */
export function verifiedLeafSpki(url: URL, ca: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: url.hostname,
      port: Number(url.port || 443),
      servername: /^[\d.]+$|:/.test(url.hostname) ? undefined : url.hostname,
      ca,
      timeout: timeoutMs,
    });
    socket.once('secureConnect', () => {
      const peer = socket.getPeerX509Certificate();
      socket.end();
      if (!peer) return reject(new Error('the server sent no certificate'));
      const der = peer.publicKey.export({ type: 'spki', format: 'der' });
      resolve(createHash('sha256').update(der).digest('base64'));
    });
    socket.once('timeout', () => socket.destroy(new Error(`no TLS handshake within ${timeoutMs} ms`)));
    socket.once('error', reject);
  });
}

/** The public key hashes of the certificates in a PEM bundle (for tests and messages). */
export function spkiHashes(pem: string): string[] {
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)].map((m) =>
    createHash('sha256')
      .update(new X509Certificate(m[0]).publicKey.export({ type: 'spki', format: 'der' }))
      .digest('base64'),
  );
}

/** The little of the DOM the page-side functions use (this package compiles without the DOM's types). */
interface PageGlobals {
  document: {
    querySelector(selector: string): {
      textContent: string | null;
      getBoundingClientRect(): { width: number; height: number };
    } | null;
  };
  performance: { getEntriesByType(type: string): { startTime: number; loadEventEnd?: number }[] };
}

/**
 * Runs in the page: true once the root element is visible and has text. A function, not a
 * string: playwright sends it over the DevTools protocol, so a page's CSP (no unsafe-eval, as a
 * PHI app's should be) neither blocks it nor logs a console error for it.
 */
export function rootRendered(selector: string): boolean {
  const el = (globalThis as unknown as PageGlobals).document.querySelector(selector);
  if (!el) return false;
  const box = el.getBoundingClientRect();
  return box.width > 0 && box.height > 0 && (el.textContent ?? '').trim() !== '';
}

/** Runs in the page: Navigation Timing's load end from the navigation's start, or null before load. */
export function pageLoadTime(): number | null {
  const [entry] = (globalThis as unknown as PageGlobals).performance.getEntriesByType('navigation');
  return entry && (entry.loadEventEnd ?? 0) > 0 ? (entry.loadEventEnd ?? 0) - entry.startTime : null;
}

const VENDORED_PLAYWRIGHT = ['vendor', 'playwright-core', 'index.mjs'];

async function loadPlaywright(): Promise<typeof Playwright> {
  // Built from parts so the bundler does not take the path for an asset of its own to relocate.
  const here = import.meta.url.startsWith('file:') ? dirname(fileURLToPath(import.meta.url)) : process.cwd();
  const vendored = join(here, ...VENDORED_PLAYWRIGHT);
  const specifier = existsSync(vendored) ? pathToFileURL(vendored).href : 'playwright-core';
  return (await import(/* webpackIgnore: true */ specifier)) as typeof Playwright;
}

export interface BrowserOptions {
  readonly check: BrowserCheck;
  /** Headers sent only to this origin (the test route's header must not leak to other hosts). */
  readonly headerOrigin: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly ca?: string;
  readonly timeoutMs?: number;
  /** The run's cancellation: it closes Chromium at once (the caller judges the result as cancelled). */
  readonly signal?: AbortSignal;
}

export type BrowserRunner = (options: BrowserOptions) => Promise<BrowserResult>;

export const runChromium: BrowserRunner = async ({
  check,
  headerOrigin,
  headers,
  ca,
  timeoutMs = 30_000,
  signal,
}) => {
  if (signal?.aborted) throw new ActionCancelled('before the browser check', signal);
  const url = check.url.href;
  const args = [...CHROMIUM_ARGS];
  if (ca && check.url.protocol === 'https:') {
    args.push(`--ignore-certificate-errors-spki-list=${await verifiedLeafSpki(check.url, ca)}`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'wcd-chromium-'));
  const consoleErrors: string[] = [];
  const failedRequests: string[] = [];
  try {
    const { chromium } = await loadPlaywright();
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: check.chromiumPath,
      headless: true,
      args,
      viewport: { width: 1280, height: 800 },
      timeout: timeoutMs,
    });
    const close = () => void context.close().catch(() => {});
    signal?.addEventListener('abort', close, { once: true });
    try {
      if (Object.keys(headers).length) {
        await context.route('**/*', (route: Route) => {
          const request = route.request();
          if (new URL(request.url()).origin !== headerOrigin) return route.continue();
          return route.continue({ headers: { ...request.headers(), ...headers } });
        });
      }
      const page = context.pages()[0] ?? (await context.newPage());
      page.on('console', (message) => {
        if (message.type() === 'error') consoleErrors.push(`console: ${message.text().slice(0, 160)}`);
      });
      page.on('pageerror', (error) => consoleErrors.push(`uncaught: ${error.message.slice(0, 160)}`));
      page.on('requestfailed', (request) =>
        failedRequests.push(`${loggableUrl(request.url())} (${request.failure()?.errorText ?? 'failed'})`),
      );
      page.on('response', (response) => {
        if (response.status() >= 400)
          failedRequests.push(`${loggableUrl(response.url())} (${response.status()})`);
      });
      try {
        await page.goto(url, { waitUntil: 'load', timeout: timeoutMs });
      } catch (error) {
        return {
          url,
          rootRendered: false,
          consoleErrors,
          failedRequests,
          error: `could not load ${loggableUrl(url)}: ${(error as Error).message.split('\n')[0]}`,
        };
      }
      // The app's own requests (its health probes, say) finish before the judging.
      await page.waitForLoadState('networkidle', { timeout: Math.min(timeoutMs, 10_000) }).catch(() => {});
      const rendered = await page
        .waitForFunction(rootRendered, check.rootSelector, { timeout: 5_000 })
        .then(() => true)
        .catch(() => false);
      const pageLoadMs = await page.evaluate(pageLoadTime);
      const screenshot = await page.screenshot({ fullPage: true });
      return {
        url,
        rootRendered: rendered,
        consoleErrors,
        failedRequests,
        ...(pageLoadMs === null ? {} : { pageLoadMs }),
        screenshot,
      };
    } finally {
      signal?.removeEventListener('abort', close);
      await context.close().catch(() => {});
    }
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
};
