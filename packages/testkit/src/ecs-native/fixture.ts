/**
 * One ECS service set up for native deployments in moto, through the stand-in: an ALB with a
 * production listener rule and a test listener rule, a primary and an alternate target group,
 * a cluster, task definitions v1 (running) and v2, and the service with the ECS deployment
 * controller and `loadBalancers[].advancedConfiguration`.
 */
import {
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  type DeploymentController,
} from '@aws-sdk/client-ecs';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DescribeRulesCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';

export const NATIVE_CLUSTER = 'school-health';
export const NATIVE_SERVICE = 'school-health-api';
export const NATIVE_ROLE = 'arn:aws:iam::123456789012:role/ecsInfrastructureRoleForLoadBalancers';

export interface NativeFixture {
  ecs: ECSClient;
  elb: ElasticLoadBalancingV2Client;
  primaryTargetGroup: string;
  alternateTargetGroup: string;
  productionRule: string;
  testRule: string;
  taskDefinitions: { v1: string; v2: string; v3: string };
  /** Production forward weights in moto: target group ARN → weight. */
  productionWeights(): Promise<Record<string, number>>;
  testWeights(): Promise<Record<string, number>>;
  destroy(): void;
}

const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/**
 * Builds the service in an empty moto. `ecsEndpoint` is the stand-in; `elbEndpoint` moto (or
 * the proxy). `withAdvancedConfiguration: false` or `controller: 'CODE_DEPLOY'` build the
 * services pre-flight must refuse.
 *
 * @example
 * const fx = await buildNativeService({ ecsEndpoint: standIn.url, elbEndpoint: moto.url });
 */
export async function buildNativeService(options: {
  ecsEndpoint: string;
  elbEndpoint: string;
  serviceName?: string;
  withAdvancedConfiguration?: boolean;
  withRole?: boolean;
  controller?: DeploymentController['type'];
}): Promise<NativeFixture> {
  const region = 'us-east-1';
  const ecs = new ECSClient({ region, endpoint: options.ecsEndpoint, credentials });
  const elb = new ElasticLoadBalancingV2Client({ region, endpoint: options.elbEndpoint, credentials });
  const ec2 = new EC2Client({ region, endpoint: options.elbEndpoint, credentials });
  const name = options.serviceName ?? NATIVE_SERVICE;
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.1.0.0/16' }));
  const vpcId = vpc.Vpc!.VpcId!;
  const subnets = await Promise.all(
    ['a', 'b'].map((az, i) =>
      ec2.send(
        new CreateSubnetCommand({
          VpcId: vpcId,
          CidrBlock: `10.1.${i + 1}.0/24`,
          AvailabilityZone: `${region}${az}`,
        }),
      ),
    ),
  );
  const sg = await ec2.send(
    new CreateSecurityGroupCommand({ GroupName: `${name}-tasks`, Description: 'api tasks', VpcId: vpcId }),
  );
  ec2.destroy();
  const lb = await elb.send(
    new CreateLoadBalancerCommand({
      Name: `${name}-alb`.slice(0, 32),
      Subnets: subnets.map((s) => s.Subnet!.SubnetId!),
      Type: 'application',
    }),
  );
  const loadBalancerArn = lb.LoadBalancers![0]!.LoadBalancerArn!;
  const tg = async (suffix: string) =>
    (
      await elb.send(
        new CreateTargetGroupCommand({
          Name: `${name}-${suffix}`.slice(0, 32),
          Protocol: 'HTTP',
          Port: 3000,
          VpcId: vpcId,
          TargetType: 'ip',
          HealthCheckPath: '/health',
        }),
      )
    ).TargetGroups![0]!.TargetGroupArn!;
  const primaryTargetGroup = await tg('primary');
  const alternateTargetGroup = await tg('alternate');
  const forward = (primary: number, alternate: number) => [
    {
      Type: 'forward' as const,
      ForwardConfig: {
        TargetGroups: [
          { TargetGroupArn: primaryTargetGroup, Weight: primary },
          { TargetGroupArn: alternateTargetGroup, Weight: alternate },
        ],
      },
    },
  ];
  const rule = async (port: number) => {
    const listener = await elb.send(
      new CreateListenerCommand({
        LoadBalancerArn: loadBalancerArn,
        Protocol: 'HTTP',
        Port: port,
        DefaultActions: forward(100, 0),
      }),
    );
    const created = await elb.send(
      new CreateRuleCommand({
        ListenerArn: listener.Listeners![0]!.ListenerArn!,
        Priority: 10,
        Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }],
        Actions: forward(100, 0),
      }),
    );
    return created.Rules![0]!.RuleArn!;
  };
  const productionRule = await rule(80);
  const testRule = await rule(8080);
  await ecs.send(new CreateClusterCommand({ clusterName: NATIVE_CLUSTER }));
  const register = async (version: string) =>
    (
      await ecs.send(
        new RegisterTaskDefinitionCommand({
          family: name,
          networkMode: 'awsvpc',
          requiresCompatibilities: ['FARGATE'],
          cpu: '256',
          memory: '512',
          containerDefinitions: [
            {
              name: 'api',
              image: `123456789012.dkr.ecr.${region}.amazonaws.com/school-health-api:${version}`,
              essential: true,
              portMappings: [{ containerPort: 3000 }],
            },
          ],
        }),
      )
    ).taskDefinition!.taskDefinitionArn!;
  const taskDefinitions = {
    v1: await register('v1.0.0'),
    v2: await register('v1.1.0'),
    v3: await register('v1.2.0'),
  };
  const withAdvanced = options.withAdvancedConfiguration ?? true;
  await ecs.send(
    new CreateServiceCommand({
      cluster: NATIVE_CLUSTER,
      serviceName: name,
      taskDefinition: taskDefinitions.v1,
      desiredCount: 2,
      launchType: 'FARGATE',
      deploymentController: { type: options.controller ?? 'ECS' },
      loadBalancers: [
        {
          targetGroupArn: primaryTargetGroup,
          containerName: 'api',
          containerPort: 3000,
          ...(withAdvanced
            ? {
                advancedConfiguration: {
                  alternateTargetGroupArn: alternateTargetGroup,
                  productionListenerRule: productionRule,
                  testListenerRule: testRule,
                  ...(options.withRole === false ? {} : { roleArn: NATIVE_ROLE }),
                },
              }
            : {}),
        },
      ],
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: subnets.map((s) => s.Subnet!.SubnetId!),
          securityGroups: [sg.GroupId!],
        },
      },
    }),
  );
  const weightsOf = async (ruleArn: string) => {
    const out = await elb.send(new DescribeRulesCommand({ RuleArns: [ruleArn] }));
    const groups = out.Rules![0]!.Actions![0]!.ForwardConfig?.TargetGroups ?? [];
    return Object.fromEntries(groups.map((g) => [g.TargetGroupArn!, g.Weight ?? 0]));
  };
  return {
    ecs,
    elb,
    primaryTargetGroup,
    alternateTargetGroup,
    productionRule,
    testRule,
    taskDefinitions,
    productionWeights: () => weightsOf(productionRule),
    testWeights: () => weightsOf(testRule),
    destroy: () => {
      ecs.destroy();
      elb.destroy();
    },
  };
}
