import { describe, expect, test } from '@jest/globals';
import type { Color } from '../src/constants.js';
import {
  chooseReleaseSource,
  DecisionError,
  deriveState,
  formatLock,
  needsPreviousHealth,
  otherRoutes,
  parseLock,
  planCleanup,
  planDeploy,
  planLock,
  planPromote,
  planRollbackToPrevious,
  planRollbackToPreviousWithHealth,
  planRollbackToTaskDefinition,
  planShift,
  planStickiness,
  servingColor,
  type ServiceFacts,
} from '../src/state.js';
import type { TrafficSplit } from '../src/traffic.js';

const TD = (n: number) => `arn:aws:ecs:us-east-1:123456789012:task-definition/api:${n}`;
const NOW = '2026-11-21T16:00:00.000Z';
const HOUR = 3_600_000;

function facts(color: Color, td: number, desired: number, tags: Record<string, string> = {}): ServiceFacts {
  return {
    serviceName: `api-${color}`,
    serviceArn: `arn:aws:ecs:us-east-1:123456789012:service/c/api-${color}`,
    taskDefinitionArn: TD(td),
    desiredCount: desired,
    runningCount: desired,
    tags,
  };
}

const state = (blue: ServiceFacts, green: ServiceFacts, split: TrafficSplit) =>
  deriveState({ blue, green }, split);

/** Blue live on :1, green a canary on :2 at `weight` %. */
const canaryAt = (weight: number) =>
  state(
    facts('blue', 1, 2, { 'white-cross:role': 'live' }),
    facts('green', 2, 2, { 'white-cross:role': 'canary' }),
    {
      blue: 100 - weight,
      green: weight,
    },
  );

/** Green promoted `hoursAgo`, blue previous with `blueCount` tasks. */
const promoted = (hoursAgo: number, blueCount = 2) =>
  state(
    facts('blue', 1, blueCount, { 'white-cross:role': 'previous' }),
    facts('green', 2, 2, {
      'white-cross:role': 'live',
      'white-cross:promoted-at': new Date(Date.parse(NOW) - hoursAgo * HOUR).toISOString(),
    }),
    { blue: 0, green: 100 },
  );

describe('deriveState', () => {
  test('the color tagged live is live, even with less traffic; the other is a canary while it has traffic', () => {
    const s = canaryAt(75);
    expect(s.live).toBe('blue');
    expect(s.canary).toBe('green');
  });

  test('an untagged pair: the color with more traffic is live, blue on a tie', () => {
    expect(state(facts('blue', 1, 2), facts('green', 1, 0), { blue: 0, green: 100 }).live).toBe('green');
    expect(state(facts('blue', 1, 2), facts('green', 1, 2), { blue: 50, green: 50 }).live).toBe('blue');
  });

  test('both tagged live: the later promotion wins, with a warning', () => {
    const s = state(
      facts('blue', 1, 2, { 'white-cross:role': 'live', 'white-cross:promoted-at': '2026-11-01T00:00:00Z' }),
      facts('green', 2, 2, { 'white-cross:role': 'live', 'white-cross:promoted-at': '2026-11-20T00:00:00Z' }),
      { blue: 0, green: 100 },
    );
    expect(s.live).toBe('green');
    expect(s.warnings).toEqual([
      'Both services are tagged white-cross:role=live; taking green (the later promotion) as live.',
    ]);
  });

  test('reads version and promotion time from tags', () => {
    const s = promoted(3);
    expect(s.colors.green.promotedAt).toBe(Date.parse(NOW) - 3 * HOUR);
    expect(s.colors.blue.role).toBe('previous');
  });
});

describe('planDeploy', () => {
  test('the idle color at the live count', () => {
    const s = state(facts('blue', 1, 3, { 'white-cross:role': 'live' }), facts('green', 1, 0), {
      blue: 100,
      green: 0,
    });
    expect(planDeploy(s, TD(2))).toEqual({ target: 'green', count: 3, updateService: true });
  });

  test('nothing to do when the live color already runs it; no update when the canary already does', () => {
    expect(planDeploy(canaryAt(10), TD(1)).nothingToDo).toBe(
      `blue (live) already runs ${TD(1)}; nothing to deploy.`,
    );
    expect(planDeploy(canaryAt(10), TD(2))).toEqual({ target: 'green', count: 2, updateService: false });
  });

  test('refuses while a canary of something else has traffic', () => {
    expect(() => planDeploy(canaryAt(10), TD(3))).toThrow(DecisionError);
    expect(() => planDeploy(canaryAt(10), TD(3))).toThrow(
      `A canary is in progress: green runs ${TD(2)} and receives 10 %.`,
    );
  });
});

describe('planShift', () => {
  test('sets the canary weight', () => {
    expect(planShift(canaryAt(10), 50).split).toEqual({ blue: 50, green: 50 });
    expect(planShift(canaryAt(50), 50).nothingToDo).toBe('green already receives 50 %.');
  });
  test('needs a canary', () => {
    expect(() => planShift(promoted(1), 25)).toThrow('There is no canary to shift traffic to');
  });
});

describe('planPromote', () => {
  test('100 % to the canary, which becomes live; the old live becomes previous', () => {
    expect(planPromote(canaryAt(50), NOW)).toEqual({
      split: { blue: 0, green: 100 },
      live: 'green',
      tags: [
        { color: 'green', set: { 'white-cross:role': 'live', 'white-cross:promoted-at': NOW } },
        { color: 'blue', set: { 'white-cross:role': 'previous' } },
      ],
    });
  });
  test('twice: nothing to do', () => {
    expect(planPromote(promoted(1), NOW).nothingToDo).toBe(
      'green is already live with 100 %; nothing to promote.',
    );
  });
});

describe('planRollbackToPrevious', () => {
  test('during a canary: all back to the live color, the canary marked rolled back', () => {
    expect(planRollbackToPrevious(canaryAt(25), NOW)).toEqual({
      split: { blue: 100, green: 0 },
      live: 'blue',
      tags: [
        { color: 'green', set: { 'white-cross:role': 'rolled-back', 'white-cross:rolled-back-at': NOW } },
      ],
    });
  });

  test('after promotion: all to the previous color, no scaling while it is up', () => {
    const d = planRollbackToPrevious(promoted(2), NOW);
    expect(d.split).toEqual({ blue: 100, green: 0 });
    expect(d.live).toBe('blue');
    expect(d.scaleUp).toBeUndefined();
  });

  test('after cleanup: the previous color is scaled back to the live count first', () => {
    expect(planRollbackToPrevious(promoted(30, 0), NOW).scaleUp).toEqual({ color: 'blue', count: 2 });
  });

  test('after a rollback: nothing to do (never back to what was rolled back)', () => {
    const s = state(
      facts('blue', 1, 2, { 'white-cross:role': 'live' }),
      facts('green', 2, 2, { 'white-cross:role': 'rolled-back', 'white-cross:rolled-back-at': NOW }),
      { blue: 100, green: 0 },
    );
    expect(planRollbackToPrevious(s, NOW).nothingToDo).toBe(
      `Already rolled back: blue is live with 100 % and green was rolled back at ${NOW}.`,
    );
  });

  test('with no previous color: refuses', () => {
    const s = state(facts('blue', 1, 2), facts('green', 1, 0), { blue: 100, green: 0 });
    expect(() => planRollbackToPrevious(s, NOW)).toThrow('Nothing to roll back to');
  });
});

describe('planCleanup', () => {
  const now = Date.parse(NOW);
  test('within the retention: keeps the old color and says until when', () => {
    const d = planCleanup(promoted(23), now, 24 * HOUR, 0);
    expect(d.scaleDown).toBeUndefined();
    expect(d.dueAt).toBe(now + HOUR);
  });
  test('after the retention: scales the old color to the warm count', () => {
    expect(planCleanup(promoted(25), now, 24 * HOUR, 1).scaleDown).toEqual({ color: 'blue', count: 1 });
  });
  test('already at the warm count, during a canary, or never promoted: nothing', () => {
    expect(planCleanup(promoted(25, 0), now, 24 * HOUR, 0).scaleDown).toBeUndefined();
    expect(planCleanup(canaryAt(10), now, 0, 0).reason).toBe(
      'green is a canary receiving 10 %; cleanup waits until it is promoted or rolled back.',
    );
    expect(
      planCleanup(state(facts('blue', 1, 2), facts('green', 1, 2), { blue: 100, green: 0 }), now, 0, 0)
        .scaleDown,
    ).toBeUndefined();
  });
});

describe('decisions added with the executor/state split', () => {
  test('planRollbackToPreviousWithHealth scales the previous color up when it has no healthy target', () => {
    expect(planRollbackToPreviousWithHealth(promoted(2), NOW, 0).scaleUp).toEqual({
      color: 'blue',
      count: 2,
    });
    expect(planRollbackToPreviousWithHealth(promoted(2), NOW, 2).scaleUp).toBeUndefined();
    expect(needsPreviousHealth(promoted(2), NOW)).toBe('blue');
    expect(needsPreviousHealth(canaryAt(10), NOW)).toBeUndefined();
  });

  test('planRollbackToTaskDefinition: a canary loses its traffic first; the other color takes all once ready', () => {
    const d = planRollbackToTaskDefinition(canaryAt(25), TD(3), NOW);
    expect(d).toMatchObject({
      kind: 'bring-up',
      split: { blue: 100, green: 0 },
      target: 'green',
      count: 2,
      finalSplit: { blue: 0, green: 100 },
    });
    const live = planRollbackToTaskDefinition(canaryAt(25), TD(1), NOW);
    expect(live).toMatchObject({
      kind: 'already-live',
      outcome: 'blue already runs api:1 and serves 100 %.',
    });
  });

  test('chooseReleaseSource: a registered revision first, else the files, else a refusal naming what is missing', () => {
    expect(chooseReleaseSource('v1', 'arn:td:1', { path: 'f' }, ['api'])).toEqual({
      kind: 'registered',
      arn: 'arn:td:1',
    });
    expect(chooseReleaseSource('v1', undefined, { path: 'f' }, ['api'])).toEqual({
      kind: 'build',
      files: { path: 'f' },
    });
    expect(() => chooseReleaseSource('v1', undefined, undefined, ['api'])).toThrow(
      "Input 'to': no active task definition of api is tagged white-cross:version=v1. Give 'task-definition' (the release's own task definition file) and 'image' (the release's image) to build one.",
    );
  });

  test('otherRoutes finds listeners and rules forwarding to a color, except the router and own routes', () => {
    const tgs = { blue: 'tg-blue', green: 'tg-green' };
    const routes = [
      { kind: 'listener' as const, arn: 'router', actions: [{ TargetGroupArn: 'tg-blue' }] },
      {
        kind: 'rule' as const,
        arn: 'reports',
        actions: [{ ForwardConfig: { TargetGroups: [{ TargetGroupArn: 'tg-blue' }] } }],
      },
      { kind: 'rule' as const, arn: 'test-route', actions: [{ TargetGroupArn: 'tg-green' }] },
      { kind: 'rule' as const, arn: 'elsewhere', actions: [{ TargetGroupArn: 'tg-other' }] },
    ];
    expect(otherRoutes(routes, tgs, 'router', ['test-route'])).toEqual([
      { kind: 'rule', arn: 'reports', colors: ['blue'] },
    ]);
  });

  test('planStickiness states the trade-off both ways and changes nothing without stickiness', () => {
    expect(planStickiness(undefined, true, 'green')).toEqual({ stickiness: 'keep' });
    expect(planStickiness({ durationSeconds: 60 }, false, 'green')).toMatchObject({ stickiness: 'keep' });
    expect(planStickiness({ durationSeconds: 60 }, true, 'green').note).toMatch(
      /^Stickiness \(60 s\) was turned off/,
    );
  });

  test('servingColor believes the weights when the other color has all the traffic', () => {
    expect(servingColor(canaryAt(100)).color).toBe('green');
    expect(servingColor(canaryAt(100)).note).toMatch(
      /^green serves 100 % of requests although blue is still tagged/,
    );
    expect(servingColor(canaryAt(50))).toEqual({ color: 'blue' });
  });

  test('planLock: free, same run or expired is taken; another live lock refuses, except for a rollback', () => {
    const me = { run: 'r/actions/runs/2', attempt: '1', expiresAt: Date.parse(NOW) + HOUR };
    const other = { run: 'r/actions/runs/1', attempt: '1', expiresAt: Date.parse(NOW) + HOUR };
    expect(planLock(undefined, me, Date.parse(NOW), false)).toEqual({});
    expect(planLock({ ...me, attempt: '2' }, me, Date.parse(NOW), false)).toEqual({});
    expect(
      planLock({ ...other, expiresAt: Date.parse(NOW) - 1 }, me, Date.parse(NOW), false).takeover,
    ).toMatch(/^the expired lock of r\/actions\/runs\/1/);
    expect(() => planLock(other, me, Date.parse(NOW), false)).toThrow(
      'Another run is changing this blue/green pair: r/actions/runs/1 (attempt 1, until 2026-11-21T17:00:00.000Z) holds its lock',
    );
    expect(planLock(other, me, Date.parse(NOW), true).takeover).toMatch(
      /which stops before its next traffic change$/,
    );
    expect(parseLock(formatLock(me))).toEqual(me);
    expect(parseLock('not a lock')).toBeUndefined();
  });
});
