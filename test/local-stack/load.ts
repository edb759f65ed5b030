/**
 * A load generator for the stand-in ALB: a steady rate of real requests, bounded in count and
 * in time, and only ever to a loopback address.
 */
import { Agent, request } from 'node:https';

export interface LoadOptions {
  /** The ALB stand-in's https URL (must be on 127.0.0.0/8). */
  url: string;
  /** The CA that signed its certificate. */
  ca: string;
  requestsPerSecond: number;
  /** Stop after this long at the latest. */
  maxDurationMs: number;
  /** Stop after this many requests at the latest. */
  maxRequests: number;
  /** Paths to request in turn. */
  paths: string[];
  /** Bearer token for the API. */
  token?: string;
}

export interface LoadStats {
  sent: number;
  byStatus: Record<string, number>;
  /** The answers that were not 2xx/3xx, by path and status (which path failed, not only how many). */
  failuresByPath: Record<string, Record<string, number>>;
}

export interface LoadGenerator {
  stats: LoadStats;
  /** Stops sending and waits for the requests in flight. */
  stop(): Promise<LoadStats>;
  /** Resolves when the bounds are reached or stop() was called. */
  done: Promise<LoadStats>;
}

/** Starts sending at once. */
export function startLoad(options: LoadOptions): LoadGenerator {
  const target = new URL(options.url);
  if (!/^127\.\d+\.\d+\.\d+$/.test(target.hostname))
    throw new Error(`the load generator only targets loopback addresses, not ${target.hostname}`);
  const agent = new Agent({ keepAlive: true, maxSockets: 16, ca: options.ca });
  const stats: LoadStats = { sent: 0, byStatus: {}, failuresByPath: {} };
  const started = Date.now();
  let stopped = false;
  let inFlight = 0;
  const count = (status: string, path: string) => {
    stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
    if (/^[23]\d\d$/.test(status)) return;
    const byStatus = (stats.failuresByPath[path] ??= {});
    byStatus[status] = (byStatus[status] ?? 0) + 1;
  };
  const fire = () => {
    const path = options.paths[stats.sent % options.paths.length] ?? '/';
    stats.sent++;
    inFlight++;
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path,
        method: 'GET',
        agent,
        timeout: 10_000,
        headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          inFlight--;
          count(String(res.statusCode), path);
        });
      },
    );
    req.on('error', () => {
      inFlight--;
      count('error', path);
    });
    req.end();
  };
  const intervalMs = 1000 / options.requestsPerSecond;
  let resolveDone!: (s: LoadStats) => void;
  const done = new Promise<LoadStats>((r) => (resolveDone = r));
  const finish = async () => {
    stopped = true;
    clearInterval(timer);
    const deadline = Date.now() + 10_000;
    while (inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    agent.destroy();
    resolveDone(stats);
    return stats;
  };
  let finishing: Promise<LoadStats> | undefined;
  // Ticks of 50 ms send what is due, so the rate holds when timers run late.
  const timer = setInterval(() => {
    if (stopped) return;
    const due = Math.floor((Date.now() - started) / intervalMs) + 1;
    while (stats.sent < due && stats.sent < options.maxRequests) fire();
    if (stats.sent >= options.maxRequests || Date.now() - started >= options.maxDurationMs)
      finishing ??= finish();
  }, 50);
  return { stats, done, stop: () => (finishing ??= finish()) };
}
