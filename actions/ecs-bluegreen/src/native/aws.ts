/**
 * The thin AWS adapter of ecs-native: the six ECS calls it makes, each through `awsCall` (the
 * suite's one retry layer), worded with what was being done and what state a failure left.
 */
import {
  ContinueServiceDeploymentCommand,
  DescribeServiceDeploymentsCommand,
  DescribeServicesCommand,
  ListServiceDeploymentsCommand,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
  type DeploymentConfiguration,
  type ECSClient,
  type Service,
  type ServiceDeployment,
  type ServiceDeploymentBrief,
} from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeRulesCommand,
  type Action,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { awsCaller, type AwsCallOptions } from '@white-cross/aws';

export interface ServiceRef {
  cluster: string;
  service: string;
}

/** What ecs-native needs of ECS (tests can give a fake; the scenarios use the real one). */
export interface NativeEcsApi {
  describeService(ref: ServiceRef): Promise<Service | undefined>;
  updateService(
    ref: ServiceRef,
    taskDefinition: string,
    configuration: DeploymentConfiguration,
  ): Promise<void>;
  listDeployments(ref: ServiceRef): Promise<ServiceDeploymentBrief[]>;
  describeDeployment(arn: string): Promise<ServiceDeployment | undefined>;
  continueDeployment(arn: string, hookId: string, action: 'CONTINUE' | 'ROLLBACK'): Promise<void>;
  stopDeployment(arn: string): Promise<void>;
}

/**
 * The adapter over an ECS client.
 *
 * @example
 * const api = nativeEcsApi(ecs, { log: ctx.log, sleep: ctx.sleep });
 */
export function nativeEcsApi(ecs: ECSClient, options: AwsCallOptions = {}): NativeEcsApi {
  const call = awsCaller(options);
  const name = (ref: ServiceRef) => `${ref.cluster}/${ref.service}`;
  return {
    describeService: async (ref) => {
      const out = await call(
        { operation: 'DescribeServices', resource: name(ref), leftAs: 'Nothing was changed.' },
        () => ecs.send(new DescribeServicesCommand({ cluster: ref.cluster, services: [ref.service] })),
      );
      return out.services?.find((s) => s.status !== 'INACTIVE');
    },
    updateService: async (ref, taskDefinition, configuration) => {
      await call(
        {
          operation: 'UpdateService',
          resource: name(ref),
          leftAs: 'The service may or may not have started a deployment: run mode status to see.',
        },
        () =>
          ecs.send(
            new UpdateServiceCommand({
              cluster: ref.cluster,
              service: ref.service,
              taskDefinition,
              deploymentConfiguration: configuration,
            }),
          ),
        // A retried UpdateService would start a second deployment: only throttling is retried.
        { retryable: (e) => /Throttl/i.test((e as { name?: string }).name ?? '') },
      );
    },
    listDeployments: async (ref) => {
      const out = await call(
        {
          operation: 'ListServiceDeployments',
          resource: name(ref),
          leftAs: 'The deployment goes on as ECS runs it.',
        },
        () => ecs.send(new ListServiceDeploymentsCommand({ cluster: ref.cluster, service: ref.service })),
      );
      return out.serviceDeployments ?? [];
    },
    describeDeployment: async (arn) => {
      const out = await call(
        {
          operation: 'DescribeServiceDeployments',
          resource: arn,
          leftAs: 'The deployment goes on as ECS runs it.',
        },
        () => ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] })),
      );
      return out.serviceDeployments?.[0];
    },
    continueDeployment: async (arn, hookId, action) => {
      await call(
        {
          operation: 'ContinueServiceDeployment',
          resource: `${arn} hook ${hookId}`,
          leftAs: `The deployment is still paused; ECS takes the hook's timeout action when it expires.`,
        },
        () => ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId, action })),
      );
    },
    stopDeployment: async (arn) => {
      await call(
        {
          operation: 'StopServiceDeployment',
          resource: arn,
          leftAs: 'The deployment goes on as ECS runs it.',
        },
        () => ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: 'ROLLBACK' })),
      );
    },
  };
}

/** What ecs-native reads of ELBv2: the production forward weights (ECS's own to change). */
export interface NativeElbApi {
  /** Target group ARN → weight of the forward action of a listener rule or listener. */
  forwardWeights(ruleOrListenerArn: string): Promise<Record<string, number>>;
}

function weightsOf(actions: Action[] | undefined): Record<string, number> {
  const forward = actions?.find((a) => a.Type === 'forward');
  const groups = forward?.ForwardConfig?.TargetGroups ?? [];
  if (groups.length === 0 && forward?.TargetGroupArn) return { [forward.TargetGroupArn]: 1 };
  return Object.fromEntries(groups.map((g) => [g.TargetGroupArn ?? '', g.Weight ?? 1]));
}

/**
 * The ELBv2 adapter (read only: ECS moves the weights with the service's role).
 *
 * @example
 * const weights = await nativeElbApi(elb).forwardWeights(productionListenerRule);
 */
export function nativeElbApi(elb: ElasticLoadBalancingV2Client, options: AwsCallOptions = {}): NativeElbApi {
  const call = awsCaller(options);
  return {
    forwardWeights: async (arn) => {
      if (arn.includes(':listener-rule/')) {
        const out = await call(
          { operation: 'DescribeRules', resource: arn, leftAs: 'Nothing was changed.' },
          () => elb.send(new DescribeRulesCommand({ RuleArns: [arn] })),
        );
        return weightsOf(out.Rules?.[0]?.Actions);
      }
      const out = await call(
        { operation: 'DescribeListeners', resource: arn, leftAs: 'Nothing was changed.' },
        () => elb.send(new DescribeListenersCommand({ ListenerArns: [arn] })),
      );
      return weightsOf(out.Listeners?.[0]?.DefaultActions);
    },
  };
}
