/**
 * The runner side of an action, in one place: the only module that talks to
 * `@actions/core`. Everything it is given has already been redacted.
 */
import * as core from '@actions/core';
import { appendFileSync } from 'node:fs';
import type { LogSink } from './logger.js';

export interface Runtime {
  sink: LogSink;
  setOutput(name: string, value: string): void;
  appendSummary(markdown: string): void;
  registerSecret(value: string): void;
  saveState(name: string, value: string): void;
  getState(name: string): string;
  exportVariable(name: string, value: string): void;
  env: Readonly<Record<string, string | undefined>>;
}

/** The runtime of a real run: workflow commands on stdout and the runner's files. */
export function actionsRuntime(): Runtime {
  return {
    sink: {
      debug: (m) => core.debug(m),
      info: (m) => core.info(m),
      notice: (m, p) => core.notice(m, p),
      warning: (m, p) => core.warning(m, p),
      error: (m, p) => core.error(m, p),
      startGroup: (t) => core.startGroup(t),
      endGroup: () => core.endGroup(),
    },
    setOutput: (name, value) => core.setOutput(name, value),
    appendSummary: (markdown) => {
      const file = process.env.GITHUB_STEP_SUMMARY;
      if (file) appendFileSync(file, markdown.endsWith('\n') ? markdown : `${markdown}\n`);
    },
    registerSecret: (value) => core.setSecret(value),
    saveState: (name, value) => core.saveState(name, value),
    getState: (name) => core.getState(name),
    exportVariable: (name, value) => core.exportVariable(name, value),
    env: process.env,
  };
}
