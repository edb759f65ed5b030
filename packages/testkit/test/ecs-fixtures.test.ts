/**
 * The blue/green pair fixture and the ECS-agent player against a real moto server: the pair
 * is what the ecs-bluegreen tests and the local stack build on, and the agent must register a
 * service's tasks in its target group (and record a crashing task in ECS) as ECS would.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { startMoto, waitFor, type MotoServer } from '@white-cross/testkit';
import { createBlueGreenPair, forwardTo, type BlueGreenPair } from '@white-cross/testkit/aws-fixtures';
import { startEcsAgent, type TaskStart } from '@white-cross/testkit/ecs-agent';

let moto: MotoServer;
let ecs: ECSClient;
let elb: ElasticLoadBalancingV2Client;
let ec2: EC2Client;
let pair: BlueGreenPair;

beforeAll(async () => {
  moto = await startMoto();
  const config = {
    region: 'us-east-1',
    endpoint: moto.url,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  ecs = new ECSClient(config);
  elb = new ElasticLoadBalancingV2Client(config);
  ec2 = new EC2Client(config);
  pair = await createBlueGreenPair({ ec2, ecs, elb }, { service: 'kit-api', liveTasks: 2, withRule: true });
});
afterAll(async () => {
  ecs?.destroy();
  elb?.destroy();
  ec2?.destroy();
  await moto?.stop();
});

const healthy = async (tg: string) =>
  ((await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg }))).TargetHealthDescriptions ?? [])
    .map((d) => d.Target?.Id)
    .sort();

describe('createBlueGreenPair', () => {
  it('builds blue live at 100 % with its tasks and green idle, on one task definition', async () => {
    const listener = await elb.send(new DescribeListenersCommand({ ListenerArns: [pair.listenerArn] }));
    expect(listener.Listeners?.[0]?.DefaultActions).toMatchObject(forwardTo(pair.targetGroups, 100, 0));
    expect(pair.ruleArn).toMatch(/:listener-rule\/app\/school-health-alb\//);
    const services = await ecs.send(
      new DescribeServicesCommand({
        cluster: pair.cluster,
        services: [pair.services.blue, pair.services.green],
      }),
    );
    expect(services.services?.map((s) => [s.serviceName, s.desiredCount, s.taskDefinition])).toEqual([
      ['kit-api-blue', 2, pair.firstTaskDefinition],
      ['kit-api-green', 0, pair.firstTaskDefinition],
    ]);
    expect(services.services?.[1]?.loadBalancers?.[0]?.targetGroupArn).toBe(pair.targetGroups.green);
  });
});

describe('startEcsAgent', () => {
  it('registers desired tasks as targets through the callback, re-places them on a change, and records a crash', async () => {
    const started: TaskStart[] = [];
    const stopped: string[] = [];
    const crashingImage = 'registry.example/kit-api:broken';
    const agent = startEcsAgent({
      ecs,
      elb,
      cluster: pair.cluster,
      services: [
        { name: pair.services.blue, targetGroupArn: pair.targetGroups.blue, firstAddress: 2 },
        { name: pair.services.green, targetGroupArn: pair.targetGroups.green, firstAddress: 102 },
      ],
      startTask: async (task) => {
        started.push(task);
        if (task.taskDefinition.containerDefinitions?.[0]?.image === crashingImage)
          return { crashed: 'Essential container in task exited' };
        return { stop: async () => void stopped.push(task.address) };
      },
    });
    try {
      await waitFor(
        'blue targets',
        async () => (await healthy(pair.targetGroups.blue)).length === 2,
        10_000,
        50,
      );
      expect(await healthy(pair.targetGroups.blue)).toEqual(['127.0.0.2', '127.0.0.3']);
      expect(started.map((t) => [t.service, t.address, t.port])).toEqual([
        ['kit-api-blue', '127.0.0.2', 3000],
        ['kit-api-blue', '127.0.0.3', 3000],
      ]);

      await ecs.send(
        new UpdateServiceCommand({ cluster: pair.cluster, service: pair.services.blue, desiredCount: 1 }),
      );
      await waitFor(
        'blue at 1',
        async () => (await healthy(pair.targetGroups.blue)).length === 1,
        10_000,
        50,
      );
      expect(stopped.sort()).toEqual(['127.0.0.2', '127.0.0.3']);
      expect(agent.tasks()).toEqual([
        { service: 'kit-api-blue', address: '127.0.0.2', taskDefinitionArn: pair.firstTaskDefinition },
      ]);

      const td = await ecs.send(
        new RegisterTaskDefinitionCommand({
          // Not awsvpc: moto's RunTask fails for awsvpc tasks (see ecs-agent.ts).
          family: pair.family,
          cpu: '256',
          memory: '512',
          containerDefinitions: [{ name: 'api', image: crashingImage, essential: true, memory: 512 }],
        }),
      );
      const crashing = td.taskDefinition?.taskDefinitionArn ?? '';
      await ecs.send(
        new UpdateServiceCommand({
          cluster: pair.cluster,
          service: pair.services.green,
          taskDefinition: crashing,
          desiredCount: 1,
        }),
      );
      const stoppedTasks = async () => {
        const list = await ecs.send(
          new ListTasksCommand({
            cluster: pair.cluster,
            serviceName: pair.services.green,
            desiredStatus: 'STOPPED',
          }),
        );
        if (!list.taskArns?.length) return [];
        return (
          (await ecs.send(new DescribeTasksCommand({ cluster: pair.cluster, tasks: list.taskArns }))).tasks ??
          []
        );
      };
      await waitFor('a stopped green task', async () => (await stoppedTasks()).length > 0, 10_000, 50).catch(
        (e: unknown) => {
          throw new Error(`${String(e)}; agent errors: ${agent.errors.map(String).join(' | ')}`);
        },
      );
      const [task] = await stoppedTasks();
      expect(task).toMatchObject({
        group: 'service:kit-api-green',
        taskDefinitionArn: crashing,
        stoppedReason: 'Essential container in task exited',
      });
      expect(await healthy(pair.targetGroups.green)).toEqual([]);
      expect(agent.errors).toEqual([]);
    } finally {
      await agent.stop();
    }
    expect(stopped.filter((a) => a === '127.0.0.2')).toHaveLength(2);
  });
});
