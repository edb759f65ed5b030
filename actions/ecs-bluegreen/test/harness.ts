/**
 * A blue/green pair on a real moto server (built by testkit's `createBlueGreenPair`), and the
 * ECS agent played by testkit's `startEcsAgent`: moto runs no containers, so the agent registers
 * a color's tasks in its target group. For an image a test marks as broken, the agent's "start a
 * task" callback reports a crash, so the task is never registered and ECS shows a stopped task
 * with the reason a crashing container gives.
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeServicesCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  TagResourceCommand,
  ListTaskDefinitionsCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateRuleCommand,
  DeleteRuleCommand,
  DescribeListenersCommand,
  DescribeRulesCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  runActionBundle,
  startAwsProxy,
  startMoto,
  type AwsProxy,
  type MotoServer,
  type RunActionOptions,
} from '@white-cross/testkit';
import { createBlueGreenPair, forwardTo } from '@white-cross/testkit/aws-fixtures';
import { startEcsAgent } from '@white-cross/testkit/ecs-agent';

export const CLUSTER = 'school-health';
export const SERVICE = 'school-health-api';
export const FAMILY = 'school-health-api';
export const REGISTRY = '123456789012.dkr.ecr.us-east-1.amazonaws.com/school-health-api';

export interface Stack {
  moto: MotoServer;
  proxy: AwsProxy;
  ecs: ECSClient;
  elb: ElasticLoadBalancingV2Client;
  loadBalancerArn: string;
  listenerArn: string;
  targetGroups: { blue: string; green: string };
  /** The task definition both colors start on (tagged v1.0.0). */
  firstTaskDefinition: string;
  network: { subnets: string[]; securityGroups: string[] };
  /** Environment for the bundle: AWS through the recording proxy. */
  env: Record<string, string>;
  /** Forgets everything in moto and builds the pair again (restart the agent after). */
  rebuild(): Promise<void>;
  stop(): Promise<void>;
}

type Color = 'blue' | 'green';

/** Builds the pair in an empty moto: blue live with 2 tasks on v1.0.0, green idle on the same. */
async function buildPair(clients: { ecs: ECSClient; elb: ElasticLoadBalancingV2Client; ec2: EC2Client }) {
  const pair = await createBlueGreenPair(clients, {
    cluster: CLUSTER,
    service: SERVICE,
    family: FAMILY,
    repository: REGISTRY,
    liveTasks: 2,
  });
  return {
    loadBalancerArn: pair.loadBalancerArn,
    listenerArn: pair.listenerArn,
    targetGroups: pair.targetGroups,
    firstTaskDefinition: pair.firstTaskDefinition,
    network: { subnets: pair.subnets, securityGroups: pair.securityGroups },
  };
}

/** Starts moto and the proxy in front of it, and builds the pair. */
export async function startStack(): Promise<Stack> {
  const moto = await startMoto();
  const proxy = await startAwsProxy(moto.url);
  const config = {
    region: 'us-east-1',
    endpoint: moto.url,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  const ec2 = new EC2Client(config);
  const ecs = new ECSClient(config);
  const elb = new ElasticLoadBalancingV2Client(config);
  const stack: Stack = {
    moto,
    proxy,
    ecs,
    elb,
    ...(await buildPair({ ecs, elb, ec2 })),
    env: { ...moto.env, AWS_ENDPOINT_URL: proxy.url },
    rebuild: async () => {
      await moto.reset();
      proxy.reset();
      Object.assign(stack, await buildPair({ ecs, elb, ec2 }));
    },
    stop: async () => {
      ecs.destroy();
      elb.destroy();
      ec2.destroy();
      await proxy.stop();
      await moto.stop();
    },
  };
  return stack;
}

export interface Agent {
  /** Images whose tasks crash (never registered as targets). */
  broken: Set<string>;
  /** Errors the agent met (it retries on its next tick). */
  errors: unknown[];
  /** While true, the agent places nothing (tasks still starting). */
  hold: boolean;
  stop(): Promise<void>;
}

/** Plays the ECS agent for both services until stopped (see the file comment). */
export function startAgent(stack: Stack, port = 3000): Agent {
  const broken = new Set<string>();
  const agent = startEcsAgent({
    ecs: stack.ecs,
    elb: stack.elb,
    cluster: CLUSTER,
    port,
    services: [
      { name: `${SERVICE}-blue`, targetGroupArn: stack.targetGroups.blue, firstAddress: 2 },
      { name: `${SERVICE}-green`, targetGroupArn: stack.targetGroups.green, firstAddress: 102 },
    ],
    startTask: async ({ taskDefinition }) =>
      broken.has(taskDefinition.containerDefinitions?.[0]?.image ?? '')
        ? { crashed: 'Essential container in task exited' }
        : { stop: async () => {} },
  });
  return {
    broken,
    errors: agent.errors,
    get hold() {
      return agent.hold;
    },
    set hold(value: boolean) {
      agent.hold = value;
    },
    stop: () => agent.stop(),
  };
}

/**
 * Routes the pair through a rule (priority 10, `/api/*`, forwarding 100/0) instead of the
 * listener, whose default action becomes a fixed 404 — so the rule is the only routing to the
 * pair. Returns the rule ARN and a function that puts the listener back.
 */
export async function routeThroughRule(stack: Stack): Promise<{ ruleArn: string; restore(): Promise<void> }> {
  const rule = await stack.elb.send(
    new CreateRuleCommand({
      ListenerArn: stack.listenerArn,
      Priority: 10,
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/api/*'] } }],
      Actions: forwardTo(stack.targetGroups, 100, 0),
    }),
  );
  const listener = await stack.elb.send(new DescribeListenersCommand({ ListenerArns: [stack.listenerArn] }));
  const defaults = listener.Listeners?.[0]?.DefaultActions ?? [];
  await stack.elb.send(
    new ModifyListenerCommand({
      ListenerArn: stack.listenerArn,
      DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404' } }],
    }),
  );
  const ruleArn = rule.Rules?.[0]?.RuleArn ?? '';
  return {
    ruleArn,
    restore: async () => {
      await stack.elb.send(new DeleteRuleCommand({ RuleArn: ruleArn }));
      await stack.elb.send(
        new ModifyListenerCommand({ ListenerArn: stack.listenerArn, DefaultActions: defaults }),
      );
    },
  };
}

/** The pair as AWS holds it now (and the weights of `ruleArn`, when given), for assertions. */
export async function readPair(stack: Stack, ruleArn?: string) {
  const services = await stack.ecs.send(
    new DescribeServicesCommand({
      cluster: CLUSTER,
      services: [`${SERVICE}-blue`, `${SERVICE}-green`],
      include: ['TAGS'],
    }),
  );
  const listener = await stack.elb.send(new DescribeListenersCommand({ ListenerArns: [stack.listenerArn] }));
  const rule = ruleArn ? await stack.elb.send(new DescribeRulesCommand({ RuleArns: [ruleArn] })) : undefined;
  const weightsOf = (
    actions:
      { ForwardConfig?: { TargetGroups?: { TargetGroupArn?: string; Weight?: number }[] } }[] | undefined,
  ) => {
    const tgs = actions?.find((a) => a.ForwardConfig)?.ForwardConfig?.TargetGroups ?? [];
    return {
      blue: tgs.find((t) => t.TargetGroupArn === stack.targetGroups.blue)?.Weight ?? 0,
      green: tgs.find((t) => t.TargetGroupArn === stack.targetGroups.green)?.Weight ?? 0,
    };
  };
  const color = (c: Color) => {
    const s = services.services!.find((x) => x.serviceName === `${SERVICE}-${c}`)!;
    return {
      taskDefinition: s.taskDefinition!,
      desiredCount: s.desiredCount!,
      tags: Object.fromEntries((s.tags ?? []).map((t) => [t.key!, t.value!])),
      arn: s.serviceArn!,
    };
  };
  return {
    weights: weightsOf(listener.Listeners?.[0]?.DefaultActions),
    ruleWeights: weightsOf(rule?.Rules?.[0]?.Actions),
    blue: color('blue'),
    green: color('green'),
  };
}

/** Tags a service (e.g. an old promotion time, which is what cleanup reads). */
export async function tagService(stack: Stack, color: Color, tags: Record<string, string>): Promise<void> {
  const pair = await readPair(stack);
  await stack.ecs.send(
    new TagResourceCommand({
      resourceArn: pair[color].arn,
      tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
    }),
  );
}

/**
 * Registers another revision of the family, tagged with `version` (a release made earlier).
 * `awsvpc: false` for a release the agent is to crash (see the file comment).
 */
export async function registerRelease(
  stack: Stack,
  version: string,
  options: { awsvpc?: boolean } = {},
): Promise<string> {
  const awsvpc = options.awsvpc ?? true;
  const td = await stack.ecs.send(
    new RegisterTaskDefinitionCommand({
      family: FAMILY,
      ...(awsvpc ? { networkMode: 'awsvpc' as const, requiresCompatibilities: ['FARGATE' as const] } : {}),
      cpu: '256',
      memory: '512',
      containerDefinitions: [
        {
          name: 'api',
          image: `${REGISTRY}:${version}`,
          essential: true,
          memory: 512,
          portMappings: [{ containerPort: 3000 }],
        },
      ],
      tags: [{ key: 'white-cross:version', value: version }],
    }),
  );
  return td.taskDefinition!.taskDefinitionArn!;
}

/** Active revisions of the family. */
export async function activeRevisions(stack: Stack): Promise<string[]> {
  const out = await stack.ecs.send(
    new ListTaskDefinitionsCommand({ familyPrefix: FAMILY, status: 'ACTIVE' }),
  );
  return out.taskDefinitionArns ?? [];
}

/**
 * Runs the committed bundle against the pair as the runner runs it: the pair's cluster, service
 * and listener, quick polls and a 30 s wait-timeout unless `inputs` says otherwise.
 *
 * @example
 * const result = await runBundle(stack, { mode: 'shift', traffic: '50' });
 */
export function runBundle(
  stack: Stack,
  inputs: Record<string, string>,
  options: Omit<RunActionOptions, 'inputs'> = {},
) {
  return runActionBundle('ecs-bluegreen', {
    ...options,
    inputs: {
      cluster: CLUSTER,
      service: SERVICE,
      'listener-arn': stack.listenerArn,
      'poll-interval': '100ms',
      'wait-timeout': '30s',
      ...inputs,
    },
    env: { ...stack.env, ...options.env },
  });
}
