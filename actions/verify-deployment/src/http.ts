/**
 * One HTTP(S) request with a CA bundle, a timeout and a capped body: what the health and smoke
 * checks send. Node's fetch cannot take a CA per request, so this uses node:http(s) directly.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface HttpRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** PEM certificates to trust for https (default: Node's bundled roots). */
  readonly ca?: string;
  readonly timeoutMs: number;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The body as text, at most {@link MAX_BODY_BYTES}; never logged whole. */
  readonly body: string;
  readonly truncated: boolean;
  readonly ms: number;
}

/** Bodies beyond this are cut: a smoke assertion never needs more, and memory stays bounded. */
export const MAX_BODY_BYTES = 1_000_000;

/** Sends one request; rejects on a network error or the timeout, resolves on any status. */
export type HttpClient = (request: HttpRequest) => Promise<HttpResponse>;

/**
 * @example
 * const res = await sendRequest({ method: 'GET', url: new URL('https://api.example/health'), headers: {}, timeoutMs: 5000 });
 */
export const sendRequest: HttpClient = (req) =>
  new Promise((resolve, reject) => {
    const started = performance.now();
    const https = req.url.protocol === 'https:';
    const send = https ? httpsRequest : httpRequest;
    const headers: Record<string, string> = { 'user-agent': 'white-cross-verify-deployment', ...req.headers };
    if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
    const outgoing = send(
      req.url,
      { method: req.method, headers, timeout: req.timeoutMs, ...(https && req.ca ? { ca: req.ca } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        res.on('data', (chunk: Buffer) => {
          if (size >= MAX_BODY_BYTES) {
            truncated = true;
            return;
          }
          chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', () => {
          let body = Buffer.concat(chunks);
          if (body.length > MAX_BODY_BYTES) {
            body = body.subarray(0, MAX_BODY_BYTES);
            truncated = true;
          }
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: body.toString('utf8'),
            truncated,
            ms: performance.now() - started,
          });
        });
        res.on('error', reject);
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${req.timeoutMs} ms`)));
    outgoing.on('error', reject);
    if (req.body !== undefined) outgoing.write(req.body);
    outgoing.end();
  });

/** A short, loggable description of a network error (never a body). */
export function networkErrorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
