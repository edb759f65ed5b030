/**
 * A git smart-HTTP server for the token path: `git http-backend` (git's own CGI server, what
 * GitHub speaks on the wire) behind a small Node HTTP server that, like GitHub, answers 401 to
 * any request without `Authorization: basic base64(x-access-token:<token>)`.
 */
import { createServer } from 'node:http';
import { basename, dirname } from 'node:path';
import { freePort } from '@white-cross/testkit';
import { serveGitHttpBackend } from '@white-cross/testkit/git-http-backend';

export interface GitHttpServer {
  /** `http://127.0.0.1:<port>`: use it as GITHUB_SERVER_URL. */
  url: string;
  /** The clone URL of the repository: `<url>/<owner>/<name>.git`. */
  repositoryUrl: string;
  /** Each request: its path and whether it carried the expected credentials. */
  requests: { method: string; path: string; authorized: boolean }[];
  stop(): Promise<void>;
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
    void serveGitHttpBackend(req, res, {
      projectRoot: dirname(barePath),
      pathInfo: path.slice(prefix.length),
      query,
    });
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
