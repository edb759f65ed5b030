'use strict';
/**
 * The school-health API, small enough to deploy in a demo and real enough to be judged:
 * health endpoints that query what they report on, an authenticated student list whose every
 * read is written to an audit log (who, what, when — never the records themselves), and a
 * fault switch that turns a good release into a faulty one for the canary scenario.
 *
 * Environment:
 *   PORT               port to listen on (default 3000), bound to HOST (default 127.0.0.1)
 *   APP_VERSION        the release this process runs (shown by /health)
 *   DATABASE_URL       PostgreSQL connection string (secret)
 *   REDIS_URL          optional; /api/v1/health/redis reports `not-configured` without it
 *   API_TOKENS         comma-separated bearer tokens accepted by /api/v1/students (secrets)
 *   AUDIT_LOG_FILE     where PHI-access audit entries are appended as JSON lines (default: stdout only)
 *   FAULT_ERROR_RATE   fraction of API requests answered 500 (e.g. 0.1), for the faulty-release scenario
 *   FAULT_LATENCY_MS   extra latency added to every API request
 *   FAULT_DATABASE_HEALTH  `fail` (or true/1): /api/v1/health/database answers 503, for the refused-release scenario
 *   FRONTEND_DIR       optional; the built frontend (frontend/dist) served at / on the same origin
 */
const express = require('express');
const { createApp } = require('./app.cjs');

const port = Number(process.env.PORT || 3000);
const host = process.env.HOST || '127.0.0.1';

const { app, close } = createApp(process.env, express);
const server = app.listen(port, host, () => {
  console.log(
    JSON.stringify({ level: 'info', msg: 'listening', port, version: process.env.APP_VERSION || 'dev' }),
  );
});

function shutdown(signal) {
  console.log(JSON.stringify({ level: 'info', msg: 'shutting down', signal }));
  server.close(() => {
    close().finally(() => process.exit(0));
  });
  // Connections kept alive by a load balancer must not hold the process forever.
  setTimeout(() => process.exit(0), 3000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
