/**
 * The GitHub REST API stand-in the release tests rely on: it must refuse what GitHub refuses
 * and flag what GitHub does not document, or the release tests would prove nothing.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { startGitHubApi, type GitHubApiStandIn } from '@white-cross/testkit/github-api';

let api: GitHubApiStandIn;
const tags = new Set(['v1.0.0']);

beforeAll(async () => {
  api = await startGitHubApi({
    owner: 'white-cross',
    repo: 'school-health',
    token: 'ghs_ok',
    tagExists: (t) => tags.has(t),
  });
});
afterAll(async () => {
  await api.stop();
});
beforeEach(() => {
  api.requests.length = 0;
  api.releases.length = 0;
  api.violations.length = 0;
});

const call = async (method: string, path: string, body?: unknown, token = 'ghs_ok') => {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: {
      accept: 'application/vnd.github+json',
      authorization: `token ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};

describe('GitHub API stand-in', () => {
  test('creates a release and finds it by tag, as documented', async () => {
    const created = await call('POST', '/repos/white-cross/school-health/releases', {
      tag_name: 'v1.0.0',
      name: 'v1.0.0',
      body: 'notes',
      draft: false,
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      tag_name: 'v1.0.0',
      html_url: 'https://github.com/white-cross/school-health/releases/tag/v1.0.0',
      draft: false,
    });
    expect((await call('GET', '/repos/white-cross/school-health/releases/tags/v1.0.0')).json).toMatchObject({
      id: created.json.id,
    });
    expect((await call('GET', '/repos/white-cross/school-health/releases/tags/v9.9.9')).status).toBe(404);
    expect(api.violations).toEqual([]);
  });

  test('answers 422 as GitHub does: a second release of a tag, a missing or mistyped field', async () => {
    await call('POST', '/repos/white-cross/school-health/releases', { tag_name: 'v1.0.0' });
    const again = await call('POST', '/repos/white-cross/school-health/releases', { tag_name: 'v1.0.0' });
    expect(again).toEqual({
      status: 422,
      json: expect.objectContaining({
        message: 'Validation Failed',
        errors: [{ resource: 'Release', code: 'already_exists', field: 'tag_name' }],
      }),
    });
    expect((await call('POST', '/repos/white-cross/school-health/releases', { name: 'x' })).status).toBe(422);
    expect(
      (await call('POST', '/repos/white-cross/school-health/releases', { tag_name: 'v1.0.0', draft: 'yes' }))
        .status,
    ).toBe(422);
    expect(
      (
        await call('POST', '/repos/white-cross/school-health/releases', {
          tag_name: 'v1.0.0',
          make_latest: true,
        })
      ).status,
    ).toBe(422);
  });

  test('flags a release of a tag that was never pushed, undocumented parameters and routes; refuses a bad token', async () => {
    expect(
      (await call('POST', '/repos/white-cross/school-health/releases', { tag_name: 'v2.0.0' })).status,
    ).toBe(422);
    await call('POST', '/repos/white-cross/school-health/releases', { tag_name: 'v1.0.0', notes: 'x' });
    expect((await call('GET', '/repos/white-cross/school-health/releases/latest')).status).toBe(404);
    expect(api.violations).toEqual([
      'POST /repos/white-cross/school-health/releases: tag v2.0.0 is not in the repository (GitHub would have made it from the default branch)',
      "POST /repos/white-cross/school-health/releases: body parameter 'notes' is not documented",
      'GET /repos/white-cross/school-health/releases/latest is not an operation this stand-in (or the action) should use',
    ]);
    expect(
      await call('GET', '/repos/white-cross/school-health/releases/tags/v1.0.0', undefined, 'ghs_bad'),
    ).toEqual({
      status: 401,
      json: expect.objectContaining({ message: 'Bad credentials' }),
    });
  });

  test('injected failures: a lost request, and a request that took effect but whose answer was lost', async () => {
    api.failNext('repos/create-release', 502);
    expect(
      (await call('POST', '/repos/white-cross/school-health/releases', { tag_name: 'v1.0.0' })).status,
    ).toBe(502);
    expect(api.releases).toEqual([]);
    api.failNext('repos/create-release', 502, 1, { afterApplying: true });
    expect(
      (await call('POST', '/repos/white-cross/school-health/releases', { tag_name: 'v1.0.0' })).status,
    ).toBe(502);
    expect(api.releases.map((r) => r.tag_name)).toEqual(['v1.0.0']);
  });
});
