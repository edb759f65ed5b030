import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActionFailure } from '@white-cross/core';
import { readOutputFiles } from '../src/output-files.js';

const root = realpathSync(mkdtempSync(join(tmpdir(), 'bv-output-')));
const workspace = join(root, 'repo');
mkdirSync(join(workspace, 'app', 'dist'), { recursive: true });
mkdirSync(join(root, 'etc'));
writeFileSync(join(root, 'etc', 'shadow'), 'root:SECRET-HASH');
writeFileSync(join(workspace, 'app', 'dist', 'index.html'), '<html></html>');
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function failureOf(promise: Promise<unknown>): Promise<ActionFailure> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ActionFailure) return error;
    throw error;
  }
  throw new Error('expected an ActionFailure');
}

describe('readOutputFiles', () => {
  it('reads the files of an output folder inside the workspace', async () => {
    const files = await readOutputFiles(join(workspace, 'app'), ['dist'], workspace);
    expect(files.map((f) => f.path)).toEqual(['dist/index.html']);
  });

  it('refuses an output folder that is a symlink out of the workspace, reading nothing', async () => {
    symlinkSync(join(root, 'etc'), join(workspace, 'app', 'out'));
    const error = await failureOf(readOutputFiles(join(workspace, 'app'), ['out'], workspace));
    expect(error.message).toBe(
      "The build's output out resolves outside the workspace through a symbolic link: build-validate reads, measures and approves only files inside the workspace. Make the build write real files there.",
    );
  });

  it('never reads a file in the output that links out of the workspace', async () => {
    symlinkSync(join(root, 'etc', 'shadow'), join(workspace, 'app', 'dist', 'shadow'));
    const files = await readOutputFiles(join(workspace, 'app'), ['dist'], workspace);
    expect(files.map((f) => f.path)).toEqual(['dist/index.html']);
    expect(files.some((f) => f.content.toString().includes('SECRET-HASH'))).toBe(false);
  });
});
