/** mode: status — which migrations are applied and pending, and who holds the lock; changes nothing. */
import { migrationLockHolder } from '../database.js';
import type { StatusInputs } from '../inputs.js';
import type { MigrationRecord } from '../report.js';
import type { Session } from '../session.js';

export async function statusMode(s: Session, _inputs: StatusInputs): Promise<void> {
  const status = await s.readStatus('read migration status');
  const holder = await migrationLockHolder(s.db);
  s.startOutputs(status.pending);
  s.report.migrations = [
    ...status.applied.map((name): MigrationRecord => ({
      name,
      before: 'applied',
      result: 'already applied',
    })),
    ...status.pending.map((name): MigrationRecord => ({ name, before: 'pending', result: 'pending' })),
  ];
  s.report.conclusion =
    `${status.applied.length} migration(s) applied, ${status.pending.length} pending` +
    (status.pending.length ? `: ${status.pending.join(', ')}.` : '.') +
    (holder ? ` A migration run holds the lock now ('${holder.applicationName}', pid ${holder.pid}).` : '');
  s.ctx.log.info(s.report.conclusion);
}
