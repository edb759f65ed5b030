/**
 * What goes into git and into a GitHub release stays there for good (a pushed tag message, a
 * committed changelog, release notes that are mailed to watchers): unlike a log line it cannot
 * be redacted afterwards. So every such text is checked against the run's redactor — the
 * registered secrets (the token among them) and the PHI patterns — and the release is refused,
 * naming where the text came from, before anything is written.
 */
import { ActionFailure, ConfigurationError } from '@white-cross/core';
import { INPUT } from './constants.js';
import type { ReleasePlan } from './plan.js';
import { short } from './state.js';

/** A text that would go into git or a GitHub release, and where it comes from, for the refusal. */
export interface ScannedText {
  /** Where the text comes from, as the refusal names it: "the reason", "commit abc1234's subject". */
  where: string;
  text: string;
  /** The input the text is, when it is one. */
  input?: string;
}

/**
 * The first text the redactor would change: it holds a registered secret or PHI-like text.
 *
 * @example
 * firstUnsafe([{ where: 'the reason', text: 'DOB: 2011-04-02' }], (t) => redactor.redact(t))?.where; // 'the reason'
 */
export function firstUnsafe(
  texts: Iterable<ScannedText>,
  redact: (text: string) => string,
): ScannedText | undefined {
  for (const scanned of texts) if (redact(scanned.text) !== scanned.text) return scanned;
  return undefined;
}

/** The texts that make up a release's plan, most specific first (inputs, then commits, then the results). */
export function releaseSources(plan: ReleasePlan, reason: string | undefined): ScannedText[] {
  const sources: ScannedText[] = [];
  if (reason !== undefined) sources.push({ where: 'the reason', text: reason, input: INPUT.reason });
  for (const commit of plan.commits) {
    const id = short(commit.hash);
    // A commit reaches the changelog when it is listed (by its short hash) or has a note there.
    if (plan.section.includes(id))
      sources.push({ where: `commit ${id}'s subject`, text: commit.header ?? '' });
    for (const note of commit.parsed.notes)
      sources.push({ where: `commit ${id}'s ${note.title} note`, text: note.text });
  }
  sources.push(
    { where: 'the changelog section', text: plan.section },
    { where: 'the release commit message', text: plan.commitMessage },
    { where: 'the tag message', text: plan.tagMessage },
    { where: 'the GitHub release notes', text: `${plan.title}\n${plan.notes}` },
  );
  return sources;
}

/**
 * Refuses the release when any of `sources` holds a secret or PHI: a ConfigurationError when
 * it is an input, an ActionFailure otherwise. The text itself is never shown.
 */
export function refuseUnsafeText(sources: Iterable<ScannedText>, redact: (text: string) => string): void {
  const unsafe = firstUnsafe(sources, redact);
  if (!unsafe) return;
  const what = `${unsafe.where} contains a registered secret or PHI-like text (a token, a password, an MRN, a date of birth, an SSN, an e-mail address or a phone number)`;
  const where = 'the tag message, the changelog and the GitHub release, which cannot be redacted once pushed';
  const nothing = 'Nothing was written, committed, tagged, pushed or published.';
  if (unsafe.input) {
    throw new ConfigurationError(
      `Input '${unsafe.input}': ${what}, and it would go into ${where}. Give it without that text. ${nothing}`,
      unsafe.input,
    );
  }
  throw new ActionFailure(
    `The release was refused: ${what}, and it would go into ${where}. ${nothing} If a secret was committed, rotate it; if patient data was, report it to your privacy officer. Then reword the text (a commit that is not yet on the release branch can be amended) and run again.`,
  );
}
