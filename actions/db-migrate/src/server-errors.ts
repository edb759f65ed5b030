/**
 * PostgreSQL error text without the row values it can quote. A unique violation's DETAIL
 * echoes the row's key (`Key (mrn, dob)=(A7731902, 2011-04-02) already exists.`), a check or
 * not-null violation the whole row (`Failing row contains (…)`), CONTEXT/WHERE the statement
 * with its literals: patient data, in a log kept for years. Every line the migration tool,
 * pg_dump or pg_restore prints passes through {@link scrubServerText}; the column, constraint
 * and table names stay, so the error is still clear.
 */
import { stripAnsi } from './migration-status.js';

export const WITHHELD = '…';

/** The labels of server error fields that may quote values, however a client prints them. */
const VALUE_FIELDS =
  /^(\s*(?:[\w.-]+:\s*)*?)((?:ERROR\s+)?DETAIL|CONTEXT|WHERE|HINT|EXTRA MESSAGE|QUERY|STATEMENT|LINE \d+)(:\s*)(.*)$/i;

/**
 * The line with the row values of a server error removed.
 *
 * @example
 * scrubServerText('ERROR DETAIL: Key (mrn, dob)=(A7731902, 2011-04-02) already exists.');
 * // 'ERROR DETAIL: Key (mrn, dob)=(…) already exists.'
 * scrubServerText('invalid input syntax for type date: "2011-04-32"'); // 'invalid input syntax for type date: "…"'
 */
export function scrubServerText(line: string): string {
  let text = stripAnsi(line)
    // Key (cols)=(values): the columns are schema, the values are the row.
    .replace(/(\bKey \([^)]*\))=\((?:[^()]|\([^()]*\))*\)/g, `$1=(${WITHHELD})`)
    .replace(/(\bFailing row contains )\((.*)\)/g, `$1(${WITHHELD})`)
    .replace(/(\b(?:for type|for enum|for range|for encoding) [^:]{1,80}: )"[^"]*"/g, `$1"${WITHHELD}"`);
  const field = VALUE_FIELDS.exec(text);
  if (field && !/\bKey \([^)]*\)=\(…\)|Failing row contains \(…\)/.test(field[4] ?? '')) {
    text = `${field[1] ?? ''}${field[2]}${field[3]}(withheld: it may quote row values)`;
  }
  return text;
}
