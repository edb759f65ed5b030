/** The release action's name and version, and its input and output names, in one place. */

export const ACTION_NAME = 'release';
export const ACTION_VERSION = '0.1.0';

export const INPUT = {
  bump: 'bump',
  emergency: 'emergency',
  reason: 'reason',
  packages: 'packages',
  changelogFile: 'changelog-file',
  tagPrefix: 'tag-prefix',
  releaseBranch: 'release-branch',
  remote: 'remote',
  push: 'push',
  githubRelease: 'github-release',
  draft: 'draft',
  token: 'token',
  dryRun: 'dry-run',
  workingDirectory: 'working-directory',
} as const;

export const OUTPUT = {
  released: 'released',
  version: 'version',
  previousVersion: 'previous-version',
  tag: 'tag',
  releaseUrl: 'release-url',
  changelog: 'changelog',
  emergency: 'emergency',
} as const;

/** The evidence file that lists what the release did. */
export const MANIFEST_EVIDENCE = 'release-manifest.json';
