/**
 * Every input mistake: the exact message (pure, through parseInputs), and for a few the whole
 * bundle, to show one `::error::` line, exit code 1 and not a single AWS request.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError, Inputs, inputVariable } from '@white-cross/core';
import { runActionBundle, startAwsProxy, type AwsProxy } from '@white-cross/testkit';
import { parseInputs } from '../src/inputs.js';

const LISTENER =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/school-health-alb/50dc6c495c0c9188/f2f7dc8efc522ab2';
const RULE =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/school-health-alb/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee';
const TG =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/school-health-blue/73e2d6bc24d8a067';
const TD = 'arn:aws:ecs:us-east-1:123456789012:task-definition/school-health-api:7';

const workspace = mkdtempSync(join(tmpdir(), 'wcd-ecs-inputs-'));
writeFileSync(
  join(workspace, 'td.json'),
  JSON.stringify({
    family: 'api',
    containerDefinitions: [
      { name: 'api', image: 'x' },
      { name: 'log', image: 'y' },
    ],
  }),
);
writeFileSync(join(workspace, 'broken.json'), '{ "family": ');

const base = {
  mode: 'status',
  cluster: 'school-health',
  service: 'school-health-api',
  'listener-arn': LISTENER,
};

function parse(given: Record<string, string | undefined>) {
  const env: Record<string, string> = { AWS_REGION: 'us-east-1', GITHUB_WORKSPACE: workspace };
  for (const [name, value] of Object.entries(given))
    if (value !== undefined) env[inputVariable(name)] = value;
  return parseInputs(new Inputs(env), env);
}

function mistake(given: Record<string, string | undefined>): { input?: string; message: string } {
  try {
    parse(given);
  } catch (error) {
    if (error instanceof ConfigurationError) return { input: error.input, message: error.message };
    throw error;
  }
  throw new Error('no ConfigurationError');
}

describe('parseInputs', () => {
  test('reads a deploy from a file into a typed object', () => {
    const inputs = parse({
      ...base,
      mode: 'deploy',
      'task-definition': 'td.json',
      image: 'ghcr.io/wc/api:v1.4.0',
      'container-name': 'api',
    });
    expect(inputs).toMatchObject({
      mode: 'deploy',
      region: 'us-east-1',
      cluster: 'school-health',
      services: { blue: 'school-health-api-blue', green: 'school-health-api-green' },
      router: { kind: 'listener', arn: LISTENER },
      version: 'v1.4.0',
      traffic: 10,
      waitTimeoutMs: 900_000,
      pollIntervalMs: 15_000,
    });
    if (inputs.mode !== 'deploy') throw new Error('not a deploy');
    expect(inputs.taskDefinition).toMatchObject({ kind: 'file', image: 'ghcr.io/wc/api:v1.4.0' });
    expect(
      inputs.taskDefinition.kind === 'file' &&
        inputs.taskDefinition.definition.containerDefinitions?.[0]?.image,
    ).toBe('ghcr.io/wc/api:v1.4.0');
    // Only what a deploy reads: cleanup's and rollback's inputs are not part of its type.
    expect(inputs).not.toHaveProperty('retainMs');
    expect(inputs).not.toHaveProperty('reason');
  });

  test('reads explicit services, a rule, target groups and a rollback to a release tag', () => {
    const inputs = parse({
      ...base,
      service: undefined,
      'listener-arn': undefined,
      'blue-service': 'api-a',
      'green-service': 'api-b',
      'rule-arn': RULE,
      'blue-target-group': TG,
      'green-target-group': TG.replace('blue', 'green'),
      mode: 'rollback',
      to: 'v1.3.2',
      reason: 'p95 over budget',
    });
    expect(inputs).toMatchObject({
      services: { blue: 'api-a', green: 'api-b' },
      router: { kind: 'rule', arn: RULE },
      mode: 'rollback',
      to: { kind: 'release', tag: 'v1.3.2' },
      reason: 'p95 over budget',
    });
    expect(inputs).not.toHaveProperty('traffic');
  });

  test('a plan that fits in the job timeout is accepted', () => {
    expect(
      parse({
        ...base,
        mode: 'deploy',
        'task-definition-arn': TD,
        'job-timeout': '60m',
        'canary-steps': '4',
        'canary-window': '5m',
      }),
    ).toMatchObject({ mode: 'deploy' });
  });

  test('a reason with line breaks and workflow commands is kept as one harmless line', () => {
    const inputs = parse({ ...base, mode: 'rollback', to: 'previous', reason: 'slow\r\n::error::x%0A' });
    expect(inputs).toMatchObject({ reason: 'slow ⏎ : :error: :x%0A' });
  });

  test('reads a cleanup with its retention, warm count and revisions to keep', () => {
    const inputs = parse({
      ...base,
      mode: 'cleanup',
      'retain-hours': '48',
      'warm-count': '1',
      'keep-revisions': '5',
    });
    expect(inputs).toMatchObject({
      mode: 'cleanup',
      retainMs: 48 * 3_600_000,
      warmCount: 1,
      keepRevisions: 5,
    });
    expect(inputs).not.toHaveProperty('traffic');
  });

  const cases: [string, Record<string, string | undefined>, string, string][] = [
    [
      'no mode',
      { mode: undefined },
      'mode',
      "Input 'mode' is required: one of deploy, shift, promote, rollback, cleanup, status.",
    ],
    [
      'an unknown mode',
      { mode: 'canary' },
      'mode',
      "Input 'mode' must be one of deploy, shift, promote, rollback, cleanup, status; got 'canary'.",
    ],
    ['no cluster', { cluster: undefined }, 'cluster', "Input 'cluster' is required but was not given."],
    [
      'a bad cluster',
      { cluster: 'school health' },
      'cluster',
      "Input 'cluster' must be an ECS cluster name or ARN; got 'school health'.",
    ],
    [
      'no service',
      { service: undefined },
      'service',
      "Input 'service' or 'blue-service' is required (the base name: <service>-blue and <service>-green).",
    ],
    [
      'service and blue-service',
      { 'blue-service': 'a' },
      'blue-service',
      "Inputs 'service' and 'blue-service' cannot both be given; give one.",
    ],
    [
      'service and green-service',
      { 'green-service': 'a' },
      'green-service',
      "Input 'green-service' goes with 'blue-service', not with 'service'.",
    ],
    [
      'blue-service alone',
      { service: undefined, 'blue-service': 'a' },
      'green-service',
      "Input 'green-service' is required when 'blue-service' is given.",
    ],
    [
      'the same blue and green service',
      { service: undefined, 'blue-service': 'a', 'green-service': 'a' },
      'green-service',
      "Input 'green-service' must differ from 'blue-service'; both are 'a'.",
    ],
    [
      'a bad service name',
      { service: 'api/v2' },
      'service',
      "Input 'service' must be an ECS service base name (letters, digits, _ and -); got 'api/v2'.",
    ],
    [
      'no listener or rule',
      { 'listener-arn': undefined },
      'listener-arn',
      "Input 'listener-arn' or 'rule-arn' is required.",
    ],
    [
      'a listener and a rule',
      { 'rule-arn': RULE },
      'rule-arn',
      "Inputs 'listener-arn' and 'rule-arn' cannot both be given; give one.",
    ],
    [
      'a target group as listener',
      { 'listener-arn': TG },
      'listener-arn',
      `Input 'listener-arn' must be an application load balancer listener ARN (arn:aws:elasticloadbalancing:<region>:<account>:listener/app/<name>/<id>/<id>); got '${TG}'.`,
    ],
    [
      'a listener as rule',
      { 'listener-arn': undefined, 'rule-arn': LISTENER },
      'rule-arn',
      `Input 'rule-arn' must be an application load balancer listener rule ARN (arn:aws:elasticloadbalancing:<region>:<account>:listener-rule/app/<name>/<id>/<id>/<id>); got '${LISTENER}'.`,
    ],
    [
      'a listener in another region',
      { region: 'us-west-2' },
      'listener-arn',
      "Input 'listener-arn' is in region us-east-1, but the action works in us-west-2 (input 'region').",
    ],
    [
      'a bad region',
      { region: 'mars' },
      'region',
      "Input 'region' must be an AWS region such as us-east-1; got 'mars'.",
    ],
    [
      'only a green target group',
      { 'green-target-group': TG },
      'blue-target-group',
      "Input 'blue-target-group' is required when 'green-target-group' is given.",
    ],
    [
      'only a blue target group',
      { 'blue-target-group': TG },
      'green-target-group',
      "Input 'green-target-group' is required when 'blue-target-group' is given.",
    ],
    [
      'a bad target group',
      { 'blue-target-group': 'school-health-blue', 'green-target-group': TG },
      'blue-target-group',
      "Input 'blue-target-group' must be a target group ARN (arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>); got 'school-health-blue'.",
    ],
    [
      'the same target group twice',
      { 'blue-target-group': TG, 'green-target-group': TG },
      'green-target-group',
      "Input 'green-target-group' must differ from 'blue-target-group'.",
    ],
    [
      'a deploy of nothing',
      { mode: 'deploy' },
      'task-definition',
      "Input 'task-definition' or 'task-definition-arn' is required for mode deploy.",
    ],
    [
      'a deploy of a file and an ARN',
      { mode: 'deploy', 'task-definition': 'td.json', 'task-definition-arn': TD },
      'task-definition-arn',
      "Inputs 'task-definition' and 'task-definition-arn' cannot both be given; give one.",
    ],
    [
      'a missing file',
      { mode: 'deploy', 'task-definition': 'nope.json' },
      'task-definition',
      "Input 'task-definition' must name a task definition JSON file in the repository; 'nope.json' cannot be read.",
    ],
    [
      'a file that is not JSON',
      { mode: 'deploy', 'task-definition': 'broken.json' },
      'task-definition',
      expect.stringMatching(
        /^Input 'task-definition' names a file that cannot be used: broken.json is not valid JSON \(/,
      ) as unknown as string,
    ],
    [
      'an unknown container',
      { mode: 'deploy', 'task-definition': 'td.json', image: 'x:1', 'container-name': 'web' },
      'container-name',
      "Input 'container-name' names a file that cannot be used: td.json has no container named 'web' (it has api, log).",
    ],
    [
      'an image for two containers without a name',
      { mode: 'deploy', 'task-definition': 'td.json', image: 'x:1' },
      'container-name',
      "Input 'container-name' names a file that cannot be used: td.json has 2 containers (api, log); say which gets the image with container-name.",
    ],
    [
      'a container without an image',
      { mode: 'deploy', 'task-definition': 'td.json', 'container-name': 'api' },
      'container-name',
      "Input 'container-name' names the container that gets 'image'; give 'image' too.",
    ],
    [
      'a bad image',
      { mode: 'deploy', 'task-definition': 'td.json', image: 'api v2', 'container-name': 'api' },
      'image',
      "Input 'image' must be an image reference such as 123456789012.dkr.ecr.us-east-1.amazonaws.com/api:v1.4.0; got 'api v2'.",
    ],
    [
      'an image with an ARN',
      { mode: 'deploy', 'task-definition-arn': TD, image: 'x:1' },
      'image',
      "Input 'image' applies to 'task-definition' (a file); a 'task-definition-arn' is used as it is.",
    ],
    [
      'a bad task definition ARN',
      { mode: 'deploy', 'task-definition-arn': 'school-health-api:7' },
      'task-definition-arn',
      "Input 'task-definition-arn' must be a task definition ARN with a revision (arn:aws:ecs:<region>:<account>:task-definition/<family>:<revision>); got 'school-health-api:7'.",
    ],
    [
      'traffic over 100',
      { mode: 'shift', traffic: '150' },
      'traffic',
      "Input 'traffic' must be a whole number from 0 to 100; got 150.",
    ],
    [
      'traffic that is not a number',
      { mode: 'shift', traffic: 'ten' },
      'traffic',
      "Input 'traffic' must be a whole number from 0 to 100; got 'ten'.",
    ],
    [
      'a deploy with 0 traffic',
      { mode: 'deploy', 'task-definition-arn': TD, traffic: '0' },
      'traffic',
      "Input 'traffic' must be from 1 to 100 for mode deploy (the first canary weight), or 0 with 'test-route: header'; got 0.",
    ],
    [
      'a rollback to nowhere',
      { mode: 'rollback', reason: 'x' },
      'to',
      "Input 'to' is required but was not given.",
    ],
    [
      'a rollback to another ARN',
      { mode: 'rollback', to: TG, reason: 'x' },
      'to',
      `Input 'to' must be 'previous', a task definition ARN (…:task-definition/<family>:<revision>) or a release tag such as v1.4.0; got '${TG}'.`,
    ],
    [
      'a rollback to a bad tag',
      { mode: 'rollback', to: 'last good', reason: 'x' },
      'to',
      "Input 'to' must be 'previous', a task definition ARN or a release tag such as v1.4.0; got 'last good'.",
    ],
    [
      'a rollback without reason',
      { mode: 'rollback', to: 'previous' },
      'reason',
      "Input 'reason' is required but was not given.",
    ],
    [
      'a rollback with an image but no file',
      { mode: 'rollback', to: 'v1.2.0', reason: 'x', image: 'x:1' },
      'image',
      "Input 'image' is used by a rollback only to a release tag, together with 'task-definition'.",
    ],
    [
      'a bad version',
      { mode: 'deploy', 'task-definition-arn': TD, version: 'v 1' },
      'version',
      "Input 'version' must be a release name such as v1.4.0 (letters, digits and . _ + - @ = / :); got 'v 1'.",
    ],
    [
      'negative retain-hours',
      { 'retain-hours': '-1' },
      'retain-hours',
      "Input 'retain-hours' must be a number from 0 to 2160; got -1.",
    ],
    [
      'a fractional warm-count',
      { 'warm-count': '1.5' },
      'warm-count',
      "Input 'warm-count' must be a whole number from 0 to 1000; got '1.5'.",
    ],
    [
      'negative keep-revisions',
      { 'keep-revisions': '-2' },
      'keep-revisions',
      "Input 'keep-revisions' must be a whole number from 0 to 1000; got -2.",
    ],
    [
      'a wait-timeout that is no duration',
      { 'wait-timeout': 'soon' },
      'wait-timeout',
      "Input 'wait-timeout' must be a duration such as 90s, 5m or 1h; got 'soon'.",
    ],
    [
      'a poll-interval under 100 ms',
      { 'poll-interval': '50ms' },
      'poll-interval',
      "Input 'poll-interval' must be at least 100 ms and at most 5 min 00 s; got '50ms'.",
    ],
    [
      'a poll-interval longer than the wait',
      { 'wait-timeout': '10s', 'poll-interval': '30s' },
      'poll-interval',
      "Input 'poll-interval' must be shorter than 'wait-timeout' (10 s).",
    ],
    [
      'a deploy plan longer than the job timeout',
      {
        mode: 'deploy',
        'task-definition-arn': TD,
        'job-timeout': '30m',
        'canary-steps': '4',
        'canary-window': '5m',
        'wait-timeout': '15m',
      },
      'job-timeout',
      "Input 'job-timeout' is 30 min 00 s, but the plan may take 35 min 00 s (4 canary step(s) × 5 min 00 s canary window + 15 min 00 s ECS wait (wait-timeout)). Raise the job's timeout-minutes and job-timeout, or shorten canary-window or wait-timeout.",
    ],
  ];

  test.each(cases)('%s', (_name, given, input, message) => {
    expect(mistake({ ...base, ...given })).toEqual({ input, message });
  });
});

describe('the bundle with bad input', () => {
  let proxy: AwsProxy;
  beforeAll(async () => {
    // Nothing behind it: any request that reaches it is a bug.
    proxy = await startAwsProxy('http://127.0.0.1:9');
  });
  afterAll(async () => {
    await proxy.stop();
  });

  test.each([
    [
      { ...base, mode: 'promote', 'listener-arn': TG },
      `Input 'listener-arn' must be an application load balancer listener ARN (arn:aws:elasticloadbalancing:<region>:<account>:listener/app/<name>/<id>/<id>); got '${TG}'.`,
    ],
    [{ ...base, mode: 'rollback', to: 'previous' }, "Input 'reason' is required but was not given."],
    [
      { ...base, mode: 'shift', traffic: '101' },
      "Input 'traffic' must be a whole number from 0 to 100; got 101.",
    ],
  ])('fails with one error line and no AWS request: %#', async (inputs, message) => {
    const result = await runActionBundle('ecs-bluegreen', {
      inputs,
      env: {
        AWS_ENDPOINT_URL: proxy.url,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'x',
        AWS_SECRET_ACCESS_KEY: 'x',
      },
    });
    expect(result.exitCode).toBe(1);
    expect(result.annotations).toEqual([{ level: 'error', message, properties: {} }]);
    expect(result.audit[0]).toMatchObject({ outcome: 'invalid-input' });
    expect(proxy.requests).toEqual([]);
  });
});
