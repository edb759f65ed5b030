/**
 * A recording, fault-injecting HTTP proxy in front of moto. Clients are pointed at it with
 * the same standard AWS_ENDPOINT_URL setting they would use for moto itself, so the code under
 * test takes its production path; the proxy
 * - records every request (operation, method, path, bytes, time), so tests can check the
 *   order the server saw and benchmarks can count requests and bytes;
 * - answers chosen requests with a fault (throttling, a 5xx, a dropped connection, a delay),
 *   which moto cannot do by itself.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { freePort } from './ports.js';

export interface RecordedRequest {
  /** The API operation: `UpdateService`, `ModifyListener`, or for S3 `PUT /bucket/key`. */
  operation: string;
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  bytes: number;
  at: number;
  /** Set when a fault rule answered instead of moto. */
  fault?: string;
}

export interface FaultRule {
  /** Which requests the rule applies to. */
  match: (request: RecordedRequest, body: Buffer) => boolean;
  /** How many matching requests to fault; default every one. */
  times?: number;
  /**
   * The fault: an HTTP answer, a dropped connection, a delay before forwarding, or moto's own
   * answer rewritten (to play what AWS answers and moto cannot, e.g. a failed ECS deployment).
   */
  fault:
    | { kind: 'respond'; status: number; body: string; contentType?: string; name: string }
    | { kind: 'drop' }
    | { kind: 'delay'; ms: number }
    | { kind: 'rewrite'; name: string; transform: (body: string, request: RecordedRequest) => string };
}

export interface AwsProxy {
  url: string;
  requests: RecordedRequest[];
  addFault(rule: FaultRule): void;
  clearFaults(): void;
  /** Requests whose operation matches, e.g. `count('CreateInvalidation')`. */
  count(operation: string | RegExp): number;
  reset(): void;
  stop(): Promise<void>;
}

/** A throttling answer in the wire format of the service's protocol. */
export function throttling(protocol: 'json' | 'query' | 's3'): FaultRule['fault'] {
  if (protocol === 'json') {
    return {
      kind: 'respond',
      status: 400,
      name: 'ThrottlingException',
      contentType: 'application/x-amz-json-1.1',
      body: JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }),
    };
  }
  if (protocol === 'query') {
    return {
      kind: 'respond',
      status: 400,
      name: 'Throttling',
      contentType: 'text/xml',
      body: '<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>wcd-fault</RequestId></ErrorResponse>',
    };
  }
  return {
    kind: 'respond',
    status: 503,
    name: 'SlowDown',
    contentType: 'application/xml',
    body: '<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>wcd-fault</RequestId></Error>',
  };
}

/** An internal server error in the service's protocol. */
export function serverError(protocol: 'json' | 'query' | 's3'): FaultRule['fault'] {
  const f = throttling(protocol);
  if (f.kind !== 'respond') return f;
  return {
    ...f,
    status: 500,
    name: 'InternalError',
    body: f.body
      .replace(/ThrottlingException|Throttling|SlowDown/g, 'InternalError')
      .replace(/Rate exceeded|Please reduce your request rate\./, 'We encountered an internal error.'),
  };
}

function operationOf(req: IncomingMessage, body: Buffer): string {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') return target.split('.').pop() ?? target;
  const type = req.headers['content-type'] ?? '';
  if (type.includes('x-www-form-urlencoded')) {
    const action = new URLSearchParams(body.toString('utf8')).get('Action');
    if (action) return action;
  }
  const url = new URL(req.url ?? '/', 'http://proxy');
  const action = url.searchParams.get('Action');
  if (action) return action;
  return `${req.method} ${decodeURIComponent(url.pathname)}`;
}

export async function startAwsProxy(targetUrl: string): Promise<AwsProxy> {
  const target = new URL(targetUrl);
  const port = await freePort();
  const requests: RecordedRequest[] = [];
  let rules: (FaultRule & { used: number })[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const record: RecordedRequest = {
        operation: operationOf(req, body),
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        bytes: body.length,
        at: Date.now(),
      };
      requests.push(record);
      const rule = rules.find((r) => (r.times === undefined || r.used < r.times) && r.match(record, body));
      if (rule) {
        rule.used++;
        const f = rule.fault;
        if (f.kind === 'respond') {
          record.fault = f.name;
          res.writeHead(f.status, {
            'content-type': f.contentType ?? 'text/plain',
            'x-amzn-requestid': 'wcd-fault',
          });
          res.end(f.body);
          return;
        }
        if (f.kind === 'drop') {
          record.fault = 'drop';
          req.socket.destroy();
          return;
        }
        if (f.kind === 'delay') {
          await new Promise((r) => setTimeout(r, f.ms));
          record.fault = `delay ${f.ms} ms`;
        } else {
          record.fault = f.name;
        }
      }
      const rewrite = rule?.fault.kind === 'rewrite' ? rule.fault.transform : undefined;
      const upstream = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: req.headers.host },
        },
        (up) => {
          if (!rewrite) {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
            return;
          }
          const parts: Buffer[] = [];
          up.on('data', (c: Buffer) => parts.push(c));
          up.on('end', () => {
            const text = rewrite(Buffer.concat(parts).toString('utf8'), record);
            const headers = { ...up.headers };
            delete headers['content-length'];
            delete headers['transfer-encoding'];
            res.writeHead(up.statusCode ?? 502, { ...headers, 'content-length': Buffer.byteLength(text) });
            res.end(text);
          });
        },
      );
      upstream.on('error', (error) => {
        res.writeHead(502);
        res.end(String(error));
      });
      upstream.end(body);
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    addFault: (rule) => {
      rules.push({ ...rule, used: 0 });
    },
    clearFaults: () => {
      rules = [];
    },
    count: (operation) =>
      requests.filter((r) =>
        typeof operation === 'string' ? r.operation === operation : operation.test(r.operation),
      ).length,
    reset: () => {
      requests.length = 0;
      rules = [];
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
