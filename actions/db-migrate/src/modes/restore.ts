/** mode: restore — a safety backup, then the named backup over the database, checked table by table. */
import { ActionFailure } from '@white-cross/core';
import { OUTPUT } from '../constants.js';
import type { RestoreInputs } from '../inputs.js';
import { differencesText, type Session } from '../session.js';

export async function restoreMode(s: Session, inputs: RestoreInputs): Promise<void> {
  const { ctx, report } = s;
  if (!inputs.dryRun) await s.takeLock();
  const source = inputs.restoreFrom;
  const store = s.storeFor(source.location);
  if (inputs.dryRun) {
    const manifestText = await store.readText(`${source.id}.manifest.json`);
    report.conclusion = `Dry run: would take a safety backup (${inputs.backup.kind}) and restore ${source.id} from ${store.uri(`${source.id}.dump`)} (${manifestText.length ? 'manifest found' : 'no manifest'}). Nothing was changed.`;
    ctx.log.info(report.conclusion);
    return;
  }
  const safety = await s.backupNow(inputs.backup, 'restore (safety)');
  const restored = await s.restoreAndReport(source.id, store);
  ctx.setOutput(OUTPUT.PendingBefore, []);
  ctx.fact('restoredFrom', restored.id);
  const safetyText = safety
    ? `Safety backup ${safety.id} (taken just before) is kept at ${safety.location}.`
    : 'No safety backup was taken.';
  if (restored.differences.length) {
    report.conclusion =
      `Restored backup ${restored.id} over ${s.where}, but ${restored.differences.length} table(s) do not match the backup's row counts: ` +
      `${differencesText(restored)}. ${safetyText}`;
    throw new ActionFailure(report.conclusion);
  }
  const tables = Object.keys(restored.rowCounts).length;
  const rows = Object.values(restored.rowCounts).reduce((a, b) => a + b, 0);
  report.conclusion = `Restored backup ${restored.id} over ${s.where}: all ${tables} tables match the backup's row counts (${rows} rows). ${safetyText}`;
  ctx.log.info(report.conclusion);
}
