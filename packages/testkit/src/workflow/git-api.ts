/**
 * A GitHub REST API stand-in for what the suite's workflows read with the job's token: the git
 * database (`GET /repos/{owner}/{repo}/git/ref/tags/{tag}`, `GET /repos/{owner}/{repo}/git/tags/{sha}`,
 * https://docs.github.com/rest/git) answered from a local repository, and a run's environment
 * approvals (`GET /repos/{owner}/{repo}/actions/runs/{run_id}/approvals`,
 * https://docs.github.com/rest/actions/workflow-runs#get-the-review-history-for-a-workflow-run)
 * answered from the LocalGitHub that ran it.
 */
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApprovalRecord } from './types.js';

export interface GitApiStandIn {
  url: string;
  requests: string[];
  close: () => Promise<void>;
}

export async function startGitApi(options: {
  repository: string;
  dir: string;
  token?: string;
  /** The approvals of a run by id (LocalGitHub.approvalsOf). */
  approvals?: (runId: number) => ApprovalRecord[] | undefined;
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
    const runApprovals = new RegExp(`^/repos/${options.repository}/actions/runs/(\\d+)/approvals$`).exec(
      path,
    );
    if (req.method === 'GET' && runApprovals && options.approvals) {
      const records = options.approvals(Number(runApprovals[1]));
      if (!records) return answer(404, { message: 'Not Found' });
      return answer(
        200,
        records
          .filter((a) => a.decision !== 'cancelled')
          .map((a) => ({
            state: a.decision,
            comment: '',
            environments: [{ name: a.environment }],
            user: { login: a.reviewer ?? 'unknown' },
          })),
      );
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
