/**
 * One request served by `git http-backend`, git's own smart-HTTP CGI server (the protocol
 * GitHub speaks on the wire), as an authenticated user, so pushes (receive-pack) are served too.
 * The child gets only PATH and the CGI variables: nothing of the test's environment.
 */
import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Pipes `req` to `git http-backend` for the repository under `projectRoot` at `pathInfo`
 * (`/<name>.git/info/refs`, …) and its CGI answer to `res`; resolves when the answer is sent.
 *
 * @example
 * await serveGitHttpBackend(req, res, { projectRoot: '/srv/git', pathInfo: '/app.git/info/refs', query: 'service=git-upload-pack' });
 */
export function serveGitHttpBackend(
  req: IncomingMessage,
  res: ServerResponse,
  cgi: { projectRoot: string; pathInfo: string; query: string },
): Promise<void> {
  const backend = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH ?? '',
      GIT_PROJECT_ROOT: cgi.projectRoot,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: cgi.pathInfo,
      QUERY_STRING: cgi.query,
      REQUEST_METHOD: req.method ?? 'GET',
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      HTTP_CONTENT_ENCODING: String(req.headers['content-encoding'] ?? ''),
      GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
      // An authenticated user: http-backend then serves receive-pack (pushes).
      REMOTE_USER: 'x-access-token',
      REMOTE_ADDR: '127.0.0.1',
    },
    stdio: ['pipe', 'pipe', 'ignore'],
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
  return new Promise((resolve) => {
    backend.on('close', () => {
      res.end();
      resolve();
    });
  });
}
