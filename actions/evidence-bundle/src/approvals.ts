/**
 * Who approved the deployment: GitHub's record of environment reviews for the workflow run
 * (`GET /repos/{owner}/{repo}/actions/runs/{run_id}/approvals`).
 */
import { ActionFailure } from '@white-cross/core';
import type { Approval } from './bundle.js';

interface ApprovalWire {
  state?: string;
  comment?: string;
  user?: { login?: string };
  environments?: { name?: string }[];
}

/**
 * Reads the approvals of a run. The API answers for runs of the token's repository only.
 *
 * @example
 * await fetchApprovals({ apiUrl: 'https://api.github.com', repository: 'white-cross/school-health', runId: '4242', token });
 */
export async function fetchApprovals(request: {
  apiUrl: string;
  repository: string;
  runId: string;
  token: string;
}): Promise<Approval[]> {
  const url = `${request.apiUrl.replace(/\/$/, '')}/repos/${request.repository}/actions/runs/${encodeURIComponent(request.runId)}/approvals`;
  let response: Response;
  try {
    response = await fetch(url, {
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${request.token}`,
        'x-github-api-version': '2022-11-28',
        'user-agent': 'white-cross-deploy/evidence-bundle',
      },
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    throw new ActionFailure(
      `Reading the approvals of run ${request.runId} failed: ${String(error)}. No bundle was written.`,
      { cause: error },
    );
  }
  if (!response.ok) {
    throw new ActionFailure(
      `Reading the approvals of run ${request.runId} failed: HTTP ${response.status}. The token needs actions: read on ${request.repository}. No bundle was written.`,
    );
  }
  const body = (await response.json()) as ApprovalWire[];
  return (Array.isArray(body) ? body : []).map((a) => ({
    user: a.user?.login ?? 'unknown',
    state: a.state ?? 'unknown',
    environments: (a.environments ?? []).map((e) => e.name ?? '').filter(Boolean),
    ...(a.comment ? { comment: a.comment } : {}),
  }));
}
