/**
 * Applies a release plan to the working tree: the manifests, the lockfiles beside them and the
 * changelog. Returns what it wrote; the plan is left as it was.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { prependSection } from './changelog.js';
import { planLockfiles, setLockfileVersions } from './packages.js';
import type { ReleasePlan } from './plan.js';

/** A row of the summary's versions table. */
export interface VersionChange {
  file: string;
  before?: string;
  after: string;
}

export interface AppliedRelease {
  /** The files written, relative to the repository folder, for the release commit. */
  written: string[];
  /** The lockfile entries moved, for the summary and the evidence. */
  lockfiles: VersionChange[];
}

/** Writes the version into the manifests and lockfiles and the section into the changelog. */
export function applyRelease(dir: string, changelogFile: string, plan: ReleasePlan): AppliedRelease {
  const written: string[] = [];
  const lockfiles: VersionChange[] = [];
  for (const manifest of plan.manifests) {
    writeFileSync(join(dir, manifest.file), manifest.text);
    written.push(manifest.file);
  }
  const files = plan.manifests.map((m) => m.file);
  for (const lock of planLockfiles(files, (f) => existsSync(join(dir, f)))) {
    const path = join(dir, lock.file);
    const edit = setLockfileVersions(readFileSync(path, 'utf8'), plan.version, lock, lock.file);
    writeFileSync(path, edit.text);
    lockfiles.push({
      file: `${lock.file} (${edit.entries.map((e) => (e === '' ? 'root' : e)).join(', ')})`,
      after: plan.version,
    });
    written.push(lock.file);
  }
  const changelogPath = join(dir, changelogFile);
  mkdirSync(dirname(changelogPath), { recursive: true });
  writeFileSync(
    changelogPath,
    prependSection(existsSync(changelogPath) ? readFileSync(changelogPath, 'utf8') : undefined, plan.section),
  );
  written.push(changelogFile);
  return { written, lockfiles };
}
