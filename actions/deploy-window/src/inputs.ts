/**
 * The deploy-window inputs, read and checked before anything else happens.
 */
import { ConfigurationError, type Env, type Inputs } from '@white-cross/core';
import { INPUT } from './constants.js';

export interface DeployWindowInputs {
  /** The schedule file as given, relative to the workspace (for messages). */
  readonly schedule: string;
  /** Where it is, symlinks followed: checked to be inside the workspace. */
  readonly schedulePath: string;
  /** The environment whose section of the schedule applies, when the file has one. */
  readonly environment?: string;
  readonly emergency: boolean;
  /** Why an emergency deploy cannot wait (required with emergency). */
  readonly reason?: string;
  /** The instant to decide for (ms); default now. */
  readonly at?: number;
}

/** The shortest emergency reason accepted: enough to say what is broken. */
export const MIN_REASON_LENGTH = 10;
/** The longest reason accepted: it is shown in the log, the summary and the audit record. */
export const MAX_REASON_LENGTH = 1_000;

const DEFAULT_SCHEDULE = '.github/deploy-windows.yml';

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/**
 * An ISO 8601 instant with a zone, as milliseconds; every field is checked against the calendar
 * (Date.parse would roll `2026-02-31` over into March 3). Otherwise what is wrong, in words.
 *
 * @example
 * parseInstant('2026-11-24T07:30:00Z'); // 1795505400000
 * parseInstant('2026-02-31T10:00:00Z'); // '2026-02-31 is not a date: February 2026 has 28 days'
 * parseInstant('next tuesday'); // '' (not of the ISO 8601 shape at all)
 */
export function parseInstant(text: string): number | string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-](\d{2}):(\d{2}))$/.exec(
    text,
  );
  if (!m) return '';
  const field = (i: number) => Number(m[i] ?? 0);
  const [year, month, day, hour, minute, second] = [
    field(1),
    field(2),
    field(3),
    field(4),
    field(5),
    field(6),
  ];
  const [offsetHours, offsetMinutes] = [field(8), field(9)];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
  if (days === undefined) return `${text.slice(0, 7)} has no month ${month}`;
  if (day < 1 || day > days)
    return `${text.slice(0, 10)} is not a date: ${MONTHS[month - 1]} ${year} has ${days} days`;
  if (hour > 23 || minute > 59 || second > 59)
    return `${text.slice(11, 19).replace(/[Z+-].*$/, '')} is not a time of day`;
  if (offsetHours > 23 || offsetMinutes > 59) return `${text.slice(text.length - 6)} is not a zone offset`;
  return Date.parse(text);
}

/**
 * Reads the inputs.
 *
 * @example
 * parseInputs(new Inputs({ INPUT_SCHEDULE: '.github/deploy-windows.yml' }), {});
 */
export function parseInputs(inputs: Inputs, _env: Env): DeployWindowInputs {
  const schedule = inputs.text(INPUT.schedule, { default: DEFAULT_SCHEDULE, maxLength: 255 });
  // Checked before the file is opened, so nothing of a file outside the checkout is ever read or shown.
  const schedulePath = inputs.path(INPUT.schedule, { default: DEFAULT_SCHEDULE });
  const environment = inputs.text(INPUT.environment, { maxLength: 100 });
  if (environment !== undefined && !/^[\w.-]+$/.test(environment)) {
    throw new ConfigurationError(
      `Input '${INPUT.environment}' must be an environment name (letters, digits, '.', '_', '-'); got '${environment}'.`,
      INPUT.environment,
    );
  }
  const emergency = inputs.boolean(INPUT.emergency, false);
  const reason = inputs.text(INPUT.reason, { maxLength: MAX_REASON_LENGTH, multiline: true });
  if (emergency && (reason === undefined || reason.length < MIN_REASON_LENGTH)) {
    throw new ConfigurationError(
      `Input '${INPUT.reason}' is required with emergency: true: say in at least ${MIN_REASON_LENGTH} characters why the deploy cannot wait for the next window${reason ? ` (got '${reason}')` : ''}.`,
      INPUT.reason,
    );
  }
  const atText = inputs.text(INPUT.at, { maxLength: 64 });
  let at: number | undefined;
  if (atText !== undefined) {
    const parsed = parseInstant(atText);
    if (typeof parsed === 'string') {
      throw new ConfigurationError(
        `Input '${INPUT.at}' must be an ISO 8601 instant with a zone, such as 2026-11-24T07:30:00Z; got '${atText}'${parsed ? ` (${parsed})` : ''}.`,
        INPUT.at,
      );
    }
    at = parsed;
  }
  return {
    schedule,
    schedulePath,
    emergency,
    ...(environment === undefined ? {} : { environment }),
    ...(reason === undefined ? {} : { reason }),
    ...(at === undefined ? {} : { at }),
  };
}
