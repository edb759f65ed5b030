/** The deploy-window action's name and version, and its input and output names, in one place. */

export const ACTION_NAME = 'deploy-window';
export const ACTION_VERSION = '0.1.0';

export const INPUT = {
  schedule: 'schedule',
  environment: 'environment',
  emergency: 'emergency',
  reason: 'reason',
  at: 'at',
} as const;

export const OUTPUT = {
  allowed: 'allowed',
  override: 'override',
  windowEnd: 'window-end',
  nextWindow: 'next-window',
  nextWindowStart: 'next-window-start',
} as const;
