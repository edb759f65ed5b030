/**
 * A blue/green pair in an empty moto, the way the suite's tests and the local stack need it:
 * a VPC with two subnets and a security group, an ALB with a blue and a green `ip` target
 * group, an HTTP listener forwarding 100/0 (and optionally a path rule doing the same), an ECS
 * cluster, one task definition tagged with its release, and two Fargate services
 * `<service>-blue` (live, `liveTasks` desired) and `<service>-green` (0 tasks).
 */
import {
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  type ECSClient,
  type KeyValuePair,
} from '@aws-sdk/client-ecs';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  type Action,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';

export type PairColor = 'blue' | 'green';

export interface BlueGreenPairOptions {
  /** Prefix of the load balancer and target group names. Default `school-health`. */
  name?: string;
  cluster?: string;
  /** Service base name: `<service>-blue`, `<service>-green`. Default `school-health-api`. */
  service?: string;
  /** Task definition family. Default the service base name. */
  family?: string;
  /** Image repository; the first task definition runs `<repository>:<version>`. */
  repository?: string;
  version?: string;
  /** Container port and target group port. Default 3000. */
  port?: number;
  /** Desired tasks of blue (the live color). Default 1. */
  liveTasks?: number;
  /** Environment of the container. */
  environment?: KeyValuePair[];
  /** Also create a listener rule (priority 10, `/api/*`) forwarding 100/0. */
  withRule?: boolean;
}

export interface BlueGreenPair {
  vpcId: string;
  subnets: string[];
  securityGroups: string[];
  loadBalancerArn: string;
  listenerArn: string;
  /** Set with `withRule`. */
  ruleArn?: string;
  targetGroups: Record<PairColor, string>;
  cluster: string;
  services: Record<PairColor, string>;
  family: string;
  /** The task definition both services start on. */
  firstTaskDefinition: string;
}

/** The ECS, ELBv2 and EC2 clients the pair is built with (pointed at moto). */
export interface PairClients {
  ec2: EC2Client;
  ecs: ECSClient;
  elb: ElasticLoadBalancingV2Client;
}

/**
 * A forward action splitting `blue`/`green` percent between the two target groups.
 *
 * @example
 * forwardTo(pair.targetGroups, 90, 10); // [{ Type: 'forward', ForwardConfig: { TargetGroups: [...] } }]
 */
export function forwardTo(targetGroups: Record<PairColor, string>, blue: number, green: number): Action[] {
  return [
    {
      Type: 'forward',
      ForwardConfig: {
        TargetGroups: [
          { TargetGroupArn: targetGroups.blue, Weight: blue },
          { TargetGroupArn: targetGroups.green, Weight: green },
        ],
      },
    },
  ];
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`moto returned no ${what}`);
  return value;
}

/**
 * Builds the pair in an empty moto (see the file comment).
 *
 * @example
 * const pair = await createBlueGreenPair({ ec2, ecs, elb }, { liveTasks: 2, withRule: true });
 * pair.services.blue; // 'school-health-api-blue'
 */
export async function createBlueGreenPair(
  clients: PairClients,
  options: BlueGreenPairOptions = {},
): Promise<BlueGreenPair> {
  const { ec2, ecs, elb } = clients;
  const name = options.name ?? 'school-health';
  const cluster = options.cluster ?? 'school-health';
  const service = options.service ?? 'school-health-api';
  const family = options.family ?? service;
  const port = options.port ?? 3000;
  const version = options.version ?? 'v1.0.0';
  const repository = options.repository ?? `123456789012.dkr.ecr.us-east-1.amazonaws.com/${service}`;

  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
  const vpcId = required(vpc.Vpc?.VpcId, 'VPC id');
  const subnets: string[] = [];
  for (const [i, az] of ['a', 'b'].entries()) {
    const subnet = await ec2.send(
      new CreateSubnetCommand({
        VpcId: vpcId,
        CidrBlock: `10.0.${i + 1}.0/24`,
        AvailabilityZone: `us-east-1${az}`,
      }),
    );
    subnets.push(required(subnet.Subnet?.SubnetId, 'subnet id'));
  }
  const sg = await ec2.send(
    new CreateSecurityGroupCommand({ GroupName: `${service}-tasks`, Description: 'API tasks', VpcId: vpcId }),
  );
  const securityGroups = [required(sg.GroupId, 'security group id')];
  const lb = await elb.send(
    new CreateLoadBalancerCommand({ Name: `${name}-alb`, Subnets: subnets, Type: 'application' }),
  );
  const loadBalancerArn = required(lb.LoadBalancers?.[0]?.LoadBalancerArn, 'load balancer ARN');
  const targetGroups = { blue: '', green: '' };
  for (const color of ['blue', 'green'] as const) {
    const tg = await elb.send(
      new CreateTargetGroupCommand({
        Name: `${name}-${color}`,
        Protocol: 'HTTP',
        Port: port,
        VpcId: vpcId,
        TargetType: 'ip',
        HealthCheckPath: '/health',
      }),
    );
    targetGroups[color] = required(tg.TargetGroups?.[0]?.TargetGroupArn, 'target group ARN');
  }
  const listener = await elb.send(
    new CreateListenerCommand({
      LoadBalancerArn: loadBalancerArn,
      Protocol: 'HTTP',
      Port: 80,
      DefaultActions: forwardTo(targetGroups, 100, 0),
    }),
  );
  const listenerArn = required(listener.Listeners?.[0]?.ListenerArn, 'listener ARN');
  let ruleArn: string | undefined;
  if (options.withRule) {
    const rule = await elb.send(
      new CreateRuleCommand({
        ListenerArn: listenerArn,
        Priority: 10,
        Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/api/*'] } }],
        Actions: forwardTo(targetGroups, 100, 0),
      }),
    );
    ruleArn = required(rule.Rules?.[0]?.RuleArn, 'rule ARN');
  }
  await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  const td = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [
        {
          name: 'api',
          image: `${repository}:${version}`,
          essential: true,
          portMappings: [{ containerPort: port }],
          ...(options.environment ? { environment: options.environment } : {}),
        },
      ],
      tags: [{ key: 'white-cross:version', value: version }],
    }),
  );
  const firstTaskDefinition = required(td.taskDefinition?.taskDefinitionArn, 'task definition ARN');
  const services = { blue: `${service}-blue`, green: `${service}-green` };
  for (const color of ['blue', 'green'] as const) {
    await ecs.send(
      new CreateServiceCommand({
        cluster,
        serviceName: services[color],
        taskDefinition: firstTaskDefinition,
        desiredCount: 0,
        launchType: 'FARGATE',
        loadBalancers: [{ targetGroupArn: targetGroups[color], containerName: 'api', containerPort: port }],
        networkConfiguration: { awsvpcConfiguration: { subnets, securityGroups } },
        tags: [{ key: 'white-cross:version', value: version }],
      }),
    );
  }
  // moto reports a running count only after an update: blue starts live with its tasks.
  await ecs.send(
    new UpdateServiceCommand({ cluster, service: services.blue, desiredCount: options.liveTasks ?? 1 }),
  );
  return {
    vpcId,
    subnets,
    securityGroups,
    loadBalancerArn,
    listenerArn,
    ...(ruleArn ? { ruleArn } : {}),
    targetGroups,
    cluster,
    services,
    family,
    firstTaskDefinition,
  };
}
