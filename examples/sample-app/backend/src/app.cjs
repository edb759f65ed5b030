'use strict';
/**
 * The Express application, built from an environment so tests and the local stack can start
 * as many differently configured copies as they need (blue and green, good and faulty).
 */
const { createHash, randomUUID, timingSafeEqual } = require('node:crypto');
const { appendFile } = require('node:fs/promises');
const net = require('node:net');
const { Pool } = require('pg');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const REQUEST_ID = /^[\w.-]{1,100}$/;

/** SHA-256 prefix of a token: identifies the caller in the audit log without revealing the token. */
function tokenFingerprint(token) {
  return createHash('sha256').update(token).digest('hex').slice(0, 12);
}

function constantTimeIncludes(tokens, candidate) {
  const given = Buffer.from(candidate);
  let found = false;
  for (const token of tokens) {
    const expected = Buffer.from(token);
    if (expected.length === given.length && timingSafeEqual(expected, given)) found = true;
  }
  return found;
}

/**
 * The deterministic fault switch: with rate r, exactly every (1/r)-th request fails, so a
 * demo run is repeatable (a random switch would make the canary's verdict a matter of luck).
 */
function createFaultSwitch(env) {
  const rate = Math.min(1, Math.max(0, Number(env.FAULT_ERROR_RATE || 0)));
  const latencyMs = Math.max(0, Number(env.FAULT_LATENCY_MS || 0));
  // A release whose database health fails (a wrong connection setting, a missing grant): the
  // verification before traffic must refuse it.
  const databaseHealth = ['1', 'true', 'fail'].includes(
    String(env.FAULT_DATABASE_HEALTH || '').toLowerCase(),
  );
  let served = 0;
  return {
    rate,
    latencyMs,
    databaseHealth,
    shouldFail() {
      if (rate <= 0) return false;
      served++;
      return Math.floor(served * rate) > Math.floor((served - 1) * rate);
    },
  };
}

/** PING a Redis server over RESP; resolves the round trip in ms or rejects. */
function pingRedis(url, timeoutMs = 1000) {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect({ host: target.hostname, port: Number(target.port || 6379) });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer from Redis within ${timeoutMs} ms`));
    }, timeoutMs);
    let reply = '';
    socket.on('connect', () => {
      if (target.password) {
        const user = decodeURIComponent(target.username || 'default');
        const password = decodeURIComponent(target.password);
        socket.write(
          `*3\r\n$4\r\nAUTH\r\n$${user.length}\r\n${user}\r\n$${password.length}\r\n${password}\r\n`,
        );
      }
      socket.write('*1\r\n$4\r\nPING\r\n');
    });
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (reply.includes('+PONG')) {
        clearTimeout(timer);
        socket.end();
        resolve(Date.now() - started);
      } else if (reply.startsWith('-')) {
        clearTimeout(timer);
        socket.destroy();
        reject(new Error(`Redis refused: ${reply.split('\r\n')[0].slice(1)}`));
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/**
 * Builds the app. `express` is passed in so this module has no hidden global state.
 * Returns the app and a `close()` that ends the database pool.
 */
function createApp(env, express) {
  const version = env.APP_VERSION || 'dev';
  const startedAt = new Date();
  const tokens = (env.API_TOKENS || '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const pool = env.DATABASE_URL
    ? new Pool({
        connectionString: env.DATABASE_URL,
        max: 4,
        connectionTimeoutMillis: 2000,
        idleTimeoutMillis: 5000,
      })
    : undefined;
  // A pool error (the database restarting) must not crash the process: health reports it.
  if (pool) pool.on('error', () => {});
  const audit = {
    entries: 0,
    lastEntryAt: undefined,
    failures: 0,
    sink: env.AUDIT_LOG_FILE ? 'file' : 'stdout',
  };
  const faults = createFaultSwitch(env);

  /**
   * Writes one PHI-access entry: a row in audit_log (the db-migrate migrations create it) and
   * a JSON line on stdout or AUDIT_LOG_FILE, which the platform ships to the audit log group.
   * A failure throws: the caller then returns no data.
   */
  async function writeAudit(entry) {
    const line = `${JSON.stringify({ type: 'phi-access', ...entry })}\n`;
    try {
      await pool.query(
        'INSERT INTO audit_log (occurred_at, actor, action, entity, request_id, details) VALUES ($1, $2, $3, $4, $5, $6)',
        [
          entry.at,
          entry.actor,
          entry.action,
          entry.resource,
          UUID.test(entry.requestId) ? entry.requestId : null,
          JSON.stringify({ requestId: entry.requestId, records: entry.records, version: entry.version }),
        ],
      );
      if (env.AUDIT_LOG_FILE) await appendFile(env.AUDIT_LOG_FILE, line);
      else process.stdout.write(line);
      audit.entries++;
      audit.lastEntryAt = entry.at;
    } catch (error) {
      audit.failures++;
      throw error;
    }
  }

  const app = express();
  app.disable('x-powered-by');
  // The built status page, for the local stack and the browser check (in AWS it is served by
  // CloudFront from S3): same origin as the API, so its health probes need no CORS.
  if (env.FRONTEND_DIR) {
    app.use(
      express.static(env.FRONTEND_DIR, {
        index: 'index.html',
        setHeaders(res) {
          res.setHeader('X-App-Version', version);
          res.setHeader('X-Content-Type-Options', 'nosniff');
          res.setHeader(
            'Content-Security-Policy',
            "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
          );
          res.setHeader('X-Frame-Options', 'DENY');
          res.setHeader('Referrer-Policy', 'no-referrer');
        },
      }),
    );
  }
  app.use((req, res, next) => {
    res.setHeader('X-App-Version', version);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'no-store');
    // An API answers JSON only: nothing may run, frame it or learn where its callers came from.
    res.setHeader('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });

  // The load balancer's health check stays outside the fault switch: a faulty release passes
  // its health checks and fails on real traffic, as faulty releases do.
  app.get('/health', (req, res) => {
    res.json({ status: 'ok', version, uptimeSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000) });
  });

  app.use(async (req, res, next) => {
    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    if (faults.shouldFail()) {
      res.status(500).json({ error: 'internal error', version });
      return;
    }
    next();
  });

  app.get('/api/v1/health/database', async (req, res) => {
    if (!pool) {
      res.status(503).json({ status: 'not-configured', detail: 'DATABASE_URL is not set' });
      return;
    }
    if (faults.databaseHealth) {
      res.status(503).json({ status: 'error', detail: 'FAULT_DATABASE_HEALTH is set' });
      return;
    }
    const started = Date.now();
    try {
      const result = await pool.query("SELECT current_setting('server_version') AS server_version, 1 AS ok");
      res.json({
        status: 'ok',
        serverVersion: result.rows[0].server_version,
        latencyMs: Date.now() - started,
      });
    } catch (error) {
      res.status(503).json({ status: 'error', detail: error.code || error.message });
    }
  });

  app.get('/api/v1/health/redis', async (req, res) => {
    if (!env.REDIS_URL) {
      res.json({
        status: 'not-configured',
        detail: 'REDIS_URL is not set; this deployment runs without a cache',
      });
      return;
    }
    try {
      const latencyMs = await pingRedis(env.REDIS_URL);
      res.json({ status: 'ok', latencyMs });
    } catch (error) {
      res.status(503).json({ status: 'error', detail: error.message });
    }
  });

  app.get('/api/v1/health/audit-status', async (req, res) => {
    const healthy = audit.failures === 0;
    // The last write across every process of the app, from the table; this process's when the table is unreachable.
    let lastEntryAt = audit.lastEntryAt;
    if (pool) {
      try {
        const result = await pool.query('SELECT max(occurred_at) AS last FROM audit_log');
        const last = result.rows[0] && result.rows[0].last;
        if (last) lastEntryAt = new Date(last).toISOString();
      } catch {
        // keep this process's view
      }
    }
    res.status(healthy ? 200 : 503).json({
      status: healthy ? 'ok' : 'degraded',
      auditLogging: 'enabled',
      sink: audit.sink,
      entries: audit.entries,
      failures: audit.failures,
      lastEntryAt: lastEntryAt ?? null,
    });
  });

  app.get('/api/v1/students', async (req, res) => {
    const header = req.get('authorization') || '';
    const match = /^Bearer (\S+)$/.exec(header);
    // A caller's X-Request-Id (hipaa-verify marks its read with one) is kept, so the read can be found in the audit trail.
    const given = req.get('x-request-id');
    const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    if (!match || tokens.length === 0 || !constantTimeIncludes(tokens, match[1])) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="school-health"');
      res.status(401).json({ error: 'authentication required' });
      return;
    }
    const actor = `token:${tokenFingerprint(match[1])}`;
    if (!pool) {
      res.status(503).json({ error: 'database not configured' });
      return;
    }
    try {
      const result = await pool.query(
        'SELECT id, first_name, last_name, grade FROM students ORDER BY id LIMIT 50',
      );
      // Every read of PHI is audited before the data leaves: no entry, no data.
      await writeAudit({
        at: new Date().toISOString(),
        requestId,
        actor,
        action: 'students.list',
        resource: 'students',
        records: result.rowCount,
        version,
      });
      res.json({ students: result.rows });
    } catch (error) {
      const missing = error && error.code === '42P01';
      res.status(503).json({
        error: missing ? 'the students table does not exist: run the migrations' : 'students unavailable',
      });
    }
  });

  app.use((req, res) => {
    res.status(404).json({ error: 'not found' });
  });

  return { app, close: () => (pool ? pool.end() : Promise.resolve()) };
}

module.exports = { createApp, createFaultSwitch, tokenFingerprint };
