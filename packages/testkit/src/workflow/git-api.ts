/**
 * A GitHub REST API stand-in for the git database endpoints a workflow reads with the job's
 * token (`GET /repos/{owner}/{repo}/git/ref/tags/{tag}`, `GET /repos/{owner}/{repo}/git/tags/{sha}`,
 * https://docs.github.com/rest/git), answered from a local repository.
 */
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GitApiStandIn {
  url: string;
  requests: string[];
  close: () => Promise<void>;
}

export async function startGitApi(options: {
  repository: string;
  dir: string;
  token?: string;
}): Promise<GitApiStandIn> {
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: options.dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    requests.push(`${req.method} ${path}`);
    const answer = (status: number, body: object) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (
      options.token &&
      req.headers.authorization !== `Bearer ${options.token}` &&
      req.headers.authorization !== `token ${options.token}`
    ) {
      return answer(401, { message: 'Bad credentials' });
    }
    const prefix = `/repos/${options.repository}/git/`;
    if (req.method !== 'GET' || !path.startsWith(prefix)) return answer(404, { message: 'Not Found' });
    const rest = decodeURIComponent(path.slice(prefix.length));
    try {
      const ref = /^ref\/(tags\/.+)$/.exec(rest);
      if (ref) {
        const sha = git('rev-parse', '--verify', `refs/${ref[1]}`);
        const type = git('cat-file', '-t', sha) === 'tag' ? 'tag' : 'commit';
        return answer(200, { ref: `refs/${ref[1]}`, object: { sha, type } });
      }
      const tag = /^tags\/([0-9a-f]{40})$/.exec(rest);
      if (tag && git('cat-file', '-t', tag[1] ?? '') === 'tag') {
        const name = git(
          'for-each-ref',
          '--format=%(refname:short)',
          '--points-at',
          tag[1] ?? '',
          'refs/tags',
        );
        const message = execFileSync('git', ['cat-file', 'tag', tag[1] ?? ''], {
          cwd: options.dir,
          encoding: 'utf8',
        });
        return answer(200, {
          sha: tag[1],
          tag: name.split('\n')[0],
          message: message.slice(message.indexOf('\n\n') + 2),
        });
      }
    } catch {
      // unknown ref or object
    }
    return answer(404, { message: 'Not Found' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
