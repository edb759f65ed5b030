/**
 * The deploy-window inputs, read and checked before anything else happens.
 */
import { ConfigurationError, type Env, type Inputs } from '@white-cross/core';
import { INPUT } from './constants.js';

export interface DeployWindowInputs {
  /** The schedule file, relative to the workspace. */
  readonly schedule: string;
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

/**
 * Reads the inputs.
 *
 * @example
 * parseInputs(new Inputs({ INPUT_SCHEDULE: '.github/deploy-windows.yml' }), {});
 */
export function parseInputs(inputs: Inputs, _env: Env): DeployWindowInputs {
  const schedule = inputs.string(INPUT.schedule, { default: '.github/deploy-windows.yml' });
  if (schedule.includes('\0'))
    throw new ConfigurationError(`Input '${INPUT.schedule}' must be a file path.`, INPUT.schedule);
  const environment = inputs.string(INPUT.environment);
  if (environment !== undefined && !/^[\w.-]+$/.test(environment)) {
    throw new ConfigurationError(
      `Input '${INPUT.environment}' must be an environment name (letters, digits, '.', '_', '-'); got '${environment}'.`,
      INPUT.environment,
    );
  }
  const emergency = inputs.boolean(INPUT.emergency, false);
  const reason = inputs.string(INPUT.reason);
  if (emergency && (reason === undefined || reason.length < MIN_REASON_LENGTH)) {
    throw new ConfigurationError(
      `Input '${INPUT.reason}' is required with emergency: true: say in at least ${MIN_REASON_LENGTH} characters why the deploy cannot wait for the next window${reason ? ` (got '${reason}')` : ''}.`,
      INPUT.reason,
    );
  }
  const atText = inputs.string(INPUT.at);
  let at: number | undefined;
  if (atText !== undefined) {
    at = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(atText)
      ? Date.parse(atText)
      : NaN;
    if (!Number.isFinite(at)) {
      throw new ConfigurationError(
        `Input '${INPUT.at}' must be an ISO 8601 instant with a zone, such as 2026-11-24T07:30:00Z; got '${atText}'.`,
        INPUT.at,
      );
    }
  }
  return {
    schedule,
    emergency,
    ...(environment === undefined ? {} : { environment }),
    ...(reason === undefined ? {} : { reason }),
    ...(at === undefined ? {} : { at }),
  };
}
