// Every action can be run locally as its README says, from a fresh clone: a `.env.example`
// naming every input of action.yml, a header that uses `node --env-file` (a shell's
// `set -a; . ./.env` cannot read the hyphenated INPUT_ names), a README section "Run it locally"
// with that command, and `.env` itself git-ignored so a real value is never committed.
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '@white-cross/testkit';

const actions = readdirSync(join(repoRoot, 'actions')).filter((a) =>
  existsSync(join(repoRoot, 'actions', a, 'action.yml')),
);

describe.each(actions)('actions/%s run locally', (action) => {
  const dir = join(repoRoot, 'actions', action);
  const example = existsSync(join(dir, '.env.example'))
    ? readFileSync(join(dir, '.env.example'), 'utf8')
    : '';

  it('has a .env.example with every input of action.yml', () => {
    expect(example).not.toBe('');
    const spec = parse(readFileSync(join(dir, 'action.yml'), 'utf8')) as { inputs?: Record<string, unknown> };
    const named = new Set([...example.matchAll(/^#?\s*INPUT_([A-Z0-9_-]+)=/gm)].map((m) => m[1]));
    const missing = Object.keys(spec.inputs ?? {}).filter(
      (i) => !named.has(i.toUpperCase().replace(/ /g, '_')),
    );
    expect(missing).toEqual([]);
  });

  it('says to run it with node --env-file, never by sourcing the file', () => {
    const header = example
      .split('\n')
      .filter((l) => l.startsWith('#'))
      .join('\n');
    expect(header).toMatch(/node --env-file=\.env \S*dist\/index\.js/);
    expect(example).not.toMatch(/^[^#\n]*set -a/m);
    expect(example).not.toMatch(/^#\s+(?:`)?set -a; \. /m);
  });

  it('has a "Run it locally" section in its README with that command', () => {
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    const start = readme.search(/^## Run it locally\s*$/m);
    expect(start).toBeGreaterThanOrEqual(0);
    const section = readme.slice(start).split(/\n## /)[0];
    expect(section).toMatch(/node --env-file=\.env \S*dist\/index\.js/);
  });
});

describe('.env files', () => {
  it('are git-ignored everywhere, .env.example files are not', () => {
    const check = (path: string) => {
      try {
        execFileSync('git', ['check-ignore', '-q', '--no-index', path], { cwd: repoRoot });
        return true;
      } catch {
        return false;
      }
    };
    expect(check('actions/s3-deploy/.env')).toBe(true);
    expect(check('.env')).toBe(true);
    expect(check('actions/s3-deploy/.env.example')).toBe(false);
  });
});
