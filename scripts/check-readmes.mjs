// Each action's README documents its inputs and outputs in two tables that must match its
// action.yml: the same names, the same required flags, the same single-line defaults.
//   ## Inputs                                  ## Outputs
//   | Input | Required | Default | Description |   | Output | Description |
// When the action's src/constants.ts exports `INPUT` or `OUTPUT` (objects of name strings),
// their names must be action.yml's too: the code reads and sets no name the runner lacks.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const root = new URL('..', import.meta.url).pathname;
const problems = [];

/**
 * The string values of `export const NAME = { Key: 'value', … }` in a TypeScript file, or
 * undefined when the file does not export NAME as such an object.
 */
export function constantNames(source, name) {
  const m = new RegExp(`^export const ${name}\\s*(?::[^=]+)?=\\s*\\{([^}]*)\\}`, 'm').exec(source);
  if (!m) return undefined;
  const body = m[1].replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g, '');
  return [...body.matchAll(/:\s*(['"])([^'"]+)\1/g)].map((v) => v[2]);
}

/** Problems between one constants object and action.yml's names of that kind. */
export function compareConstants(where, kind, names, specNames) {
  const problems = [];
  if (names === undefined) return problems;
  const exported = kind === 'input' ? 'INPUT' : 'OUTPUT';
  for (const name of names)
    if (!specNames.includes(name))
      problems.push(`${where}: ${exported} names the ${kind} '${name}', which is not in action.yml`);
  for (const name of specNames)
    if (!names.includes(name))
      problems.push(`${where}: the ${kind} '${name}' of action.yml is missing from ${exported}`);
  return problems;
}

function table(markdown, heading) {
  const start = markdown.search(new RegExp(`^## ${heading}\\s*$`, 'm'));
  if (start < 0) return undefined;
  const rows = [];
  for (const line of markdown.slice(start).split('\n').slice(1)) {
    if (line.startsWith('## ')) break;
    const m = /^\|\s*`([^`]+)`\s*\|(.*)\|\s*$/.exec(line);
    if (m) rows.push({ name: m[1], cells: m[2].split(/(?<!\\)\|/).map((c) => c.trim()) });
  }
  return rows;
}

for (const action of readdirSync(join(root, 'actions'))) {
  const dir = join(root, 'actions', action);
  if (!existsSync(join(dir, 'action.yml'))) continue;
  const where = `actions/${action}/README.md`;
  if (!existsSync(join(dir, 'README.md'))) {
    problems.push(`${where}: missing`);
    continue;
  }
  const spec = parse(readFileSync(join(dir, 'action.yml'), 'utf8'));
  const readme = readFileSync(join(dir, 'README.md'), 'utf8');
  const inputs = table(readme, 'Inputs');
  const outputs = table(readme, 'Outputs');
  if (!inputs) problems.push(`${where}: no '## Inputs' table`);
  if (!outputs) problems.push(`${where}: no '## Outputs' table`);
  const specInputs = spec.inputs ?? {};
  const specOutputs = spec.outputs ?? {};
  for (const [name, def] of Object.entries(specInputs)) {
    const row = inputs?.find((r) => r.name === name);
    if (!row) {
      problems.push(`${where}: input '${name}' is in action.yml but not in the README`);
      continue;
    }
    const required = (row.cells[0] ?? '').toLowerCase();
    if ((required === 'yes') !== Boolean(def.required)) {
      problems.push(
        `${where}: input '${name}' is required=${Boolean(def.required)} in action.yml but '${row.cells[0]}' in the README`,
      );
    }
    const dflt = def.default === undefined ? undefined : String(def.default);
    if (dflt !== undefined && !dflt.includes('\n')) {
      const cell = (row.cells[1] ?? '').replace(/^`|`$/g, '');
      if (cell !== dflt)
        problems.push(
          `${where}: input '${name}' defaults to '${dflt}' in action.yml but '${cell}' in the README`,
        );
    }
  }
  for (const row of inputs ?? [])
    if (!(row.name in specInputs))
      problems.push(`${where}: input '${row.name}' is in the README but not in action.yml`);
  for (const name of Object.keys(specOutputs))
    if (!outputs?.some((r) => r.name === name))
      problems.push(`${where}: output '${name}' is in action.yml but not in the README`);
  for (const row of outputs ?? [])
    if (!(row.name in specOutputs))
      problems.push(`${where}: output '${row.name}' is in the README but not in action.yml`);
  const constantsFile = join(dir, 'src', 'constants.ts');
  if (existsSync(constantsFile)) {
    const constants = readFileSync(constantsFile, 'utf8');
    const at = `actions/${action}/src/constants.ts`;
    problems.push(
      ...compareConstants(at, 'input', constantNames(constants, 'INPUT'), Object.keys(specInputs)),
      ...compareConstants(at, 'output', constantNames(constants, 'OUTPUT'), Object.keys(specOutputs)),
    );
  }
}
for (const p of problems) console.log(`::error::${p}`);
console.log(`check-readmes: ${problems.length} problem(s)`);
process.exit(problems.length ? 1 : 0);
