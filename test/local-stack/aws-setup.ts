/**
 * The school-health environment in moto, as the demo and the end-to-end tests deploy into it:
 * a VPC with two subnets, the ALB with a blue and a green target group behind one listener
 * (forwarding 100/0), the ECS cluster with the two API services (blue live on v1.0.0), the
 * frontend bucket behind a CloudFront distribution, an Object Lock bucket for the evidence,
 * the log groups and an encrypted RDS instance.
 */
import { CloudFrontClient, CreateDistributionCommand } from '@aws-sdk/client-cloudfront';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  PutRetentionPolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
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
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  CreateDBInstanceCommand,
  CreateDBParameterGroupCommand,
  ModifyDBParameterGroupCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import {
  CreateBucketCommand,
  PutBucketEncryptionCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';

export const CLUSTER = 'school-health';
export const SERVICE = 'school-health-api';
export const FAMILY = 'school-health-api';
export const REGISTRY = '123456789012.dkr.ecr.us-east-1.amazonaws.com/school-health-api';
export const FRONTEND_BUCKET = 'school-health-demo-web';
export const AUDIT_BUCKET = 'school-health-demo-audit';
export const DB_INSTANCE = 'school-health-demo';
export const API_LOG_GROUP = '/ecs/school-health-demo/api';
export const AUDIT_LOG_GROUP = '/school-health-demo/audit';
/** The port every API task listens on (each task on its own loopback address). */
export const TASK_PORT = 3000;

export type Color = 'blue' | 'green';

export interface AwsClients {
  ec2: EC2Client;
  ecs: ECSClient;
  elb: ElasticLoadBalancingV2Client;
  s3: S3Client;
  cloudfront: CloudFrontClient;
  logs: CloudWatchLogsClient;
  rds: RDSClient;
  destroy(): void;
}

export interface Environment {
  loadBalancerArn: string;
  listenerArn: string;
  targetGroups: Record<Color, string>;
  firstTaskDefinition: string;
  distributionId: string;
}

/** SDK clients for moto (the harness's own view of AWS; the actions build theirs). */
export function awsClients(endpoint: string): AwsClients {
  const config = {
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  const clients = {
    ec2: new EC2Client(config),
    ecs: new ECSClient(config),
    elb: new ElasticLoadBalancingV2Client(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
    cloudfront: new CloudFrontClient(config),
    logs: new CloudWatchLogsClient(config),
    rds: new RDSClient(config),
  };
  return { ...clients, destroy: () => Object.values(clients).forEach((c) => c.destroy()) };
}

/** Builds the environment in an empty moto. `tasks` API tasks start on blue. */
export async function provisionEnvironment(aws: AwsClients, tasks = 1): Promise<Environment> {
  const vpc = await aws.ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
  const vpcId = vpc.Vpc!.VpcId!;
  const subnets: string[] = [];
  for (const [i, az] of ['a', 'b'].entries()) {
    const s = await aws.ec2.send(
      new CreateSubnetCommand({
        VpcId: vpcId,
        CidrBlock: `10.0.${i + 1}.0/24`,
        AvailabilityZone: `us-east-1${az}`,
      }),
    );
    subnets.push(s.Subnet!.SubnetId!);
  }
  const sg = await aws.ec2.send(
    new CreateSecurityGroupCommand({
      GroupName: 'school-health-api',
      Description: 'API tasks',
      VpcId: vpcId,
    }),
  );
  const lb = await aws.elb.send(
    new CreateLoadBalancerCommand({ Name: 'school-health-alb', Subnets: subnets, Type: 'application' }),
  );
  const loadBalancerArn = lb.LoadBalancers![0]!.LoadBalancerArn!;
  const targetGroups = {} as Record<Color, string>;
  for (const color of ['blue', 'green'] as const) {
    const tg = await aws.elb.send(
      new CreateTargetGroupCommand({
        Name: `school-health-${color}`,
        Protocol: 'HTTP',
        Port: TASK_PORT,
        VpcId: vpcId,
        TargetType: 'ip',
        HealthCheckPath: '/health',
      }),
    );
    targetGroups[color] = tg.TargetGroups![0]!.TargetGroupArn!;
  }
  const listener = await aws.elb.send(
    new CreateListenerCommand({
      LoadBalancerArn: loadBalancerArn,
      Protocol: 'HTTP',
      Port: 80,
      DefaultActions: [
        {
          Type: 'forward',
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: targetGroups.blue, Weight: 100 },
              { TargetGroupArn: targetGroups.green, Weight: 0 },
            ],
          },
        },
      ],
    }),
  );
  await aws.ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
  const td = await aws.ecs.send(
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
          portMappings: [{ containerPort: TASK_PORT }],
          environment: [{ name: 'NODE_ENV', value: 'production' }],
        },
      ],
      tags: [{ key: 'white-cross:version', value: 'v1.0.0' }],
    }),
  );
  const firstTaskDefinition = td.taskDefinition!.taskDefinitionArn!;
  for (const color of ['blue', 'green'] as const) {
    await aws.ecs.send(
      new CreateServiceCommand({
        cluster: CLUSTER,
        serviceName: `${SERVICE}-${color}`,
        taskDefinition: firstTaskDefinition,
        desiredCount: 0,
        launchType: 'FARGATE',
        loadBalancers: [
          { targetGroupArn: targetGroups[color], containerName: 'api', containerPort: TASK_PORT },
        ],
        networkConfiguration: { awsvpcConfiguration: { subnets, securityGroups: [sg.GroupId!] } },
        tags: [{ key: 'white-cross:version', value: 'v1.0.0' }],
      }),
    );
  }
  // moto reports a running count only after an update: blue starts live.
  await aws.ecs.send(
    new UpdateServiceCommand({ cluster: CLUSTER, service: `${SERVICE}-blue`, desiredCount: tasks }),
  );

  await aws.s3.send(new CreateBucketCommand({ Bucket: FRONTEND_BUCKET }));
  await aws.s3.send(
    new PutBucketEncryptionCommand({
      Bucket: FRONTEND_BUCKET,
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
    }),
  );
  await aws.s3.send(
    new PutPublicAccessBlockCommand({
      Bucket: FRONTEND_BUCKET,
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
    }),
  );
  await aws.s3.send(new CreateBucketCommand({ Bucket: AUDIT_BUCKET, ObjectLockEnabledForBucket: true }));
  const distribution = await aws.cloudfront.send(
    new CreateDistributionCommand({
      DistributionConfig: {
        CallerReference: 'school-health-demo',
        Comment: 'school-health frontend',
        Enabled: true,
        DefaultRootObject: 'index.html',
        Origins: {
          Quantity: 1,
          Items: [
            {
              Id: 'frontend',
              DomainName: `${FRONTEND_BUCKET}.s3.us-east-1.amazonaws.com`,
              S3OriginConfig: { OriginAccessIdentity: '' },
            },
          ],
        },
        DefaultCacheBehavior: {
          TargetOriginId: 'frontend',
          ViewerProtocolPolicy: 'redirect-to-https',
          ForwardedValues: { QueryString: false, Cookies: { Forward: 'none' } },
          MinTTL: 0,
        },
      },
    }),
  );
  for (const name of [API_LOG_GROUP, AUDIT_LOG_GROUP]) {
    await aws.logs.send(new CreateLogGroupCommand({ logGroupName: name }));
    await aws.logs.send(new PutRetentionPolicyCommand({ logGroupName: name, retentionInDays: 2557 }));
  }
  await aws.rds.send(
    new CreateDBParameterGroupCommand({
      DBParameterGroupName: 'school-health-postgres15',
      DBParameterGroupFamily: 'postgres15',
      Description: 'TLS required',
    }),
  );
  await aws.rds.send(
    new ModifyDBParameterGroupCommand({
      DBParameterGroupName: 'school-health-postgres15',
      Parameters: [{ ParameterName: 'rds.force_ssl', ParameterValue: '1', ApplyMethod: 'immediate' }],
    }),
  );
  await aws.rds.send(
    new CreateDBInstanceCommand({
      DBParameterGroupName: 'school-health-postgres15',
      DBInstanceIdentifier: DB_INSTANCE,
      Engine: 'postgres',
      EngineVersion: '15.8',
      DBInstanceClass: 'db.t4g.medium',
      AllocatedStorage: 20,
      MasterUsername: 'schoolhealth',
      MasterUserPassword: 'not-used-by-the-demo-0',
      StorageEncrypted: true,
      BackupRetentionPeriod: 7,
      PubliclyAccessible: false,
    }),
  );
  return {
    loadBalancerArn,
    listenerArn: listener.Listeners![0]!.ListenerArn!,
    targetGroups,
    firstTaskDefinition,
    distributionId: distribution.Distribution!.Id!,
  };
}

/** The CloudWatch dimension values of the load balancer and a target group (as ecs-bluegreen outputs them). */
export function dimensions(env: Environment): { loadBalancer: string; targetGroups: Record<Color, string> } {
  const tg = (arn: string) => arn.slice(arn.lastIndexOf(':') + 1);
  return {
    loadBalancer: env.loadBalancerArn.slice(
      env.loadBalancerArn.indexOf('loadbalancer/') + 'loadbalancer/'.length,
    ),
    targetGroups: { blue: tg(env.targetGroups.blue), green: tg(env.targetGroups.green) },
  };
}
