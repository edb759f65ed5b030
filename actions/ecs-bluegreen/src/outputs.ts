/** The CloudWatch dimension values canary-gate reads, from the pair's target groups. */
import { otherColor } from './constants.js';
import { targetGroupDimension } from './dimensions.js';
import type { BlueGreenState } from './state.js';
import type { ColorTargetGroups } from './traffic.js';

/**
 * The `TargetGroup` dimension of the canary (the non-live color, the canary during a deploy).
 *
 * @example
 * canaryTargetGroupDimension({ blue: blueTg, green: greenTg }, stateWithBlueLive); // 'targetgroup/school-health-green/…'
 */
export function canaryTargetGroupDimension(targetGroups: ColorTargetGroups, state: BlueGreenState): string {
  return targetGroupDimension(targetGroups[state.canary ?? otherColor(state.live)]);
}

/**
 * The `TargetGroup` dimension of the baseline (the live color).
 *
 * @example
 * baselineTargetGroupDimension({ blue: blueTg, green: greenTg }, stateWithBlueLive); // 'targetgroup/school-health-blue/…'
 */
export function baselineTargetGroupDimension(targetGroups: ColorTargetGroups, state: BlueGreenState): string {
  return targetGroupDimension(targetGroups[state.live]);
}
