/**
 * The user's `/regex/` content patterns, matched by RE2 (the pure-JavaScript port `re2js`):
 * its time is linear in the text, whatever the pattern, so a pattern such as `(a+)+$` cannot
 * hang the action on a long file the way a backtracking engine does. Patterns RE2 cannot run
 * in linear time (backreferences, lookahead and lookbehind) are refused when the inputs are
 * read.
 */
import { RE2JS } from 're2js';

/** A compiled content pattern: its text as written, and where it matches. */
export interface ContentPattern {
  readonly source: string;
  readonly flags: string;
  /** Where the matches start (UTF-16 offsets), at most `limit` of them. */
  matchStarts(text: string, limit?: number): number[];
}

/** Matches counted in one file at most (the finding reports the first and how many). */
export const MAX_COUNTED_MATCHES = 10_000;

const FLAG_BITS: Record<string, number> = {
  i: RE2JS.CASE_INSENSITIVE,
  m: RE2JS.MULTILINE,
  s: RE2JS.DOTALL,
  // RE2 matches Unicode code points already.
  u: 0,
};

/**
 * Compiles a `/regex/flags` content pattern for linear-time matching, or says why it cannot
 * be: not a JavaScript regular expression at all, or one that needs backtracking.
 *
 * @example
 * compileContentPattern('(a+)+$', ''); // a ContentPattern, linear on any text
 * compileContentPattern('(a)\\1', ''); // { problem: 'uses a backreference or lookaround, …' }
 */
export function compileContentPattern(source: string, flags: string): ContentPattern | { problem: string } {
  try {
    new RegExp(source, flags);
  } catch (error) {
    return { problem: `is not a valid regular expression (${(error as Error).message})` };
  }
  let compiled: RE2JS;
  try {
    const bits = [...flags].reduce((sum, flag) => sum | (FLAG_BITS[flag] ?? 0), 0);
    compiled = RE2JS.compile(RE2JS.translateRegExp(source), bits);
  } catch (error) {
    return {
      problem: `cannot be matched in linear time (${(error as Error).message.replace(/^error parsing regexp: /, '')}); content patterns use RE2 syntax, without backreferences, lookahead or lookbehind`,
    };
  }
  return {
    source,
    flags,
    matchStarts(text: string, limit = MAX_COUNTED_MATCHES): number[] {
      const starts: number[] = [];
      const matcher = compiled.matcher(text);
      while (starts.length < limit && matcher.find()) starts.push(matcher.start());
      return starts;
    },
  };
}
