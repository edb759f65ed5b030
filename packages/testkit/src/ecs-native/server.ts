/**
 * An HTTP stand-in for ECS native deployments in front of moto (or of the testkit AWS proxy in
 * front of moto). Clients point AWS_ENDPOINT_URL at it. It answers, from the state machine in
 * `machine.ts`, exactly the ECS calls the native strategy uses — `UpdateService` with the
 * strategy fields, `ListServiceDeployments`, `DescribeServiceDeployments`,
 * `ContinueServiceDeployment`, `StopServiceDeployment` — and adds the native fields
 * (`deploymentConfiguration`, `loadBalancers[].advancedConfiguration`) to `CreateService` /
 * `DescribeServices`, which it otherwise passes to moto. Everything else goes to the upstream
 * unchanged.
 *
 * When ECS would move traffic, the stand-in sets the forward weights of the production (and
 * test) listener rule in moto with ELBv2 `ModifyRule` / `ModifyListener`, as ECS does with the
 * role in `advancedConfiguration.roleArn`, so the testkit ALB stand-in routes real requests by
 * them. On a rollback it also puts the old task definition back on the moto service.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { freePort } from '../ports.js';
import {
  EcsApiError,
  manualClock,
  NativeDeployment,
  planOf,
  type FailureKind,
  type NativeClock,
  type TrafficChange,
  type WireDeploymentConfiguration,
} from './machine.js';

const ECS_TARGET = 'AmazonEC2ContainerServiceV20141113.';
const NATIVE = new Set(['BLUE_GREEN', 'CANARY', 'LINEAR']);

interface WireLoadBalancer {
  targetGroupArn?: string;
  containerName?: string;
  containerPort?: number;
  advancedConfiguration?: {
    alternateTargetGroupArn?: string;
    productionListenerRule?: string;
    testListenerRule?: string;
    roleArn?: string;
  };
}

interface ServiceRecord {
  key: string;
  serviceArn: string;
  clusterArn: string;
  controller: string;
  loadBalancers: WireLoadBalancer[];
  deploymentConfiguration: WireDeploymentConfiguration;
  taskDefinition: string;
  revisionArn: string;
  revisions: number;
  /** The target group serving production (the primary first, the alternate after a success). */
  live: Map<number, string>;
}

export interface EcsNativeStandIn {
  url: string;
  clock: NativeClock;
  /** Moves the clock and lets every deployment run as far as ECS would, traffic included. */
  advance(ms: number): Promise<void>;
  /** ECS's circuit breaker trips at SCALE_UP for deployments of this task definition (ARN). */
  breakTaskDefinition(taskDefinitionArn: string): void;
  /** A CloudWatch alarm of the deployment goes into ALARM now (alarm-based rollback). */
  tripAlarm(serviceDeploymentArn: string, alarmName: string): Promise<void>;
  deployments(): readonly NativeDeployment[];
  /** Errors met while applying traffic in moto (a test asserts there are none). */
  errors: unknown[];
  stop(): Promise<void>;
}

function ecsError(error: EcsApiError): { status: number; body: string } {
  return { status: 400, body: JSON.stringify({ __type: error.type, message: error.message }) };
}

const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

function lastSegment(value: string | undefined, fallback: string): string {
  if (!value) return fallback;
  return value.split('/').pop() ?? value;
}

/** The region in an ARN (`arn:aws:ecs:us-east-1:…`). */
function regionOf(arn: string): string {
  return arn.split(':')[3] || 'us-east-1';
}

/**
 * Starts the stand-in in front of `upstream`.
 *
 * @example
 * const ecsNative = await startEcsNativeStandIn({ upstream: proxy.url });
 * const ecs = new ECSClient({ endpoint: ecsNative.url, region: 'us-east-1', credentials });
 */
export async function startEcsNativeStandIn(options: {
  upstream: string;
  clock?: NativeClock;
}): Promise<EcsNativeStandIn> {
  const upstream = options.upstream.replace(/\/$/, '');
  const clock = options.clock ?? manualClock();
  const services = new Map<string, ServiceRecord>();
  const deployments: NativeDeployment[] = [];
  const finished = new Set<NativeDeployment>();
  const broken = new Set<string>();
  const errors: unknown[] = [];
  let lastHeaders: IncomingHttpHeaders = {};

  async function forward(
    headers: IncomingHttpHeaders,
    body: string,
    path = '/',
  ): Promise<{ status: number; headers: Headers; text: string }> {
    const sent: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (typeof value !== 'string' || ['host', 'content-length', 'connection'].includes(name)) continue;
      sent[name] = value;
    }
    const res = await fetch(`${upstream}${path}`, { method: 'POST', headers: sent, body });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }

  async function ecsCall(op: string, input: unknown): Promise<Record<string, unknown>> {
    const res = await forward(
      { ...lastHeaders, 'x-amz-target': ECS_TARGET + op, 'content-type': 'application/x-amz-json-1.1' },
      JSON.stringify(input),
    );
    if (res.status >= 300) throw new Error(`${op} upstream: HTTP ${res.status} ${res.text}`);
    return JSON.parse(res.text) as Record<string, unknown>;
  }

  /** ELBv2 (Query protocol): the forward action of a listener rule, or a listener's default. */
  async function setForward(ruleOrListener: string, weights: [string, number][]): Promise<void> {
    const isRule = ruleOrListener.includes(':listener-rule/');
    const prefix = isRule ? 'Actions.member.1' : 'DefaultActions.member.1';
    const form = new URLSearchParams({
      Action: isRule ? 'ModifyRule' : 'ModifyListener',
      Version: '2015-12-01',
      [isRule ? 'RuleArn' : 'ListenerArn']: ruleOrListener,
      [`${prefix}.Type`]: 'forward',
    });
    weights.forEach(([arn, weight], i) => {
      form.set(`${prefix}.ForwardConfig.TargetGroups.member.${i + 1}.TargetGroupArn`, arn);
      form.set(`${prefix}.ForwardConfig.TargetGroups.member.${i + 1}.Weight`, String(weight));
    });
    const region = regionOf(ruleOrListener);
    const res = await fetch(`${upstream}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${region}/elasticloadbalancing/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: form.toString(),
    });
    if (!res.ok)
      throw new Error(`${form.get('Action')} on ${ruleOrListener}: HTTP ${res.status} ${await res.text()}`);
  }

  /** ALB weights are integers 0..999: whole percents as they are, tenths of a percent ×10. */
  function weightsOf(percentToTarget: number): [number, number] {
    if (Number.isInteger(percentToTarget)) return [100 - percentToTarget, percentToTarget];
    const target = Math.round(percentToTarget * 10);
    return [1000 - target, target];
  }

  async function applyTraffic(service: ServiceRecord, change: TrafficChange): Promise<void> {
    for (const [i, lb] of service.loadBalancers.entries()) {
      const advanced = lb.advancedConfiguration;
      if (!advanced?.alternateTargetGroupArn || !lb.targetGroupArn) continue;
      const source = service.live.get(i) ?? lb.targetGroupArn;
      const target = source === lb.targetGroupArn ? advanced.alternateTargetGroupArn : lb.targetGroupArn;
      const [toSource, toTarget] = weightsOf(change.productionToTarget);
      if (advanced.productionListenerRule) {
        await setForward(advanced.productionListenerRule, [
          [source, toSource],
          [target, toTarget],
        ]);
      }
      if (advanced.testListenerRule) {
        await setForward(advanced.testListenerRule, [
          [source, change.testToTarget ? 0 : 100],
          [target, change.testToTarget ? 100 : 0],
        ]);
      }
    }
  }

  function serviceOf(deployment: NativeDeployment): ServiceRecord | undefined {
    return [...services.values()].find((s) => s.serviceArn === deployment.serviceArn);
  }

  /** A deployment that ended: the service's revision and live target group follow the result. */
  async function finish(deployment: NativeDeployment, service: ServiceRecord): Promise<void> {
    if (finished.has(deployment)) return;
    if (deployment.status === 'SUCCESSFUL') {
      finished.add(deployment);
      service.loadBalancers.forEach((lb, i) => {
        const source = service.live.get(i) ?? lb.targetGroupArn!;
        const alternate = lb.advancedConfiguration?.alternateTargetGroupArn;
        if (alternate) service.live.set(i, source === lb.targetGroupArn ? alternate : lb.targetGroupArn!);
      });
      service.revisionArn = deployment.targetRevisionArn;
    }
    if (deployment.status === 'ROLLBACK_SUCCESSFUL' || deployment.status === 'STOPPED') {
      finished.add(deployment);
      // A superseded deployment hands over to the newer one, which already set the service.
      if (deployment.superseded) return;
      const [cluster, name] = service.key.split('/');
      // ECS runs the source revision again: moto's service gets its task definition back.
      const previous = deploymentSourceTaskDefinition.get(deployment);
      if (previous) await ecsCall('UpdateService', { cluster, service: name, taskDefinition: previous });
      if (previous) service.taskDefinition = previous;
    }
  }

  const deploymentSourceTaskDefinition = new WeakMap<NativeDeployment, string>();

  async function run(deployment: NativeDeployment, changes: TrafficChange[]): Promise<void> {
    const service = serviceOf(deployment);
    if (!service) return;
    for (const change of changes) {
      try {
        await applyTraffic(service, change);
      } catch (error) {
        errors.push(error);
      }
    }
    await finish(deployment, service);
  }

  async function settleAll(): Promise<void> {
    for (const deployment of deployments) await run(deployment, deployment.settle());
  }

  async function recordOf(
    clusterIn: string | undefined,
    serviceIn: string,
  ): Promise<ServiceRecord | undefined> {
    const cluster = lastSegment(clusterIn, 'default');
    const name = lastSegment(serviceIn, serviceIn);
    const key = `${cluster}/${name}`;
    const known = services.get(key);
    if (known) return known;
    const described = await ecsCall('DescribeServices', { cluster, services: [name] });
    const service = (described.services as Record<string, unknown>[] | undefined)?.[0];
    if (!service) return undefined;
    const record: ServiceRecord = {
      key,
      serviceArn: service.serviceArn as string,
      clusterArn: service.clusterArn as string,
      controller: (
        (service.deploymentController as { type?: string } | undefined)?.type ?? 'ECS'
      ).toUpperCase(),
      loadBalancers: (service.loadBalancers as WireLoadBalancer[] | undefined) ?? [],
      deploymentConfiguration: {},
      taskDefinition: service.taskDefinition as string,
      revisionArn: '',
      revisions: 0,
      live: new Map(),
    };
    record.revisionArn = nextRevision(record);
    services.set(key, record);
    return record;
  }

  function nextRevision(record: ServiceRecord): string {
    record.revisions++;
    const [cluster, name] = record.key.split('/');
    const prefix = record.serviceArn.split(':service/')[0]!;
    return `${prefix}:service-revision/${cluster}/${name}/${String(record.revisions).padStart(19, '0')}`;
  }

  /** The stored native fields over moto's answer. */
  function patched(service: Record<string, unknown>): Record<string, unknown> {
    const record = [...services.values()].find((s) => s.serviceArn === service.serviceArn);
    if (!record) return service;
    return {
      ...service,
      loadBalancers: record.loadBalancers,
      deploymentController: { type: record.controller },
      deploymentConfiguration: {
        ...(service.deploymentConfiguration as object | undefined),
        ...record.deploymentConfiguration,
      },
      taskDefinition: record.taskDefinition,
    };
  }

  /** The request without the native fields moto does not know (it keeps the rest). */
  function stripped(input: Record<string, unknown>, keepLoadBalancers = false): Record<string, unknown> {
    const copy = { ...input };
    if (keepLoadBalancers && Array.isArray(copy.loadBalancers)) {
      copy.loadBalancers = (copy.loadBalancers as WireLoadBalancer[]).map(
        ({ advancedConfiguration: _, ...lb }) => lb,
      );
    } else {
      delete copy.loadBalancers;
    }
    const dc = copy.deploymentConfiguration as WireDeploymentConfiguration | undefined;
    if (dc) {
      const rest = { ...dc };
      for (const field of [
        'strategy',
        'bakeTimeInMinutes',
        'canaryConfiguration',
        'linearConfiguration',
        'lifecycleHooks',
        'alarms',
      ]) {
        delete rest[field];
      }
      copy.deploymentConfiguration = rest;
    }
    return copy;
  }

  function findDeployment(arn: string): NativeDeployment {
    const found = deployments.find((d) => d.arn === arn);
    if (!found)
      throw new EcsApiError(
        'ServiceDeploymentNotFoundException',
        `The service deployment ${arn} does not exist.`,
      );
    return found;
  }

  function described(d: NativeDeployment): Record<string, unknown> {
    const target = d.productionToTarget;
    return {
      serviceDeploymentArn: d.arn,
      serviceArn: d.serviceArn,
      clusterArn: d.clusterArn,
      createdAt: seconds(d.createdAt),
      startedAt: seconds(d.startedAt),
      finishedAt: seconds(d.finishedAt),
      stoppedAt: seconds(d.stoppedAt),
      updatedAt: seconds(d.updatedAt),
      sourceServiceRevisions: [
        {
          arn: d.sourceRevisionArn,
          requestedTaskCount: d.desiredCount,
          runningTaskCount: d.desiredCount,
          pendingTaskCount: 0,
          requestedTestTrafficWeight: d.testToTarget ? 0 : 100,
          requestedProductionTrafficWeight: 100 - target,
        },
      ],
      targetServiceRevision: {
        arn: d.targetRevisionArn,
        requestedTaskCount: d.desiredCount,
        runningTaskCount: d.armedFailure ? 0 : d.desiredCount,
        pendingTaskCount: 0,
        requestedTestTrafficWeight: d.testToTarget ? 100 : 0,
        requestedProductionTrafficWeight: target,
      },
      status: d.status,
      statusReason: d.statusReason,
      lifecycleStage: d.stage,
      lifecycleHookDetails: d.hooks.map((h) => ({ ...h, expiresAt: seconds(h.expiresAt) })),
      deploymentConfiguration: d.configuration,
      rollback: d.rollback && {
        reason: d.rollback.reason,
        startedAt: seconds(d.rollback.startedAt),
        serviceRevisionArn: d.rollback.serviceRevisionArn,
      },
      deploymentCircuitBreaker: {
        status: d.plan.circuitBreakerRollback ? 'MONITORING' : 'DISABLED',
        failureCount: d.statusReason?.startsWith('ECS deployment circuit breaker') ? d.desiredCount : 0,
      },
    };
  }

  async function handle(
    op: string,
    input: Record<string, unknown>,
    headers: IncomingHttpHeaders,
    raw: string,
  ): Promise<{ status: number; body: string } | undefined> {
    lastHeaders = headers;
    await settleAll();
    switch (op) {
      case 'CreateService': {
        const res = await forward(headers, JSON.stringify(stripped(input, true)));
        if (res.status >= 300) return { status: res.status, body: res.text };
        const out = JSON.parse(res.text) as { service: Record<string, unknown> };
        const cluster = lastSegment(input.cluster as string | undefined, 'default');
        const key = `${cluster}/${input.serviceName as string}`;
        const record: ServiceRecord = {
          key,
          serviceArn: out.service.serviceArn as string,
          clusterArn: out.service.clusterArn as string,
          controller: (
            (input.deploymentController as { type?: string } | undefined)?.type ?? 'ECS'
          ).toUpperCase(),
          loadBalancers: (input.loadBalancers as WireLoadBalancer[] | undefined) ?? [],
          deploymentConfiguration:
            (input.deploymentConfiguration as WireDeploymentConfiguration | undefined) ?? {},
          taskDefinition: out.service.taskDefinition as string,
          revisionArn: '',
          revisions: 0,
          live: new Map(),
        };
        record.revisionArn = nextRevision(record);
        services.set(key, record);
        return { status: 200, body: JSON.stringify({ ...out, service: patched(out.service) }) };
      }
      case 'DescribeServices': {
        const res = await forward(headers, raw);
        if (res.status >= 300) return { status: res.status, body: res.text };
        const out = JSON.parse(res.text) as { services?: Record<string, unknown>[] };
        return { status: 200, body: JSON.stringify({ ...out, services: (out.services ?? []).map(patched) }) };
      }
      case 'UpdateService': {
        const record = await recordOf(input.cluster as string | undefined, input.service as string);
        if (!record) return undefined;
        const configuration: WireDeploymentConfiguration = {
          ...record.deploymentConfiguration,
          ...(input.deploymentConfiguration as WireDeploymentConfiguration | undefined),
        };
        const loadBalancers = (input.loadBalancers as WireLoadBalancer[] | undefined) ?? record.loadBalancers;
        const native = NATIVE.has(configuration.strategy ?? '');
        let plan;
        try {
          if (native) {
            // API reference (CanaryConfiguration/LinearConfiguration): "only valid ... with
            // deploymentController set to ECS".
            if (record.controller !== 'ECS') {
              throw new EcsApiError(
                'InvalidParameterException',
                `The ${configuration.strategy} deployment strategy is only supported for services that use the ECS deployment controller.`,
              );
            }
            // ECS Developer Guide, "Amazon ECS blue/green service deployments": the load balancer
            // needs an alternate target group, a production listener rule and the role ECS uses.
            for (const lb of loadBalancers) {
              const a = lb.advancedConfiguration;
              if (!a?.alternateTargetGroupArn || !a.productionListenerRule || !a.roleArn) {
                throw new EcsApiError(
                  'InvalidParameterException',
                  `The ${configuration.strategy} deployment strategy requires loadBalancers[].advancedConfiguration with alternateTargetGroupArn, productionListenerRule and roleArn.`,
                );
              }
            }
            plan = planOf(configuration);
          }
        } catch (error) {
          if (error instanceof EcsApiError) return ecsError(error);
          throw error;
        }
        const res = await forward(headers, JSON.stringify(stripped(input)));
        if (res.status >= 300) return { status: res.status, body: res.text };
        const out = JSON.parse(res.text) as { service: Record<string, unknown> };
        const previousTaskDefinition = record.taskDefinition;
        const newTaskDefinition = out.service.taskDefinition as string;
        record.deploymentConfiguration = configuration;
        record.loadBalancers = loadBalancers;
        if (plan && (newTaskDefinition !== previousTaskDefinition || input.forceNewDeployment === true)) {
          for (const d of deployments) if (d.serviceArn === record.serviceArn) d.supersede();
          const [cluster, name] = record.key.split('/');
          const prefix = record.serviceArn.split(':service/')[0]!;
          const id = `${Date.now().toString(36)}${deployments.length}`;
          const deployment = new NativeDeployment(
            `${prefix}:service-deployment/${cluster}/${name}/${id}`,
            record.serviceArn,
            record.clusterArn,
            record.revisionArn,
            nextRevision(record),
            (out.service.desiredCount as number | undefined) ?? 1,
            plan,
            configuration,
            clock,
          );
          if (broken.has(newTaskDefinition)) {
            deployment.armedFailure = { kind: 'circuit-breaker', detail: 'tasks failed to start.' };
          }
          deploymentSourceTaskDefinition.set(deployment, previousTaskDefinition);
          deployments.push(deployment);
          record.taskDefinition = newTaskDefinition;
          await run(deployment, deployment.settle());
        } else {
          record.taskDefinition = newTaskDefinition;
        }
        return { status: 200, body: JSON.stringify({ ...out, service: patched(out.service) }) };
      }
      case 'ListServiceDeployments': {
        const cluster = lastSegment(input.cluster as string | undefined, 'default');
        const record = services.get(`${cluster}/${lastSegment(input.service as string, '')}`);
        const statuses = input.status as string[] | undefined;
        const list = deployments
          .filter((d) => d.serviceArn === record?.serviceArn)
          .filter((d) => !statuses || statuses.includes(d.status))
          .reverse()
          .slice(0, (input.maxResults as number | undefined) ?? 20)
          .map((d) => ({
            serviceDeploymentArn: d.arn,
            serviceArn: d.serviceArn,
            clusterArn: d.clusterArn,
            createdAt: seconds(d.createdAt),
            startedAt: seconds(d.startedAt),
            finishedAt: seconds(d.finishedAt),
            targetServiceRevisionArn: d.targetRevisionArn,
            status: d.status,
            statusReason: d.statusReason,
          }));
        return { status: 200, body: JSON.stringify({ serviceDeployments: list }) };
      }
      case 'DescribeServiceDeployments': {
        const arns = (input.serviceDeploymentArns as string[] | undefined) ?? [];
        const found = deployments.filter((d) => arns.includes(d.arn));
        const failures = arns
          .filter((a) => !found.some((d) => d.arn === a))
          .map((arn) => ({ arn, reason: 'MISSING' }));
        return { status: 200, body: JSON.stringify({ serviceDeployments: found.map(described), failures }) };
      }
      case 'ContinueServiceDeployment':
      case 'StopServiceDeployment': {
        try {
          const deployment = findDeployment(input.serviceDeploymentArn as string);
          const changes =
            op === 'StopServiceDeployment'
              ? deployment.stop()
              : deployment.continueHook(
                  input.hookId as string,
                  ((input.action as string | undefined) ?? 'CONTINUE') as 'CONTINUE' | 'ROLLBACK',
                );
          await run(deployment, changes);
          return { status: 200, body: JSON.stringify({ serviceDeploymentArn: deployment.arn }) };
        } catch (error) {
          if (error instanceof EcsApiError) return ecsError(error);
          throw error;
        }
      }
      default:
        return undefined;
    }
  }

  const port = await freePort();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const target = req.headers['x-amz-target'];
      const op =
        typeof target === 'string' && target.startsWith(ECS_TARGET) ? target.slice(ECS_TARGET.length) : '';
      void (async () => {
        try {
          const answer = op
            ? await handle(op, raw ? (JSON.parse(raw) as Record<string, unknown>) : {}, req.headers, raw)
            : undefined;
          if (answer) {
            res.writeHead(answer.status, {
              'content-type': 'application/x-amz-json-1.1',
              'x-amzn-requestid': 'wcd-ecs-native',
            });
            res.end(answer.body);
            return;
          }
          const up = await fetch(`${upstream}${req.url ?? '/'}`, {
            method: req.method ?? 'GET',
            headers: Object.fromEntries(
              Object.entries(req.headers).filter(
                (e): e is [string, string] =>
                  typeof e[1] === 'string' && !['host', 'content-length', 'connection'].includes(e[0]),
              ),
            ),
            ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body: Buffer.concat(chunks) }),
          });
          const headers: Record<string, string> = {};
          up.headers.forEach((value, name) => {
            if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(name)) {
              headers[name] = value;
            }
          });
          res.writeHead(up.status, headers);
          res.end(Buffer.from(await up.arrayBuffer()));
        } catch (error) {
          errors.push(error);
          res.writeHead(500, { 'content-type': 'application/x-amz-json-1.1' });
          res.end(JSON.stringify({ __type: 'ServerException', message: String(error) }));
        }
      })();
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    clock,
    errors,
    advance: async (ms) => {
      clock.advance(ms);
      await settleAll();
    },
    breakTaskDefinition: (arn) => {
      broken.add(arn);
    },
    tripAlarm: async (arn, alarmName) => {
      const deployment = findDeployment(arn);
      await run(deployment, deployment.trip({ kind: 'alarm' as FailureKind, detail: alarmName }));
    },
    deployments: () => deployments,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
