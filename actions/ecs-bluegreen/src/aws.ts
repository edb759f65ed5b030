/**
 * Thin adapters over ECS and ELBv2. Every call goes through `awsCall` from `@white-cross/aws`
 * (the suite's one retry layer, waits logged, sleep injected), and a call that fails for good is
 * an `AwsCallFailure` saying which call, on which resource, and the state the run left.
 */
import {
  DeregisterTaskDefinitionCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateServiceCommand,
  type Deployment,
  type ServiceEvent,
} from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  ModifyRuleCommand,
  type Action,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { ActionFailure, shortArn, type Logger, type Sleep } from '@white-cross/core';
import { awsCaller, createAwsClient, isAwsError } from '@white-cross/aws';
import { ACTION_NAME, ACTION_VERSION } from './constants.js';
import type { ServiceFacts } from './state.js';
import type { RenderedTaskDefinition } from './task-definition.js';

/** A service as DescribeServices returns it, reduced to what this action reads. */
export interface ServiceDescription extends ServiceFacts {
  pendingCount: number;
  deployments: Pick<
    Deployment,
    | 'status'
    | 'taskDefinition'
    | 'rolloutState'
    | 'rolloutStateReason'
    | 'runningCount'
    | 'desiredCount'
    | 'failedTasks'
  >[];
  events: { at?: number; message: string }[];
}

export interface TaskDefinitionInfo {
  arn: string;
  family: string;
  tags: Record<string, string>;
  containers: { name?: string; image?: string }[];
}

export interface TargetHealthInfo {
  id: string;
  port?: number;
  state: string;
  reason?: string;
  description?: string;
}

export interface StoppedTaskInfo {
  taskArn: string;
  stoppedReason: string;
  stoppedAt?: number;
  containerReasons: string[];
}

export interface RouterInfo {
  actions: Action[];
}

/** A listener's default actions or a rule's actions: somewhere ALB may send requests. */
export interface RouteInfo {
  kind: 'listener' | 'rule';
  arn: string;
  actions: Action[];
}

function tagMap(tags: { key?: string; value?: string }[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).flatMap((t) => (t.key ? [[t.key, t.value ?? '']] : [])));
}

function toServiceDescription(s: {
  serviceName?: string;
  serviceArn?: string;
  taskDefinition?: string;
  desiredCount?: number;
  runningCount?: number;
  pendingCount?: number;
  loadBalancers?: { targetGroupArn?: string }[];
  tags?: { key?: string; value?: string }[];
  deployments?: Deployment[];
  events?: ServiceEvent[];
}): ServiceDescription {
  const targetGroupArn = s.loadBalancers?.find((lb) => lb.targetGroupArn)?.targetGroupArn;
  return {
    serviceName: s.serviceName ?? '',
    serviceArn: s.serviceArn ?? '',
    taskDefinitionArn: s.taskDefinition ?? '',
    desiredCount: s.desiredCount ?? 0,
    runningCount: s.runningCount ?? 0,
    pendingCount: s.pendingCount ?? 0,
    ...(targetGroupArn ? { targetGroupArn } : {}),
    tags: tagMap(s.tags),
    deployments: (s.deployments ?? []).map((d) => ({
      status: d.status,
      taskDefinition: d.taskDefinition,
      rolloutState: d.rolloutState,
      rolloutStateReason: d.rolloutStateReason,
      runningCount: d.runningCount,
      desiredCount: d.desiredCount,
      failedTasks: d.failedTasks,
    })),
    events: (s.events ?? []).map((e) => ({ at: e.createdAt?.getTime(), message: e.message ?? '' })),
  };
}

/** Counts calls by operation, for the audit record and the benchmark. */
export type CallCounter = Map<string, number>;

/** ECS and ELBv2 as ecs-bluegreen uses them. */
export class BlueGreenAws {
  readonly calls: CallCounter = new Map();
  private readonly ecs: ECSClient;
  private readonly elb: ElasticLoadBalancingV2Client;

  private readonly send: ReturnType<typeof awsCaller>;

  /**
   * `leftAs` says, when a call fails for good, what state the run left (read when it fails, so
   * it describes the pair as it is then).
   */
  constructor(
    region: string,
    log: Logger,
    sleep: Sleep,
    env: Record<string, string | undefined>,
    private readonly leftAs: () => string = () => 'Nothing was changed.',
  ) {
    const settings = { region, action: ACTION_NAME, version: ACTION_VERSION, env };
    this.ecs = createAwsClient(ECSClient, settings);
    this.elb = createAwsClient(ElasticLoadBalancingV2Client, settings);
    this.send = awsCaller({
      log,
      sleep,
      onAttempt: (operation) => this.calls.set(operation, (this.calls.get(operation) ?? 0) + 1),
    });
  }

  /** Sends one call through the suite's AWS-call layer. */
  private call<T>(operation: string, resource: string, send: () => Promise<T>): Promise<T> {
    return this.send({ operation, resource, leftAs: this.leftAs() }, send);
  }

  /** Sends one ELBv2 request through the call layer (for modules with calls of their own: test-route.ts). */
  withElb<T>(
    operation: string,
    resource: string,
    send: (elb: ElasticLoadBalancingV2Client) => Promise<T>,
  ): Promise<T> {
    return this.call(operation, resource, () => send(this.elb));
  }

  /** Total calls made, all operations. */
  totalCalls(): number {
    return [...this.calls.values()].reduce((a, b) => a + b, 0);
  }

  async describeServices(
    cluster: string,
    names: readonly string[],
  ): Promise<{ found: ServiceDescription[]; missing: string[] }> {
    const out = await this.call('DescribeServices', `cluster ${cluster}`, () =>
      this.ecs.send(new DescribeServicesCommand({ cluster, services: [...names], include: ['TAGS'] })),
    );
    const found = (out.services ?? []).filter((s) => s.status !== 'INACTIVE').map(toServiceDescription);
    const missing = names.filter((n) => !found.some((s) => s.serviceName === n));
    return { found, missing };
  }

  async describeTaskDefinition(arn: string): Promise<TaskDefinitionInfo | undefined> {
    try {
      const out = await this.call('DescribeTaskDefinition', arn, () =>
        this.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn, include: ['TAGS'] })),
      );
      const td = out.taskDefinition;
      if (!td?.taskDefinitionArn) return undefined;
      return {
        arn: td.taskDefinitionArn,
        family: td.family ?? '',
        tags: tagMap(out.tags),
        containers: (td.containerDefinitions ?? []).map((c) => ({ name: c.name, image: c.image })),
      };
    } catch (error) {
      if (isAwsError(error, 'ClientException', 'InvalidParameterException')) return undefined;
      throw error;
    }
  }

  async registerTaskDefinition(
    definition: RenderedTaskDefinition,
    tags: Record<string, string>,
  ): Promise<string> {
    const out = await this.call('RegisterTaskDefinition', `family ${definition.family}`, () =>
      this.ecs.send(
        new RegisterTaskDefinitionCommand({
          ...definition,
          tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
        }),
      ),
    );
    const arn = out.taskDefinition?.taskDefinitionArn;
    if (!arn)
      throw new ActionFailure(
        `RegisterTaskDefinition for family ${definition.family} returned no ARN; nothing else was changed.`,
      );
    return arn;
  }

  /** ACTIVE revisions of a family (any order). */
  async listTaskDefinitions(family: string): Promise<string[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      const out = await this.call('ListTaskDefinitions', `family ${family}`, () =>
        this.ecs.send(
          new ListTaskDefinitionsCommand({ familyPrefix: family, status: 'ACTIVE', sort: 'DESC', nextToken }),
        ),
      );
      // familyPrefix is a prefix: keep only this family.
      arns.push(...(out.taskDefinitionArns ?? []).filter((a) => shortArn(a).replace(/:\d+$/, '') === family));
      nextToken = out.nextToken;
    } while (nextToken);
    return arns;
  }

  async deregisterTaskDefinition(arn: string): Promise<void> {
    await this.call('DeregisterTaskDefinition', arn, () =>
      this.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn })),
    );
  }

  async updateService(
    cluster: string,
    service: string,
    change: { taskDefinition?: string; desiredCount: number },
  ): Promise<void> {
    await this.call('UpdateService', `service ${service}`, () =>
      this.ecs.send(new UpdateServiceCommand({ cluster, service, ...change })),
    );
  }

  async tagResource(arn: string, tags: Record<string, string>): Promise<void> {
    if (Object.keys(tags).length === 0) return;
    await this.call('TagResource', arn, () =>
      this.ecs.send(
        new TagResourceCommand({
          resourceArn: arn,
          tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
        }),
      ),
    );
  }

  async untagResource(arn: string, keys: string[]): Promise<void> {
    await this.call('UntagResource', arn, () =>
      this.ecs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: keys })),
    );
  }

  /**
   * Recently stopped tasks of a service. ECS keeps stopped tasks for about an hour; tasks are
   * matched by their `service:<name>` group as well as by the ListTasks filter.
   */
  async stoppedTasks(
    cluster: string,
    service: string,
    taskDefinitionArn: string | undefined,
    limit = 10,
  ): Promise<StoppedTaskInfo[]> {
    const list = await this.call('ListTasks', `service ${service}`, () =>
      this.ecs.send(
        new ListTasksCommand({ cluster, serviceName: service, desiredStatus: 'STOPPED', maxResults: 100 }),
      ),
    );
    const arns = (list.taskArns ?? []).slice(0, 100);
    if (arns.length === 0) return [];
    const out = await this.call('DescribeTasks', `service ${service}`, () =>
      this.ecs.send(new DescribeTasksCommand({ cluster, tasks: arns })),
    );
    return (out.tasks ?? [])
      .filter(
        (t) =>
          t.group === `service:${service}` &&
          (!taskDefinitionArn || t.taskDefinitionArn === taskDefinitionArn),
      )
      .sort((a, b) => (b.stoppedAt?.getTime() ?? 0) - (a.stoppedAt?.getTime() ?? 0))
      .slice(0, limit)
      .map((t) => ({
        taskArn: t.taskArn ?? '',
        stoppedReason: t.stoppedReason ?? 'no reason given',
        ...(t.stoppedAt ? { stoppedAt: t.stoppedAt.getTime() } : {}),
        containerReasons: (t.containers ?? [])
          .filter((c) => c.reason || (c.exitCode !== undefined && c.exitCode !== 0))
          .map((c) => `${c.name ?? 'container'}: ${c.reason ?? `exit code ${c.exitCode}`}`),
      }));
  }

  async readRouter(kind: 'listener' | 'rule', arn: string): Promise<RouterInfo | undefined> {
    try {
      if (kind === 'listener') {
        const out = await this.call('DescribeListeners', arn, () =>
          this.elb.send(new DescribeListenersCommand({ ListenerArns: [arn] })),
        );
        const listener = out.Listeners?.[0];
        return listener ? { actions: listener.DefaultActions ?? [] } : undefined;
      }
      const out = await this.call('DescribeRules', arn, () =>
        this.elb.send(new DescribeRulesCommand({ RuleArns: [arn] })),
      );
      const rule = out.Rules?.[0];
      return rule ? { actions: rule.Actions ?? [] } : undefined;
    } catch (error) {
      if (
        isAwsError(
          error,
          'ListenerNotFoundException',
          'ListenerNotFound',
          'RuleNotFoundException',
          'RuleNotFound',
        )
      )
        return undefined;
      throw error;
    }
  }

  async modifyRouter(kind: 'listener' | 'rule', arn: string, actions: Action[]): Promise<void> {
    if (kind === 'listener') {
      await this.call('ModifyListener', arn, () =>
        this.elb.send(new ModifyListenerCommand({ ListenerArn: arn, DefaultActions: actions })),
      );
    } else {
      await this.call('ModifyRule', arn, () =>
        this.elb.send(new ModifyRuleCommand({ RuleArn: arn, Actions: actions })),
      );
    }
  }

  /** The load balancers a target group is attached to. */
  async loadBalancersOf(targetGroupArn: string): Promise<string[]> {
    const out = await this.call('DescribeTargetGroups', targetGroupArn, () =>
      this.elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [targetGroupArn] })),
    );
    return out.TargetGroups?.[0]?.LoadBalancerArns ?? [];
  }

  /** Every listener of a load balancer and every rule of each (default rules as listeners). */
  async routesOf(loadBalancerArn: string): Promise<RouteInfo[]> {
    const routes: RouteInfo[] = [];
    let marker: string | undefined;
    const listeners: string[] = [];
    do {
      const out = await this.call('DescribeListeners', loadBalancerArn, () =>
        this.elb.send(new DescribeListenersCommand({ LoadBalancerArn: loadBalancerArn, Marker: marker })),
      );
      for (const l of out.Listeners ?? []) {
        if (!l.ListenerArn) continue;
        listeners.push(l.ListenerArn);
        routes.push({ kind: 'listener', arn: l.ListenerArn, actions: l.DefaultActions ?? [] });
      }
      marker = out.NextMarker;
    } while (marker);
    for (const listener of listeners) {
      let next: string | undefined;
      do {
        const out = await this.call('DescribeRules', listener, () =>
          this.elb.send(new DescribeRulesCommand({ ListenerArn: listener, Marker: next })),
        );
        for (const r of out.Rules ?? [])
          if (r.RuleArn && !r.IsDefault)
            routes.push({ kind: 'rule', arn: r.RuleArn, actions: r.Actions ?? [] });
        next = out.NextMarker;
      } while (next);
    }
    return routes;
  }

  async targetHealth(targetGroupArn: string): Promise<TargetHealthInfo[]> {
    const out = await this.call('DescribeTargetHealth', targetGroupArn, () =>
      this.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn })),
    );
    return (out.TargetHealthDescriptions ?? []).map((d) => ({
      id: d.Target?.Id ?? '',
      ...(d.Target?.Port !== undefined ? { port: d.Target.Port } : {}),
      state: d.TargetHealth?.State ?? 'unknown',
      ...(d.TargetHealth?.Reason ? { reason: d.TargetHealth.Reason } : {}),
      ...(d.TargetHealth?.Description ? { description: d.TargetHealth.Description } : {}),
    }));
  }
}
