/**
 * A blue/green pair on a real moto server, and a stand-in for the ECS agent.
 *
 * moto runs no containers and never registers a service's tasks in its target group, so
 * `startAgent` plays that part: when a color's service runs a task definition with N desired
 * tasks it registers N `ip` targets in the color's target group, and deregisters them when
 * the service goes to 0 or to another task definition. moto keeps one target per IP in a
 * target group (it keys targets by Id), so the agent gives each task its own loopback address
 * (127.0.0.2, 127.0.0.3, …) on one port. For an image it is told is broken, it registers
 * nothing and instead starts and stops a task of the service (RunTask/StopTask with the
 * service's `service:<name>` group) with the reason a crashing container gives, as ECS would.
 */
import {
  EC2Client,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
} from '@aws-sdk/client-ec2';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  TagResourceCommand,
  UpdateServiceCommand,
  ListTaskDefinitionsCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { startAwsProxy, startMoto, type AwsProxy, type MotoServer } from '@white-cross/testkit';

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
  ruleArn: string;
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

interface Pair {
  loadBalancerArn: string;
  listenerArn: string;
  ruleArn: string;
  targetGroups: { blue: string; green: string };
  firstTaskDefinition: string;
  network: { subnets: string[]; securityGroups: string[] };
}

/** Builds the pair in an empty moto: blue live with 2 tasks on v1.0.0, green idle on the same. */
async function buildPair(ecs: ECSClient, elb: ElasticLoadBalancingV2Client, ec2: EC2Client): Promise<Pair> {
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
  const vpcId = vpc.Vpc!.VpcId!;
  const subnets = await Promise.all(
    ['a', 'b'].map((az, i) =>
      ec2.send(
        new CreateSubnetCommand({
          VpcId: vpcId,
          CidrBlock: `10.0.${i + 1}.0/24`,
          AvailabilityZone: `us-east-1${az}`,
        }),
      ),
    ),
  );
  const subnetIds = subnets.map((s) => s.Subnet!.SubnetId!);
  const sg = await ec2.send(
    new CreateSecurityGroupCommand({ GroupName: 'api', Description: 'api tasks', VpcId: vpcId }),
  );
  const lb = await elb.send(
    new CreateLoadBalancerCommand({ Name: 'school-health-alb', Subnets: subnetIds, Type: 'application' }),
  );
  const loadBalancerArn = lb.LoadBalancers![0]!.LoadBalancerArn!;
  const targetGroups = {} as Record<Color, string>;
  for (const color of ['blue', 'green'] as const) {
    const tg = await elb.send(
      new CreateTargetGroupCommand({
        Name: `school-health-${color}`,
        Protocol: 'HTTP',
        Port: 3000,
        VpcId: vpcId,
        TargetType: 'ip',
        HealthCheckPath: '/health',
      }),
    );
    targetGroups[color] = tg.TargetGroups![0]!.TargetGroupArn!;
  }
  const forward = (blue: number, green: number) => [
    {
      Type: 'forward' as const,
      ForwardConfig: {
        TargetGroups: [
          { TargetGroupArn: targetGroups.blue, Weight: blue },
          { TargetGroupArn: targetGroups.green, Weight: green },
        ],
      },
    },
  ];
  const listener = await elb.send(
    new CreateListenerCommand({
      LoadBalancerArn: loadBalancerArn,
      Protocol: 'HTTP',
      Port: 80,
      DefaultActions: forward(100, 0),
    }),
  );
  const listenerArn = listener.Listeners![0]!.ListenerArn!;
  const rule = await elb.send(
    new CreateRuleCommand({
      ListenerArn: listenerArn,
      Priority: 10,
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/api/*'] } }],
      Actions: forward(100, 0),
    }),
  );
  await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
  const td = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: FAMILY,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [
        {
          name: 'api',
          image: `${REGISTRY}:v1.0.0`,
          essential: true,
          portMappings: [{ containerPort: 3000 }],
        },
      ],
      tags: [{ key: 'white-cross:version', value: 'v1.0.0' }],
    }),
  );
  const firstTaskDefinition = td.taskDefinition!.taskDefinitionArn!;
  for (const color of ['blue', 'green'] as const) {
    await ecs.send(
      new CreateServiceCommand({
        cluster: CLUSTER,
        serviceName: `${SERVICE}-${color}`,
        taskDefinition: firstTaskDefinition,
        desiredCount: 0,
        launchType: 'FARGATE',
        loadBalancers: [{ targetGroupArn: targetGroups[color], containerName: 'api', containerPort: 3000 }],
        networkConfiguration: { awsvpcConfiguration: { subnets: subnetIds, securityGroups: [sg.GroupId!] } },
        tags: [{ key: 'white-cross:version', value: 'v1.0.0' }],
      }),
    );
  }
  // moto reports the running count only after an update: start blue with 2 running tasks.
  await ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: `${SERVICE}-blue`, desiredCount: 2 }));
  return {
    loadBalancerArn,
    listenerArn,
    ruleArn: rule.Rules![0]!.RuleArn!,
    targetGroups,
    firstTaskDefinition,
    network: { subnets: subnetIds, securityGroups: [sg.GroupId!] },
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
    ...(await buildPair(ecs, elb, ec2)),
    env: { ...moto.env, AWS_ENDPOINT_URL: proxy.url },
    rebuild: async () => {
      await moto.reset();
      proxy.reset();
      Object.assign(stack, await buildPair(ecs, elb, ec2));
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
  const placed: Record<Color, { taskDefinition: string; count: number }> = {
    blue: { taskDefinition: '', count: 0 },
    green: { taskDefinition: '', count: 0 },
  };
  const crashed = new Set<string>();
  const errors: unknown[] = [];
  let running = true;
  const ip = (color: Color, i: number) => `127.0.0.${(color === 'blue' ? 2 : 102) + i}`;
  async function reconcile(color: Color): Promise<void> {
    // Always with TAGS: moto 5.2.1 switches tags in DescribeServices answers on and off for the
    // whole server, so a concurrent call without them would strip them from the action's answer.
    const out = await stack.ecs.send(
      new DescribeServicesCommand({ cluster: CLUSTER, services: [`${SERVICE}-${color}`], include: ['TAGS'] }),
    );
    const service = out.services?.[0];
    if (!service) return;
    const want = { taskDefinition: service.taskDefinition ?? '', count: service.desiredCount ?? 0 };
    const have = placed[color];
    if (want.taskDefinition === have.taskDefinition && want.count === have.count) return;
    const tg = stack.targetGroups[color];
    const registered = await stack.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg }));
    const targets = (registered.TargetHealthDescriptions ?? []).map((d) => ({
      Id: d.Target!.Id!,
      Port: d.Target!.Port,
    }));
    if (targets.length)
      await stack.elb.send(new DeregisterTargetsCommand({ TargetGroupArn: tg, Targets: targets }));
    const td = await stack.ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: want.taskDefinition }),
    );
    const image = td.taskDefinition?.containerDefinitions?.[0]?.image ?? '';
    if (broken.has(image)) {
      if (want.count > 0 && !crashed.has(want.taskDefinition)) {
        crashed.add(want.taskDefinition);
        const task = await stack.ecs.send(
          new RunTaskCommand({
            cluster: CLUSTER,
            taskDefinition: want.taskDefinition,
            launchType: 'FARGATE',
            count: 1,
            group: `service:${SERVICE}-${color}`,
            startedBy: 'ecs-svc/agent',
          }),
        );
        await stack.ecs.send(
          new StopTaskCommand({
            cluster: CLUSTER,
            task: task.tasks![0]!.taskArn!,
            reason: 'Essential container in task exited',
          }),
        );
      }
    } else if (want.count > 0) {
      await stack.elb.send(
        new RegisterTargetsCommand({
          TargetGroupArn: tg,
          Targets: Array.from({ length: want.count }, (_, i) => ({ Id: ip(color, i), Port: port })),
        }),
      );
    }
    placed[color] = want;
  }
  let loop: Promise<void> = Promise.resolve();
  const agent: Agent = {
    broken,
    errors,
    hold: false,
    stop: async () => {
      running = false;
      await loop;
    },
  };
  loop = (async () => {
    while (running) {
      try {
        if (agent.hold) {
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        await reconcile('blue');
        await reconcile('green');
      } catch (error) {
        // Kept for a failing test to show; the next tick tries again.
        errors.push(error);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return agent;
}

/** The pair as AWS holds it now, for assertions. */
export async function readPair(stack: Stack) {
  const services = await stack.ecs.send(
    new DescribeServicesCommand({
      cluster: CLUSTER,
      services: [`${SERVICE}-blue`, `${SERVICE}-green`],
      include: ['TAGS'],
    }),
  );
  const listener = await stack.elb.send(new DescribeListenersCommand({ ListenerArns: [stack.listenerArn] }));
  const rule = await stack.elb.send(new DescribeRulesCommand({ RuleArns: [stack.ruleArn] }));
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
    ruleWeights: weightsOf(rule.Rules?.[0]?.Actions),
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
