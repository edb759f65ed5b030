/**
 * The action's name, version, input and output names, in one place. `scripts/check-readmes.mjs`
 * checks `INPUT` and `OUTPUT` against action.yml.
 */

export const ACTION_NAME = 'build-validate';
export const ACTION_VERSION = '0.1.0';

export const INPUT = {
  WorkingDirectory: 'working-directory',
  InstallCommand: 'install-command',
  BuildCommand: 'build-command',
  Workspaces: 'workspaces',
  BuildEnv: 'build-env',
  Artifacts: 'artifacts',
  Budgets: 'budgets',
  Baseline: 'baseline',
  Forbid: 'forbid',
  AuditLevel: 'audit-level',
} as const;

export const OUTPUT = {
  Manifest: 'manifest',
  ManifestFile: 'manifest-file',
  TotalSize: 'total-size',
  OverBudget: 'over-budget',
} as const;

/** The former names of {@link INPUT} and {@link OUTPUT}, kept for code that imports them. */
export const Input = INPUT;
export const Output = OUTPUT;

/** The evidence file the manifest is written to (see the cross-action evidence names). */
export const MANIFEST_EVIDENCE = 'build-validate-manifest.json';

/** The schema id every manifest carries, so readers can tell its shape. */
export const MANIFEST_SCHEMA = 'white-cross-deploy/build-manifest@1';
