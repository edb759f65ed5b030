import { describe, expect, test } from '@jest/globals';
import type { Action } from '@aws-sdk/client-elastic-load-balancing-v2';
import { formatSplit, readTrafficSplit, splitWithCanary, withTrafficSplit } from '../src/traffic.js';
import { loadBalancerDimension, targetGroupDimension } from '../src/dimensions.js';

const blue =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/school-health-blue/0e708550e0192f67';
const green =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/school-health-green/73e2d6bc24d8a067';
const tgs = { blue, green };
const forward = (b: number, g: number): Action => ({
  Type: 'forward',
  ForwardConfig: {
    TargetGroups: [
      { TargetGroupArn: blue, Weight: b },
      { TargetGroupArn: green, Weight: g },
    ],
  },
});

describe('readTrafficSplit', () => {
  test('reads weights as percentages', () => {
    expect(readTrafficSplit([forward(90, 10)], tgs)).toEqual({ blue: 90, green: 10 });
    expect(readTrafficSplit([forward(1, 3)], tgs)).toEqual({ blue: 25, green: 75 });
  });

  test('a plain forward to one color gives it 100 %', () => {
    expect(readTrafficSplit([{ Type: 'forward', TargetGroupArn: green }], tgs)).toEqual({
      blue: 0,
      green: 100,
    });
  });

  test('refuses a forward to a third target group, none, several, or all weights 0', () => {
    const other = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/billing/1111111111111111';
    expect(() => readTrafficSplit([{ Type: 'forward', TargetGroupArn: other }], tgs)).toThrow(
      `forwards to ${other}, which is neither the blue nor the green target group`,
    );
    expect(() => readTrafficSplit([{ Type: 'fixed-response' }], tgs)).toThrow(
      'has 0 forward actions; blue/green needs exactly one',
    );
    expect(() => readTrafficSplit([forward(1, 1), forward(1, 1)], tgs)).toThrow('has 2 forward actions');
    expect(() => readTrafficSplit([forward(0, 0)], tgs)).toThrow('gives both target groups weight 0');
  });
});

describe('withTrafficSplit', () => {
  test('rewrites only the forward action, keeping order, stickiness and other actions', () => {
    const auth: Action = { Type: 'authenticate-oidc', Order: 1 };
    const actions: Action[] = [
      auth,
      {
        Type: 'forward',
        Order: 2,
        ForwardConfig: {
          TargetGroups: [{ TargetGroupArn: blue, Weight: 100 }],
          TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 60 },
        },
      },
    ];
    expect(withTrafficSplit(actions, tgs, { blue: 75, green: 25 })).toEqual([
      auth,
      {
        Type: 'forward',
        Order: 2,
        ForwardConfig: {
          TargetGroups: [
            { TargetGroupArn: blue, Weight: 75 },
            { TargetGroupArn: green, Weight: 25 },
          ],
          TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 60 },
        },
      },
    ]);
  });

  // ELBv2 API reference, AuthenticateOidcActionConfig: DescribeListeners never returns the
  // ClientSecret, and a ModifyListener without it must set UseExistingClientSecret to true.
  // https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_AuthenticateOidcActionConfig.html
  test('writes an authenticate-oidc action back with UseExistingClientSecret and no secret', () => {
    const oidc = {
      Issuer: 'https://idp.example/',
      AuthorizationEndpoint: 'https://idp.example/auth',
      TokenEndpoint: 'https://idp.example/token',
      UserInfoEndpoint: 'https://idp.example/userinfo',
      ClientId: 'school-health',
    };
    const actions: Action[] = [
      {
        Type: 'authenticate-oidc',
        Order: 1,
        AuthenticateOidcConfig: { ...oidc, ClientSecret: 'read-back?' },
      },
      { Type: 'forward', Order: 2, ForwardConfig: { TargetGroups: [{ TargetGroupArn: blue, Weight: 100 }] } },
    ];
    expect(withTrafficSplit(actions, tgs, { blue: 90, green: 10 })[0]).toEqual({
      Type: 'authenticate-oidc',
      Order: 1,
      AuthenticateOidcConfig: { ...oidc, UseExistingClientSecret: true },
    });
  });

  test('what it writes reads back as the same split', () => {
    for (const split of [
      splitWithCanary('green', 10),
      splitWithCanary('blue', 100),
      splitWithCanary('green', 0),
    ]) {
      expect(readTrafficSplit(withTrafficSplit([forward(50, 50)], tgs, split), tgs)).toEqual(split);
    }
  });
});

test('splitWithCanary and formatSplit', () => {
  expect(splitWithCanary('blue', 25)).toEqual({ blue: 25, green: 75 });
  expect(formatSplit({ blue: 90, green: 10 })).toBe('blue 90 % / green 10 %');
});

describe('CloudWatch dimensions (the shapes canary-gate validates)', () => {
  test('load balancer from a listener, a rule or the load balancer', () => {
    const dimension = 'app/school-health-alb/50dc6c495c0c9188';
    expect(
      loadBalancerDimension(
        `arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/${dimension}/f2f7dc8efc522ab2`,
      ),
    ).toBe(dimension);
    expect(
      loadBalancerDimension(
        `arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/${dimension}/f2f7dc8efc522ab2/9683b2d02a6cabee`,
      ),
    ).toBe(dimension);
    expect(
      loadBalancerDimension(`arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/${dimension}`),
    ).toBe(dimension);
    expect(() => loadBalancerDimension(green)).toThrow('not a load balancer, listener or rule ARN');
  });

  test('target group: the part after the last colon', () => {
    expect(targetGroupDimension(green)).toBe('targetgroup/school-health-green/73e2d6bc24d8a067');
    expect(() => targetGroupDimension('targetgroup/x/1')).toThrow('not a target group ARN');
  });
});
