/** A model of how the runner reads an action's stdout, for tests of command injection. */

/**
 * The runner's reading of stdout, as in github.com/actions/runner: lines split at CR, LF or
 * CRLF; `ActionCommand.TryParseV2` (after TrimStart, `::name props::data`) then the legacy
 * `ActionCommand.TryParse` (`##[name props]data` anywhere in the line), for registered names
 * only; while `stop-commands` is on, nothing but `::<token>::` is processed
 * (`ActionCommandManager.TryProcessCommand`). Data is unescaped (%0D, %0A, %25) after parsing.
 */
const REGISTERED = new Set([
  'set-env',
  'set-output',
  'save-state',
  'add-mask',
  'add-path',
  'add-matcher',
  'remove-matcher',
  'debug',
  'warning',
  'error',
  'notice',
  'group',
  'endgroup',
  'echo',
  'stop-commands',
]);

export interface RunnerCommand {
  name: string;
  data: string;
}

export function runnerReads(stdout: string): { commands: RunnerCommand[]; shown: string[] } {
  const commands: RunnerCommand[] = [];
  const shown: string[] = [];
  let stopToken: string | undefined;
  const parse = (line: string): RunnerCommand | undefined => {
    const v2 = line.trimStart();
    if (v2.startsWith('::')) {
      const end = v2.indexOf('::', 2);
      if (end >= 0) {
        const info = v2.slice(2, end);
        const name = info.split(' ')[0] ?? '';
        if (REGISTERED.has(name) || name === stopToken) return { name, data: v2.slice(end + 2) };
      }
    }
    const at = line.indexOf('##[');
    if (at >= 0) {
      const rb = line.indexOf(']', at);
      if (rb >= 0) {
        const name = line.slice(at + 3, rb).split(' ')[0] ?? '';
        if (REGISTERED.has(name) || name === stopToken) return { name, data: line.slice(rb + 1) };
      }
    }
    return undefined;
  };
  for (const line of stdout.replace(/\n$/, '').split(/\r\n|\r|\n/)) {
    const command = parse(line);
    if (stopToken !== undefined) {
      if (command?.name === stopToken) stopToken = undefined;
      else shown.push(line);
      continue;
    }
    if (!command) {
      shown.push(line);
      continue;
    }
    if (command.name === 'stop-commands') stopToken = command.data;
    else
      commands.push({
        ...command,
        data: command.data.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%'),
      });
  }
  return { commands, shown };
}
