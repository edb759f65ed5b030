/**
 * Pre-flight for ecs-native: what ECS needs before it can run a BLUE_GREEN / CANARY / LINEAR
 * deployment, checked on the service as DescribeServices returns it, before any change.
 * From the ECS API reference (DeploymentConfiguration.strategy, CanaryConfiguration: "only valid
 * ... with deploymentController set to ECS"; AdvancedConfiguration: alternateTargetGroupArn,
 * productionListenerRule, testListenerRule, roleArn "that grants Amazon ECS permission to call
 * the Elastic Load Balancing APIs for you").
 */
import type { Service } from '@aws-sdk/client-ecs';
import { ConfigurationError } from '@white-cross/core';

/**
 * What is missing on the service for ECS native deployments, each naming what to set.
 *
 * @example
 * nativePreflightProblems(service); // ["deploymentController.type is CODE_DEPLOY: ..."]
 */
export function nativePreflightProblems(service: Service): string[] {
  const problems: string[] = [];
  const controller = service.deploymentController?.type ?? 'ECS';
  if (controller !== 'ECS') {
    problems.push(
      `its deploymentController.type is ${controller}: ECS native deployments need the ECS controller (recreate the service with deploymentController { type: ECS }; the controller cannot be changed in place for ${controller})`,
    );
  }
  const balancers = service.loadBalancers ?? [];
  if (balancers.length === 0) {
    problems.push(
      'it has no loadBalancers: set loadBalancers[] with targetGroupArn and advancedConfiguration',
    );
  }
  balancers.forEach((lb, i) => {
    const a = lb.advancedConfiguration;
    const where = `loadBalancers[${i}]${lb.targetGroupArn ? ` (${lb.targetGroupArn})` : ''}`;
    if (!a) {
      problems.push(
        `${where} has no advancedConfiguration: set alternateTargetGroupArn, productionListenerRule, testListenerRule and roleArn`,
      );
      return;
    }
    if (!a.alternateTargetGroupArn)
      problems.push(`${where}.advancedConfiguration.alternateTargetGroupArn is missing`);
    if (!a.productionListenerRule)
      problems.push(`${where}.advancedConfiguration.productionListenerRule is missing`);
    if (!a.roleArn) {
      problems.push(
        `${where}.advancedConfiguration.roleArn is missing: set the IAM role ECS assumes to change the listener rules (with the AmazonECSInfrastructureRolePolicyForLoadBalancers policy)`,
      );
    }
  });
  return problems;
}

/**
 * Throws a ConfigurationError listing every problem, before anything changes.
 *
 * @example
 * assertNativeReady(service, 'school-health/school-health-api');
 */
export function assertNativeReady(service: Service, name: string): void {
  const problems = nativePreflightProblems(service);
  if (problems.length > 0) {
    throw new ConfigurationError(
      `strategy ecs-native cannot deploy service ${name}: ${problems.join('; ')}. Nothing was changed.`,
      'strategy',
    );
  }
}

/**
 * Before a deployment: the target group serving production (the baseline canary-gate compares
 * with) and the other one of the pair, where ECS starts the new revision (the canary). ECS
 * alternates the two at each successful deployment, so it is read from the production weights.
 *
 * @example
 * canaryTargetGroupsOf(service, { [primary]: 100, [alternate]: 0 }); // { baseline: primary, canary: alternate }
 */
export function canaryTargetGroupsOf(
  service: Service,
  productionWeights: Record<string, number>,
): { canary: string; baseline: string } | undefined {
  const lb = service.loadBalancers?.[0];
  const primary = lb?.targetGroupArn;
  const alternate = lb?.advancedConfiguration?.alternateTargetGroupArn;
  if (!primary || !alternate) return undefined;
  const baseline =
    (productionWeights[alternate] ?? 0) > (productionWeights[primary] ?? 0) ? alternate : primary;
  return { baseline, canary: baseline === primary ? alternate : primary };
}
