/**
 * Documents that must exist and be kept current: the emergency access procedure
 * (§164.312(a)(2)(ii)) and the incident response plan (§164.308(a)(6)). Their content is a
 * person's to judge (MANUAL); their presence and review date are checked here.
 */
import { parse } from 'yaml';
import { DAY_MS, type Check, type DocumentEvidence, type Judgement } from '../model.js';

export const REVIEW_MAX_DAYS = 365;
const REVIEW_KEYS = [
  'reviewed',
  'last_reviewed',
  'last-reviewed',
  'lastReviewed',
  'review_date',
  'reviewed_at',
];

/**
 * Reads the review date (and its line) from a Markdown file's YAML front matter.
 *
 * @example
 * readReviewDate('---\ntitle: IR plan\nreviewed: 2026-05-01\n---\n# Plan'); // { reviewed: '2026-05-01', line: 3 }
 */
export function readReviewDate(text: string): { reviewed?: string; line?: number; problem?: string } {
  const m = /^---\r?\n([\s\S]*?)\r?\n---\s*(\r?\n|$)/.exec(text);
  if (!m) return { problem: 'no YAML front matter' };
  let data: unknown;
  try {
    data = parse(m[1] ?? '', { schema: 'failsafe' });
  } catch (error) {
    return { problem: `front matter is not valid YAML (${(error as Error).message.split('\n')[0]})` };
  }
  const record = (data && typeof data === 'object' ? data : {}) as Record<string, unknown>;
  const key = REVIEW_KEYS.find((k) => record[k] !== undefined);
  if (!key) return { problem: `front matter has no ${REVIEW_KEYS.slice(0, 2).join(' or ')} date` };
  const lines = (m[1] ?? '').split(/\r?\n/);
  const index = lines.findIndex((l) => l.startsWith(`${key}:`));
  return { reviewed: String(record[key]).trim(), line: index >= 0 ? index + 2 : undefined };
}

function judgeDocument(doc: DocumentEvidence | undefined, now: number): Judgement {
  if (!doc) return { verdict: 'SKIPPED', evidence: ['document not configured'] };
  const where = { file: doc.path, resource: doc.path };
  if (!doc.present) return { verdict: 'FAIL', evidence: [`${doc.path}: missing`], ...where };
  if (!doc.reviewed)
    return {
      verdict: 'FAIL',
      evidence: [`${doc.path}: ${doc.problem ?? 'no review date'}`],
      ...where,
      line: 1,
    };
  const at = Date.parse(doc.reviewed);
  if (Number.isNaN(at))
    return {
      verdict: 'FAIL',
      evidence: [`${doc.path}: review date '${doc.reviewed}' is not a date`],
      ...where,
      line: doc.reviewedLine,
    };
  const days = Math.floor((now - at) / DAY_MS);
  if (days < 0)
    return {
      verdict: 'WARN',
      evidence: [`${doc.path}: review date ${doc.reviewed} is in the future`],
      ...where,
      line: doc.reviewedLine,
    };
  if (days > REVIEW_MAX_DAYS) {
    return {
      verdict: 'FAIL',
      evidence: [`${doc.path}: last reviewed ${doc.reviewed}, ${days} days ago (limit ${REVIEW_MAX_DAYS})`],
      ...where,
      line: doc.reviewedLine,
    };
  }
  return {
    verdict: 'MANUAL',
    evidence: [
      `${doc.path}: reviewed ${doc.reviewed} (${days} days ago); a person confirms the content is current`,
    ],
    ...where,
    line: doc.reviewedLine,
  };
}

export const emergencyAccessProcedure: Check<'documents'> = {
  id: 'DOC-001',
  title: 'Emergency access procedure present and reviewed within 365 days',
  safeguard: '§164.312(a)(2)(ii) Emergency access procedure',
  group: 'DOC',
  probe: 'Reads the document and its front matter review date from the repository.',
  fix: 'Review the procedure with the security officer and update `reviewed:` in its front matter.',
  source: 'documents',
  judge: (docs, { now }) =>
    judgeDocument(
      docs.find((d) => d.kind === 'emergency-access'),
      now,
    ),
};

export const incidentResponsePlan: Check<'documents'> = {
  id: 'DOC-002',
  title: 'Incident response plan present and reviewed within 365 days',
  safeguard: '§164.308(a)(6) Security incident procedures',
  group: 'DOC',
  probe: 'Reads the document and its front matter review date from the repository.',
  fix: 'Review the plan (after each incident and at least yearly) and update `reviewed:` in its front matter.',
  source: 'documents',
  judge: (docs, { now }) =>
    judgeDocument(
      docs.find((d) => d.kind === 'incident-response'),
      now,
    ),
};

export const documentChecks = [emergencyAccessProcedure, incidentResponsePlan] as const;
