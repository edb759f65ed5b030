/**
 * The test route (src/test-route.ts) on a real moto server, through the committed bundle: a
 * deploy at 0 % opens a header rule to green before any weight moves; a re-run reuses it; the
 * routing scan does not refuse it; promote and rollback remove it. ALB evaluates rules from the
 * lowest priority value to the highest, the default rule last, and an http-header condition
 * matches the header's value (Elastic Load Balancing, "Listener rules for your Application Load
 * Balancer"; "Condition types for listener rules", HTTP header conditions).
 */
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import {
  CreateRuleCommand,
  DeleteRuleCommand,
  DescribeRulesCommand,
  type Rule,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { listenerOf, lowestFreePriority, testRoutesAmong, TEST_ROUTE_HEADER } from '../src/test-route.js';
import { readPair, REGISTRY, startAgent, startStack, type Agent, type Stack, runBundle } from './harness.js';

jest.setTimeout(300_000);
let stack: Stack;
let agent: Agent;
const taskDefinitionFile = new URL('./task-definition.json', import.meta.url).pathname;

beforeAll(async () => {
  stack = await startStack();
  agent = startAgent(stack);
});
afterAll(async () => {
  await agent?.stop();
  await stack?.stop();
});

const run = (inputs: Record<string, string>) => runBundle(stack, { 'wait-timeout': '20s', ...inputs });

const deploy = (version: string, extra: Record<string, string> = {}) =>
  run({
    mode: 'deploy',
    'task-definition': taskDefinitionFile,
    image: `${REGISTRY}:${version}`,
    'container-name': 'api',
    version,
    traffic: '0',
    'test-route': 'header',
    ...extra,
  });

/** The listener's rules besides the default one. */
async function rules(): Promise<Rule[]> {
  const out = await stack.elb.send(new DescribeRulesCommand({ ListenerArn: stack.listenerArn }));
  return (out.Rules ?? []).filter((r) => !r.IsDefault);
}
const headerRules = async () =>
  (await rules()).filter((r) => r.Conditions?.[0]?.HttpHeaderConfig?.HttpHeaderName === TEST_ROUTE_HEADER);

describe('pure parts', () => {
  test('the listener of a rule ARN, the lowest free priority', () => {
    expect(listenerOf('arn:aws:elasticloadbalancing:us-east-1:1:listener-rule/app/alb/50dc/f2f7/9a1b')).toBe(
      'arn:aws:elasticloadbalancing:us-east-1:1:listener/app/alb/50dc/f2f7',
    );
    const listener = 'arn:aws:elasticloadbalancing:us-east-1:1:listener/app/alb/50dc/f2f7';
    expect(listenerOf(listener)).toBe(listener);
    expect(lowestFreePriority([])).toBe(1);
    expect(lowestFreePriority([1, 2, 10])).toBe(3);
  });

  test('a rule is a test route only when it matches on the test header alone, forwarding to that color', () => {
    const groups = { blue: 'tg-blue', green: 'tg-green' };
    const rule = (over: Partial<Rule>): Rule => ({
      RuleArn: 'r1',
      Priority: '1',
      Conditions: [
        { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: TEST_ROUTE_HEADER, Values: ['abc'] } },
      ],
      Actions: [{ Type: 'forward', TargetGroupArn: 'tg-green' }],
      ...over,
    });
    expect(testRoutesAmong([rule({})], groups)).toEqual([{ arn: 'r1', color: 'green', headerValue: 'abc' }]);
    expect(
      testRoutesAmong([rule({ Actions: [{ Type: 'forward', TargetGroupArn: 'tg-billing' }] })], groups),
    ).toEqual([]);
    expect(
      testRoutesAmong([rule({ Actions: [{ Type: 'forward', TargetGroupArn: 'tg-blue' }] })], groups),
    ).toEqual([{ arn: 'r1', color: 'blue', headerValue: 'abc' }]);
    expect(
      testRoutesAmong(
        [rule({ Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }] })],
        groups,
      ),
    ).toEqual([]);
  });
});

describe('the test route on moto', () => {
  let header = '';

  test('deploy at 0 % with test-route header opens a rule to green only; weights stay 100/0; the value is masked', async () => {
    // Another rule at priority 1 (a fixed response), so the test route takes the lowest free one.
    const other = await stack.elb.send(
      new CreateRuleCommand({
        ListenerArn: stack.listenerArn,
        Priority: 1,
        Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/maintenance'] } }],
        Actions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '503' } }],
      }),
    );
    const result = await deploy('v1.1.0');
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const pair = await readPair(stack);
    expect(pair.weights).toEqual({ blue: 100, green: 0 });
    expect(pair.green.tags).toMatchObject({ 'white-cross:role': 'canary' });
    const ours = await headerRules();
    expect(ours).toHaveLength(1);
    const rule = ours[0]!;
    expect(rule.Priority).toBe('2');
    expect(rule.Actions).toEqual([
      expect.objectContaining({ Type: 'forward', TargetGroupArn: stack.targetGroups.green }),
    ]);
    const value = rule.Conditions?.[0]?.HttpHeaderConfig?.Values?.[0] ?? '';
    expect(rule.Conditions?.[0]?.HttpHeaderConfig?.HttpHeaderName).toBe(TEST_ROUTE_HEADER);
    expect(value).toMatch(/^[0-9a-f]{32}$/);
    header = result.outputs['test-header'] ?? '';
    expect(header).toBe(`${TEST_ROUTE_HEADER}: ${value}`);
    expect(result.outputs['test-url']).toMatch(/^http:\/\/.+:80$/);
    expect(result.stdout).toContain(`::add-mask::${value}`);
    // Apart from its mask, the value never shows in the log, the summary or the evidence.
    expect(result.stdout.replace(`::add-mask::${value}`, '')).not.toContain(value);
    expect(result.summary).not.toContain(value);
    expect(JSON.stringify(result.audit)).not.toContain(value);
    await stack.elb.send(new DeleteRuleCommand({ RuleArn: other.Rules![0]!.RuleArn! }));
  });

  test('a re-run reuses the rule and its header; shift is not refused by the routing scan', async () => {
    const again = await deploy('v1.1.0');
    expect(again.exitCode).toBe(0);
    expect(again.outputs['test-header']).toBe(header);
    expect(await headerRules()).toHaveLength(1);
    const shifted = await run({ mode: 'shift', traffic: '10' });
    expect(shifted.stderr).toBe('');
    expect(shifted.exitCode).toBe(0);
    expect((await readPair(stack)).weights).toEqual({ blue: 90, green: 10 });
  });

  test('promote removes the test route', async () => {
    const promoted = await run({ mode: 'promote' });
    expect(promoted.exitCode).toBe(0);
    expect(await rules()).toEqual([]);
    expect(promoted.summary).toContain('Remove the test route to green');
  });

  test('rollback of a canary at 0 % removes its test route and moves no weight; a second rollback changes nothing', async () => {
    const deployed = await deploy('v1.2.0');
    expect(deployed.exitCode).toBe(0);
    expect(deployed.outputs['test-header']).not.toBe(header);
    expect(
      (await headerRules()).filter((r) => r.Actions?.[0]?.TargetGroupArn === stack.targetGroups.blue),
    ).toHaveLength(1);
    const rolled = await run({
      mode: 'rollback',
      to: 'previous',
      reason: 'verification failed on the test route',
    });
    expect(rolled.exitCode).toBe(0);
    expect(await rules()).toEqual([]);
    const pair = await readPair(stack);
    expect(pair.weights).toEqual({ blue: 0, green: 100 });
    expect(pair.blue.tags).toMatchObject({ 'white-cross:role': 'rolled-back' });
    const twice = await run({
      mode: 'rollback',
      to: 'previous',
      reason: 'verification failed on the test route',
    });
    expect(twice.exitCode).toBe(0);
    expect(await rules()).toEqual([]);
  });

  test('deploy with traffic 0 and no test route is refused, naming the input', async () => {
    const result = await deploy('v1.3.0', { 'test-route': 'off' });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(
      "::error::Input 'traffic' must be from 1 to 100 for mode deploy (the first canary weight), or 0 with 'test-route: header'; got 0.",
    );
  });
});
