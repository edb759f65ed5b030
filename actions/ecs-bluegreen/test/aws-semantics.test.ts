/**
 * Where AWS behaves differently from moto (issue: the actions as AWS really behaves), through
 * the committed bundle against moto behind the proxy, with the proxy's strict rules from
 * testkit (`aws-strict.ts`) playing what AWS does and moto does not. Each test names the AWS
 * documentation the behaviour comes from.
 */
import { describe, expect, test, jest } from '@jest/globals';
import { usePerTest, useStack } from '@white-cross/testkit/use-stack';
import {
  CreateRuleCommand,
  DeleteRuleCommand,
  DescribeListenersCommand,
  ModifyListenerCommand,
  type Action,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { forwardTo } from '@white-cross/testkit/aws-fixtures';
import {
  circuitBreakerRollback,
  hideOidcClientSecret,
  requireOidcClientSecret,
} from '@white-cross/testkit/aws-strict';
import {
  readPair,
  REGISTRY,
  registerRelease,
  SERVICE,
  startAgent,
  startStack,
  runBundle,
} from './harness.js';

// Each test runs the bundle several times against moto; on a loaded machine that takes minutes.
jest.setTimeout(300_000);
const stack = useStack(startStack, { beforeEach: (s) => s.rebuild() });
const agent = usePerTest(() => startAgent(stack));

const run = (inputs: Record<string, string>) => runBundle(stack, inputs);

const mutations =
  /^(RegisterTaskDefinition|UpdateService|ModifyListener|ModifyRule|TagResource|DeregisterTaskDefinition)$/;
const errorOf = (result: { annotations: { level: string; message: string }[] }) =>
  result.annotations.find((a) => a.level === 'error')?.message;

const forwardAt = (order: number): Action => ({
  Type: 'forward',
  Order: order,
  ForwardConfig: {
    TargetGroups: [
      { TargetGroupArn: stack.targetGroups.blue, Weight: 100 },
      { TargetGroupArn: stack.targetGroups.green, Weight: 0 },
    ],
  },
});

async function setListenerActions(actions: Action[]): Promise<void> {
  await stack.elb.send(
    new ModifyListenerCommand({ ListenerArn: stack.listenerArn, DefaultActions: actions }),
  );
}
async function listenerActions(): Promise<Action[]> {
  const out = await stack.elb.send(new DescribeListenersCommand({ ListenerArns: [stack.listenerArn] }));
  return out.Listeners?.[0]?.DefaultActions ?? [];
}

describe('a listener that authenticates with OIDC before forwarding', () => {
  // ELBv2 API reference, AuthenticateOidcActionConfig: DescribeListeners never returns the
  // ClientSecret; a ModifyListener must carry it or set UseExistingClientSecret to true.
  // https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_AuthenticateOidcActionConfig.html
  test('deploy writes the authenticate-oidc action back with UseExistingClientSecret, and AWS accepts it', async () => {
    await setListenerActions([
      {
        Type: 'authenticate-oidc',
        Order: 1,
        AuthenticateOidcConfig: {
          Issuer: 'https://idp.example/',
          AuthorizationEndpoint: 'https://idp.example/auth',
          TokenEndpoint: 'https://idp.example/token',
          UserInfoEndpoint: 'https://idp.example/userinfo',
          ClientId: 'school-health',
          ClientSecret: 'oidc-client-secret-value',
        },
      },
      forwardAt(2),
    ]);
    stack.proxy.addFault(hideOidcClientSecret());
    stack.proxy.addFault(requireOidcClientSecret());
    const release = await registerRelease(stack, 'v1.1.0');
    const result = await run({ mode: 'deploy', 'task-definition-arn': release });
    expect(errorOf(result)).toBeUndefined();
    expect(result.exitCode).toBe(0);
    const modified = stack.proxy.requests.filter((r) => r.operation === 'ModifyListener');
    expect(modified).toHaveLength(1);
    expect(modified[0]?.fault).toBeUndefined();
    expect((await readPair(stack)).weights).toEqual({ blue: 90, green: 10 });
    expect(result.stdout).not.toContain('oidc-client-secret-value');
  });

  test('the strict double refuses a ModifyListener that drops the secret, as AWS does', async () => {
    stack.proxy.addFault(requireOidcClientSecret());
    const { ElasticLoadBalancingV2Client } = await import('@aws-sdk/client-elastic-load-balancing-v2');
    const viaProxy = new ElasticLoadBalancingV2Client({
      region: 'us-east-1',
      endpoint: stack.env.AWS_ENDPOINT_URL,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      maxAttempts: 1,
    });
    try {
      await expect(
        viaProxy.send(
          new ModifyListenerCommand({
            ListenerArn: stack.listenerArn,
            DefaultActions: [
              {
                Type: 'authenticate-oidc',
                Order: 1,
                AuthenticateOidcConfig: {
                  Issuer: 'https://idp.example/',
                  AuthorizationEndpoint: 'https://idp.example/auth',
                  TokenEndpoint: 'https://idp.example/token',
                  UserInfoEndpoint: 'https://idp.example/userinfo',
                  ClientId: 'school-health',
                },
              },
              forwardAt(2),
            ],
          }),
        ),
      ).rejects.toMatchObject({ name: 'ValidationError' });
    } finally {
      viaProxy.destroy();
    }
  });
});

describe('the ECS deployment circuit breaker with rollback', () => {
  // ECS API reference, DeploymentCircuitBreaker: a failed deployment "will transition to a
  // failed state and stop launching new tasks … If rollback is on … the service is rolled back
  // to the last deployment that completed successfully".
  // https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentCircuitBreaker.html
  // moto has no circuit breaker: the proxy plays ECS's DescribeServices answers once it tripped.
  test('deploy stops waiting at once, reports ECS reason, and leaves traffic on blue', async () => {
    const release = await registerRelease(stack, 'v1.2.0-broken', { awsvpc: false });
    agent.broken.add(`${REGISTRY}:v1.2.0-broken`);
    stack.proxy.addFault(
      circuitBreakerRollback({
        service: `${SERVICE}-green`,
        failedTaskDefinition: release,
        rollbackTaskDefinition: stack.firstTaskDefinition,
        reason: 'ECS deployment circuit breaker: tasks failed to start.',
      }),
    );
    const result = await run({ mode: 'deploy', 'task-definition-arn': release, 'wait-timeout': '40s' });
    expect(result.exitCode).toBe(1);
    expect(errorOf(result)).toMatch(
      /^green service school-health-api-green did not become ready on school-health-api:2: the ECS deployment failed and ECS is rolling the service back to school-health-api:1: ECS deployment circuit breaker: tasks failed to start\.; it was put back to school-health-api:1 with 0 task\(s\)\. Traffic is unchanged \(blue 100 % \/ green 0 %\)\.$/,
    );
    // Judged on the first poll that saw it, not after the wait's timeout.
    expect(result.summary).toMatch(/\| Wait for green to be ready \| [^|]+ \| 1 poll\(s\);/);
    expect((await readPair(stack)).weights).toEqual({ blue: 100, green: 0 });
  });
});

describe('other routing to the pair', () => {
  test('a rule that also forwards to blue is found before any change and named', async () => {
    const rule = await stack.elb.send(
      new CreateRuleCommand({
        ListenerArn: stack.listenerArn,
        Priority: 5,
        Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/reports/*'] } }],
        Actions: [{ Type: 'forward', TargetGroupArn: stack.targetGroups.blue }],
      }),
    );
    const ruleArn = rule.Rules?.[0]?.RuleArn ?? '';
    try {
      const release = await registerRelease(stack, 'v1.1.0');
      stack.proxy.reset();
      const result = await run({ mode: 'deploy', 'task-definition-arn': release });
      expect(result.exitCode).toBe(1);
      expect(errorOf(result)).toBe(
        `Other routing sends requests to the pair besides the listener ${stack.listenerArn}: rule ${ruleArn} (to blue). After a promote it would keep sending them to the old color, which cleanup scales down; point it at the listener this action controls, or remove it, then run again. Nothing was changed.`,
      );
      expect(stack.proxy.count(mutations)).toBe(0);
    } finally {
      await stack.elb.send(new DeleteRuleCommand({ RuleArn: ruleArn }));
    }
  });
});

describe('stickiness on rollback', () => {
  const sticky = () => [
    {
      Type: 'forward' as const,
      ForwardConfig: {
        TargetGroups: forwardTo(stack.targetGroups, 100, 0)[0]?.ForwardConfig?.TargetGroups,
        TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 3600 },
      },
    },
  ];

  test('kept: the summary says sticky clients stay on the rolled-back color; disable-stickiness turns it off', async () => {
    await setListenerActions(sticky());
    const release = await registerRelease(stack, 'v1.1.0');
    expect((await run({ mode: 'deploy', 'task-definition-arn': release })).exitCode).toBe(0);
    const kept = await run({ mode: 'rollback', to: 'previous', reason: 'p95 over budget' });
    expect(kept.exitCode).toBe(0);
    expect(kept.summary).toContain(
      'Stickiness is on (3600 s): clients already bound to green keep reaching it until their stickiness ends, up to 3600 s after this rollback.',
    );
    expect((await listenerActions())[0]?.ForwardConfig?.TargetGroupStickinessConfig).toMatchObject({
      Enabled: true,
    });

    const next = await registerRelease(stack, 'v1.1.1');
    expect((await run({ mode: 'deploy', 'task-definition-arn': next })).exitCode).toBe(0);
    const moved = await run({
      mode: 'rollback',
      to: 'previous',
      reason: 'p95 over budget',
      'disable-stickiness': 'true',
    });
    expect(moved.exitCode).toBe(0);
    expect(moved.summary).toContain(
      'Stickiness (3600 s) was turned off with this rollback, so clients bound to green moved at once.',
    );
    expect((await listenerActions())[0]?.ForwardConfig?.TargetGroupStickinessConfig).toMatchObject({
      Enabled: false,
    });
    expect((await readPair(stack)).weights).toEqual({ blue: 100, green: 0 });
  });
});
