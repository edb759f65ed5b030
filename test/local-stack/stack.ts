/**
 * The whole local stack in one call: moto (AWS), PostgreSQL, the CloudWatch stand-in, the
 * environment provisioned in moto, the ECS-agent player running the sample backend as real
 * processes, and the HTTPS ALB stand-in routing by moto's listener weights.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freePort,
  makeCertificate,
  startMoto,
  startPostgres,
  startRedis,
  waitFor,
  type MotoServer,
  type PostgresServer,
} from '@white-cross/testkit';
import { startMetricsServer, type MetricsServer } from '@white-cross/testkit/metrics-server';
import { startAlb, type AlbStandIn } from './alb.js';
import { awsClients, provisionEnvironment, type AwsClients, type Environment } from './aws-setup.js';
import { startEcsAgent, type EcsAgent } from './ecs-agent.js';

export interface LocalStack {
  moto: MotoServer;
  postgres: PostgresServer;
  metrics: MetricsServer;
  aws: AwsClients;
  environment: Environment;
  agent: EcsAgent;
  alb: AlbStandIn;
  /** PEM of the CA behind the ALB's certificate (NODE_EXTRA_CA_CERTS for the actions). */
  caFile: string;
  ca: string;
  /** A bearer token the API accepts (a test user's). */
  apiToken: string;
  /** The app database's URL (a secret). */
  databaseUrl: string;
  /** Scratch folder of this stack (backups, audit log file). */
  dir: string;
  /** Environment for every action bundle: AWS at moto, CloudWatch at the stand-in, the CA trusted. */
  actionEnv: Record<string, string>;
  /**
   * Builds the AWS environment afresh (blue live on v1.0.0, green idle), so each scenario starts
   * from the same place; the database keeps its migrations, as a real one would.
   */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

function healthStatus(url: string, ca: string): Promise<number> {
  return new Promise((resolve) => {
    const u = new URL('/health', url);
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, ca, timeout: 2_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/**
 * Waits until blue answers through the ALB stand-in, as a production environment does before
 * anyone deploys to it; then forgets the metrics of the wait. Without it the load of a scenario
 * met a load balancer with no registered target yet, and its 503s (published per load balancer
 * only) landed in the first canary window.
 */
async function untilBlueServes(alb: AlbStandIn, ca: string, metrics: MetricsServer): Promise<void> {
  await waitFor(
    'blue to answer /health through the ALB stand-in',
    async () => (await healthStatus(alb.url, ca)) === 200,
    60_000,
    200,
  );
  metrics.reset();
}

export async function startLocalStack(
  options: { log?: (line: string) => void; tasks?: number } = {},
): Promise<LocalStack> {
  const log = options.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), 'wcd-stack-'));
  const started: { stop(): Promise<void> }[] = [];
  try {
    log('stack: starting moto, PostgreSQL 15, Redis and the CloudWatch stand-in');
    const [moto, postgres, metrics, redis] = await Promise.all([
      startMoto(),
      startPostgres({ database: 'school_health' }),
      startMetricsServer({ publicationLagMs: 0 }),
      // The tasks' Redis, so /api/v1/health/redis answers for real (verify-deployment checks it).
      startRedis(),
    ]);
    started.push(moto, postgres, metrics, redis);
    const aws = awsClients(moto.url);
    log(
      'stack: provisioning VPC, ALB, target groups, ECS services, buckets, distribution, log groups, RDS in moto',
    );
    const environment = await provisionEnvironment(aws, options.tasks ?? 1);
    const certificate = makeCertificate({ commonName: '127.0.0.1', altNames: ['127.0.0.1', 'localhost'] });
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, certificate.ca);
    const apiToken = 'demo-nurse-token-6c1f0a';
    mkdirSync(join(dir, 'backups'), { recursive: true });
    const agentOptions = {
      baseEnv: { DATABASE_URL: postgres.url, REDIS_URL: redis.url, API_TOKENS: apiToken },
      port: await freePort(),
      log,
    };
    const agent = startEcsAgent(aws, environment, agentOptions);
    started.push(agent);
    const alb = await startAlb(aws, environment, metrics, certificate, { log });
    started.push(alb);
    await untilBlueServes(alb, certificate.ca, metrics);
    log(`stack: ALB stand-in on ${alb.url}; blue answers through it`);
    const stack: LocalStack = {
      moto,
      postgres,
      metrics,
      aws,
      environment,
      agent,
      alb,
      caFile,
      ca: certificate.ca,
      apiToken,
      databaseUrl: postgres.url,
      dir,
      actionEnv: { ...moto.env, ...metrics.env, NODE_EXTRA_CA_CERTS: caFile },
      reset: async () => {
        await stack.alb.stop();
        await stack.agent.stop();
        await moto.reset();
        stack.environment = await provisionEnvironment(aws, options.tasks ?? 1);
        stack.agent = startEcsAgent(aws, stack.environment, agentOptions);
        stack.alb = await startAlb(aws, stack.environment, metrics, certificate, { log });
        await untilBlueServes(stack.alb, certificate.ca, metrics);
        log('stack: AWS environment rebuilt: blue live on v1.0.0 and answering, green idle');
      },
      stop: async () => {
        await stack.alb.stop();
        await stack.agent.stop();
        aws.destroy();
        redis.process.kill();
        await Promise.all([metrics.stop(), postgres.stop(), moto.stop()]);
        rmSync(dir, { recursive: true, force: true });
      },
    };
    return stack;
  } catch (error) {
    for (const s of started.reverse()) await s.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
