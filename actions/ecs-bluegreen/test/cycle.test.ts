/**
 * The whole cycle on a real moto server, through the committed bundle: deploy → shift →
 * promote → cleanup, each run twice to show the second changes nothing. moto does not
 * register ECS tasks in target groups, so the test plays the ECS agent (see harness.ts).
 */
import { afterAll, beforeAll, describe, expect, test, jest } from '@jest/globals';
import {
  CreateListenerCommand,
  CreateTargetGroupCommand,
  DeleteListenerCommand,
  DescribeTargetGroupsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { runActionBundle } from '@white-cross/testkit';
import {
  activeRevisions,
  CLUSTER,
  readPair,
  REGISTRY,
  registerRelease,
  SERVICE,
  startAgent,
  startStack,
  tagService,
  type Agent,
  type Stack,
} from './harness.js';

// Each test runs the bundle several times against moto; on a loaded machine that takes minutes.
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

const common = () => ({
  cluster: CLUSTER,
  service: SERVICE,
  'listener-arn': stack.listenerArn,
  'wait-timeout': '20s',
  'poll-interval': '100ms',
});

const run = (inputs: Record<string, string>) =>
  runActionBundle('ecs-bluegreen', { inputs: { ...common(), ...inputs }, env: stack.env });

const mutations =
  /^(RegisterTaskDefinition|UpdateService|ModifyListener|ModifyRule|TagResource|DeregisterTaskDefinition)$/;

describe('inputs checked against AWS before any change', () => {
  let otherTargetGroup: string;
  let otherListener: string;
  beforeAll(async () => {
    const groups = await stack.elb.send(
      new DescribeTargetGroupsCommand({ TargetGroupArns: [stack.targetGroups.blue] }),
    );
    const tg = await stack.elb.send(
      new CreateTargetGroupCommand({
        Name: 'billing',
        Protocol: 'HTTP',
        Port: 3000,
        VpcId: groups.TargetGroups![0]!.VpcId,
        TargetType: 'ip',
      }),
    );
    otherTargetGroup = tg.TargetGroups![0]!.TargetGroupArn!;
    const listener = await stack.elb.send(
      new CreateListenerCommand({
        LoadBalancerArn: stack.loadBalancerArn,
        Protocol: 'HTTP',
        Port: 8080,
        DefaultActions: [
          {
            Type: 'forward',
            ForwardConfig: {
              // Only to the other target group: a listener that also forwarded to blue would be
              // routing to the pair besides the router, which every mode but status refuses.
              TargetGroups: [{ TargetGroupArn: otherTargetGroup, Weight: 100 }],
            },
          },
        ],
      }),
    );
    otherListener = listener.Listeners![0]!.ListenerArn!;
  });
  afterAll(async () => {
    await stack.elb.send(new DeleteListenerCommand({ ListenerArn: otherListener }));
  });

  const cases: [string, () => Record<string, string>, () => string][] = [
    [
      'a cluster that does not exist',
      () => ({ cluster: 'billing' }),
      () => "Input 'cluster' names no ECS cluster in us-east-1: 'billing'.",
    ],
    [
      'services that do not exist',
      () => ({ service: 'billing' }),
      () =>
        "Input 'service': the blue service 'billing-blue' does not exist (or is inactive) in cluster school-health.",
    ],
    [
      'a listener that does not exist',
      () => ({ 'listener-arn': stack.listenerArn.replace(/[0-9a-f]{16}$/, '0123456789abcdef') }),
      () =>
        `Input 'listener-arn' names no listener in us-east-1: '${stack.listenerArn.replace(/[0-9a-f]{16}$/, '0123456789abcdef')}'.`,
    ],
    [
      'a listener that forwards to another target group',
      () => ({ 'listener-arn': otherListener }),
      () =>
        `Input 'listener-arn': the listener forwards to ${otherTargetGroup}, which is neither the blue nor the green target group (blue ${stack.targetGroups.blue}, green ${stack.targetGroups.green}).`,
    ],
    [
      'a target group the service does not register in',
      () => ({ 'blue-target-group': stack.targetGroups.blue, 'green-target-group': otherTargetGroup }),
      () =>
        `Input 'green-target-group' is ${otherTargetGroup}, but service school-health-api-green registers its tasks in ${stack.targetGroups.green}.`,
    ],
    [
      'a task definition that does not exist',
      () => ({ mode: 'deploy', 'task-definition-arn': stack.firstTaskDefinition.replace(/:1$/, ':99') }),
      () =>
        `Input 'task-definition-arn': no task definition ${stack.firstTaskDefinition.replace(/:1$/, ':99')} in us-east-1.`,
    ],
    [
      'a shift with no canary',
      () => ({ mode: 'shift', traffic: '50' }),
      () =>
        'There is no canary to shift traffic to: blue is live with 100 % and green is not a canary. Run mode deploy first. Nothing was changed.',
    ],
  ];

  test.each(cases)('%s: one error line, nothing changed', async (_name, inputs, message) => {
    stack.proxy.reset();
    const result = await run({ mode: 'status', ...inputs() });
    expect(result.exitCode).toBe(1);
    expect(result.annotations.filter((a) => a.level === 'error').map((a) => a.message)).toEqual([message()]);
    expect(stack.proxy.count(mutations)).toBe(0);
  });
});

describe('deploy → shift → promote → cleanup', () => {
  test("deploy registers the task definition, brings green up at blue's count and gives it 10 %", async () => {
    // The new tasks start only once the action has polled them once (no race with the agent).
    agent.hold = true;
    const result = await runActionBundle('ecs-bluegreen', {
      inputs: {
        ...common(),
        mode: 'deploy',
        'task-definition': taskDefinitionFile,
        image: `${REGISTRY}:v1.1.0`,
        'container-name': 'api',
      },
      env: stack.env,
      onLine: (line) => {
        if (line.startsWith('Waiting for school-health-api-green')) agent.hold = false;
      },
    });
    agent.hold = false;
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const pair = await readPair(stack);
    expect(pair.weights).toEqual({ blue: 90, green: 10 });
    expect(pair.green.desiredCount).toBe(2);
    expect(pair.green.taskDefinition).toMatch(/task-definition\/school-health-api:2$/);
    expect(pair.green.tags).toMatchObject({ 'white-cross:role': 'canary', 'white-cross:version': 'v1.1.0' });
    expect(pair.blue.tags).toMatchObject({ 'white-cross:role': 'live' });
    expect(result.outputs).toEqual({
      'live-color': 'blue',
      'canary-color': 'green',
      'task-definition-arn': pair.green.taskDefinition,
      'previous-task-definition-arn': stack.firstTaskDefinition,
      weights: '{"blue":90,"green":10}',
      'load-balancer': stack.loadBalancerArn.split('loadbalancer/')[1],
      'canary-target-group': stack.targetGroups.green.split(':').pop(),
      'baseline-target-group': stack.targetGroups.blue.split(':').pop(),
    });
    expect(result.outputs['load-balancer']).toMatch(/^app\/school-health-alb\/[0-9a-f]+$/);
    expect(result.outputs['canary-target-group']).toMatch(/^targetgroup\/school-health-green\/[0-9a-f]+$/);
    expect(result.stdout).toMatch(/Waiting for school-health-api-green .*targets 0\/2 healthy/);
    expect(result.summary).toContain(
      '| green | school-health-api-green | canary | v1.1.0 | school-health-api:2 | 2 | 0 % | 10 % |',
    );
    expect(result.audit[0]).toMatchObject({
      action: 'ecs-bluegreen',
      outcome: 'success',
      facts: { mode: 'deploy', version: 'v1.1.0' },
    });
  });

  test('the same deploy again changes nothing', async () => {
    stack.proxy.reset();
    const result = await run({
      mode: 'deploy',
      'task-definition': taskDefinitionFile,
      image: `${REGISTRY}:v1.1.0`,
      'container-name': 'api',
    });
    expect(result.exitCode).toBe(0);
    expect(stack.proxy.requests.filter((r) => mutations.test(r.operation)).map((r) => r.operation)).toEqual(
      [],
    );
    expect((await readPair(stack)).weights).toEqual({ blue: 90, green: 10 });
    expect(result.stdout).toContain('green already receives 10 %; weights left as they are.');
  });

  test('shift moves the canary to 50 %, and a second shift changes nothing', async () => {
    const first = await run({ mode: 'shift', traffic: '50' });
    expect(first.exitCode).toBe(0);
    expect((await readPair(stack)).weights).toEqual({ blue: 50, green: 50 });
    expect(first.outputs.weights).toBe('{"blue":50,"green":50}');
    stack.proxy.reset();
    const second = await run({ mode: 'shift', traffic: '50' });
    expect(second.exitCode).toBe(0);
    expect(stack.proxy.count(mutations)).toBe(0);
  });

  test('a deploy of another version while the canary has traffic is refused before anything is registered', async () => {
    stack.proxy.reset();
    const result = await run({
      mode: 'deploy',
      'task-definition': taskDefinitionFile,
      image: `${REGISTRY}:v1.2.0`,
      'container-name': 'api',
    });
    expect(result.exitCode).toBe(1);
    expect(result.annotations.filter((a) => a.level === 'error').map((a) => a.message)).toEqual([
      `A canary is in progress: green runs ${stack.firstTaskDefinition.replace(/:1$/, ':2')} and receives 50 %. Promote it or roll it back before deploying a new task definition from ${taskDefinitionFile}. Nothing was changed.`,
    ]);
    expect(stack.proxy.count(mutations)).toBe(0);
  });

  test('promote sends 100 % to green and tags it; blue stays up; again changes nothing', async () => {
    const result = await run({ mode: 'promote' });
    expect(result.exitCode).toBe(0);
    const pair = await readPair(stack);
    expect(pair.weights).toEqual({ blue: 0, green: 100 });
    expect(pair.green.tags['white-cross:role']).toBe('live');
    expect(Date.parse(pair.green.tags['white-cross:promoted-at']!)).toBeGreaterThan(Date.now() - 60_000);
    expect(pair.blue.tags['white-cross:role']).toBe('previous');
    expect(pair.blue.desiredCount).toBe(2);
    expect(result.outputs['live-color']).toBe('green');
    expect(result.outputs['canary-color']).toBe('');
    expect(result.outputs['baseline-target-group']).toBe(stack.targetGroups.green.split(':').pop());
    stack.proxy.reset();
    const again = await run({ mode: 'promote' });
    if (again.exitCode !== 0) throw new Error(again.stdout + again.stderr);
    expect(again.exitCode).toBe(0);
    expect(stack.proxy.count(mutations)).toBe(0);
    expect(again.summary).toContain('green is already live with 100 %; nothing to promote.');
  });

  test('cleanup keeps blue within 24 h of the promotion', async () => {
    stack.proxy.reset();
    const result = await run({ mode: 'cleanup' });
    expect(result.exitCode).toBe(0);
    expect(stack.proxy.count(mutations)).toBe(0);
    expect((await readPair(stack)).blue.desiredCount).toBe(2);
    expect(result.stdout).toMatch(/blue is kept until \d{4}-/);
  });

  test('cleanup scales blue to the warm count 24 h after the promotion and prunes old revisions', async () => {
    // Cleanup reads the promotion time from the live service's tag; an older tag stands in for 25 hours passing.
    await tagService(stack, 'green', {
      'white-cross:promoted-at': new Date(Date.now() - 25 * 3_600_000).toISOString(),
    });
    // Two more releases registered since (revisions :3 and :4), neither running.
    const v12 = await registerRelease(stack, 'v1.2.0');
    const v13 = await registerRelease(stack, 'v1.3.0');
    const result = await run({ mode: 'cleanup', 'warm-count': '1', 'keep-revisions': '1' });
    expect(result.exitCode).toBe(0);
    const pair = await readPair(stack);
    expect(pair.blue.desiredCount).toBe(1);
    expect(pair.green.desiredCount).toBe(2);
    // Keep the newest (:4) and those in use (blue runs :1, green :2); :3 goes.
    expect((await activeRevisions(stack)).sort()).toEqual(
      [stack.firstTaskDefinition, pair.green.taskDefinition, v13].sort(),
    );
    expect(result.summary).toContain(`Deregistered 1 old task definition revision(s)`);
    expect(result.summary).toContain(v12.split('/').pop());
    expect(result.summary).toContain(
      '| blue | school-health-api-blue | previous | v1.0.0 | school-health-api:1 | 1 | 0 % | 0 % |',
    );
    stack.proxy.reset();
    const again = await run({ mode: 'cleanup', 'warm-count': '1' });
    expect(again.exitCode).toBe(0);
    expect(stack.proxy.count(mutations)).toBe(0);
  });

  test('status reports the live color, weights and versions and changes nothing', async () => {
    stack.proxy.reset();
    const result = await run({ mode: 'status' });
    expect(result.exitCode).toBe(0);
    expect(stack.proxy.count(mutations)).toBe(0);
    expect(result.outputs['live-color']).toBe('green');
    expect(result.outputs.weights).toBe('{"blue":0,"green":100}');
    expect(result.summary).toMatch(
      /\| green \| school-health-api-green \| live \| v1\.1\.0 \| school-health-api:2 \| 2 \| 100 % \| 100 % \| \d{4}-/,
    );
  });
});
