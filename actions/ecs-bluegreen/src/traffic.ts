/**
 * The traffic split between the two colors, read from and written into the forward action of
 * an ALB listener or rule. Pure: no AWS calls.
 */
import type { Action, TargetGroupTuple } from '@aws-sdk/client-elastic-load-balancing-v2';
import { COLORS, type Color } from './constants.js';

/** Percent of requests each color receives; the two add up to 100. */
export type TrafficSplit = Readonly<Record<Color, number>>;

/** The target group ARN of each color. */
export type ColorTargetGroups = Readonly<Record<Color, string>>;

/** Why a listener's actions cannot be used for blue/green. */
export class ForwardActionError extends Error {
  override readonly name = 'ForwardActionError';
}

function forwardTuples(action: Action): TargetGroupTuple[] {
  if (action.ForwardConfig?.TargetGroups?.length) return action.ForwardConfig.TargetGroups;
  if (action.TargetGroupArn) return [{ TargetGroupArn: action.TargetGroupArn, Weight: 1 }];
  return [];
}

/**
 * Reads the split from a listener's (or rule's) actions. The forward action must send traffic
 * only to the blue and green target groups (either may be missing, which means weight 0);
 * weights are turned into percentages.
 *
 * @example
 * readTrafficSplit(
 *   [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: blueTg, Weight: 90 }, { TargetGroupArn: greenTg, Weight: 10 }] } }],
 *   { blue: blueTg, green: greenTg },
 * ); // { blue: 90, green: 10 }
 */
export function readTrafficSplit(actions: readonly Action[], targetGroups: ColorTargetGroups): TrafficSplit {
  const forwards = actions.filter((a) => a.Type === 'forward');
  const [forward] = forwards;
  if (forwards.length !== 1 || !forward) {
    throw new ForwardActionError(`has ${forwards.length} forward actions; blue/green needs exactly one`);
  }
  const tuples = forwardTuples(forward);
  const weight: Record<Color, number> = { blue: 0, green: 0 };
  let seen = 0;
  for (const tuple of tuples) {
    const color = COLORS.find((c) => targetGroups[c] === tuple.TargetGroupArn);
    if (!color) {
      throw new ForwardActionError(
        `forwards to ${tuple.TargetGroupArn ?? 'an unnamed target group'}, which is neither the blue nor the green target group`,
      );
    }
    weight[color] += tuple.Weight ?? 1;
    seen++;
  }
  if (seen === 0) throw new ForwardActionError('forwards to no target group');
  const total = weight.blue + weight.green;
  if (total === 0) throw new ForwardActionError('gives both target groups weight 0');
  const blue = Math.round((weight.blue / total) * 100);
  return { blue, green: 100 - blue };
}

/**
 * The actions with the forward action replaced by a weighted forward to both colors; other
 * actions (e.g. authenticate-oidc before the forward) and the stickiness setting are kept, an
 * authenticate-oidc action with `UseExistingClientSecret` (its secret is never read back).
 *
 * @example
 * withTrafficSplit(actions, { blue: blueTg, green: greenTg }, { blue: 0, green: 100 });
 */
export function withTrafficSplit(
  actions: readonly Action[],
  targetGroups: ColorTargetGroups,
  split: TrafficSplit,
  options: { stickiness?: 'keep' | 'off' } = {},
): Action[] {
  return actions.map((action) => {
    if (action.Type === 'authenticate-oidc' && action.AuthenticateOidcConfig) {
      // DescribeListeners never returns the client secret; ModifyListener keeps the one ALB
      // holds only when told to (ELBv2 API reference, AuthenticateOidcActionConfig).
      const { ClientSecret: _secret, ...config } = action.AuthenticateOidcConfig;
      return { ...action, AuthenticateOidcConfig: { ...config, UseExistingClientSecret: true } };
    }
    if (action.Type !== 'forward') return action;
    const forward: Action = {
      Type: 'forward',
      ForwardConfig: {
        TargetGroups: COLORS.map((c) => ({ TargetGroupArn: targetGroups[c], Weight: split[c] })),
        ...(options.stickiness === 'off'
          ? { TargetGroupStickinessConfig: { Enabled: false } }
          : action.ForwardConfig?.TargetGroupStickinessConfig
            ? { TargetGroupStickinessConfig: action.ForwardConfig.TargetGroupStickinessConfig }
            : {}),
      },
    };
    if (action.Order !== undefined) forward.Order = action.Order;
    return forward;
  });
}

/**
 * The split that gives `canary` the percentage `canaryPercent` and the rest to the other color.
 *
 * @example
 * splitWithCanary('green', 25); // { blue: 75, green: 25 }
 */
export function splitWithCanary(canary: Color, canaryPercent: number): TrafficSplit {
  const other = 100 - canaryPercent;
  return canary === 'blue' ? { blue: canaryPercent, green: other } : { blue: other, green: canaryPercent };
}

/** True when both splits send the same share to each color. */
export function sameSplit(a: TrafficSplit, b: TrafficSplit): boolean {
  return a.blue === b.blue && a.green === b.green;
}

/**
 * The split as people read it and as the `weights` output carries it.
 *
 * @example
 * formatSplit({ blue: 90, green: 10 }); // 'blue 90 % / green 10 %'
 */
export function formatSplit(split: TrafficSplit): string {
  return `blue ${split.blue} % / green ${split.green} %`;
}

/**
 * The group-level stickiness of the forward action (what keeps a client on one color), when on.
 *
 * @example
 * stickiness([{ Type: 'forward', ForwardConfig: { TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 3600 } } }]); // { durationSeconds: 3600 }
 */
export function stickiness(actions: readonly Action[]): { durationSeconds: number } | undefined {
  const config = actions.find((a) => a.Type === 'forward')?.ForwardConfig?.TargetGroupStickinessConfig;
  return config?.Enabled ? { durationSeconds: config.DurationSeconds ?? 0 } : undefined;
}
