/**
 * The proxy's rewrite rule and the strict ELBv2/ECS rules in `aws-strict.ts`, against moto.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { EC2Client } from '@aws-sdk/client-ec2';
import {
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { startAwsProxy, startMoto, type AwsProxy, type MotoServer } from '@white-cross/testkit';
import { createBlueGreenPair, forwardTo, type BlueGreenPair } from '@white-cross/testkit/aws-fixtures';
import { circuitBreakerRollback, requireOidcClientSecret } from '@white-cross/testkit/aws-strict';

let moto: MotoServer;
let proxy: AwsProxy;
let pair: BlueGreenPair;
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
let viaProxy: { ecs: ECSClient; elb: ElasticLoadBalancingV2Client };

beforeAll(async () => {
  moto = await startMoto();
  proxy = await startAwsProxy(moto.url);
  const direct = { region: 'us-east-1', endpoint: moto.url, credentials };
  const ec2 = new EC2Client(direct);
  const ecs = new ECSClient(direct);
  const elb = new ElasticLoadBalancingV2Client(direct);
  pair = await createBlueGreenPair({ ec2, ecs, elb }, { service: 'strict-api' });
  [ec2, ecs, elb].forEach((c) => c.destroy());
  const through = { region: 'us-east-1', endpoint: proxy.url, credentials, maxAttempts: 1 };
  viaProxy = { ecs: new ECSClient(through), elb: new ElasticLoadBalancingV2Client(through) };
});
afterAll(async () => {
  viaProxy?.ecs.destroy();
  viaProxy?.elb.destroy();
  await proxy?.stop();
  await moto?.stop();
});

describe('circuitBreakerRollback', () => {
  it("rewrites moto's DescribeServices answer into a FAILED deployment and a PRIMARY rollback", async () => {
    proxy.addFault(
      circuitBreakerRollback({
        service: pair.services.blue,
        failedTaskDefinition: pair.firstTaskDefinition,
        rollbackTaskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/strict-api:0',
        reason: 'tasks failed to start',
      }),
    );
    const out = await viaProxy.ecs.send(
      new DescribeServicesCommand({ cluster: pair.cluster, services: [pair.services.blue] }),
    );
    proxy.clearFaults();
    expect(
      out.services?.[0]?.deployments?.map((d) => [
        d.status,
        d.taskDefinition?.split('/').pop(),
        d.rolloutState,
      ]),
    ).toEqual([
      ['PRIMARY', 'strict-api:0', 'IN_PROGRESS'],
      ['ACTIVE', 'strict-api:1', 'FAILED'],
    ]);
    expect(out.services?.[0]?.deployments?.[1]?.rolloutStateReason).toBe('tasks failed to start');
    expect(proxy.requests.at(-1)?.fault).toBe('circuit-breaker-rollback');
  });
});

describe('requireOidcClientSecret', () => {
  it('lets a ModifyListener without authenticate-oidc through to moto', async () => {
    proxy.addFault(requireOidcClientSecret());
    await viaProxy.elb.send(
      new ModifyListenerCommand({
        ListenerArn: pair.listenerArn,
        DefaultActions: forwardTo(pair.targetGroups, 100, 0),
      }),
    );
    proxy.clearFaults();
    expect(proxy.requests.at(-1)).toMatchObject({ operation: 'ModifyListener' });
    expect(proxy.requests.at(-1)?.fault).toBeUndefined();
  });
});
