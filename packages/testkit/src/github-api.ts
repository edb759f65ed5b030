/**
 * A local stand-in for the GitHub REST API's releases endpoints, reached through
 * GITHUB_API_URL (which Octokit from @actions/github reads). It checks each request's method,
 * path, headers and body against what the REST API documents
 * (https://docs.github.com/rest/releases/releases), answers as GitHub does (201 with the
 * release, 404 `Not Found`, 422 `Validation Failed` with `already_exists`, 401 `Bad
 * credentials`), records every request, and can inject failures.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { freePort } from './ports.js';

export interface RecordedGitHubRequest {
  method: string;
  /** The path as sent, without the query. */
  path: string;
  /** The documented operation it matched, or undefined for a request GitHub does not document. */
  operation?: 'repos/create-release' | 'repos/get-release-by-tag';
  authorization?: string;
  body?: unknown;
  status: number;
}

export interface StoredRelease {
  id: number;
  tag_name: string;
  name: string | null;
  body: string | null;
  draft: boolean;
  prerelease: boolean;
  target_commitish: string;
  html_url: string;
}

export interface GitHubApiOptions {
  owner: string;
  repo: string;
  /** The token requests must carry (`Authorization: token …` or `Bearer …`). */
  token: string;
  /**
   * Whether a tag exists in the repository. GitHub would create a missing tag from the default
   * branch; a release action must push its tag first, so the stand-in refuses instead (422).
   */
  tagExists?: (tag: string) => boolean;
  /** Releases that already exist. */
  releases?: Omit<StoredRelease, 'id' | 'html_url'>[];
}

export interface GitHubApiStandIn {
  url: string;
  requests: RecordedGitHubRequest[];
  releases: StoredRelease[];
  /** Problems with requests (undocumented routes, bad bodies, missing headers): should stay empty. */
  violations: string[];
  /**
   * The next `times` requests to an operation answer `status` (e.g. 502) instead. With
   * `afterApplying`, the request takes effect first and only its answer is lost (a release is
   * created, the client sees a 502), as when a proxy times out on a request GitHub completed.
   */
  failNext(
    operation: NonNullable<RecordedGitHubRequest['operation']>,
    status: number,
    times?: number,
    options?: { afterApplying?: boolean },
  ): void;
  stop(): Promise<void>;
}

// The body parameters POST /repos/{owner}/{repo}/releases documents, with their types.
export const CREATE_RELEASE_PARAMS: Record<string, (v: unknown) => boolean> = {
  tag_name: (v) => typeof v === 'string' && v.length > 0,
  target_commitish: (v) => typeof v === 'string',
  name: (v) => typeof v === 'string',
  body: (v) => typeof v === 'string',
  draft: (v) => typeof v === 'boolean',
  prerelease: (v) => typeof v === 'boolean',
  discussion_category_name: (v) => typeof v === 'string',
  generate_release_notes: (v) => typeof v === 'boolean',
  make_latest: (v) => v === 'true' || v === 'false' || v === 'legacy',
};

// GitHub caps a release body at 125,000 characters.
const MAX_BODY = 125_000;

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'x-github-media-type': 'github.v3; format=json',
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': '4999',
    ...headers,
  });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (data += chunk));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

/**
 * Starts the stand-in on 127.0.0.1; pass its `url` as GITHUB_API_URL.
 *
 * @example
 * const github = await startGitHubApi({ owner: 'white-cross', repo: 'school-health', token: 'ghs_test' });
 * await runActionBundle('release', { env: { GITHUB_API_URL: github.url }, inputs: { token: 'ghs_test' } });
 * expect(github.releases.map((r) => r.tag_name)).toEqual(['v1.3.0']);
 */
export async function startGitHubApi(options: GitHubApiOptions): Promise<GitHubApiStandIn> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const requests: RecordedGitHubRequest[] = [];
  const violations: string[] = [];
  const failures = new Map<string, { status: number; times: number; afterApplying: boolean }>();
  let nextId = 1000;
  const htmlUrl = (tag: string) =>
    `https://github.com/${options.owner}/${options.repo}/releases/tag/${encodeURIComponent(tag)}`;
  const releases: StoredRelease[] = (options.releases ?? []).map((r) => ({
    ...r,
    id: nextId++,
    html_url: htmlUrl(r.tag_name),
  }));
  const toJson = (r: StoredRelease) => ({
    ...r,
    url: `${url}/repos/${options.owner}/${options.repo}/releases/${r.id}`,
    upload_url: `https://uploads.github.com/repos/${options.owner}/${options.repo}/releases/${r.id}/assets{?name,label}`,
    author: { login: 'github-actions[bot]', type: 'Bot' },
    assets: [],
    created_at: '2026-11-21T16:00:00Z',
    published_at: r.draft ? null : '2026-11-21T16:00:00Z',
  });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const record: RecordedGitHubRequest = { method, path, status: 0 };
    if (req.headers.authorization) record.authorization = req.headers.authorization;
    requests.push(record);
    const reply = (status: number, body: unknown, headers?: Record<string, string>) => {
      record.status = status;
      send(res, status, body, headers);
    };
    const raw = await readBody(req);
    const repoPath = `/repos/${options.owner}/${options.repo}`;
    const byTag = new RegExp(`^${repoPath}/releases/tags/([^/]+)$`).exec(path);
    if (method === 'POST' && path === `${repoPath}/releases`) record.operation = 'repos/create-release';
    else if (method === 'GET' && byTag) record.operation = 'repos/get-release-by-tag';
    else {
      violations.push(`${method} ${path} is not an operation this stand-in (or the action) should use`);
      return reply(404, {
        message: 'Not Found',
        documentation_url: 'https://docs.github.com/rest',
        status: '404',
      });
    }
    const accept = req.headers.accept ?? '';
    if (!/application\/(vnd\.github[.+\w-]*|json)/.test(accept))
      violations.push(`${method} ${path}: Accept '${accept}' is not a GitHub media type`);
    if (
      !/^(token|Bearer) \S+$/.test(req.headers.authorization ?? '') ||
      (req.headers.authorization ?? '').split(' ')[1] !== options.token
    ) {
      return reply(401, {
        message: 'Bad credentials',
        documentation_url: 'https://docs.github.com/rest',
        status: '401',
      });
    }
    const failure = failures.get(record.operation);
    const lostAnswer = failure !== undefined && failure.times > 0 && failure.afterApplying;
    if (failure && failure.times > 0) {
      failure.times--;
      if (!failure.afterApplying)
        return reply(failure.status, { message: 'Server Error', status: String(failure.status) });
    }
    if (record.operation === 'repos/get-release-by-tag') {
      const tag = decodeURIComponent(byTag?.[1] ?? '');
      const found = releases.find((r) => r.tag_name === tag);
      return found
        ? reply(200, toJson(found))
        : reply(404, {
            message: 'Not Found',
            documentation_url: 'https://docs.github.com/rest/releases/releases#get-a-release-by-tag-name',
            status: '404',
          });
    }
    // POST /repos/{owner}/{repo}/releases
    if (!/^application\/json/.test(req.headers['content-type'] ?? ''))
      violations.push(`POST ${path}: content-type '${req.headers['content-type'] ?? ''}' is not JSON`);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
      record.body = body;
    } catch {
      return reply(400, { message: 'Problems parsing JSON', status: '400' });
    }
    const invalid = (field: string, code: string, message?: string) =>
      reply(422, {
        message: 'Validation Failed',
        errors: [{ resource: 'Release', code, field, ...(message ? { message } : {}) }],
        documentation_url: 'https://docs.github.com/rest/releases/releases#create-a-release',
        status: '422',
      });
    for (const [key, value] of Object.entries(body)) {
      const check = CREATE_RELEASE_PARAMS[key];
      if (!check) {
        violations.push(`POST ${path}: body parameter '${key}' is not documented`);
        continue;
      }
      if (!check(value)) return invalid(key, 'invalid');
    }
    if (typeof body.tag_name !== 'string' || body.tag_name === '')
      return invalid('tag_name', 'missing_field');
    if (typeof body.body === 'string' && body.body.length > MAX_BODY)
      return invalid('body', 'custom', 'body is too long (maximum is 125000 characters)');
    if (releases.some((r) => r.tag_name === body.tag_name)) return invalid('tag_name', 'already_exists');
    if (options.tagExists && body.target_commitish === undefined && !options.tagExists(body.tag_name)) {
      violations.push(
        `POST ${path}: tag ${body.tag_name} is not in the repository (GitHub would have made it from the default branch)`,
      );
      return invalid('tag_name', 'invalid', `tag ${body.tag_name} does not exist in the repository`);
    }
    const created: StoredRelease = {
      id: nextId++,
      tag_name: body.tag_name,
      name: typeof body.name === 'string' ? body.name : null,
      body: typeof body.body === 'string' ? body.body : null,
      draft: body.draft === true,
      prerelease: body.prerelease === true,
      target_commitish: typeof body.target_commitish === 'string' ? body.target_commitish : 'main',
      html_url: htmlUrl(body.tag_name),
    };
    releases.push(created);
    if (lostAnswer) return reply(failure.status, { message: 'Server Error', status: String(failure.status) });
    return reply(201, toJson(created), {
      location: `${url}/repos/${options.owner}/${options.repo}/releases/${created.id}`,
    });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      violations.push(`stand-in error: ${String(error)}`);
      if (!res.headersSent) send(res, 500, { message: 'stand-in error' });
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url,
    requests,
    releases,
    violations,
    failNext(operation, status, times = 1, failOptions = {}) {
      failures.set(operation, { status, times, afterApplying: failOptions.afterApplying ?? false });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
