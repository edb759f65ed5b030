/**
 * Rules for the AWS proxy that make it answer as AWS does where moto is more lenient, or play
 * what moto cannot do at all. Each names the AWS documentation it follows.
 */
import type { FaultRule, RecordedRequest } from './aws-proxy.js';

function queryBody(body: Buffer): URLSearchParams {
  return new URLSearchParams(body.toString('utf8'));
}

/**
 * DescribeListeners and DescribeRules never return an authenticate-oidc action's
 * `ClientSecret` (which is why ModifyListener has `UseExistingClientSecret`; ELBv2 API
 * reference, AuthenticateOidcActionConfig,
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_AuthenticateOidcActionConfig.html).
 * moto echoes it back; this rule takes it out of moto's answer.
 *
 * @example
 * proxy.addFault(hideOidcClientSecret());
 */
export function hideOidcClientSecret(): FaultRule {
  return {
    match: (r) => r.operation === 'DescribeListeners' || r.operation === 'DescribeRules',
    fault: {
      kind: 'rewrite',
      name: 'hide-oidc-client-secret',
      transform: (body) => body.replace(/<ClientSecret>[^<]*<\/ClientSecret>/g, ''),
    },
  };
}

/**
 * ModifyListener / ModifyRule with an authenticate-oidc action must carry `ClientSecret` or
 * `UseExistingClientSecret=true` (ELBv2 API reference, AuthenticateOidcActionConfig:
 * "ClientSecret … is required if you are creating a rule. If you are modifying a rule, you can
 * omit this parameter if you set UseExistingClientSecret to true."). moto accepts either
 * way; this rule answers such a request with AWS's ValidationError.
 *
 * @example
 * proxy.addFault(requireOidcClientSecret());
 */
export function requireOidcClientSecret(): FaultRule {
  return {
    match: (r: RecordedRequest, body: Buffer) => {
      if (r.operation !== 'ModifyListener' && r.operation !== 'ModifyRule') return false;
      const params = queryBody(body);
      const prefixes = new Set<string>();
      for (const key of params.keys()) {
        const m = /^(.*\.AuthenticateOidcConfig)\./.exec(key);
        if (m?.[1]) prefixes.add(m[1]);
      }
      return [...prefixes].some(
        (p) => !params.get(`${p}.ClientSecret`) && params.get(`${p}.UseExistingClientSecret`) !== 'true',
      );
    },
    fault: {
      kind: 'respond',
      status: 400,
      name: 'ValidationError',
      contentType: 'text/xml',
      body: '<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>A client secret must be specified, or UseExistingClientSecret must be true</Message></Error><RequestId>wcd-strict</RequestId></ErrorResponse>',
    },
  };
}

/**
 * Plays the ECS deployment circuit breaker with rollback on a service (moto has no circuit
 * breaker): in DescribeServices answers, the deployment of `failedTaskDefinition` is ACTIVE
 * with rolloutState FAILED and ECS's reason, and a new PRIMARY deployment runs
 * `rollbackTaskDefinition` — what ECS shows once the breaker has tripped (ECS API reference,
 * DeploymentCircuitBreaker: "a service deployment will transition to a failed state and stop
 * launching new tasks … If rollback is on, when a service deployment fails, the service is
 * rolled back to the last deployment that completed successfully";
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentCircuitBreaker.html).
 *
 * @example
 * proxy.addFault(circuitBreakerRollback({ service: 'api-green', failedTaskDefinition: td2, rollbackTaskDefinition: td1 }));
 */
export function circuitBreakerRollback(options: {
  service: string;
  failedTaskDefinition: string;
  rollbackTaskDefinition: string;
  reason?: string;
}): FaultRule {
  const reason =
    options.reason ??
    'ECS deployment circuit breaker: tasks failed to start. Rolling back to the last successful deployment.';
  return {
    match: (r) => r.operation === 'DescribeServices',
    fault: {
      kind: 'rewrite',
      name: 'circuit-breaker-rollback',
      transform: (body) => {
        const answer = JSON.parse(body) as {
          services?: {
            serviceName?: string;
            taskDefinition?: string;
            deployments?: Record<string, unknown>[];
          }[];
        };
        for (const service of answer.services ?? []) {
          if (service.serviceName !== options.service) continue;
          // moto keeps one deployment and may not move it to the new task definition: the
          // service's own task definition says that the new deployment started.
          const failed = (service.deployments ?? []).find(
            (d) => d.taskDefinition === options.failedTaskDefinition,
          );
          if (!failed && service.taskDefinition !== options.failedTaskDefinition) continue;
          const base = failed ?? service.deployments?.[0] ?? {};
          service.taskDefinition = options.rollbackTaskDefinition;
          service.deployments = [
            {
              ...base,
              id: 'ecs-svc/rollback',
              status: 'PRIMARY',
              taskDefinition: options.rollbackTaskDefinition,
              rolloutState: 'IN_PROGRESS',
              rolloutStateReason: 'ECS deployment ecs-svc/rollback in progress.',
            },
            {
              ...base,
              status: 'ACTIVE',
              taskDefinition: options.failedTaskDefinition,
              rolloutState: 'FAILED',
              rolloutStateReason: reason,
              failedTasks: 3,
            },
          ];
        }
        return JSON.stringify(answer);
      },
    },
  };
}
