/** Names shared by the inputs, the outputs and the tags this action keeps its state in. */

export const ACTION_NAME = 'ecs-bluegreen';
export const ACTION_VERSION = '0.1.0';

export const COLORS = ['blue', 'green'] as const;
export type Color = (typeof COLORS)[number];

/** The other color. */
export function otherColor(color: Color): Color {
  return color === 'blue' ? 'green' : 'blue';
}

export const MODE_NAMES = ['deploy', 'shift', 'promote', 'rollback', 'cleanup', 'status'] as const;
export type Mode = (typeof MODE_NAMES)[number];

/** Who moves the traffic: this action over two services, or ECS's own deployments of one service. */
export const STRATEGY_NAMES = ['two-services', 'ecs-native'] as const;
export type Strategy = (typeof STRATEGY_NAMES)[number];

/** The modes of strategy ecs-native (src/native/modes.ts). */
export const NATIVE_MODE_NAMES = ['deploy', 'continue', 'rollback', 'status'] as const;
export type NativeMode = (typeof NATIVE_MODE_NAMES)[number];

/** Every input, as named in action.yml. */
export const INPUT = {
  mode: 'mode',
  cluster: 'cluster',
  service: 'service',
  blueService: 'blue-service',
  greenService: 'green-service',
  listenerArn: 'listener-arn',
  ruleArn: 'rule-arn',
  blueTargetGroup: 'blue-target-group',
  greenTargetGroup: 'green-target-group',
  taskDefinition: 'task-definition',
  image: 'image',
  containerName: 'container-name',
  taskDefinitionArn: 'task-definition-arn',
  version: 'version',
  traffic: 'traffic',
  to: 'to',
  reason: 'reason',
  disableStickiness: 'disable-stickiness',
  retainHours: 'retain-hours',
  warmCount: 'warm-count',
  keepRevisions: 'keep-revisions',
  waitTimeout: 'wait-timeout',
  pollInterval: 'poll-interval',
  region: 'region',
  jobTimeout: 'job-timeout',
  canarySteps: 'canary-steps',
  canaryWindow: 'canary-window',
  testRoute: 'test-route',
  strategy: 'strategy',
  nativeStrategy: 'native-strategy',
  canaryPercent: 'canary-percent',
  linearStepPercent: 'linear-step-percent',
  stepBake: 'step-bake',
  bake: 'bake',
  pauseStages: 'pause-stages',
  hookTimeout: 'hook-timeout',
  hookTimeoutAction: 'hook-timeout-action',
  circuitBreaker: 'circuit-breaker',
  rollbackAlarms: 'rollback-alarms',
  deploymentArn: 'deployment-arn',
  hookId: 'hook-id',
} as const;

/**
 * Tags on the two ECS services (and on task definitions this action registers). They are the
 * whole state of a blue/green pair besides the listener weights.
 */
export const TAG = {
  /** `live` | `canary` | `previous` | `rolled-back`: what the color is for right now. */
  role: 'white-cross:role',
  /** The release the color's task definition carries (also on the task definition). */
  version: 'white-cross:version',
  /** ISO time the color became live (promote, or a rollback that made it live again). */
  promotedAt: 'white-cross:promoted-at',
  /** ISO time a canary or live color was rolled back. */
  rolledBackAt: 'white-cross:rolled-back-at',
  /**
   * On the blue service: the run that is changing the pair, and until when
   * (`run=<repository>/actions/runs/<id> attempt=<n> until=<ISO time>`).
   */
  lock: 'white-cross:lock',
  /** On task definitions: the image the container runs. */
  image: 'white-cross:image',
  /** On task definitions: sha256 of the rendered definition, so a re-run reuses it. */
  specDigest: 'white-cross:spec-sha256',
} as const;

export const ROLES = ['live', 'canary', 'previous', 'rolled-back'] as const;
export type Role = (typeof ROLES)[number];

/** Every output, as named in action.yml. */
export const OUTPUT = {
  liveColor: 'live-color',
  canaryColor: 'canary-color',
  taskDefinitionArn: 'task-definition-arn',
  previousTaskDefinitionArn: 'previous-task-definition-arn',
  weights: 'weights',
  loadBalancer: 'load-balancer',
  canaryTargetGroup: 'canary-target-group',
  baselineTargetGroup: 'baseline-target-group',
  testUrl: 'test-url',
  testHeader: 'test-header',
  nativeDeploymentArn: 'native-deployment-arn',
  nativeStatus: 'native-status',
  nativeStage: 'native-stage',
  nativeTraffic: 'native-traffic',
  nativeHookId: 'native-hook-id',
  nativeOutcome: 'native-outcome',
  nativeRolledBackBy: 'native-rolled-back-by',
  nativeCanaryTargetGroup: 'native-canary-target-group',
  nativeBaselineTargetGroup: 'native-baseline-target-group',
} as const;

export const EVIDENCE_FILE = 'ecs-bluegreen-report.json';
