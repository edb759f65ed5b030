/**
 * A recording, fault-injecting HTTP proxy in front of moto. Clients are pointed at it with
 * the same standard AWS_ENDPOINT_URL setting they would use for moto itself, so the code under
 * test takes its production path; the proxy
 * - records every request (operation, method, path, bytes, time), so tests can check the
 *   order the server saw and benchmarks can count requests and bytes;
 * - answers chosen requests with a fault (throttling, a 5xx, a dropped connection, a delay),
 *   which moto cannot do by itself;
 * - behaves as AWS does where moto is more lenient: S3 answers a missing key with 403 to a
 *   caller without s3:ListBucket ({@link AwsProxy.setS3ListBucket}); a paginated API may
 *   answer an empty page that still carries a next token (fault kind `emptyPage`).
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
  /** The request body as text, when it is not an object upload (API parameters, S3's delete list). */
  body?: string;
  /** The access key id the request was signed with (SigV4 `Credential=`), when signed. */
  accessKeyId?: string;
  /** The signing name and region of the SigV4 credential scope (`ecs`, `s3`, `monitoring`, …). */
  service?: string;
  region?: string;
  /** The status answered to the client. */
  status?: number;
  /** The answer's body as text, for API answers (never an S3 object). */
  responseBody?: string;
}

/** Bodies up to this size are kept as text (API calls; an S3 object upload is never kept). */
const KEPT_BODY_BYTES = 256 * 1024;

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
    /**
     * A JSON-protocol page with no results and a next token (CloudWatch Logs FilterLogEvents
     * does this: "can return an empty page with a nextToken"). The request that follows with
     * that token is forwarded without it, so moto answers the real first page.
     */
    | { kind: 'emptyPage'; tokenField: string; page?: Record<string, unknown> }
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
  /**
   * Whether callers hold s3:ListBucket (default true, as moto assumes). When false, a GET or
   * HEAD of a missing object answers 403 AccessDenied instead of 404, as S3 does
   * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html, "Permissions").
   */
  setS3ListBucket(granted: boolean): void;
  /**
   * The role each access key id belongs to, learned from the AssumeRole* answers that went
   * through this proxy (the role ARN, `arn:aws:iam::<account>:role/<name>`), so that a recorded
   * request can be attributed to the role its credentials were issued for.
   */
  readonly roles: ReadonlyMap<string, string>;
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

/** A GET or HEAD of one S3 object (path style, `/bucket/key`), not of a bucket or a sub-resource. */
function isS3ObjectRead(req: IncomingMessage): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (req.headers['x-amz-target']) return false;
  const url = new URL(req.url ?? '/', 'http://proxy');
  if (url.searchParams.has('Action')) return false;
  const parts = url.pathname.split('/').filter(Boolean);
  if (parts.length < 2 || parts[0] === 'moto-api') return false;
  return !['acl', 'tagging', 'retention', 'legal-hold', 'attributes', 'uploads', 'uploadId'].some((q) =>
    url.searchParams.has(q),
  );
}

/** The access key id, service and region of a SigV4 Authorization header (or presigned query). */
function credentialOf(req: IncomingMessage): { accessKeyId?: string; service?: string; region?: string } {
  const header = String(req.headers.authorization ?? '');
  const fromQuery = new URL(req.url ?? '/', 'http://proxy').searchParams.get('X-Amz-Credential') ?? '';
  const scope = /Credential=([^,\s]+)/.exec(header)?.[1] ?? fromQuery;
  const [accessKeyId, , region, service] = scope.split('/');
  return scope ? { accessKeyId, service, region } : {};
}

/** The role an STS AssumeRole* answer issued credentials for: access key id → role ARN. */
function assumedRoleOf(answer: string): [string, string] | undefined {
  const key = /<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(answer)?.[1];
  const arn = /<AssumedRoleUser>[\s\S]*?<Arn>arn:aws:sts::(\d{12}):assumed-role\/([^/<]+)\//.exec(answer);
  return key && arn ? [key, `arn:aws:iam::${arn[1]}:role/${arn[2]}`] : undefined;
}

/** The JSON body with a token this proxy invented removed (moto would not know it). */
function withoutEmptyPageToken(body: Buffer, tokens: ReadonlySet<string>): Buffer {
  if (tokens.size === 0 || body.length === 0 || body[0] !== 0x7b) return body;
  try {
    const json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    let changed = false;
    for (const [k, v] of Object.entries(json)) {
      if (typeof v === 'string' && tokens.has(v)) {
        delete json[k];
        changed = true;
      }
    }
    return changed ? Buffer.from(JSON.stringify(json)) : body;
  } catch {
    return body;
  }
}

export async function startAwsProxy(targetUrl: string): Promise<AwsProxy> {
  const target = new URL(targetUrl);
  const port = await freePort();
  const requests: RecordedRequest[] = [];
  let rules: (FaultRule & { used: number })[] = [];
  let s3ListBucket = true;
  const emptyPageTokens = new Set<string>();
  const roles = new Map<string, string>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      let body: Buffer = Buffer.concat(chunks);
      const record: RecordedRequest = {
        operation: operationOf(req, body),
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        bytes: body.length,
        at: Date.now(),
        ...credentialOf(req),
      };
      const objectUpload = record.service === 's3' && req.method === 'PUT';
      if (!objectUpload && body.length <= KEPT_BODY_BYTES) record.body = body.toString('utf8');
      requests.push(record);
      const keepAnswer = record.service !== 's3' && record.service !== undefined;
      const assumesRole = /^AssumeRole/.test(record.operation);
      const rule = rules.find((r) => (r.times === undefined || r.used < r.times) && r.match(record, body));
      if (rule) {
        rule.used++;
        const f = rule.fault;
        if (f.kind === 'respond') {
          record.fault = f.name;
          record.status = f.status;
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
        if (f.kind === 'emptyPage') {
          const token = `wcd-empty-page-${emptyPageTokens.size + 1}`;
          emptyPageTokens.add(token);
          record.fault = 'emptyPage';
          record.status = 200;
          res.writeHead(200, {
            'content-type': String(req.headers['content-type'] ?? 'application/x-amz-json-1.1'),
            'x-amzn-requestid': 'wcd-fault',
          });
          res.end(JSON.stringify({ ...(f.page ?? {}), [f.tokenField]: token }));
          return;
        }
        if (f.kind === 'delay') {
          await new Promise((r) => setTimeout(r, f.ms));
          record.fault = `delay ${f.ms} ms`;
        } else {
          record.fault = f.name;
        }
      }
      const original = body;
      body = withoutEmptyPageToken(body, emptyPageTokens);
      const s3ObjectRead = !s3ListBucket && isS3ObjectRead(req);
      const rewrite = rule?.fault.kind === 'rewrite' ? rule.fault.transform : undefined;
      const upstream = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: {
            ...req.headers,
            host: req.headers.host,
            ...(body === original ? {} : { 'content-length': String(body.length) }),
          },
        },
        (up) => {
          record.status = up.statusCode ?? 502;
          if (s3ObjectRead && up.statusCode === 404) {
            up.resume();
            record.status = 403;
            record.fault = 'AccessDenied (no s3:ListBucket)';
            res.writeHead(403, { 'content-type': 'application/xml', 'x-amz-request-id': 'wcd-fault' });
            res.end(
              req.method === 'HEAD'
                ? undefined
                : '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>wcd-fault</RequestId></Error>',
            );
            return;
          }
          if (!rewrite) {
            res.writeHead(up.statusCode ?? 502, up.headers);
            if (keepAnswer || assumesRole) {
              const kept: Buffer[] = [];
              up.on('data', (c: Buffer) => kept.push(c));
              up.on('end', () => {
                const text = Buffer.concat(kept).toString('utf8');
                if (text.length <= KEPT_BODY_BYTES) record.responseBody = text;
                const issued = assumesRole ? assumedRoleOf(text) : undefined;
                if (issued) roles.set(issued[0], issued[1]);
              });
            }
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
      s3ListBucket = true;
    },
    setS3ListBucket: (granted) => {
      s3ListBucket = granted;
    },
    roles,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
