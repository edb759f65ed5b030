/**
 * Plays the ECS agent for the two API services: moto runs no containers, so when a color's
 * service runs a task definition with N desired tasks, this starts N real processes of the
 * sample backend (the "container"), with the task definition's environment and the image's
 * tag as APP_VERSION, waits until each answers /health, and registers it as an `ip` target in
 * the color's target group. When the service changes task definition or goes to 0, the old
 * processes are deregistered and stopped. moto keeps one target per IP in a target group, so
 * each task gets its own loopback address (127.0.0.2, 127.0.0.3, … for blue; 127.0.0.102, …
 * for green) on the same port, as tasks in a VPC would. Like the awslogs log driver, it ships
 * each task's stdout to CloudWatch Logs (moto): PHI-access audit entries to the audit log group,
 * everything else to the API's log group.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import {
  DeregisterTargetsCommand,
  DescribeTargetHealthCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { repoRoot, waitFor } from '@white-cross/testkit';
import {
  API_LOG_GROUP,
  AUDIT_LOG_GROUP,
  CLUSTER,
  SERVICE,
  TASK_PORT,
  type AwsClients,
  type Color,
  type Environment,
} from './aws-setup.js';

export interface Task {
  color: Color;
  ip: string;
  version: string;
  process: ChildProcess;
  logs: { stop(): Promise<void> };
}

export interface EcsAgent {
  /** The tasks running now. */
  tasks(): Task[];
  /** Called with a line for each change (for the progress log). */
  onEvent?: (line: string) => void;
  stop(): Promise<void>;
}

export interface AgentOptions {
  /** Environment every task gets (DATABASE_URL, API_TOKENS, AUDIT_LOG_FILE …), on top of the task definition's. */
  baseEnv: Record<string, string>;
  pollMs?: number;
  /**
   * The port the tasks listen on (default the container port). Giving a free one keeps two
   * stacks on one machine (a demo beside a test run) from colliding on the loopback addresses.
   */
  port?: number;
  log?: (line: string) => void;
}

const serverScript = join(repoRoot, 'examples', 'sample-app', 'backend', 'src', 'server.cjs');

/** Ships a task's stdout lines to CloudWatch Logs once a second, as the awslogs driver does. */
function logShipper(aws: AwsClients, stream: string): { line(text: string): void; stop(): Promise<void> } {
  const pending: Record<string, { timestamp: number; message: string }[]> = {
    [API_LOG_GROUP]: [],
    [AUDIT_LOG_GROUP]: [],
  };
  const ready = Promise.all(
    [API_LOG_GROUP, AUDIT_LOG_GROUP].map((group) =>
      aws.logs
        .send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }))
        .catch(() => undefined),
    ),
  );
  const flush = async () => {
    await ready;
    for (const [group, events] of Object.entries(pending)) {
      if (!events.length) continue;
      const batch = events.splice(0, events.length);
      await aws.logs
        .send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: batch }))
        .catch(() => undefined);
    }
  };
  const timer = setInterval(() => void flush(), 1000);
  return {
    line: (text) => {
      const group = text.includes('"type":"phi-access"') ? AUDIT_LOG_GROUP : API_LOG_GROUP;
      pending[group]!.push({ timestamp: Date.now(), message: text });
    },
    stop: async () => {
      clearInterval(timer);
      await flush();
    },
  };
}

function stopProcess(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}

/** Starts the agent's reconcile loop. */
export function startEcsAgent(aws: AwsClients, environment: Environment, options: AgentOptions): EcsAgent {
  const log = options.log ?? (() => {});
  const placed: Record<Color, { taskDefinition: string; count: number; tasks: Task[] }> = {
    blue: { taskDefinition: '', count: 0, tasks: [] },
    green: { taskDefinition: '', count: 0, tasks: [] },
  };
  let running = true;
  const port = options.port ?? TASK_PORT;
  const ip = (color: Color, i: number) => `127.0.0.${(color === 'blue' ? 2 : 102) + i}`;

  async function startTask(
    color: Color,
    i: number,
    version: string,
    env: Record<string, string>,
  ): Promise<Task> {
    const address = ip(color, i);
    const child = spawn(process.execPath, [serverScript], {
      env: {
        PATH: process.env.PATH ?? '',
        ...options.baseEnv,
        ...env,
        HOST: address,
        PORT: String(port),
        APP_VERSION: version,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const logs = logShipper(aws, `api/${color}/${address}-${version}-${Date.now()}`);
    let partial = '';
    child.stdout?.on('data', (d: Buffer) => {
      const lines = (partial + d.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) logs.line(line);
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    await waitFor(
      `the ${color} task on ${address}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${stderr}`);
        const res = await fetch(`http://${address}:${port}/health`);
        return res.ok;
      },
      20_000,
      100,
    );
    return { color, ip: address, version, process: child, logs };
  }

  async function reconcile(color: Color): Promise<void> {
    const out = await aws.ecs.send(
      new DescribeServicesCommand({ cluster: CLUSTER, services: [`${SERVICE}-${color}`], include: ['TAGS'] }),
    );
    const service = out.services?.[0];
    if (!service) return;
    const want = { taskDefinition: service.taskDefinition ?? '', count: service.desiredCount ?? 0 };
    const have = placed[color];
    if (want.taskDefinition === have.taskDefinition && want.count === have.count) return;
    const tg = environment.targetGroups[color];
    const registered = await aws.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg }));
    const targets = (registered.TargetHealthDescriptions ?? []).map((d) => ({
      Id: d.Target!.Id!,
      Port: d.Target!.Port,
    }));
    if (targets.length)
      await aws.elb.send(new DeregisterTargetsCommand({ TargetGroupArn: tg, Targets: targets }));
    await Promise.all(
      have.tasks.map(async (t) => {
        await stopProcess(t.process);
        await t.logs.stop();
      }),
    );
    if (have.tasks.length)
      log(`ecs-agent: stopped ${have.tasks.length} ${color} task(s) of ${have.tasks[0]?.version}`);
    const tasks: Task[] = [];
    if (want.count > 0) {
      const td = await aws.ecs.send(
        new DescribeTaskDefinitionCommand({ taskDefinition: want.taskDefinition }),
      );
      const container = td.taskDefinition?.containerDefinitions?.[0];
      const image = container?.image ?? '';
      const version = image.includes(':') ? image.slice(image.lastIndexOf(':') + 1) : 'latest';
      const env = Object.fromEntries(
        (container?.environment ?? []).map((e) => [e.name ?? '', e.value ?? '']),
      );
      for (let i = 0; i < want.count; i++) tasks.push(await startTask(color, i, version, env));
      await aws.elb.send(
        new RegisterTargetsCommand({
          TargetGroupArn: tg,
          Targets: tasks.map((t) => ({ Id: t.ip, Port: port })),
        }),
      );
      const faults = Object.entries(env)
        .filter(([k]) => k.startsWith('FAULT_'))
        .map(([k, v]) => `${k}=${v}`);
      log(
        `ecs-agent: started ${want.count} ${color} task(s) of ${version}${faults.length ? ` (${faults.join(', ')})` : ''}`,
      );
    }
    placed[color] = { ...want, tasks };
  }

  const loop = (async () => {
    while (running) {
      for (const color of ['blue', 'green'] as const) {
        try {
          await reconcile(color);
        } catch (error) {
          if (running) log(`ecs-agent: ${color}: ${String(error)} (retrying)`);
        }
      }
      await new Promise((r) => setTimeout(r, options.pollMs ?? 200));
    }
  })();

  return {
    tasks: () => [...placed.blue.tasks, ...placed.green.tasks],
    stop: async () => {
      running = false;
      await loop;
      await Promise.all(
        [...placed.blue.tasks, ...placed.green.tasks].map(async (t) => {
          await stopProcess(t.process);
          await t.logs.stop();
        }),
      );
    },
  };
}
