/**
 * The git side of the local GitHub: bare repositories served over smart HTTP (`git http-backend`,
 * git's own CGI server, the protocol GitHub speaks) at `<url>/<owner>/<name>.git`, with GitHub's
 * token authentication (`Authorization: basic base64(x-access-token:<token>)`, as actions/checkout
 * and the release action send it), and every push reported with the identity that made it — so
 * that LocalGitHub can start the workflows a push triggers, and none for a push made with a run's
 * own GITHUB_TOKEN.
 */
import { execFileSync } from 'node:child_process';
import { serveGitHttpBackend } from '../git-http-backend.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, dirname } from 'node:path';

/** A ref a push changed. */
export interface GitPush {
  repository: string;
  ref: string;
  /** The ref's object before (40 zeros when it was created). */
  before: string;
  /** Its object after (40 zeros when it was deleted); an annotated tag's is the tag object. */
  after: string;
  /** Who pushed: the identity of the token. */
  pusher: string;
  /** True when the token was a workflow run's own GITHUB_TOKEN. */
  byGitHubToken: boolean;
}

export interface GitServerOptions {
  /** owner/name → the bare repository folder. */
  repositories: Record<string, string>;
  /** Tokens the server accepts → the identity each stands for (a GitHub App, a person). */
  tokens: Record<string, string>;
  /** The token workflow runs get as GITHUB_TOKEN (LocalGitHub's): its pushes trigger no workflow. */
  githubToken: string;
}

export interface GitServer {
  /** The server's root: the runs' GITHUB_SERVER_URL. */
  url: string;
  /** owner/name → bare folder: the options' own map (a test may point a name at a new folder). */
  repositories: Record<string, string>;
  /** Every ref changed by a push, in order. */
  pushes: GitPush[];
  /** Calls `listener` for each ref a push changes, once the push is complete. */
  onPush(listener: (push: GitPush) => void): void;
  close(): Promise<void>;
}

const ZERO = '0'.repeat(40);

function refsOf(dir: string): Map<string, string> {
  const out = execFileSync('git', ['for-each-ref', '--format=%(objectname) %(refname)'], {
    cwd: dir,
    encoding: 'utf8',
  });
  return new Map(
    out
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [sha = '', ref = ''] = line.split(' ');
        return [ref, sha] as const;
      }),
  );
}

/**
 * Starts the server on 127.0.0.1.
 *
 * @example
 * const git = await startGitServer({ repositories: { 'white-cross/school-health': bare },
 *   tokens: { [releaseToken]: 'release-app' }, githubToken: 'ghs_localrunnertoken' });
 * // git clone http://x-access-token:<token>@127.0.0.1:<port>/white-cross/school-health.git
 */
export async function startGitServer(options: GitServerOptions): Promise<GitServer> {
  const identities = new Map<string, string>(Object.entries(options.tokens));
  identities.set(options.githubToken, 'github-actions[bot]');
  const pushes: GitPush[] = [];
  const listeners: ((push: GitPush) => void)[] = [];
  const server = createServer((req, res) => {
    const [path = '/', query = ''] = (req.url ?? '/').split('?');
    const basic = /^basic (\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const [user, token = ''] = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':') : [];
    const identity = user === 'x-access-token' ? identities.get(token) : undefined;
    if (!identity) {
      // A private repository: nothing without credentials (git then asks for them, and fails
      // with "could not read Username" as it does against GitHub without a token).
      res.writeHead(401, { 'www-authenticate': 'Basic realm="GitHub"' });
      res.end('Unauthorized\n');
      return;
    }
    const m = /^\/([^/]+\/[^/]+?)(?:\.git)?(\/.*)$/.exec(path);
    const repository = m?.[1] ?? '';
    const dir = options.repositories[repository];
    if (!m || !dir) {
      res.writeHead(404);
      res.end('Repository not found.\n');
      return;
    }
    const pushing = req.method === 'POST' && m[2] === '/git-receive-pack';
    const before = pushing ? refsOf(dir) : undefined;
    void serveGitHttpBackend(req, res, {
      projectRoot: dirname(dir),
      pathInfo: `/${basename(dir)}${m[2] ?? '/'}`,
      query,
    }).then(() => {
      if (!before) return;
      const after = refsOf(dir);
      for (const ref of new Set([...before.keys(), ...after.keys()])) {
        const was = before.get(ref) ?? ZERO;
        const is = after.get(ref) ?? ZERO;
        if (was === is) continue;
        const push: GitPush = {
          repository,
          ref,
          before: was,
          after: is,
          pusher: identity,
          byGitHubToken: token === options.githubToken,
        };
        pushes.push(push);
        for (const listener of listeners) listener(push);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    repositories: options.repositories,
    pushes,
    onPush: (listener) => listeners.push(listener),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
