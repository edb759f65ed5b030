/**
 * One version across the app's package.json files and their npm lockfiles. The edits are
 * pure text-in/text-out (indentation and the final newline are kept); finding the files is the
 * only part that reads the disk.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import { glob } from 'tinyglobby';
import { ActionFailure, ConfigurationError } from '@white-cross/core';

type Json = Record<string, unknown>;

function indentOf(text: string): string | number {
  const m = /^[{[]\r?\n([ \t]+)\S/.exec(text);
  return m?.[1] ?? 2;
}

function serialize(value: unknown, original: string): string {
  const eol = original.includes('\r\n') ? '\r\n' : '\n';
  const body = JSON.stringify(value, null, indentOf(original));
  const text = eol === '\n' ? body : body.replace(/\n/g, eol);
  return /\r?\n$/.test(original) ? `${text}${eol}` : text;
}

function parseJson(text: string, file: string): Json {
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Json;
  } catch (error) {
    throw new ActionFailure(`${file} is not valid JSON (${(error as Error).message}); nothing was changed.`, {
      file,
    });
  }
  throw new ActionFailure(`${file} is not a JSON object; nothing was changed.`, { file });
}

export interface ManifestEdit {
  /** The version before, when the file had one. */
  previous?: string;
  text: string;
  name?: string;
}

/**
 * Sets the `version` of a package.json, keeping key order, indentation and final newline.
 *
 * @example
 * setManifestVersion('{\n  "name": "app",\n  "version": "1.0.0"\n}\n', '1.1.0', 'package.json').text;
 * // '{\n  "name": "app",\n  "version": "1.1.0"\n}\n'
 */
export function setManifestVersion(text: string, version: string, file: string): ManifestEdit {
  const manifest = parseJson(text, file);
  const previous = typeof manifest.version === 'string' ? manifest.version : undefined;
  const name = typeof manifest.name === 'string' ? manifest.name : undefined;
  let updated: Json;
  if ('version' in manifest) updated = { ...manifest, version };
  else {
    // A manifest without a version gets one right after its name (where npm puts it).
    updated = {};
    for (const [key, value] of Object.entries(manifest)) {
      updated[key] = value;
      if (key === 'name') updated.version = version;
    }
    if (!('version' in updated)) updated = { version, ...manifest };
  }
  return { previous, name, text: serialize(updated, text) };
}

export interface LockfileEdit {
  text: string;
  /** The lockfile entries changed: `""` is the root, others are workspace paths. */
  entries: string[];
}

/**
 * Sets the version of the root and of the given workspace entries in a package-lock.json
 * (`packages[""]` and `packages["frontend"]` in lockfile v2/v3; the top-level `version` in
 * every version). `workspaces` are POSIX paths relative to the lockfile's folder.
 *
 * @example
 * setLockfileVersions(lock, '1.3.0', { root: true, workspaces: ['frontend', 'backend'] }, 'package-lock.json').entries;
 * // ['', 'frontend', 'backend']
 */
export function setLockfileVersions(
  text: string,
  version: string,
  selection: { root: boolean; workspaces: readonly string[] },
  file: string,
): LockfileEdit {
  const lock = parseJson(text, file);
  const entries: string[] = [];
  const updated: Json = { ...lock };
  if (selection.root && 'version' in lock) {
    updated.version = version;
    entries.push('');
  }
  const packages = lock.packages as Record<string, Json> | undefined;
  if (packages && typeof packages === 'object') {
    const nextPackages: Record<string, Json> = { ...packages };
    const root = packages[''];
    if (selection.root && root && typeof root === 'object') {
      nextPackages[''] = { ...root, version };
      if (!entries.includes('')) entries.push('');
    }
    for (const workspace of selection.workspaces) {
      const entry = packages[workspace];
      if (entry && typeof entry === 'object' && !entry.link) {
        nextPackages[workspace] = { ...entry, version };
        entries.push(workspace);
      }
    }
    updated.packages = nextPackages;
  }
  return { text: serialize(updated, text), entries };
}

/** The default selection: the root package.json and each npm workspace's. */
export async function workspaceManifests(root: string): Promise<string[]> {
  const rootFile = join(root, 'package.json');
  if (!existsSync(rootFile)) {
    throw new ActionFailure(
      `There is no package.json at the root of the repository (${rootFile}); give the input 'packages'.`,
    );
  }
  const manifest = parseJson(readFileSync(rootFile, 'utf8'), 'package.json');
  const declared = manifest.workspaces;
  const patterns = Array.isArray(declared)
    ? declared
    : declared && typeof declared === 'object' && Array.isArray((declared as Json).packages)
      ? ((declared as Json).packages as unknown[])
      : [];
  const globs = patterns
    .filter((p): p is string => typeof p === 'string')
    .map((p) => posix.join(p.replace(/\/$/, ''), 'package.json'));
  const found = globs.length ? await glob(globs, { cwd: root, ignore: ['**/node_modules/**'] }) : [];
  return ['package.json', ...found.filter((f) => f !== 'package.json').sort()];
}

/** The package.json files the `packages` globs select (relative POSIX paths, sorted, root first). */
export async function selectedManifests(root: string, globs: readonly string[]): Promise<string[]> {
  if (globs.length === 0) return workspaceManifests(root);
  const found = await glob([...globs], { cwd: root, ignore: ['**/node_modules/**'] });
  const manifests = found.filter((f) => posix.basename(f) === 'package.json');
  if (manifests.length === 0) {
    throw new ConfigurationError(
      `Input 'packages' matched no package.json file (globs: ${globs.join(', ')}).`,
      'packages',
    );
  }
  return manifests.sort((a, b) =>
    a === 'package.json' ? -1 : b === 'package.json' ? 1 : a.localeCompare(b),
  );
}

export interface LockfilePlan {
  /** The lockfile, relative to the repository root. */
  file: string;
  root: boolean;
  workspaces: string[];
}

/**
 * Which lockfiles hold the selected packages: each package-lock.json beside a selected
 * package.json, with the selected packages below it as its workspace entries.
 *
 * @example
 * planLockfiles(['package.json', 'frontend/package.json'], (f) => f === 'package-lock.json');
 * // [{ file: 'package-lock.json', root: true, workspaces: ['frontend'] }]
 */
export function planLockfiles(
  manifests: readonly string[],
  exists: (file: string) => boolean,
): LockfilePlan[] {
  const plans: LockfilePlan[] = [];
  for (const manifest of manifests) {
    const dir = posix.dirname(manifest);
    const lockfile = dir === '.' ? 'package-lock.json' : `${dir}/package-lock.json`;
    if (!exists(lockfile)) continue;
    const workspaces = manifests
      .map((m) => posix.dirname(m))
      .filter((d) => d !== dir && (dir === '.' || d.startsWith(`${dir}/`)))
      .map((d) => (dir === '.' ? d : d.slice(dir.length + 1)));
    plans.push({ file: lockfile, root: true, workspaces });
  }
  return plans;
}

/** A POSIX path relative to `root` (for display and lockfile keys). */
export function relativePosix(root: string, file: string): string {
  return relative(root, file).split(sep).join('/');
}
