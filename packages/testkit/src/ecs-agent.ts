/**
 * Plays the ECS agent for services in moto. moto runs no containers and never registers a
 * service's tasks in its target group, so this reconcile loop does: when a service runs a task
 * definition with N desired tasks, it asks `startTask` to start N tasks (a real process, or
 * nothing at all) and registers each as an `ip` target in the service's target group; when the
 * service changes task definition or desired count, the old tasks are deregistered and stopped
 * first. moto keeps one target per IP in a target group, so each task gets its own loopback
 * address (`127.0.0.<firstAddress + i>`) on one port, as tasks in a VPC would.
 *
 * A task that `startTask` reports as crashed is never registered; the agent records it in ECS
 * as a stopped task of the service (RunTask/StopTask with the `service:<name>` group and the
 * crash reason), once per task definition, as ECS shows a crashing container. moto's RunTask
 * fails (HTTP 500) for an `awsvpc` task definition, so a release meant to crash is registered
 * without `networkMode: awsvpc` in tests.
 */
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  type ECSClient,
  type NetworkConfiguration,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import {
  DeregisterTargetsCommand,
  DescribeTargetHealthCommand,
  RegisterTargetsCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';

/** A service the agent places tasks for. */
export interface AgentService {
  name: string;
  targetGroupArn: string;
  /** Last octet of the first task's loopback address (e.g. 2 → 127.0.0.2, 127.0.0.3, …). */
  firstAddress: number;
}

/** What the agent asks `startTask` to start. */
export interface TaskStart {
  service: string;
  /** 0-based index of the task within the service. */
  index: number;
  address: string;
  port: number;
  taskDefinitionArn: string;
  taskDefinition: TaskDefinition;
}

/** A started task: registered as a target until `stop`. */
export interface StartedTask {
  stop(): Promise<void>;
}

/** Either a started task or why its container crashed. */
export type TaskOutcome = StartedTask | { crashed: string };

export type StartTask = (task: TaskStart) => Promise<TaskOutcome>;

export interface EcsAgentOptions {
  ecs: ECSClient;
  elb: ElasticLoadBalancingV2Client;
  cluster: string;
  services: readonly AgentService[];
  /** Starts one task. Default: a task that needs nothing started (always healthy). */
  startTask?: StartTask;
  /** The port every task listens on. Default 3000. */
  port?: number;
  /** Pause between reconcile passes. Default 100 ms. */
  pollMs?: number;
  /** A line for each change and each error (retried on the next pass). */
  log?: (line: string) => void;
}

export interface PlacedTask {
  service: string;
  address: string;
  taskDefinitionArn: string;
}

export interface EcsAgent {
  /** While true, the agent places nothing (tasks still starting). */
  hold: boolean;
  /** Errors met on a pass (the next pass tries again), for a failing test to show. */
  errors: unknown[];
  /** Tasks running now. */
  tasks(): PlacedTask[];
  /** Stops the loop and every task it started. */
  stop(): Promise<void>;
}

const nothingToStart: StartTask = async () => ({ stop: async () => {} });

function isCrash(outcome: TaskOutcome): outcome is { crashed: string } {
  return 'crashed' in outcome;
}

/**
 * Starts the agent's reconcile loop (see the file comment).
 *
 * @example
 * const agent = startEcsAgent({ ecs, elb, cluster: 'school-health', services: [
 *   { name: 'api-blue', targetGroupArn: blueTg, firstAddress: 2 },
 *   { name: 'api-green', targetGroupArn: greenTg, firstAddress: 102 },
 * ] });
 * // … the code under test scales api-green to 2: two targets appear in greenTg …
 * await agent.stop();
 */
export function startEcsAgent(options: EcsAgentOptions): EcsAgent {
  const { ecs, elb, cluster } = options;
  const port = options.port ?? 3000;
  const startTask = options.startTask ?? nothingToStart;
  const log = options.log ?? (() => {});
  const placed = new Map<
    string,
    { taskDefinition: string; count: number; tasks: (StartedTask & PlacedTask)[] }
  >();
  const crashedOnce = new Set<string>();
  let running = true;

  async function recordCrash(
    service: string,
    taskDefinitionArn: string,
    reason: string,
    networkConfiguration: NetworkConfiguration | undefined,
  ): Promise<void> {
    const key = `${service} ${taskDefinitionArn}`;
    if (crashedOnce.has(key)) return;
    crashedOnce.add(key);
    const run = await ecs.send(
      new RunTaskCommand({
        cluster,
        taskDefinition: taskDefinitionArn,
        launchType: 'FARGATE',
        count: 1,
        group: `service:${service}`,
        startedBy: 'ecs-svc/agent',
        ...(networkConfiguration ? { networkConfiguration } : {}),
      }),
    );
    const taskArn = run.tasks?.[0]?.taskArn;
    if (taskArn) await ecs.send(new StopTaskCommand({ cluster, task: taskArn, reason }));
    log(`ecs-agent: a ${service} task of ${taskDefinitionArn.split('/').pop()} crashed: ${reason}`);
  }

  async function reconcile(service: AgentService): Promise<void> {
    // Always with TAGS: moto switches tags in DescribeServices answers on and off for the whole
    // server, so a concurrent call without them would strip them from the code under test's answer.
    const out = await ecs.send(
      new DescribeServicesCommand({ cluster, services: [service.name], include: ['TAGS'] }),
    );
    const described = out.services?.[0];
    if (!described || described.status === 'INACTIVE') return;
    const want = { taskDefinition: described.taskDefinition ?? '', count: described.desiredCount ?? 0 };
    const have = placed.get(service.name) ?? { taskDefinition: '', count: 0, tasks: [] };
    if (want.taskDefinition === have.taskDefinition && want.count === have.count) return;
    const registered = await elb.send(
      new DescribeTargetHealthCommand({ TargetGroupArn: service.targetGroupArn }),
    );
    const targets = (registered.TargetHealthDescriptions ?? []).flatMap((d) =>
      d.Target?.Id ? [{ Id: d.Target.Id, Port: d.Target.Port }] : [],
    );
    if (targets.length)
      await elb.send(
        new DeregisterTargetsCommand({ TargetGroupArn: service.targetGroupArn, Targets: targets }),
      );
    await Promise.all(have.tasks.map((t) => t.stop()));
    if (have.tasks.length) log(`ecs-agent: stopped ${have.tasks.length} ${service.name} task(s)`);
    const tasks: (StartedTask & PlacedTask)[] = [];
    if (want.count > 0) {
      const td = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: want.taskDefinition }));
      const taskDefinition = td.taskDefinition ?? {};
      for (let index = 0; index < want.count; index++) {
        const address = `127.0.0.${service.firstAddress + index}`;
        const outcome = await startTask({
          service: service.name,
          index,
          address,
          port,
          taskDefinitionArn: want.taskDefinition,
          taskDefinition,
        });
        if (isCrash(outcome)) {
          await recordCrash(
            service.name,
            want.taskDefinition,
            outcome.crashed,
            described.networkConfiguration,
          );
          continue;
        }
        tasks.push({
          stop: () => outcome.stop(),
          service: service.name,
          address,
          taskDefinitionArn: want.taskDefinition,
        });
      }
      if (tasks.length) {
        await elb.send(
          new RegisterTargetsCommand({
            TargetGroupArn: service.targetGroupArn,
            Targets: tasks.map((t) => ({ Id: t.address, Port: port })),
          }),
        );
        log(
          `ecs-agent: started ${tasks.length} ${service.name} task(s) of ${want.taskDefinition.split('/').pop()}`,
        );
      }
    }
    placed.set(service.name, { ...want, tasks });
  }

  const agent: EcsAgent = {
    hold: false,
    errors: [],
    tasks: () =>
      [...placed.values()].flatMap((p) =>
        p.tasks.map(({ service, address, taskDefinitionArn }) => ({ service, address, taskDefinitionArn })),
      ),
    stop: async () => {
      running = false;
      await loop;
      await Promise.all([...placed.values()].flatMap((p) => p.tasks.map((t) => t.stop())));
    },
  };
  const loop = (async () => {
    while (running) {
      if (!agent.hold) {
        for (const service of options.services) {
          try {
            await reconcile(service);
          } catch (error) {
            agent.errors.push(error);
            if (running) log(`ecs-agent: ${service.name}: ${String(error)} (retrying)`);
          }
        }
      }
      await new Promise((r) => setTimeout(r, options.pollMs ?? 100));
    }
  })();
  return agent;
}
