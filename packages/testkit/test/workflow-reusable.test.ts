/**
 * Reusable workflows (workflow_call inputs with types and defaults, secrets, outputs), the
 * suite's own actions run from their committed bundles, and the Slack stand-in.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  repoRoot,
  runWorkflow,
  startGitApi,
  startNoticeReceiver,
  type NoticeReceiver,
  type RunScenario,
  type WorkflowRunResult,
} from '../src/index.js';
import { makeRepo } from './workflow-fixtures.js';

const job = (r: WorkflowRunResult, id: string) => {
  const found = r.jobs.find((j) => j.id === id);
  if (!found) throw new Error(`no job ${id} in ${r.jobs.map((j) => j.id).join(', ')}`);
  return found;
};
const lines = (r: WorkflowRunResult, jobId: string) =>
  r.logs.filter((l) => l.job === jobId).map((l) => l.line);

const GATE = `
on:
  workflow_call:
    inputs:
      environment:
        type: string
        required: true
      emergency:
        type: boolean
        default: false
      at:
        type: string
        default: 2026-11-24T08:00:00Z
    secrets:
      DEPLOY_TOKEN:
        required: true
    outputs:
      allowed:
        value: \${{ jobs.window.outputs.allowed }}
      token-length:
        value: \${{ jobs.window.outputs.token-length }}
permissions: {}
jobs:
  window:
    runs-on: ubuntu-latest
    outputs:
      allowed: \${{ steps.window.outputs.allowed }}
      token-length: \${{ steps.len.outputs.n }}
    steps:
      - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8
        with:
          persist-credentials: false
      - id: window
        uses: $/actions/deploy-window
        with:
          schedule: windows.yml
          environment: \${{ inputs.environment }}
          emergency: \${{ inputs.emergency }}
          at: \${{ inputs.at }}
      - id: len
        env:
          TOKEN: \${{ secrets.DEPLOY_TOKEN }}
        run: echo "n=\${#TOKEN}" >> "$GITHUB_OUTPUT"
`;

const SCHEDULE = `timezone: America/New_York
windows:
  - { days: Tue-Thu, from: "02:00", to: "06:00" }
`;

const caller = (withLines: string, secretLines: string) => `
on: push
permissions: {}
jobs:
  gate:
    uses: white-cross/deploy/.github/workflows/gate.yml@v1
    with:
${withLines}
    secrets:
${secretLines}
  after:
    needs: gate
    if: always()
    runs-on: ubuntu-latest
    steps:
      - run: echo "gate=\${{ needs.gate.result }} allowed=\${{ needs.gate.outputs.allowed }} length=\${{ needs.gate.outputs.token-length }}"
`;

let suite: string;
beforeAll(() => {
  // A suite repository with the real deploy-window action.yml and committed bundle.
  suite = makeRepo(
    { '.github/workflows/gate.yml': GATE },
    {
      'actions/deploy-window/action.yml': join(repoRoot, 'actions/deploy-window/action.yml'),
      'actions/deploy-window/dist': join(repoRoot, 'actions/deploy-window/dist'),
    },
  );
});

const scenario = (app: string): RunScenario => ({
  workflow: '.github/workflows/w.yml',
  repository: 'octo/app',
  repositoryDir: app,
  repositories: { 'white-cross/deploy': suite },
  ref: 'refs/heads/main',
  event: { name: 'push' },
  secrets: { APP_TOKEN: 'secret-value-1234' },
});

describe('reusable workflows', () => {
  it('passes typed inputs (defaults filled), secrets and outputs; $/ runs the suite action bundle', async () => {
    const app = makeRepo({
      '.github/workflows/w.yml': caller(
        '      environment: staging',
        '      DEPLOY_TOKEN: ${{ secrets.APP_TOKEN }}',
      ),
      'windows.yml': SCHEDULE,
    });
    const r = await runWorkflow(scenario(app));
    expect(job(r, 'gate/window').status).toBe('success');
    expect(job(r, 'gate/window').steps.map((s) => s.id)).toEqual(['__actions_checkout', 'window', 'len']);
    expect(job(r, 'gate').outputs).toEqual({ allowed: 'true', 'token-length': '17' });
    expect(lines(r, 'after')).toContain('gate=success allowed=true length=17');
    // deploy-window wrote its summary through GITHUB_STEP_SUMMARY
    expect(job(r, 'gate/window').steps[1]?.summary).not.toBe('');
  });

  it('a boolean input given a string, a missing required secret, an unknown input each fail the calling job', async () => {
    const wrongType = await runWorkflow(
      scenario(
        makeRepo({
          '.github/workflows/w.yml': caller(
            "      environment: staging\n      emergency: 'yes'",
            '      DEPLOY_TOKEN: x',
          ),
        }),
      ),
    );
    expect(job(wrongType, 'gate').error).toMatch(/Unexpected value 'yes' for boolean input 'emergency'/);
    expect(lines(wrongType, 'after')).toContain('gate=failure allowed= length=');

    const noSecret = await runWorkflow(
      scenario(makeRepo({ '.github/workflows/w.yml': caller('      environment: staging', '      {}') })),
    );
    expect(job(noSecret, 'gate').error).toBe(
      'Secret DEPLOY_TOKEN is required, but not provided while calling.',
    );

    const unknown = await runWorkflow(
      scenario(
        makeRepo({
          '.github/workflows/w.yml': caller(
            '      environment: staging\n      colour: blue',
            '      DEPLOY_TOKEN: x',
          ),
        }),
      ),
    );
    expect(job(unknown, 'gate').error).toBe(
      'Invalid input, colour is not defined in the referenced workflow.',
    );
  });

  it('a suite action that refuses its input fails the step with its ::error:: line', async () => {
    const app = makeRepo({
      '.github/workflows/w.yml': caller(
        '      environment: staging\n      at: not-a-time',
        '      DEPLOY_TOKEN: ${{ secrets.APP_TOKEN }}',
      ),
      'windows.yml': SCHEDULE,
    });
    const r = await runWorkflow(scenario(app));
    const window = job(r, 'gate/window');
    expect(window.status).toBe('failure');
    expect(window.steps[1]).toMatchObject({ id: 'window', outcome: 'failure' });
    expect(lines(r, 'gate/window').some((l) => l.startsWith('::error::') && l.includes("'at'"))).toBe(true);
  });
});

describe('Slack stand-in', () => {
  let notices: NoticeReceiver;
  beforeAll(async () => {
    notices = await startNoticeReceiver();
  });
  afterAll(() => notices.close());

  it('posts the YAML payload to the webhook the secret names', async () => {
    const app = makeRepo({
      '.github/workflows/w.yml': `
on: push
jobs:
  notify:
    runs-on: ubuntu-latest
    steps:
      - uses: slackapi/slack-github-action@91efab103c0de0a537f72a35f6b8cda0ee76bf0a
        with:
          webhook: \${{ secrets.SLACK_WEBHOOK_URL }}
          webhook-type: incoming-webhook
          payload: |
            text: \${{ toJSON(format('Deploy of {0} failed', 'v1.2.0')) }}
`,
    });
    const r = await runWorkflow({
      ...scenario(app),
      secrets: { SLACK_WEBHOOK_URL: notices.slackWebhookUrl },
    });
    expect(job(r, 'notify').status).toBe('success');
    expect(notices.slack().map((n) => n.body)).toEqual([{ text: 'Deploy of v1.2.0 failed' }]);
  });
});

describe('the suite action a workflow runs, by reference', () => {
  const action = (word: string) => ({
    'actions/say/action.yml': `name: say
description: says a word
inputs:
  word:
    description: the word
    default: ${word}
runs:
  using: node24
  main: index.js
  post: post.js
`,
    'actions/say/index.js': `const fs = require('node:fs');
console.log('says ' + process.env.INPUT_WORD);
fs.appendFileSync(process.env.GITHUB_STATE, 'said=' + process.env.INPUT_WORD + '\\n');
fs.appendFileSync(process.env.GITHUB_OUTPUT, 'word=' + process.env.INPUT_WORD + '\\n');
`,
    'actions/say/post.js': `console.log('post saw ' + process.env.STATE_said);
`,
    'actions/say/package.json': '{ "type": "commonjs" }',
  });

  it('@v1 and $/ run what the ref points to (not the newest commit); ./ runs the checkout; post steps get the state', async () => {
    const suiteDir = makeRepo({
      ...action('old'),
      '.github/workflows/r.yml': `
on: workflow_call
jobs:
  inner:
    runs-on: ubuntu-latest
    steps:
      - uses: $/actions/say
`,
    });
    execFileSync('git', ['tag', 'v1'], { cwd: suiteDir });
    // main moves on after v1 was tagged
    for (const [path, content] of Object.entries(action('new'))) writeFileSync(join(suiteDir, path), content);
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', 'commit', '-qam', 'new'], {
      cwd: suiteDir,
    });
    const app = makeRepo({
      ...action('local'),
      '.github/workflows/w.yml': `
on: push
jobs:
  call:
    uses: white-cross/deploy/.github/workflows/r.yml@v1
  direct:
    runs-on: ubuntu-latest
    steps:
      - uses: white-cross/deploy/actions/say@main
      - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8
      - id: mine
        uses: ./actions/say
        with:
          word: mine
`,
    });
    const r = await runWorkflow({
      ...scenario(app),
      repositories: { 'white-cross/deploy': { dir: suiteDir, refs: 'git' } },
    });
    expect(lines(r, 'call/inner')).toEqual(expect.arrayContaining(['says old', 'post saw old']));
    expect(lines(r, 'direct')).toEqual(
      expect.arrayContaining(['says new', 'says mine', 'post saw mine', 'post saw new']),
    );
    expect(job(r, 'direct').steps[2]?.outputs).toEqual({ word: 'mine' });
    // post steps run last, in reverse order
    const direct = lines(r, 'direct');
    expect(direct.indexOf('post saw mine')).toBeLessThan(direct.indexOf('post saw new'));
  });
});

describe("the runner image's tools", () => {
  it('gh api reads an annotated tag through the API stand-in; curl reaches a redirected service', async () => {
    const notices = await startNoticeReceiver();
    const app = makeRepo({
      '.github/workflows/w.yml': `
on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - env:
          GH_TOKEN: \${{ github.token }}
        run: |
          ref=$(gh api "repos/octo/app/git/ref/tags/v2.0.0")
          gh api "repos/octo/app/git/tags/$(jq -r '.object.sha' <<< "$ref")" | jq -r '.message'
          curl --fail --silent -H 'content-type: application/json' --data '{"event_action":"trigger"}' https://events.pagerduty.com/v2/enqueue
`,
    });
    execFileSync(
      'git',
      [
        '-c',
        'user.name=t',
        '-c',
        'user.email=t@example.org',
        'tag',
        '-a',
        'v2.0.0',
        '-m',
        'Release v2.0.0\n\nEmergency: true',
      ],
      { cwd: app },
    );
    const api = await startGitApi({ repository: 'octo/app', dir: app, token: 'ghs_localrunnertoken' });
    try {
      const r = await runWorkflow({
        ...scenario(app),
        env: { GITHUB_API_URL: api.url },
        redirects: { 'https://events.pagerduty.com': `${notices.url}/pagerduty` },
      });
      expect(job(r, 'a').status).toBe('success');
      expect(lines(r, 'a')).toEqual(expect.arrayContaining(['Release v2.0.0', 'Emergency: true']));
      expect(notices.pagerDuty().map((n) => n.body)).toEqual([{ event_action: 'trigger' }]);
    } finally {
      await api.close();
      await notices.close();
    }
  });
});
