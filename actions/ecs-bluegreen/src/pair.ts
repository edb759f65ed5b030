/**
 * Loads a blue/green pair from AWS and checks it against the inputs before anything changes:
 * both services exist, each is registered in its target group, and the listener (or rule)
 * forwards only to those two target groups.
 */
import { ConfigurationError } from '@white-cross/core';
import { isAwsError } from '@white-cross/aws';
import type { BlueGreenAws, ServiceDescription } from './aws.js';
import type { Color } from './constants.js';
import type { EcsBlueGreenInputs } from './inputs.js';
import { deriveState, otherRoutes, refuseOtherRoutes, type BlueGreenState } from './state.js';
import { ForwardActionError, readTrafficSplit, type ColorTargetGroups } from './traffic.js';
import type { Action } from '@aws-sdk/client-elastic-load-balancing-v2';

export interface Pair {
  state: BlueGreenState;
  services: Record<Color, ServiceDescription>;
  targetGroups: ColorTargetGroups;
  /** The listener's or rule's actions as read (rewritten with new weights). */
  actions: Action[];
}

function serviceInput(inputs: EcsBlueGreenInputs, color: Color): string {
  return inputs.services.blue.endsWith('-blue') &&
    inputs.services.green === inputs.services.blue.replace(/-blue$/, '-green')
    ? 'service'
    : `${color}-service`;
}

/** Reads both services and the listener (two calls, in parallel) and checks them. */
export async function loadPair(aws: BlueGreenAws, inputs: EcsBlueGreenInputs): Promise<Pair> {
  const routerInput = inputs.router.kind === 'listener' ? 'listener-arn' : 'rule-arn';
  const [described, router] = await Promise.all([
    aws
      .describeServices(inputs.cluster, [inputs.services.blue, inputs.services.green])
      .catch((error: unknown) => {
        if (isAwsError(error, 'ClusterNotFoundException')) {
          throw new ConfigurationError(
            `Input 'cluster' names no ECS cluster in ${inputs.region}: '${inputs.cluster}'.`,
            'cluster',
          );
        }
        throw error;
      }),
    aws.readRouter(inputs.router.kind, inputs.router.arn),
  ]);
  const serviceOf = (color: Color): ServiceDescription => {
    const found = described.found.find((s) => s.serviceName === inputs.services[color]);
    if (found) return found;
    const input = serviceInput(inputs, color);
    throw new ConfigurationError(
      `Input '${input}': the ${color} service '${inputs.services[color]}' does not exist (or is inactive) in cluster ${inputs.cluster}.`,
      input,
    );
  };
  const services = { blue: serviceOf('blue'), green: serviceOf('green') };

  const targetGroupOf = (color: Color): string => {
    const registered = services[color].targetGroupArn;
    const given = inputs.targetGroups?.[color];
    if (given && registered && given !== registered) {
      throw new ConfigurationError(
        `Input '${color}-target-group' is ${given}, but service ${inputs.services[color]} registers its tasks in ${registered}.`,
        `${color}-target-group`,
      );
    }
    const arn = given ?? registered;
    if (!arn) {
      throw new ConfigurationError(
        `Input '${color}-target-group' is needed: service ${inputs.services[color]} is not attached to a load balancer target group.`,
        `${color}-target-group`,
      );
    }
    return arn;
  };
  const targetGroups = { blue: targetGroupOf('blue'), green: targetGroupOf('green') };
  if (!router) {
    throw new ConfigurationError(
      `Input '${routerInput}' names no ${inputs.router.kind} in ${inputs.region}: '${inputs.router.arn}'.`,
      routerInput,
    );
  }
  let split;
  try {
    split = readTrafficSplit(router.actions, targetGroups);
  } catch (error) {
    if (error instanceof ForwardActionError) {
      throw new ConfigurationError(
        `Input '${routerInput}': the ${inputs.router.kind} ${error.message} (blue ${targetGroups.blue}, green ${targetGroups.green}).`,
        routerInput,
      );
    }
    throw error;
  }
  return { state: deriveState(services, split), services, targetGroups, actions: router.actions };
}

/** The load balancer ARN of a listener or rule ARN. */
function loadBalancerArnOf(routerArn: string): string {
  return routerArn.replace(/:listener(-rule)?\/(app\/[^/]+\/[^/]+)\/.*$/, ':loadbalancer/$2');
}

/**
 * Refuses (before any change) when other listeners or rules, on any load balancer the pair's
 * target groups are attached to, also forward to a color (see `otherRoutes` in state.ts).
 */
export async function checkOtherRoutes(
  aws: BlueGreenAws,
  inputs: EcsBlueGreenInputs,
  pair: Pair,
  ownRoutes: readonly string[] = [],
): Promise<void> {
  const attached = await Promise.all([
    aws.loadBalancersOf(pair.targetGroups.blue),
    aws.loadBalancersOf(pair.targetGroups.green),
  ]);
  const loadBalancers = [...new Set([loadBalancerArnOf(inputs.router.arn), ...attached.flat()])];
  const routes = (await Promise.all(loadBalancers.map((lb) => aws.routesOf(lb)))).flat();
  refuseOtherRoutes(otherRoutes(routes, pair.targetGroups, inputs.router.arn, ownRoutes), inputs.router);
}
