// `npm run check-readmes` keeps each action's README tables and the names in its
// src/constants.ts (`INPUT`, `OUTPUT`) in step with its action.yml. Tested on a small
// throwaway repository laid out like ours, with this checkout's node_modules linked in.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@white-cross/testkit';

let repo: string;

const ACTION_YML = `name: demo
description: demo
inputs:
  bucket:
    description: the bucket
    required: true
  dry-run:
    description: only plan
    default: 'false'
outputs:
  uploaded:
    description: files uploaded
runs:
  using: node24
  main: dist/index.js
`;

const README = `# demo
## Inputs
| Input | Required | Default | Description |
| --- | --- | --- | --- |
| \`bucket\` | yes | | the bucket |
| \`dry-run\` | no | \`false\` | only plan |

## Outputs
| Output | Description |
| --- | --- |
| \`uploaded\` | files uploaded |
`;

function check(constants: string | undefined): { code: number; lines: string[] } {
  const dir = join(repo, 'actions', 'demo');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'action.yml'), ACTION_YML);
  writeFileSync(join(dir, 'README.md'), README);
  if (constants !== undefined) writeFileSync(join(dir, 'src', 'constants.ts'), constants);
  const r = spawnSync(process.execPath, [join(repo, 'scripts', 'check-readmes.mjs')], { encoding: 'utf8' });
  return { code: r.status ?? 1, lines: r.stdout.trim().split('\n') };
}

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'wcd-check-readmes-'));
  mkdirSync(join(repo, 'scripts'));
  copyFileSync(join(repoRoot, 'scripts', 'check-readmes.mjs'), join(repo, 'scripts', 'check-readmes.mjs'));
  symlinkSync(join(repoRoot, 'node_modules'), join(repo, 'node_modules'));
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));

describe('check-readmes and constants.ts', () => {
  it('passes when INPUT and OUTPUT name exactly the inputs and outputs of action.yml', () => {
    const r = check(`export const INPUT = {
  Bucket: 'bucket',
  // a comment: 'not-a-name'
  DryRun: 'dry-run',
} as const;
export const OUTPUT = { Uploaded: 'uploaded' } as const;
`);
    expect(r).toEqual({ code: 0, lines: ['check-readmes: 0 problem(s)'] });
  });

  it('passes when constants.ts exports neither', () => {
    expect(check(`export const ACTION_NAME = 'demo';\n`).code).toBe(0);
    expect(check(undefined).code).toBe(0);
  });

  it('names each input or output that is on one side only', () => {
    const r = check(`export const INPUT = { Bucket: 'bucket', Region: 'region' } as const;
export const OUTPUT = { Uploaded: 'uploaded', Deleted: 'deleted' } as const;
`);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      "::error::actions/demo/src/constants.ts: INPUT names the input 'region', which is not in action.yml",
      "::error::actions/demo/src/constants.ts: the input 'dry-run' of action.yml is missing from INPUT",
      "::error::actions/demo/src/constants.ts: OUTPUT names the output 'deleted', which is not in action.yml",
      'check-readmes: 3 problem(s)',
    ]);
  });
});
