/**
 * deploy-window: refuses a deploy outside the allowed windows of a schedule file (or inside a
 * blackout: school hours, a federal holiday, a freeze), naming the next allowed window; an
 * emergency with a reason overrides, loudly, and is written to the audit record.
 */
import { existsSync, readFileSync } from 'node:fs';
import {
  ActionFailure,
  ConfigurationError,
  runAction,
  type ActionContext,
  type ActionDefinition,
} from '@white-cross/core';
import { clockText, isoDate } from './calendar.js';
import { ACTION_NAME, ACTION_VERSION, INPUT, OUTPUT } from './constants.js';
import { parseInputs, type DeployWindowInputs } from './inputs.js';
import {
  decide,
  periodText,
  refusalMessage,
  upcomingWindows,
  type Schedule,
  type WindowDecision,
} from './schedule.js';
import { ScheduleFileError, parseScheduleFile } from './schedule-file.js';

function readSchedule(inputs: DeployWindowInputs): Schedule {
  const file = inputs.schedulePath;
  if (!existsSync(file)) {
    throw new ConfigurationError(
      `Input '${INPUT.schedule}' names ${inputs.schedule}, which does not exist in the repository; add the schedule file or point 'schedule' at it.`,
      INPUT.schedule,
    );
  }
  try {
    return parseScheduleFile(readFileSync(file, 'utf8'), inputs.environment);
  } catch (error) {
    if (error instanceof ScheduleFileError) {
      const where = error.line === undefined ? '' : ` line ${error.line}`;
      throw new ActionFailure(
        `Schedule file ${inputs.schedule}${where}: ${error.message}. No deploy was started.`,
        {
          file: inputs.schedule,
          ...(error.line === undefined ? {} : { line: error.line }),
        },
      );
    }
    throw error;
  }
}

function iso(instant: number): string {
  return new Date(instant).toISOString();
}

/** The open window for people; with `windows: always` it is the time until the next blackout. */
function currentWindowText(schedule: Schedule, decision: WindowDecision): string {
  if (!decision.current) return '—';
  if (schedule.windows === 'always')
    return `open at any time outside blackouts (next blackout from ${iso(decision.current.end)} at the latest)`;
  return `${decision.current.text} (ends ${iso(decision.current.end)})`;
}

function writeSummary(
  ctx: ActionContext,
  inputs: DeployWindowInputs,
  schedule: Schedule,
  decision: WindowDecision,
  now: number,
): void {
  const verdict = decision.allowed ? 'Allowed' : inputs.emergency ? 'Emergency override' : 'Refused';
  const s = ctx.summary.heading(`Deployment window: ${verdict}`);
  s.table(
    ['', ''],
    [
      ['Environment', inputs.environment ?? '—'],
      ['Decided for', `${decision.localTime} (${iso(now)})`],
      ['Inside a weekly window', decision.inWindow ? 'yes' : 'no'],
      ['Blackouts in force', decision.blockedBy.length ? decision.blockedBy.join('; ') : 'none'],
      ['Current window', currentWindowText(schedule, decision)],
      [
        'Next allowed window',
        decision.next ? `${decision.next.text} (starts ${iso(decision.next.start)})` : '—',
      ],
      ...(inputs.emergency ? ([['Emergency reason', inputs.reason ?? '']] as [string, string][]) : []),
    ],
  );
  // With `windows: always` the windows are the gaps between blackouts: no table to plan by.
  const upcoming = schedule.windows === 'always' ? [] : upcomingWindows(schedule, now, 5);
  if (upcoming.length) {
    s.heading('Upcoming windows', 3).table(
      ['Window', 'Starts (UTC)', 'Ends (UTC)'],
      upcoming.map((w) => [w.text, iso(w.start), iso(w.end)]),
    );
  }
  s.details('The schedule', (d) => {
    d.table(
      ['Rule', 'When'],
      [
        ...(schedule.windows === 'always'
          ? [['Window', 'always'] as [string, string]]
          : schedule.windows.map(
              (w) => ['Window', `${periodText(w)} ${schedule.timeZone}`] as [string, string],
            )),
        ...schedule.blackouts.map((b) => [`Blackout: ${b.name}`, periodText(b)] as [string, string]),
        ...(schedule.federalHolidays
          ? [['Blackout', 'US federal holidays (and observed days)'] as [string, string]]
          : []),
        ...schedule.freezes.map(
          (f) =>
            [
              `Freeze: ${f.name}`,
              `${isoDate(f.from.date)} ${clockText(f.from.minute)} – ${isoDate(f.to.date)} ${clockText(f.to.minute)}`,
            ] as [string, string],
        ),
      ],
    );
  });
}

export const deployWindow: ActionDefinition<DeployWindowInputs> = {
  name: ACTION_NAME,
  version: ACTION_VERSION,
  parseInputs,
  async run(inputs, ctx) {
    const schedule = readSchedule(inputs);
    const now = inputs.at ?? ctx.clock.now();
    const decision = decide(schedule, now);
    const override = !decision.allowed && inputs.emergency;
    writeSummary(ctx, inputs, schedule, decision, now);
    ctx.fact('decidedAt', iso(now));
    ctx.fact('localTime', decision.localTime);
    ctx.fact('allowed', decision.allowed);
    ctx.fact('blockedBy', decision.blockedBy);
    ctx.fact('emergency', inputs.emergency);
    if (inputs.emergency) ctx.fact('emergencyReason', inputs.reason);
    ctx.fact('override', override);
    if (decision.next) ctx.fact('nextWindow', { text: decision.next.text, start: iso(decision.next.start) });
    ctx.setOutput(OUTPUT.allowed, decision.allowed || override);
    ctx.setOutput(OUTPUT.override, override);
    ctx.setOutput(OUTPUT.windowEnd, decision.current ? iso(decision.current.end) : '');
    ctx.setOutput(OUTPUT.nextWindow, decision.next?.text ?? '');
    ctx.setOutput(OUTPUT.nextWindowStart, decision.next ? iso(decision.next.start) : '');
    if (decision.allowed) {
      ctx.log.info(`Deploy allowed at ${decision.localTime}: ${currentWindowText(schedule, decision)}.`);
      return;
    }
    if (override) {
      const why = decision.blockedBy.length
        ? decision.blockedBy.join('; ')
        : 'outside every deployment window';
      // On one line: the annotation is a single line in the run's page (the audit keeps it whole).
      const reason = (inputs.reason ?? '').replace(/\s+/g, ' ').trim();
      ctx.log.warning(
        `Emergency override: deploying at ${decision.localTime} although ${why}. Reason: ${reason}. Recorded in the audit record.`,
        { title: 'Emergency deploy outside the deployment window' },
      );
      return;
    }
    throw new ActionFailure(refusalMessage(inputs.environment, decision));
  },
};

export const run = () => runAction(deployWindow);
