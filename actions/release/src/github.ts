/**
 * The GitHub release, through Octokit from `@actions/github`, at the API root the inputs name
 * (GITHUB_API_URL, so GitHub Enterprise Server and the tests' stand-in both work).
 */
import { getOctokit } from '@actions/github';
import { retry, type Logger, type Sleep } from '@white-cross/core';

export interface GitHubRelease {
  id: number;
  url: string;
  draft: boolean;
}

export interface NewRelease {
  tag: string;
  name: string;
  body: string;
  draft: boolean;
}

/** What a release needs from GitHub; the action talks to GitHub only through this. */
export interface ReleaseApi {
  findByTag(tag: string): Promise<GitHubRelease | undefined>;
  create(release: NewRelease): Promise<GitHubRelease>;
}

function status(error: unknown): number | undefined {
  const value = (error as { status?: unknown } | undefined)?.status;
  return typeof value === 'number' ? value : undefined;
}

/** Worth another attempt: GitHub's 5xx, rate limiting, or no answer at all. */
export function isRetryableGitHubError(error: unknown): boolean {
  const code = status(error);
  // Octokit reports a request that got no answer as status 500, so that is covered too.
  return code !== undefined && (code >= 500 || code === 429);
}

export interface Repository {
  owner: string;
  repo: string;
}

/** `owner/repo` split, or undefined when it is not of that shape. */
export function parseRepository(text: string | undefined): Repository | undefined {
  const m = /^([\w.-]+)\/([\w.-]+)$/.exec(text ?? '');
  const [, owner, repo] = m ?? [];
  return owner && repo ? { owner, repo } : undefined;
}

/** The Octokit implementation of {@link ReleaseApi}. */
export function octokitReleaseApi(
  target: { token: string; apiUrl: string; repository: Repository },
  log: Logger,
  sleep: Sleep,
  /** The run's cancellation: it aborts a request in flight (Octokit passes it to fetch). */
  signal?: AbortSignal,
): ReleaseApi {
  const { repository } = target;
  const octokit = getOctokit(target.token, {
    baseUrl: target.apiUrl,
    request: { retries: 0, ...(signal ? { signal } : {}) },
  });
  const attempt = <T>(what: string, call: () => Promise<T>) =>
    retry(call, {
      attempts: 4,
      baseDelayMs: 500,
      sleep,
      retryable: isRetryableGitHubError,
      onRetry: (error, n, delay) =>
        log.info(
          `GitHub answered ${status(error) ?? 'nothing'} while ${what}; attempt ${n + 1} in ${delay} ms`,
        ),
    });
  return {
    async findByTag(tag) {
      try {
        const { data } = await attempt(`looking up the release of ${tag}`, () =>
          octokit.rest.repos.getReleaseByTag({ ...repository, tag }),
        );
        return { id: data.id, url: data.html_url, draft: data.draft };
      } catch (error) {
        if (status(error) === 404) return undefined;
        throw error;
      }
    },
    async create(release) {
      try {
        const { data } = await attempt(`creating the release of ${release.tag}`, () =>
          octokit.rest.repos.createRelease({
            ...repository,
            tag_name: release.tag,
            name: release.name,
            body: release.body,
            draft: release.draft,
            prerelease: false,
          }),
        );
        return { id: data.id, url: data.html_url, draft: data.draft };
      } catch (error) {
        // A retried create whose first attempt did reach GitHub: the release is there.
        if (
          status(error) === 422 &&
          /already_exists/.test(JSON.stringify((error as { response?: unknown }).response ?? ''))
        ) {
          const existing = await this.findByTag(release.tag);
          if (existing) return existing;
        }
        throw error;
      }
    },
  };
}
