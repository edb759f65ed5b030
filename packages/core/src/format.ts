/**
 * Formatting for people, shared by every action's log lines and summaries (sizes and
 * durations are in `inputs.ts`, beside their parsers).
 */

export interface PercentOptions {
  /** Decimal places at most (trailing zeros dropped). Default 1. */
  digits?: number;
  /** Put a space before the sign (`5 %`). Default false (`5%`). */
  spaced?: boolean;
}

/**
 * A fraction as a percentage: `0.05` → `5%`, `0.1234` → `12.3%`; `—` when there is none.
 *
 * @example
 * formatPercent(0.1234); // '12.3%'
 * formatPercent(0.1234, { digits: 2, spaced: true }); // '12.34 %'
 * formatPercent(undefined); // '—'
 */
export function formatPercent(fraction: number | undefined, options: PercentOptions = {}): string {
  if (fraction === undefined || !Number.isFinite(fraction)) return '—';
  const value = Number((fraction * 100).toFixed(options.digits ?? 1));
  return `${value}${options.spaced ? ' %' : '%'}`;
}

/**
 * The readable end of an ARN: what follows its last `/` (`app:42` for a task definition,
 * the task id for a task), else its resource part; any other text as it is.
 *
 * @example
 * shortArn('arn:aws:ecs:us-east-1:123456789012:task-definition/app:42'); // 'app:42'
 * shortArn('arn:aws:sns:us-east-1:123456789012:deploys'); // 'deploys'
 */
export function shortArn(arn: string): string {
  const slash = arn.lastIndexOf('/');
  if (slash >= 0 && slash < arn.length - 1) return arn.slice(slash + 1);
  if (arn.startsWith('arn:')) {
    const resource = arn.split(':').slice(5).join(':');
    if (resource) return resource;
  }
  return arn;
}
