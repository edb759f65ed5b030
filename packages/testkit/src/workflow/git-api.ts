/**
 * A GitHub REST API stand-in for what the suite's workflows read with the job's token: the git
 * database (`GET /repos/{owner}/{repo}/git/ref/tags/{tag}`, `GET /repos/{owner}/{repo}/git/tags/{sha}`,
 * https://docs.github.com/rest/git) answered from a local repository, and a run's environment
 * approvals (`GET /repos/{owner}/{repo}/actions/runs/{run_id}/approvals`,
 * https://docs.github.com/rest/actions/workflow-runs#get-the-review-history-for-a-workflow-run)
 * answered from the LocalGitHub that ran it; and the two releases operations the release action
 * uses (https://docs.github.com/rest/releases/releases): `GET /repos/{owner}/{repo}/releases/tags/{tag}`
 * ("Get a release by tag name": 200 with the release, 404 when there is none) and
 * `POST /repos/{owner}/{repo}/releases` ("Create a release": 201 with the release, 422
 * `already_exists` for a tag that has one). Creating needs `contents: write`; a token with read
 * access only gets GitHub's 403 "Resource not accessible by integration". Stricter than GitHub:
 * a release of a tag that is not in the repository is refused (GitHub would make the tag from
 * the default branch; a release must push its tag first), and undocumented body fields are.
 */
import { execFileSync } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CREATE_RELEASE_PARAMS } from '../github-api.js';
import type { ApprovalRecord } from './types.js';

/** A release the stand-in holds (the fields the release action and the tests read). */
export interface ApiRelease {
  id: number;
  tag_name: string;
  name: string | null;
  body: string | null;
  draft: boolean;
  prerelease: boolean;
  html_url: string;
  /** Who created it: the identity of the token. */
  author: string;
}

export interface GitApiStandIn {
  url: string;
  requests: string[];
  /** The releases created through the API. */
  releases: ApiRelease[];
  close: () => Promise<void>;
}

export async function startGitApi(options: {
  repository: string;
  dir: string;
  token?: string;
  /**
   * More tokens the API accepts (a GitHub App's, for the release), each with the `contents`
   * access it has; `token` has `contents: read` (every job of the suite's callers asks no more).
   */
  tokens?: Record<string, { identity: string; contents: 'read' | 'write' }>;
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
  const releases: ApiRelease[] = [];
  const grants = new Map(Object.entries(options.tokens ?? {}));
  if (options.token) grants.set(options.token, { identity: 'github-actions[bot]', contents: 'read' });
  const server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => handle(req, res, raw));
  });
  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    requests.push(`${req.method} ${path}`);
    const answer = (status: number, body: object) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const presented = /^(?:Bearer|token) (\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const grant = grants.get(presented);
    if (grants.size > 0 && !grant) return answer(401, { message: 'Bad credentials' });
    const releasesPath = `/repos/${options.repository}/releases`;
    if (path === releasesPath || path.startsWith(`${releasesPath}/`))
      return releaseOperation(req.method ?? 'GET', path.slice(releasesPath.length), raw, grant, answer);
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
  };
  const releaseOperation = (
    method: string,
    rest: string,
    raw: string,
    grant: { identity: string; contents: 'read' | 'write' } | undefined,
    answer: (status: number, body: object) => void,
  ) => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const asJson = (r: ApiRelease) => ({
      ...r,
      url: `${url}/repos/${options.repository}/releases/${r.id}`,
      author: { login: r.author },
      assets: [],
    });
    const byTag = /^\/tags\/([^/]+)$/.exec(rest);
    if (method === 'GET' && byTag) {
      const tag = decodeURIComponent(byTag[1] ?? '');
      const found = releases.find((r) => r.tag_name === tag);
      return found
        ? answer(200, asJson(found))
        : answer(404, {
            message: 'Not Found',
            documentation_url: 'https://docs.github.com/rest/releases/releases#get-a-release-by-tag-name',
          });
    }
    if (method !== 'POST' || rest !== '') return answer(404, { message: 'Not Found' });
    if (grant?.contents !== 'write')
      return answer(403, {
        message: 'Resource not accessible by integration',
        documentation_url: 'https://docs.github.com/rest/releases/releases#create-a-release',
      });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return answer(400, { message: 'Problems parsing JSON' });
    }
    const invalid = (field: string, code: string) =>
      answer(422, {
        message: 'Validation Failed',
        errors: [{ resource: 'Release', code, field }],
        documentation_url: 'https://docs.github.com/rest/releases/releases#create-a-release',
      });
    for (const [key, value] of Object.entries(body)) {
      const check = CREATE_RELEASE_PARAMS[key];
      if (!check || !check(value)) return invalid(key, 'invalid');
    }
    const tag = typeof body.tag_name === 'string' ? body.tag_name : '';
    if (!tag) return invalid('tag_name', 'missing_field');
    if (releases.some((r) => r.tag_name === tag)) return invalid('tag_name', 'already_exists');
    try {
      git('rev-parse', '--verify', `refs/tags/${tag}`);
    } catch {
      return invalid('tag_name', 'invalid');
    }
    const created: ApiRelease = {
      id: 1000 + releases.length,
      tag_name: tag,
      name: typeof body.name === 'string' ? body.name : null,
      body: typeof body.body === 'string' ? body.body : null,
      draft: body.draft === true,
      prerelease: body.prerelease === true,
      html_url: `https://github.com/${options.repository}/releases/tag/${encodeURIComponent(tag)}`,
      author: grant.identity,
    };
    releases.push(created);
    return answer(201, asJson(created));
  };
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    releases,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
