/**
 * A git smart-HTTP server for the token path: `git http-backend` (git's own CGI server, what
 * GitHub speaks on the wire) behind a small Node HTTP server that, like GitHub, answers 401 to
 * any request without `Authorization: basic base64(x-access-token:<token>)`.
 */
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { basename, dirname } from 'node:path';
import { freePort } from '@white-cross/testkit';

export interface GitHttpServer {
  /** `http://127.0.0.1:<port>`: use it as GITHUB_SERVER_URL. */
  url: string;
  /** The clone URL of the repository: `<url>/<owner>/<name>.git`. */
  repositoryUrl: string;
  /** Each request: its path and whether it carried the expected credentials. */
  requests: { method: string; path: string; authorized: boolean }[];
  stop(): Promise<void>;
}

function runBackend(
  req: IncomingMessage,
  res: ServerResponse,
  projectRoot: string,
  pathInfo: string,
  query: string,
): void {
  const backend = spawn('git', ['http-backend'], {
    env: {
      ...process.env,
      GIT_PROJECT_ROOT: projectRoot,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: pathInfo,
      QUERY_STRING: query,
      REQUEST_METHOD: req.method ?? 'GET',
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      HTTP_CONTENT_ENCODING: String(req.headers['content-encoding'] ?? ''),
      GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
      // An authenticated user: http-backend then allows receive-pack (pushes).
      REMOTE_USER: 'x-access-token',
      REMOTE_ADDR: '127.0.0.1',
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  req.pipe(backend.stdin);
  let head = Buffer.alloc(0);
  let headersDone = false;
  backend.stdout.on('data', (chunk: Buffer) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    headersDone = true;
    let status = 200;
    for (const line of head.subarray(0, end).toString('utf8').split('\r\n')) {
      const i = line.indexOf(':');
      const name = line.slice(0, i).trim();
      const value = line.slice(i + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else res.setHeader(name, value);
    }
    res.statusCode = status;
    res.write(head.subarray(end + 4));
  });
  backend.on('close', () => res.end());
}

/** Serves the bare repository at `barePath` as `<owner>/<basename>` over HTTP. */
export async function startGitHttpServer(
  barePath: string,
  owner: string,
  token: string,
): Promise<GitHttpServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const expected = Buffer.from(`x-access-token:${token}`).toString('base64');
  const requests: GitHttpServer['requests'] = [];
  const prefix = `/${owner}`;
  const server = createServer((req, res) => {
    const [path = '/', query = ''] = (req.url ?? '/').split('?');
    const authorized = /^basic (\S+)$/i.exec(req.headers.authorization ?? '')?.[1] === expected;
    requests.push({ method: req.method ?? 'GET', path, authorized });
    if (!authorized) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="GitHub"' });
      res.end('Unauthorized\n');
      return;
    }
    if (!path.startsWith(`${prefix}/`)) {
      res.writeHead(404);
      res.end();
      return;
    }
    runBackend(req, res, dirname(barePath), path.slice(prefix.length), query);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url,
    repositoryUrl: `${url}/${owner}/${basename(barePath)}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
