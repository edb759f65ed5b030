/**
 * Benchmark: s3-deploy (its committed bundle, run as the runner runs it) against `aws s3 sync`,
 * on one moto server, through one recording proxy that counts requests and bytes.
 *
 *   npm run bench:s3
 *
 * A site of about 2,000 files / 50 MB (four files over 8 MB) is deployed three ways:
 * a first deploy, a redeploy after a fresh rebuild (every file rewritten, same content, new
 * mtimes), and a redeploy with one changed file.
 * Targets: first deploy ≤ 0.5× the CLI's time; the fresh-rebuild redeploy sends 0 objects and
 * takes ≤ 0.2× the CLI's time.
 */
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createHash } from 'node:crypto';
import {
  CreateBucketCommand,
  PutBucketEncryptionCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { runActionBundle, startAwsProxy, startMoto, type AwsProxy } from '@white-cross/testkit';

const MB = 1_000_000;
const DEPLOY_BUCKET = 'bench-s3-deploy';
const CLI_BUCKET = 'bench-aws-cli';

/** Deterministic pseudo-random bytes (the same "build" every time it is generated). */
function bytes(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(seed).digest();
  for (let i = 0; i < size; i += block.length) {
    block.copy(out, i, 0, Math.min(block.length, size - i));
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

const hash8 = (seed: string) =>
  createHash('sha256').update(seed).digest('base64url').replace(/[-_]/g, 'x').slice(0, 7) + '1';

/** A Vite-like build: hashed chunks, styles, images, a few large media files, HTML pages. */
function siteFiles(): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (let i = 0; i < 4; i++)
    files.set(`media/lesson-${i}-${hash8(`m${i}`)}.mp4`, bytes(`media${i}`, 9 * 1024 * 1024));
  for (let i = 0; i < 1200; i++)
    files.set(`assets/chunk-${i}-${hash8(`c${i}`)}.js`, bytes(`js${i}`, 4_000 + ((i * 37) % 9_000)));
  for (let i = 0; i < 300; i++)
    files.set(`assets/style-${i}-${hash8(`s${i}`)}.css`, bytes(`css${i}`, 2_000 + ((i * 53) % 5_000)));
  for (let i = 0; i < 460; i++)
    files.set(`images/icon-${i}-${hash8(`i${i}`)}.png`, bytes(`png${i}`, 3_000 + ((i * 71) % 12_000)));
  for (let i = 0; i < 30; i++)
    files.set(`pages/page-${i}/index.html`, Buffer.from(`<!doctype html><title>page ${i}</title>`));
  files.set('robots.txt', Buffer.from('User-agent: *\nDisallow:\n'));
  files.set('manifest.webmanifest', Buffer.from('{"name":"School Health"}'));
  files.set('favicon.ico', bytes('ico', 1_150));
  files.set(
    'index.html',
    Buffer.from('<!doctype html><script type="module" src="/assets/chunk-0.js"></script>'),
  );
  return files;
}

function writeSite(dir: string, files: Map<string, Buffer>, mtime: Date): void {
  for (const [path, content] of files) {
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
    utimesSync(file, mtime, mtime);
  }
}

// CPU accounting from /proc (Linux): the tool's own CPU (a child of this process, counted once
// it has exited and been waited for) and moto's, to show where the time of each run goes.
const TICK_MS = 10;
function procTimes(pid: number | 'self'): number[] {
  const path = `/proc/${pid}/stat`;
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split(') ')[1]!.split(' ').slice(11, 15).map(Number);
}
/** CPU ms of this process's exited, waited-for children (the bundle run, the aws CLI). */
const childrenCpuMs = () => ((procTimes('self')[2] ?? 0) + (procTimes('self')[3] ?? 0)) * TICK_MS;
function motoPid(): number | undefined {
  for (const task of readdirSync('/proc/self/task')) {
    const children = readFileSync(`/proc/self/task/${task}/children`, 'utf8')
      .trim()
      .split(' ')
      .filter(Boolean)
      .map(Number);
    for (const pid of children) {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('moto.server')) return pid;
    }
  }
  return undefined;
}
let motoProcessId: number | undefined;
const motoCpuMs = () =>
  motoProcessId === undefined
    ? 0
    : ((procTimes(motoProcessId)[0] ?? 0) + (procTimes(motoProcessId)[1] ?? 0)) * TICK_MS;

interface Measure {
  ms: number;
  /** CPU the tool itself used, and moto while serving it. */
  toolCpuMs: number;
  motoCpuMs: number;
  requests: number;
  bytes: number;
  /** Whole objects written (PUTs that are not parts, not the deploy record). */
  objects: number;
}

interface Start {
  at: number;
  toolCpu: number;
  motoCpu: number;
}
const start = (): Start => ({ at: Date.now(), toolCpu: childrenCpuMs(), motoCpu: motoCpuMs() });

function measure(proxy: AwsProxy, bucket: string, started: Start): Measure {
  const mine = proxy.requests.filter((r) => r.path.startsWith(`/${bucket}`));
  return {
    ms: Date.now() - started.at,
    toolCpuMs: childrenCpuMs() - started.toolCpu,
    motoCpuMs: motoCpuMs() - started.motoCpu,
    requests: mine.length,
    bytes: mine.reduce((s, r) => s + r.bytes, 0),
    objects:
      mine.filter(
        (r) =>
          r.method === 'PUT' && !r.path.includes('partNumber=') && !r.path.includes('.white-cross-deploy'),
      ).length +
      mine.filter((r) => r.method === 'POST' && r.path.includes('uploads') && !r.path.includes('uploadId'))
        .length,
  };
}

async function runS3Deploy(
  moto: { env: Record<string, string> },
  proxy: AwsProxy,
  dir: string,
): Promise<Measure & { uploaded: string }> {
  proxy.reset();
  const started = start();
  const run = await runActionBundle('s3-deploy', {
    inputs: { 'source-dir': dir, bucket: DEPLOY_BUCKET, region: 'us-east-1' },
    env: { ...moto.env, AWS_ENDPOINT_URL: proxy.url },
    timeoutMs: 600_000,
  });
  if (run.exitCode !== 0) throw new Error(`s3-deploy failed:\n${run.stdout}\n${run.stderr}`);
  return { ...measure(proxy, DEPLOY_BUCKET, started), uploaded: run.outputs.uploaded ?? '?' };
}

async function runCli(moto: { env: Record<string, string> }, proxy: AwsProxy, dir: string): Promise<Measure> {
  proxy.reset();
  const started = start();
  // Never block the event loop here (execFileSync): moto's log pipe and the proxy live in this process.
  await new Promise<void>((resolve, reject) => {
    const child = spawn(
      'aws',
      [
        's3',
        'sync',
        dir,
        `s3://${CLI_BUCKET}/`,
        '--endpoint-url',
        proxy.url,
        '--sse',
        'AES256',
        '--delete',
        '--only-show-errors',
      ],
      {
        env: { ...process.env, ...moto.env, AWS_ENDPOINT_URL: proxy.url },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`aws s3 sync failed (${code}): ${err}`)),
    );
  });
  return measure(proxy, CLI_BUCKET, started);
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const ratio = (a: number, b: number) => (b === 0 ? '—' : `${(a / b).toFixed(2)}×`);

async function main(): Promise<void> {
  const benchStarted = Date.now();
  const moto = await startMoto();
  const proxy = await startAwsProxy(moto.url);
  motoProcessId = motoPid();
  const dir = mkdtempSync(join(tmpdir(), 'wcd-bench-s3-'));
  try {
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint: moto.url,
      forcePathStyle: true,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    for (const bucket of [DEPLOY_BUCKET, CLI_BUCKET]) {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      await s3.send(
        new PutBucketEncryptionCommand({
          Bucket: bucket,
          ServerSideEncryptionConfiguration: {
            Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
          },
        }),
      );
      await s3.send(
        new PutPublicAccessBlockCommand({
          Bucket: bucket,
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            IgnorePublicAcls: true,
            BlockPublicPolicy: true,
            RestrictPublicBuckets: true,
          },
        }),
      );
    }
    const files = siteFiles();
    const total = [...files.values()].reduce((s, b) => s + b.length, 0);
    writeSite(dir, files, new Date(Date.now() - 3_600_000));
    console.log(
      `site: ${files.size} files, ${(total / MB).toFixed(1)} MB (${[...files.values()].filter((b) => b.length > 8 * 1024 * 1024).length} over 8 MiB); machine load ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );

    const rows: { scenario: string; tool: string; m: Measure }[] = [];
    const scenario = async (name: string) => {
      const deploy = await runS3Deploy(moto, proxy, dir);
      const cli = await runCli(moto, proxy, dir);
      rows.push(
        { scenario: name, tool: 's3-deploy', m: deploy },
        { scenario: name, tool: 'aws s3 sync', m: cli },
      );
      console.log(
        `${name}: s3-deploy ${seconds(deploy.ms)} (uploaded ${deploy.uploaded}), aws s3 sync ${seconds(cli.ms)}`,
      );
      return { deploy, cli };
    };

    const first = await scenario('first deploy');
    writeSite(dir, files, new Date());
    const rebuild = await scenario('fresh rebuild, no change');
    files.set('robots.txt', Buffer.from('User-agent: *\nDisallow: /api/\n'));
    writeSite(
      dir,
      new Map([['robots.txt', files.get('robots.txt') as Buffer]]),
      new Date(Date.now() + 60_000),
    );
    const one = await scenario('one changed file');

    console.log('');
    console.log(
      '| Scenario | Tool | Wall time | Tool CPU | moto CPU | Requests | Bytes sent | Objects sent | Time vs CLI | Requests vs CLI | Bytes vs CLI |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const [name, pair] of [
      ['first deploy', first],
      ['fresh rebuild, no change', rebuild],
      ['one changed file', one],
    ] as const) {
      for (const [tool, m] of [
        ['s3-deploy', pair.deploy],
        ['aws s3 sync', pair.cli],
      ] as const) {
        const vs =
          tool === 's3-deploy'
            ? [ratio(m.ms, pair.cli.ms), ratio(m.requests, pair.cli.requests), ratio(m.bytes, pair.cli.bytes)]
            : ['1×', '1×', '1×'];
        console.log(
          `| ${name} | ${tool} | ${seconds(m.ms)} | ${seconds(m.toolCpuMs)} | ${seconds(m.motoCpuMs)} | ${m.requests} | ${(m.bytes / MB).toFixed(2)} MB | ${m.objects} | ${vs.join(' | ')} |`,
        );
      }
    }
    console.log('');
    const firstRatio = first.deploy.ms / first.cli.ms;
    const rebuildRatio = rebuild.deploy.ms / rebuild.cli.ms;
    console.log(
      `target: first deploy ≤ 0.5× the CLI's time: ${firstRatio.toFixed(2)}× — ${firstRatio <= 0.5 ? 'MET' : 'NOT MET'}`,
    );
    console.log(
      `target: fresh-rebuild redeploy sends 0 objects: ${rebuild.deploy.objects} — ${rebuild.deploy.objects === 0 ? 'MET' : 'NOT MET'}`,
    );
    console.log(
      `target: fresh-rebuild redeploy ≤ 0.2× the CLI's time: ${rebuildRatio.toFixed(2)}× — ${rebuildRatio <= 0.2 ? 'MET' : 'NOT MET'}`,
    );
    console.log(
      `moto's own CPU for the first deploy was ${seconds(first.deploy.motoCpuMs)} with s3-deploy and ${seconds(first.cli.motoCpuMs)} with the CLI: ${(first.deploy.motoCpuMs / first.cli.ms).toFixed(2)}× the CLI's wall time, a floor no client goes under against one moto server.`,
    );
    console.log(
      `(benchmark took ${seconds(Date.now() - benchStarted)}; machine load ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')})`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await proxy.stop();
    await moto.stop();
  }
}

await main();
