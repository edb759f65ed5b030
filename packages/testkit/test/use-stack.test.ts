import { afterAll, describe, expect, it } from '@jest/globals';
import { usePerTest, useStack } from '@white-cross/testkit/use-stack';

// What the hooks did, in order, across this file's tests.
const events: string[] = [];

class FakeStack {
  rebuilds = 0;
  stopped = false;
  constructor(readonly url: string) {}
  rebuild(): void {
    this.rebuilds += 1;
    events.push(`rebuild ${this.rebuilds}`);
  }
  stop(): void {
    this.stopped = true;
    events.push('stack stop');
  }
}

let agents = 0;
class FakeAgent {
  readonly id = ++agents;
  readonly seen: string[] = [];
  constructor(stackUrl: string) {
    events.push(`agent ${this.id} start on ${stackUrl}`);
  }
  stop(): void {
    events.push(`agent ${this.id} stop`);
  }
}

describe('useStack and usePerTest', () => {
  const stack = useStack(
    async () => {
      events.push('stack start');
      return new FakeStack('http://127.0.0.1:5000');
    },
    { beforeEach: (s) => s.rebuild() },
  );
  const agent = usePerTest(() => new FakeAgent(stack.url));

  it('starts the stack once, refreshes it, then starts a fresh agent for the test', () => {
    expect(stack.url).toBe('http://127.0.0.1:5000');
    expect(stack.rebuilds).toBe(1);
    expect(agent.id).toBe(1);
    agent.seen.push('x');
    expect(events).toEqual(['stack start', 'rebuild 1', 'agent 1 start on http://127.0.0.1:5000']);
  });

  it('hands out the same stack but a new agent in the next test, the previous one stopped', () => {
    expect(stack.rebuilds).toBe(2);
    expect(agent.id).toBe(2);
    expect(agent.seen).toEqual([]);
    expect(events.slice(3)).toEqual(['agent 1 stop', 'rebuild 2', 'agent 2 start on http://127.0.0.1:5000']);
  });
});

describe('a handle read outside the hooks', () => {
  const stack = useStack(async () => new FakeStack('http://127.0.0.1:5001'));
  let early: unknown;
  try {
    early = stack.url;
  } catch (error) {
    early = (error as Error).message;
  }

  it('says it was used before its hook ran', () => {
    expect(early).toBe('The stack is used before its beforeAll/beforeEach hook ran.');
    expect(stack.url).toBe('http://127.0.0.1:5001');
  });
});

afterAll(() => {
  // Both stacks were stopped by their describe's afterAll, which runs before this file's.
  expect(events.filter((e) => e === 'stack stop')).toHaveLength(2);
  expect(events).toContain('agent 2 stop');
});
