/**
 * One set-up for every suite that runs against a stack of servers (moto behind the proxy, the
 * ECS agent, PostgreSQL): registers the jest hooks and hands back the started resource, so a
 * test file says what it needs in one line instead of four hooks. Kept out of the package
 * index: only jest suites import it (it registers hooks when called).
 */
import { afterAll, afterEach, beforeAll, beforeEach } from '@jest/globals';

/** What a suite's resource must offer: a way to stop it. */
export interface Stoppable {
  stop(): Promise<void> | void;
}

export interface UseStackOptions<S> {
  /** Run before each test, once the stack is up (e.g. `(s) => s.rebuild()`). */
  beforeEach?: (stack: S) => Promise<void> | void;
}

/**
 * A handle on what `start()` made, valid inside the tests and hooks registered after it. Reading
 * it before `beforeAll` has run (at the top of the file) is a mistake and says so.
 */
function handle<S extends object>(what: string, current: () => S | undefined): S {
  return new Proxy({} as S, {
    get(_target, key) {
      const value = current();
      if (value === undefined) throw new Error(`${what} is used before its beforeAll/beforeEach hook ran.`);
      const member = Reflect.get(value, key, value) as unknown;
      return typeof member === 'function' ? (member as (...a: unknown[]) => unknown).bind(value) : member;
    },
    set(_target, key, newValue) {
      const value = current();
      if (value === undefined) throw new Error(`${what} is used before its beforeAll/beforeEach hook ran.`);
      return Reflect.set(value, key, newValue, value);
    },
  });
}

/**
 * Starts the stack once for the file (`beforeAll`), optionally refreshes it before each test,
 * and stops it after the last (`afterAll`), also when the start failed half-way.
 *
 * @example
 * const stack = useStack(startStack, { beforeEach: (s) => s.rebuild() });
 * const agent = usePerTest(() => startAgent(stack));
 * test('…', async () => { await run({ 'listener-arn': stack.listenerArn }); });
 */
export function useStack<S extends Stoppable>(start: () => Promise<S>, options: UseStackOptions<S> = {}): S {
  let stack: S | undefined;
  beforeAll(async () => {
    stack = await start();
  });
  if (options.beforeEach) {
    const each = options.beforeEach;
    beforeEach(async () => {
      if (stack) await each(stack);
    });
  }
  afterAll(async () => {
    await stack?.stop();
    stack = undefined;
  });
  return handle('The stack', () => stack);
}

/**
 * Something made afresh for each test (an ECS agent player) and stopped after it. Registered
 * after `useStack`, it starts once the stack has been refreshed.
 */
export function usePerTest<R extends Stoppable>(make: () => Promise<R> | R): R {
  let current: R | undefined;
  beforeEach(async () => {
    current = await make();
  });
  afterEach(async () => {
    await current?.stop();
    current = undefined;
  });
  return handle('The per-test resource', () => current);
}
