/**
 * A local stand-in for the npm registry, just enough for `npm ci` and `npm audit`: packuments
 * (`GET /<name>`), tarballs, and the bulk advisory endpoint `npm audit` posts to
 * (`POST /-/npm/v1/security/advisories/bulk`, a gzipped `{ name: [versions] }` body). It lets
 * the tests install from and audit against a registry without the network, and answer
 * "vulnerable" or "clean" at will.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** An advisory as the bulk endpoint returns it. */
export interface Advisory {
  id: number;
  title: string;
  severity: 'info' | 'low' | 'moderate' | 'high' | 'critical';
  vulnerable_versions: string;
  url: string;
}

export interface PublishedVersion {
  name: string;
  version: string;
  resolved: string;
  integrity: string;
}

export interface RegistryStandIn {
  /** With a trailing slash, as `npm_config_registry` wants it. */
  url: string;
  /** What the bulk endpoint answers, by package name; change it between tests. */
  advisories: Record<string, Advisory[]>;
  /** `METHOD path` of every request, in order. */
  requests: string[];
  /** The packages asked about in each bulk audit request. */
  audited: Record<string, string[]>[];
  publish(name: string, version: string): PublishedVersion;
  close(): Promise<void>;
}

export async function startRegistryStandIn(): Promise<RegistryStandIn> {
  const work = mkdtempSync(join(tmpdir(), 'bv-registry-'));
  const tarballs = new Map<string, Buffer>();
  const packuments = new Map<
    string,
    { name: string; 'dist-tags': { latest: string }; versions: Record<string, unknown> }
  >();
  const requests: string[] = [];
  const audited: Record<string, string[]>[] = [];
  let url = '';

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      requests.push(`${req.method} ${path}`);
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method === 'POST' && path === '/-/npm/v1/security/advisories/bulk') {
        const raw = Buffer.concat(chunks);
        const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
        const asked = JSON.parse(body.toString('utf8')) as Record<string, string[]>;
        audited.push(asked);
        const answer = Object.fromEntries(
          Object.keys(asked)
            .filter((name) => stand.advisories[name])
            .map((name) => [name, stand.advisories[name]]),
        );
        return json(200, answer);
      }
      const tarball = tarballs.get(path);
      if (req.method === 'GET' && tarball) {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        return res.end(tarball);
      }
      const packument = packuments.get(path.slice(1));
      if (req.method === 'GET' && packument) return json(200, packument);
      return json(404, { error: 'Not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  const stand: RegistryStandIn = {
    url,
    advisories: {},
    requests,
    audited,
    publish(name, version) {
      const dir = join(work, `${name}-${version}`);
      mkdirSync(join(dir, 'package'), { recursive: true });
      writeFileSync(
        join(dir, 'package', 'package.json'),
        JSON.stringify({ name, version, main: 'index.js' }),
      );
      writeFileSync(join(dir, 'package', 'index.js'), `module.exports = (s, n) => String(s).padStart(n);\n`);
      const file = join(dir, 'package.tgz');
      execFileSync('tar', ['-czf', file, '-C', dir, 'package']);
      const content = readFileSync(file);
      const tarballPath = `/${name}/-/${name}-${version}.tgz`;
      tarballs.set(tarballPath, content);
      const integrity = `sha512-${createHash('sha512').update(content).digest('base64')}`;
      const resolved = `${url}${tarballPath.slice(1)}`;
      const packument = packuments.get(name) ?? { name, 'dist-tags': { latest: version }, versions: {} };
      packument.versions[version] = { name, version, dist: { tarball: resolved, integrity } };
      packument['dist-tags'].latest = version;
      packuments.set(name, packument);
      return { name, version, resolved, integrity };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        rmSync(work, { recursive: true, force: true });
      }),
  };
  return stand;
}
