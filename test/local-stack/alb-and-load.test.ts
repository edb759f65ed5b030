import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CreateSubnetCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DescribeRulesCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { startMoto, type MotoServer } from '@white-cross/testkit';
import { headerRules, matchHeaderRule, productionWeights, weightedRoundRobin } from './alb.js';
import { startLoad } from './load.js';

describe('weightedRoundRobin', () => {
  it('sends exactly the share the weights give, spread out', () => {
    const next = weightedRoundRobin();
    const picks = Array.from({ length: 100 }, () => next({ blue: 90, green: 10 }));
    expect(picks.filter((c) => c === 'green')).toHaveLength(10);
    // Spread: never two canary requests in a row at 10 %.
    expect(picks.some((c, i) => c === 'green' && picks[i + 1] === 'green')).toBe(false);
  });

  it('follows a weight change at once and sends nothing when both weights are 0', () => {
    const next = weightedRoundRobin();
    next({ blue: 100, green: 0 });
    expect(Array.from({ length: 4 }, () => next({ blue: 0, green: 100 }))).toEqual([
      'green',
      'green',
      'green',
      'green',
    ]);
    expect(next({ blue: 0, green: 0 })).toBeUndefined();
  });
});

// ALB evaluates rules from the lowest priority value to the highest, the default rule last; an
// http-header condition compares names and values case-insensitively, with * and ? wildcards
// (Elastic Load Balancing, "Listener rules for your Application Load Balancer", "Condition
// types for listener rules").
describe('listener rules with http-header conditions', () => {
  const groups = { blue: 'tg-blue', green: 'tg-green' };
  const header = (name: string, values: string[]) => ({
    Field: 'http-header',
    HttpHeaderConfig: { HttpHeaderName: name, Values: values },
  });
  const rules = headerRules(
    [
      { RuleArn: 'd', Priority: 'default', IsDefault: true, Actions: [] },
      {
        RuleArn: 'g',
        Priority: '5',
        Conditions: [header('X-Test-Route', ['abc'])],
        Actions: [{ Type: 'forward', TargetGroupArn: 'tg-green' }],
      },
      {
        RuleArn: 'b',
        Priority: '2',
        Conditions: [header('x-canary', ['b?ue*'])],
        Actions: [{ Type: 'forward', TargetGroupArn: 'tg-blue' }],
      },
      // Another condition type: left out, never matched by headers alone.
      {
        RuleArn: 'p',
        Priority: '1',
        Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }],
        Actions: [{ Type: 'forward', TargetGroupArn: 'tg-green' }],
      },
      // Forwarding elsewhere: left out.
      {
        RuleArn: 'o',
        Priority: '3',
        Conditions: [header('x-test-route', ['abc'])],
        Actions: [{ Type: 'forward', TargetGroupArn: 'tg-billing' }],
      },
    ],
    groups,
  );

  it('keeps the header rules that forward to a color, lowest priority first', () => {
    expect(rules.map((r) => [r.priority, r.color])).toEqual([
      [2, 'blue'],
      [5, 'green'],
    ]);
  });

  it('matches names and values case-insensitively, with wildcards; no header, no rule', () => {
    expect(matchHeaderRule(rules, { 'x-test-route': 'ABC' })?.color).toBe('green');
    expect(matchHeaderRule(rules, { 'x-test-route': 'abcd' })).toBeUndefined();
    expect(matchHeaderRule(rules, { 'x-canary': 'BLUE-7' })?.color).toBe('blue');
    expect(matchHeaderRule(rules, { 'x-canary': 'bl' })).toBeUndefined();
    expect(matchHeaderRule(rules, {})).toBeUndefined();
  });

  it('takes the lowest priority when two rules match', () => {
    expect(matchHeaderRule(rules, { 'x-test-route': 'abc', 'x-canary': 'blue' })?.color).toBe('blue');
  });
});

describe('startLoad', () => {
  it('refuses any target that is not a loopback address', () => {
    expect(() =>
      startLoad({
        url: 'https://10.0.0.5:443',
        ca: '',
        requestsPerSecond: 1,
        maxDurationMs: 10,
        maxRequests: 1,
        paths: ['/'],
      }),
    ).toThrow('the load generator only targets loopback addresses, not 10.0.0.5');
  });

  it('stops at its request bound even when nothing answers', async () => {
    // Port 9 on loopback: nothing listens, every request fails fast; the bound still holds.
    const load = startLoad({
      url: 'https://127.0.0.1:9',
      ca: '',
      requestsPerSecond: 200,
      maxDurationMs: 20_000,
      maxRequests: 25,
      paths: ['/'],
    });
    const stats = await load.done;
    expect(stats.sent).toBe(25);
    expect(stats.byStatus.error).toBe(25);
  });
});

/**
 * The production weights the ALB stand-in routes by, read from moto's DescribeRules as a
 * listener holds them: ECS native deployments move the production listener rule's forward
 * weights, two-services the default action's (ECS Developer Guide, "Amazon ECS blue/green
 * deployments": productionListenerRule).
 */
describe('productionWeights', () => {
  let moto: MotoServer;
  beforeAll(async () => {
    moto = await startMoto();
  });
  afterAll(async () => {
    await moto.stop();
  });

  it("follows the production rule's forward weights, not a test route's, else the default action", async () => {
    const config = {
      region: 'us-east-1',
      endpoint: moto.url,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    };
    const ec2 = new EC2Client(config);
    const elb = new ElasticLoadBalancingV2Client(config);
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.7.0.0/16' }))).Vpc!.VpcId!;
    const subnets = await Promise.all(
      ['a', 'b'].map(
        async (az, i) =>
          (
            await ec2.send(
              new CreateSubnetCommand({
                VpcId: vpc,
                CidrBlock: `10.7.${i}.0/24`,
                AvailabilityZone: `us-east-1${az}`,
              }),
            )
          ).Subnet!.SubnetId!,
      ),
    );
    const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: 'alb-weights', Subnets: subnets })))
      .LoadBalancers![0]!.LoadBalancerArn!;
    const [blue, green] = await Promise.all(
      ['blue', 'green'].map(
        async (c) =>
          (
            await elb.send(
              new CreateTargetGroupCommand({
                Name: `w-${c}`,
                Protocol: 'HTTP',
                Port: 80,
                VpcId: vpc,
                TargetType: 'ip',
              }),
            )
          ).TargetGroups![0]!.TargetGroupArn!,
      ),
    );
    const targetGroups = { blue: blue!, green: green! };
    const forward = (b: number, g: number) => [
      {
        Type: 'forward' as const,
        ForwardConfig: {
          TargetGroups: [
            { TargetGroupArn: blue, Weight: b },
            { TargetGroupArn: green, Weight: g },
          ],
        },
      },
    ];
    const listener = (
      await elb.send(
        new CreateListenerCommand({
          LoadBalancerArn: lb,
          Protocol: 'HTTP',
          Port: 80,
          DefaultActions: forward(100, 0),
        }),
      )
    ).Listeners![0]!.ListenerArn!;
    const rules = async () =>
      (await elb.send(new DescribeRulesCommand({ ListenerArn: listener }))).Rules ?? [];
    expect(productionWeights(await rules(), targetGroups)).toEqual({ blue: 100, green: 0 });

    // A test route (header) before the production rule: requests without the header skip it.
    await elb.send(
      new CreateRuleCommand({
        ListenerArn: listener,
        Priority: 5,
        Conditions: [{ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'x-test', Values: ['1'] } }],
        Actions: forward(0, 100),
      }),
    );
    await elb.send(
      new CreateRuleCommand({
        ListenerArn: listener,
        Priority: 10,
        Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }],
        Actions: forward(90, 10),
      }),
    );
    expect(productionWeights(await rules(), targetGroups)).toEqual({ blue: 90, green: 10 });
    ec2.destroy();
    elb.destroy();
  });
});
