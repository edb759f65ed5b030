/**
 * Where a release is, and the state stopping there leaves: what a cancelled run reports (the
 * runner sends SIGINT, then SIGTERM, and core aborts `ctx.signal`). Each step sets it before it
 * starts, so the account is true whichever step the signal lands in.
 */
export interface ReleaseProgress {
  /** What was happening, e.g. `pushing main and v1.4.0`. */
  stage: string;
  /** The state of the checkout, the remote and GitHub if the run stops here, and what a re-run does. */
  left: string;
}

export const NOTHING_CHANGED = 'Nothing was changed.';

/** The progress of a run that has not changed anything yet. */
export function startProgress(): ReleaseProgress {
  return { stage: 'reading the repository and planning the release', left: NOTHING_CHANGED };
}
