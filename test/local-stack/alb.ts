/**
 * A stand-in for the Application Load Balancer: an HTTPS server that routes real requests to
 * the targets registered in moto's target groups, split by the weights of moto's listener
 * (polled, so a ModifyListener by ecs-bluegreen, or ECS moving a production listener rule's weights, takes effect within a poll), and records each
 * request into the CloudWatch stand-in the way the ALB's metrics would count it. moto models the
 * ALB's configuration but forwards no traffic, and its CloudWatch has no percentiles.
 *
 * The split is a smooth weighted round robin (nginx's), so 10 % means every tenth request, not
 * 10 % on average: the demo's verdicts do not depend on luck.
 */
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  DescribeRulesCommand,
  DescribeTargetHealthCommand,
  type Rule,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { startHttpsServer, type Certificate } from '@white-cross/testkit';
import type { MetricsServer } from '@white-cross/testkit/metrics-server';
import { dimensions, type AwsClients, type Color, type Environment } from './aws-setup.js';

export interface AlbStandIn {
  url: string;
  /** Requests answered per color so far by the listener's default action (the weights): production traffic. */
  counts: Record<Color, number>;
  /** Requests answered per color so far through a listener rule (e.g. ecs-bluegreen's test route). */
  ruleCounts: Record<Color, number>;
  /** The weights in force (as last read from moto). */
  weights(): Record<Color, number>;
  stop(): Promise<void>;
}

interface Route {
  weights: Record<Color, number>;
  targets: Record<Color, { ip: string; port: number }[]>;
  /** The listener's rules with http-header conditions that forward to a color, lowest priority first. */
  rules: HeaderRule[];
}

/** A listener rule as the stand-in honors it: all its http-header conditions, and the color it forwards to. */
export interface HeaderRule {
  priority: number;
  headers: { name: string; values: string[] }[];
  color: Color;
}

/**
 * The listener's rules the stand-in can route by: non-default rules whose conditions are all
 * http-header conditions and whose one action forwards to one color's target group, sorted by
 * priority. Rules with other conditions (path, host, …) are not modelled: the local stack's
 * listener has none.
 */
export function headerRules(rules: readonly Rule[], targetGroups: Record<Color, string>): HeaderRule[] {
  const found: HeaderRule[] = [];
  for (const rule of rules) {
    if (rule.IsDefault || !rule.Priority || !rule.Conditions?.length) continue;
    if (!rule.Conditions.every((c) => c.Field === 'http-header' && c.HttpHeaderConfig?.HttpHeaderName))
      continue;
    const [action, ...more] = rule.Actions ?? [];
    const groups = action?.ForwardConfig?.TargetGroups ?? [];
    const arn = action?.TargetGroupArn ?? (groups.length === 1 ? groups[0]?.TargetGroupArn : undefined);
    const color = (['blue', 'green'] as const).find((c) => targetGroups[c] === arn);
    if (more.length || action?.Type !== 'forward' || !color) continue;
    found.push({
      priority: Number(rule.Priority),
      headers: rule.Conditions.map((c) => ({
        name: c.HttpHeaderConfig!.HttpHeaderName!.toLowerCase(),
        values: c.HttpHeaderConfig!.Values ?? [],
      })),
      color,
    });
  }
  return found.sort((a, b) => a.priority - b.priority);
}

/**
 * The first rule (lowest priority value) whose every http-header condition matches, as ALB
 * evaluates them: header names and values compared case-insensitively, `*` and `?` wildcards,
 * a condition matching when any of its values does (Elastic Load Balancing, "Listener rules for
 * your Application Load Balancer" and "Condition types for listener rules", HTTP header
 * conditions).
 *
 * @example
 * matchHeaderRule(rules, { 'x-white-cross-test-route': 'abc' })?.color; // 'green'
 */
export function matchHeaderRule(
  rules: readonly HeaderRule[],
  headers: IncomingMessage['headers'],
): HeaderRule | undefined {
  const matches = (pattern: string, value: string) =>
    new RegExp(
      `^${pattern
        .split('')
        .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
        .join('')}$`,
      'i',
    ).test(value);
  return rules.find((rule) =>
    rule.headers.every((h) => {
      const given = headers[h.name];
      const values = given === undefined ? [] : [given].flat();
      return values.some((v) => h.values.some((p) => matches(p, v)));
    }),
  );
}

/**
 * Picks the next color by smooth weighted round robin.
 *
 * @example
 * const next = weightedRoundRobin(); next({ blue: 90, green: 10 }); // 'blue' nine times in ten
 */
export function weightedRoundRobin(): (weights: Record<Color, number>) => Color | undefined {
  const current: Record<Color, number> = { blue: 0, green: 0 };
  return (weights) => {
    const total = weights.blue + weights.green;
    if (total <= 0) return undefined;
    current.blue += weights.blue;
    current.green += weights.green;
    const pick: Color = current.blue >= current.green ? 'blue' : 'green';
    current[pick] -= total;
    return pick;
  };
}

/**
 * The production weights of the pair, as the ALB applies them to a request matching no test
 * route: the forward action of the first rule (by priority) that forwards to one of the pair's
 * target groups, else the listener's default action (DescribeRules lists it with IsDefault).
 * Listener rules matter since ECS native deployments move the weights of their
 * `productionListenerRule`, not the default action (ECS Developer Guide, "Amazon ECS blue/green
 * deployments", load balancer resources). A rule with an http-header condition is a test route
 * (the test listener rule of ECS, or verify-deployment's): not production traffic.
 *
 * @example
 * productionWeights(rules, environment.targetGroups); // { blue: 90, green: 10 }
 */
export function productionWeights(rules: Rule[], targetGroups: Record<Color, string>): Record<Color, number> {
  const pair = new Set(Object.values(targetGroups));
  const forwardOf = (rule: Rule) =>
    rule.Actions?.find((a) => a.Type === 'forward' && a.ForwardConfig)?.ForwardConfig?.TargetGroups ?? [];
  const production = (rule: Rule) =>
    !rule.IsDefault &&
    !(rule.Conditions ?? []).some((c) => c.Field === 'http-header') &&
    forwardOf(rule).some((g) => pair.has(g.TargetGroupArn ?? ''));
  const ordered = [...rules].sort((a, b) => Number(a.Priority) - Number(b.Priority));
  const rule = ordered.find(production) ?? rules.find((r) => r.IsDefault);
  const groups = rule ? forwardOf(rule) : [];
  const weights: Record<Color, number> = { blue: 0, green: 0 };
  for (const color of ['blue', 'green'] as const)
    weights[color] = groups.find((g) => g.TargetGroupArn === targetGroups[color])?.Weight ?? 0;
  return weights;
}

/** Starts the stand-in on 127.0.0.1 with the given certificate. */
export async function startAlb(
  aws: AwsClients,
  environment: Environment,
  metrics: MetricsServer,
  certificate: Certificate,
  options: { pollMs?: number; log?: (line: string) => void } = {},
): Promise<AlbStandIn> {
  const dims = dimensions(environment);
  const route: Route = { weights: { blue: 100, green: 0 }, targets: { blue: [], green: [] }, rules: [] };
  const counts: Record<Color, number> = { blue: 0, green: 0 };
  const ruleCounts: Record<Color, number> = { blue: 0, green: 0 };
  const nextColor = weightedRoundRobin();
  const nextTarget: Record<Color, number> = { blue: 0, green: 0 };
  let running = true;

  async function refresh(): Promise<void> {
    const rules = await aws.elb.send(new DescribeRulesCommand({ ListenerArn: environment.listenerArn }));
    const weights = productionWeights(rules.Rules ?? [], environment.targetGroups);
    for (const color of ['blue', 'green'] as const) {
      const health = await aws.elb.send(
        new DescribeTargetHealthCommand({ TargetGroupArn: environment.targetGroups[color] }),
      );
      route.targets[color] = (health.TargetHealthDescriptions ?? [])
        .filter((d) => d.TargetHealth?.State !== 'draining')
        .map((d) => ({ ip: d.Target!.Id!, port: d.Target!.Port! }));
    }
    if (weights.blue !== route.weights.blue || weights.green !== route.weights.green) {
      options.log?.(`alb: listener now sends blue ${weights.blue} %, green ${weights.green} %`);
    }
    route.weights = weights;
    route.rules = headerRules(rules.Rules ?? [], environment.targetGroups);
  }
  await refresh();
  const poller = (async () => {
    while (running) {
      await new Promise((r) => setTimeout(r, options.pollMs ?? 250));
      try {
        await refresh();
      } catch {
        // moto busy: keep the last route
      }
    }
  })();

  function answer(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    const ruled = matchHeaderRule(route.rules, req.headers);
    const color = ruled ? ruled.color : nextColor(route.weights);
    const targets = color ? route.targets[color] : [];
    const record = (status: number, origin: 'target' | 'elb' | 'connection-error') => {
      if (!color) return;
      metrics.record({
        loadBalancer: dims.loadBalancer,
        targetGroup: dims.targetGroups[color],
        at: Date.now(),
        latencyMs: performance.now() - started,
        status,
        origin,
      });
    };
    if (!color || targets.length === 0) {
      record(503, 'elb');
      res.writeHead(503, { 'content-type': 'text/plain' }).end('503 Service Temporarily Unavailable');
      return;
    }
    const target = targets[nextTarget[color]++ % targets.length]!;
    const upstream = httpRequest(
      {
        host: target.ip,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: {
          ...req.headers,
          'x-forwarded-proto': 'https',
          'x-forwarded-for': req.socket.remoteAddress ?? '',
        },
        timeout: 10_000,
      },
      (up) => {
        const headers = {
          ...up.headers,
          'strict-transport-security': 'max-age=63072000; includeSubDomains',
        };
        res.writeHead(up.statusCode ?? 502, headers);
        up.pipe(res);
        up.on('end', () => {
          (ruled ? ruleCounts : counts)[color]++;
          record(up.statusCode ?? 502, 'target');
        });
      },
    );
    upstream.on('error', () => {
      record(502, 'connection-error');
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('502 Bad Gateway');
    });
    req.pipe(upstream);
  }

  const server = await startHttpsServer(certificate, answer, { minVersion: 'TLSv1.2' });
  return {
    url: server.url,
    counts,
    ruleCounts,
    weights: () => ({ ...route.weights }),
    stop: async () => {
      running = false;
      await poller;
      await server.stop();
    },
  };
}
