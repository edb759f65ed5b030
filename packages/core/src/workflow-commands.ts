/**
 * Keeping printed text from becoming a workflow command. The runner reads every line an
 * action writes to stdout and runs it as a command when, after leading whitespace, it starts
 * with `::` and a registered command name (`::add-mask::`, `::error::`, `::stop-commands::`,
 * …), or when it holds the legacy `##[command]` form anywhere in the line; it splits stdout
 * into lines at `\n`, `\r\n` and a lone `\r` (the runner's `ActionCommand.TryParseV2` and
 * `TryParse` in `src/Runner.Common/ActionCommand.cs`, tried in that order by
 * `ActionCommandManager.TryProcessCommand` in `src/Runner.Worker/ActionCommandManager.cs`, of
 * github.com/actions/runner). Text we did not write ourselves — a user's input, a build's
 * output, an AWS error — is therefore printed inside a `::stop-commands::` block with a random
 * token whenever one of its lines could be read as a command: the runner shows those lines
 * as they are and processes no command until the token ends the block.
 */
import { randomBytes } from 'node:crypto';

/** Every line break the runner splits stdout at. */
export const LINE_BREAK = /\r\n|\r|\n/;

/**
 * True when the runner could read a line as a workflow command (either syntax).
 *
 * @example
 * couldBeCommand('  ::add-mask::x'); // true
 * couldBeCommand('see ##[error]x'); // true
 * couldBeCommand('ratio 3::1'); // false
 */
export function couldBeCommand(line: string): boolean {
  return /^\s*::/.test(line) || line.includes('##[');
}

/**
 * The lines to print for a plain message so that none of it runs as a command: the message's
 * lines unchanged when none could be a command, else the same lines inside a stop-commands
 * block whose token (random unless given) appears nowhere in the message.
 *
 * @example
 * commandSafeLines('reason: oops\n::add-mask::abc', 'tok');
 * // ['::stop-commands::tok', 'reason: oops', '::add-mask::abc', '::tok::']
 */
export function commandSafeLines(message: string, token?: string): string[] {
  const lines = message.split(LINE_BREAK);
  if (!lines.some(couldBeCommand)) return lines;
  let stop = token ?? randomBytes(16).toString('hex');
  while (message.includes(stop)) stop = randomBytes(16).toString('hex');
  return [`::stop-commands::${stop}`, ...lines, `::${stop}::`];
}

/**
 * Escapes the data of a workflow command the way the runner unescapes it (`%`, CR, LF), as
 * `@actions/core` does for every command it writes.
 *
 * @example
 * escapeCommandData('50%\nnext'); // '50%25%0Anext'
 */
export function escapeCommandData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/**
 * Escapes a workflow command property (`title=`, `file=`): also `:` and `,`, which end it.
 *
 * @example
 * escapeCommandProperty('a:b,c'); // 'a%3Ab%2Cc'
 */
export function escapeCommandProperty(text: string): string {
  return escapeCommandData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
