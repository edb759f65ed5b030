/** mode: undo — back up, then undo the last migration, or every one after `undo-to`. */
import { ActionFailure } from '@white-cross/core';
import { OUTPUT } from '../constants.js';
import type { UndoInputs } from '../inputs.js';
import { planUndo } from '../migration-status.js';
import type { MigrationRecord } from '../report.js';
import type { Session } from '../session.js';

export async function undoMode(s: Session, inputs: UndoInputs): Promise<void> {
  const { ctx, report } = s;
  if (!inputs.dryRun) await s.takeLock();
  const status = await s.readStatus('read migration status');
  s.startOutputs(status.pending);
  let plan: string[];
  try {
    plan = planUndo(status.applied, inputs.undoTo);
  } catch {
    throw new ActionFailure(
      `undo-to '${inputs.undoTo}' is not an applied migration on ${s.where} (applied: ${status.applied.join(', ') || 'none'}). Nothing was changed.`,
    );
  }
  report.migrations = status.applied.map((name): MigrationRecord => ({
    name,
    before: 'applied',
    result: 'already applied',
  }));
  if (plan.length === 0) {
    report.conclusion = `Nothing to undo on ${s.where}${inputs.undoTo ? `: ${inputs.undoTo} is the last applied migration` : ': no migration is applied'}. Nothing was changed.`;
    ctx.log.info(report.conclusion);
    return;
  }
  if (inputs.dryRun) {
    report.conclusion = `Dry run: would back up (${inputs.backup.kind}) and undo ${plan.join(', ')}. Nothing was changed.`;
    ctx.log.info(report.conclusion);
    return;
  }
  const backup = await s.backupNow(inputs.backup, 'undo');
  const { undone, failed } = await s.undoMigrations(plan);
  report.undone = undone;
  ctx.setOutput(OUTPUT.Undone, undone);
  if (failed) {
    report.failure = {
      migration: failed.name,
      error: failed.error,
      onFailure: 'none',
      state: `undone: ${undone.join(', ') || 'nothing'}; still applied: ${failed.stillApplied.join(', ') || 'nothing'}`,
    };
    report.conclusion =
      `Undo of ${failed.name} failed on ${s.where}: ${failed.error}. Undone before it: ${undone.join(', ') || 'nothing'}. ` +
      (backup
        ? `Backup ${backup.id} is kept at ${backup.location} (mode: restore with restore-from: ${backup.id} brings it back).`
        : 'No backup was taken.');
    throw s.failureAt(report.conclusion, failed.name);
  }
  const statusAfter = await s.readStatus('read status after undo');
  report.conclusion = `Undid ${undone.join(', ')} on ${s.where}; ${statusAfter.applied.length} migration(s) remain applied, ${statusAfter.pending.length} pending. Backup ${backup?.id ?? '(none)'} kept.`;
  ctx.log.info(report.conclusion);
}
