/**
 * Reads and checks every input before anything touches AWS. Each mistake is a
 * ConfigurationError naming the input and what it accepts.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ConfigurationError, formatDuration, type Env, type Inputs } from '@white-cross/core';
import { resolveRegion } from '@white-cross/aws';
import { INPUT, MODE_NAMES, STRATEGY_NAMES, type Color, type Mode } from './constants.js';
import { parseNativeInputs, type NativeActionInputs } from './native/inputs.js';
import { arnRegion, isListenerArn, isRuleArn, isTargetGroupArn } from './dimensions.js';
import { TEST_ROUTE_SETTINGS, type TestRouteSetting } from './test-route.js';
import {
  imageTag,
  isTaskDefinitionArn,
  renderTaskDefinition,
  specDigest,
  TaskDefinitionFileError,
  type RenderedTaskDefinition,
} from './task-definition.js';

/** A task definition file rendered with its image, ready to register. */
export interface TaskDefinitionFile {
  readonly kind: 'file';
  readonly path: string;
  readonly definition: RenderedTaskDefinition;
  readonly digest: string;
  readonly image?: string;
}

/** Where the new task definition of a deploy comes from. */
export type TaskDefinitionSource = TaskDefinitionFile | { readonly kind: 'arn'; readonly arn: string };

/** The files a rollback to a release tag builds its task definition from, read only when needed. */
export interface ReleaseFiles {
  readonly path: string;
  readonly image?: string;
  readonly containerName?: string;
  readonly workspace: string;
}

/** What `rollback` goes back to. */
export type RollbackTarget =
  | { readonly kind: 'previous' }
  | { readonly kind: 'arn'; readonly arn: string }
  | { readonly kind: 'release'; readonly tag: string; readonly files?: ReleaseFiles };

/** What every mode reads. */
export interface CommonInputs {
  readonly region: string;
  readonly cluster: string;
  readonly services: Readonly<Record<Color, string>>;
  /** The listener or rule whose forward action splits traffic. */
  readonly router: { readonly kind: 'listener' | 'rule'; readonly arn: string };
  /** Given target groups; otherwise read from the services. */
  readonly targetGroups?: Readonly<Record<Color, string>>;
  readonly waitTimeoutMs: number;
  readonly pollIntervalMs: number;
}

export interface DeployInputs {
  readonly mode: 'deploy';
  readonly taskDefinition: TaskDefinitionSource;
  /** The release the new task definition is tagged with. */
  readonly version?: string;
  /** Percent of requests for the canary once it is ready (0 with a test route: none yet). */
  readonly traffic: number;
  /** `header`: a rule that sends only requests with the deploy's secret header to the canary. */
  readonly testRoute: TestRouteSetting;
}
export interface ShiftInputs {
  readonly mode: 'shift';
  readonly traffic: number;
}
export interface PromoteInputs {
  readonly mode: 'promote';
}
export interface RollbackInputs {
  readonly mode: 'rollback';
  readonly to: RollbackTarget;
  readonly reason: string;
  /** Turn the forward action's stickiness off with the rollback, so sticky clients move at once. */
  readonly disableStickiness: boolean;
}
export interface CleanupInputs {
  readonly mode: 'cleanup';
  readonly retainMs: number;
  readonly warmCount: number;
  /** 0: deregister no revisions. */
  readonly keepRevisions: number;
}
export interface StatusInputs {
  readonly mode: 'status';
}

/** One input type per mode, each with only what that mode reads. */
export type ModeInputs =
  DeployInputs | ShiftInputs | PromoteInputs | RollbackInputs | CleanupInputs | StatusInputs;

export type EcsBlueGreenInputs = CommonInputs & ModeInputs;

/** The inputs of either strategy: two-services (no `strategy` field) or ecs-native. */
export type ActionInputs = EcsBlueGreenInputs | NativeActionInputs;

/** Whether the inputs are of strategy ecs-native. */
export function isNative(inputs: ActionInputs): inputs is NativeActionInputs {
  return 'strategy' in inputs && inputs.strategy === 'ecs-native';
}

/** The inputs of one mode. */
export type InputsOf<M extends Mode> = CommonInputs & Extract<ModeInputs, { mode: M }>;

/** Longest `reason` accepted: it goes into the log, the summary and the audit record. */
export const REASON_MAX = 500;

/**
 * Free text made one harmless line: a workflow command (`::error::`, `::add-mask::`, …) is
 * only read at the start of a log line, so line breaks become ` ⏎ ` and `::` becomes `: :`.
 *
 * @example
 * oneLine('p95 high\n::error::fake'); // 'p95 high ⏎ : :error: :fake'
 */
export function oneLine(text: string): string {
  return text.replace(/\r\n|\r|\n/g, ' ⏎ ').replace(/::/g, ': :');
}

const CLUSTER = /^(arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster\/)?[A-Za-z0-9_-]{1,255}$/;
const SERVICE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/;
/** What an ECS tag value accepts, and a sensible release name. */
const RELEASE = /^[A-Za-z0-9][A-Za-z0-9._+@=/:-]{0,127}$/;
const IMAGE = /^[a-z0-9][a-z0-9._/:@-]*[A-Za-z0-9_.-]$/i;

function reject(input: string, message: string): never {
  throw new ConfigurationError(`Input '${input}' ${message}`, input);
}

function exclusive(inputs: Inputs, a: string, b: string, required?: string): 'a' | 'b' | undefined {
  const hasA = inputs.has(a);
  const hasB = inputs.has(b);
  if (hasA && hasB)
    throw new ConfigurationError(`Inputs '${a}' and '${b}' cannot both be given; give one.`, b);
  if (!hasA && !hasB && required !== undefined) {
    throw new ConfigurationError(`Input '${a}' or '${b}' is required${required}.`, a);
  }
  return hasA ? 'a' : hasB ? 'b' : undefined;
}

function readImageInputs(inputs: Inputs): { image?: string; containerName?: string } {
  const image = inputs.string(INPUT.image);
  const containerName = inputs.string(INPUT.containerName);
  if (image !== undefined && !IMAGE.test(image))
    reject(
      'image',
      `must be an image reference such as 123456789012.dkr.ecr.us-east-1.amazonaws.com/api:v1.4.0; got '${image}'.`,
    );
  if (containerName !== undefined && image === undefined) {
    throw new ConfigurationError(
      "Input 'container-name' names the container that gets 'image'; give 'image' too.",
      'container-name',
    );
  }
  return { ...(image ? { image } : {}), ...(containerName ? { containerName } : {}) };
}

/**
 * Reads and renders a task definition file with its image. A file that cannot be used is a
 * ConfigurationError naming the input.
 *
 * @example
 * const file = loadTaskDefinitionFile({ path: 'task-definition.json', image: 'ghcr.io/wc/api:v1.4.0', workspace });
 */
export function loadTaskDefinitionFile(files: ReleaseFiles): TaskDefinitionFile {
  const { path, image, containerName } = files;
  const file = isAbsolute(path) ? path : resolve(files.workspace, path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    reject(
      'task-definition',
      `must name a task definition JSON file in the repository; '${path}' cannot be read.`,
    );
  }
  try {
    const definition = renderTaskDefinition(text, { image, containerName });
    return { kind: 'file', path, definition, digest: specDigest(definition), ...(image ? { image } : {}) };
  } catch (error) {
    if (error instanceof TaskDefinitionFileError) {
      const input = /container/.test(error.message) && image ? 'container-name' : 'task-definition';
      reject(input, `names a file that cannot be used: ${path} ${error.message}.`);
    }
    throw error;
  }
}

/**
 * The longest the job may take with this plan: the ECS wait, plus (for a deploy) each canary
 * step held for the canary window.
 *
 * @example
 * planDurationMs({ waitTimeoutMs: 900_000, canarySteps: 4, canaryWindowMs: 300_000 }); // 2_100_000
 */
export function planDurationMs(plan: {
  waitTimeoutMs: number;
  canarySteps: number;
  canaryWindowMs: number;
}): number {
  return plan.waitTimeoutMs + plan.canarySteps * plan.canaryWindowMs;
}

/** Refuses, before anything changes, a plan that cannot finish inside the job's timeout. */
function checkJobTimeout(inputs: Inputs, mode: Mode, waitTimeoutMs: number): void {
  const canarySteps = inputs.number(INPUT.canarySteps, { default: 0, min: 0, max: 20, integer: true });
  const canaryWindowMs = inputs.duration(INPUT.canaryWindow, { default: '0s', min: 0, max: 24 * 3_600_000 });
  if (!inputs.has(INPUT.jobTimeout)) return;
  const jobTimeoutMs = inputs.duration(INPUT.jobTimeout, { default: '6h', min: 60_000, max: 6 * 3_600_000 });
  const steps = mode === 'deploy' ? canarySteps : 0;
  const needed = planDurationMs({ waitTimeoutMs, canarySteps: steps, canaryWindowMs });
  if (needed <= jobTimeoutMs) return;
  const parts = [
    ...(steps ? [`${steps} canary step(s) × ${formatDuration(canaryWindowMs)} canary window`] : []),
    `${formatDuration(waitTimeoutMs)} ECS wait (wait-timeout)`,
  ];
  reject(
    'job-timeout',
    `is ${formatDuration(jobTimeoutMs)}, but the plan may take ${formatDuration(needed)} (${parts.join(' + ')}). Raise the job's timeout-minutes and job-timeout, or shorten canary-window or wait-timeout.`,
  );
}

/**
 * Parses the inputs of either strategy (`strategy`, default two-services).
 *
 * @example
 * const inputs = parseActionInputs(new Inputs(process.env), process.env);
 */
export function parseActionInputs(inputs: Inputs, env: Env): ActionInputs {
  const strategy = inputs.choice(INPUT.strategy, STRATEGY_NAMES, 'two-services');
  return strategy === 'ecs-native' ? parseNativeInputs(inputs, env) : parseInputs(inputs, env);
}

/**
 * Parses the inputs of ecs-bluegreen (strategy two-services).
 *
 * @example
 * const inputs = parseInputs(new Inputs(process.env), process.env);
 */
export function parseInputs(inputs: Inputs, env: Env): EcsBlueGreenInputs {
  if (inputs.string(INPUT.mode) === 'continue')
    throw new ConfigurationError(
      "Input 'mode' continue answers an ECS PAUSE: it needs 'strategy: ecs-native' (strategy two-services moves traffic with shift and promote).",
      'strategy',
    );
  const mode = inputs.choice(INPUT.mode, MODE_NAMES);
  if (!mode)
    throw new ConfigurationError(`Input 'mode' is required: one of ${MODE_NAMES.join(', ')}.`, 'mode');
  const region = resolveRegion(inputs.string('region'), env);

  const cluster = inputs.string('cluster', { required: true });
  if (!CLUSTER.test(cluster)) reject('cluster', `must be an ECS cluster name or ARN; got '${cluster}'.`);

  const serviceForm = exclusive(
    inputs,
    'service',
    'blue-service',
    ' (the base name: <service>-blue and <service>-green)',
  );
  let services: Record<Color, string>;
  if (serviceForm === 'a') {
    const base = inputs.string('service', { required: true });
    if (!SERVICE.test(base) || base.length > 249)
      reject('service', `must be an ECS service base name (letters, digits, _ and -); got '${base}'.`);
    if (inputs.has('green-service'))
      throw new ConfigurationError(
        "Input 'green-service' goes with 'blue-service', not with 'service'.",
        'green-service',
      );
    services = { blue: `${base}-blue`, green: `${base}-green` };
  } else {
    const blue = inputs.string('blue-service', { required: true });
    const green = inputs.string('green-service');
    if (!green)
      throw new ConfigurationError(
        "Input 'green-service' is required when 'blue-service' is given.",
        'green-service',
      );
    if (!SERVICE.test(blue)) reject('blue-service', `must be an ECS service name; got '${blue}'.`);
    if (!SERVICE.test(green)) reject('green-service', `must be an ECS service name; got '${green}'.`);
    if (blue === green) reject('green-service', `must differ from 'blue-service'; both are '${blue}'.`);
    services = { blue, green };
  }

  const routerForm = exclusive(inputs, 'listener-arn', 'rule-arn', '');
  const routerInput = routerForm === 'a' ? 'listener-arn' : 'rule-arn';
  const routerArn = inputs.string(routerInput, { required: true });
  const routerOk = routerForm === 'a' ? isListenerArn(routerArn) : isRuleArn(routerArn);
  if (!routerOk) {
    reject(
      routerInput,
      routerForm === 'a'
        ? `must be an application load balancer listener ARN (arn:aws:elasticloadbalancing:<region>:<account>:listener/app/<name>/<id>/<id>); got '${routerArn}'.`
        : `must be an application load balancer listener rule ARN (arn:aws:elasticloadbalancing:<region>:<account>:listener-rule/app/<name>/<id>/<id>/<id>); got '${routerArn}'.`,
    );
  }
  if (arnRegion(routerArn) !== region)
    reject(
      routerInput,
      `is in region ${arnRegion(routerArn)}, but the action works in ${region} (input 'region').`,
    );

  let targetGroups: Record<Color, string> | undefined;
  if (inputs.has('blue-target-group') || inputs.has('green-target-group')) {
    const blue = inputs.string('blue-target-group');
    const green = inputs.string('green-target-group');
    if (!blue)
      throw new ConfigurationError(
        "Input 'blue-target-group' is required when 'green-target-group' is given.",
        'blue-target-group',
      );
    if (!green)
      throw new ConfigurationError(
        "Input 'green-target-group' is required when 'blue-target-group' is given.",
        'green-target-group',
      );
    for (const [name, arn] of [
      ['blue-target-group', blue],
      ['green-target-group', green],
    ] as const) {
      if (!isTargetGroupArn(arn))
        reject(
          name,
          `must be a target group ARN (arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>); got '${arn}'.`,
        );
    }
    if (blue === green) reject('green-target-group', "must differ from 'blue-target-group'.");
    targetGroups = { blue, green };
  }

  const traffic = inputs.number(INPUT.traffic, { default: 10, min: 0, max: 100, integer: true });
  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  let modeInputs: ModeInputs;
  let fileImage: string | undefined;
  let releaseTag: string | undefined;

  if (mode === 'deploy') {
    const form = exclusive(inputs, 'task-definition', 'task-definition-arn', ' for mode deploy');
    let taskDefinition: TaskDefinitionSource;
    if (form === 'a') {
      const path = inputs.string(INPUT.taskDefinition, { required: true });
      taskDefinition = loadTaskDefinitionFile({ path, workspace, ...readImageInputs(inputs) });
      fileImage = taskDefinition.image;
    } else {
      const arn = inputs.string(INPUT.taskDefinitionArn, { required: true });
      if (!isTaskDefinitionArn(arn))
        reject(
          'task-definition-arn',
          `must be a task definition ARN with a revision (arn:aws:ecs:<region>:<account>:task-definition/<family>:<revision>); got '${arn}'.`,
        );
      if (inputs.has(INPUT.image))
        throw new ConfigurationError(
          "Input 'image' applies to 'task-definition' (a file); a 'task-definition-arn' is used as it is.",
          'image',
        );
      taskDefinition = { kind: 'arn', arn };
    }
    const testRoute = inputs.choice(INPUT.testRoute, TEST_ROUTE_SETTINGS, 'off');
    if (traffic === 0 && testRoute === 'off')
      reject(
        'traffic',
        "must be from 1 to 100 for mode deploy (the first canary weight), or 0 with 'test-route: header'; got 0.",
      );
    modeInputs = { mode, taskDefinition, traffic, testRoute };
  } else if (mode === 'rollback') {
    const given = inputs.string(INPUT.to, { required: true });
    let to: RollbackTarget;
    if (given === 'previous') to = { kind: 'previous' };
    else if (isTaskDefinitionArn(given)) to = { kind: 'arn', arn: given };
    else if (given.startsWith('arn:'))
      reject(
        'to',
        `must be 'previous', a task definition ARN (…:task-definition/<family>:<revision>) or a release tag such as v1.4.0; got '${given}'.`,
      );
    else if (RELEASE.test(given)) {
      releaseTag = given;
      const path = inputs.string(INPUT.taskDefinition);
      // Read only if no revision of the release is registered any more (see the rollback mode).
      to = path
        ? { kind: 'release', tag: given, files: { path, workspace, ...readImageInputs(inputs) } }
        : { kind: 'release', tag: given };
    } else
      reject(
        'to',
        `must be 'previous', a task definition ARN or a release tag such as v1.4.0; got '${given}'.`,
      );
    const givenReason = inputs.string(INPUT.reason, { required: true });
    if (givenReason.length > REASON_MAX)
      reject('reason', `must be at most ${REASON_MAX} characters; got ${givenReason.length}.`);
    // Echoed into the log, the summary and the audit record: never as a workflow command.
    const reason = oneLine(givenReason);
    if (to.kind !== 'release' && inputs.has(INPUT.image)) {
      throw new ConfigurationError(
        "Input 'image' is used by a rollback only to a release tag, together with 'task-definition'.",
        'image',
      );
    }
    if (to.kind === 'release' && !to.files && inputs.has(INPUT.image)) {
      throw new ConfigurationError(
        "Input 'image' is used by a rollback only to a release tag, together with 'task-definition'.",
        'image',
      );
    }
    const disableStickiness = inputs.boolean(INPUT.disableStickiness, false);
    modeInputs = { mode, to, reason, disableStickiness };
  } else if (mode === 'shift') {
    modeInputs = { mode, traffic };
  } else if (mode === 'cleanup') {
    modeInputs = { mode, retainMs: 0, warmCount: 0, keepRevisions: 0 };
  } else {
    modeInputs = { mode };
  }

  const version = inputs.string(INPUT.version) ?? (fileImage ? imageTag(fileImage) : undefined) ?? releaseTag;
  if (version !== undefined && !RELEASE.test(version))
    reject(
      'version',
      `must be a release name such as v1.4.0 (letters, digits and . _ + - @ = / :); got '${version}'.`,
    );

  const retainHours = inputs.number(INPUT.retainHours, { default: 24, min: 0, max: 24 * 90 });
  const warmCount = inputs.number(INPUT.warmCount, { default: 0, min: 0, max: 1000, integer: true });
  const keepRevisions = inputs.number(INPUT.keepRevisions, { default: 0, min: 0, max: 1000, integer: true });
  const waitTimeoutMs = inputs.duration(INPUT.waitTimeout, { default: '15m', min: 1000, max: 3 * 3_600_000 });
  const pollIntervalMs = inputs.duration(INPUT.pollInterval, { default: '15s', min: 100, max: 300_000 });
  if (pollIntervalMs > waitTimeoutMs)
    reject('poll-interval', `must be shorter than 'wait-timeout' (${waitTimeoutMs / 1000} s).`);
  checkJobTimeout(inputs, mode, waitTimeoutMs);
  if (modeInputs.mode === 'cleanup')
    modeInputs = { ...modeInputs, retainMs: Math.round(retainHours * 3_600_000), warmCount, keepRevisions };
  if (modeInputs.mode === 'deploy' && version) modeInputs = { ...modeInputs, version };

  return {
    region,
    cluster,
    services,
    router: { kind: routerForm === 'a' ? 'listener' : 'rule', arn: routerArn },
    ...(targetGroups ? { targetGroups } : {}),
    waitTimeoutMs,
    pollIntervalMs,
    ...modeInputs,
  };
}
