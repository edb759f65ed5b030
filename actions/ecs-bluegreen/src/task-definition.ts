/**
 * Task definitions: rendering one from a file with the new image, recognising one this action
 * registered before (so a re-run does not register another revision), and choosing which old
 * revisions cleanup may deregister. Pure.
 */
import { createHash } from 'node:crypto';
import type { RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';

const TASK_DEFINITION_ARN =
  /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/([A-Za-z0-9_-]{1,255}):(\d+)$/;

/** Fields `describe-task-definition` returns that `register-task-definition` refuses. */
const READ_ONLY_FIELDS = [
  'taskDefinitionArn',
  'revision',
  'status',
  'requiresAttributes',
  'compatibilities',
  'registeredAt',
  'registeredBy',
  'deregisteredAt',
  'tags',
];

/** A task definition ready to register (without tags). */
export type RenderedTaskDefinition = Omit<RegisterTaskDefinitionCommandInput, 'tags'>;

/** Why a task definition file cannot be used. */
export class TaskDefinitionFileError extends Error {
  override readonly name = 'TaskDefinitionFileError';
}

/**
 * True for a task definition ARN with a revision.
 *
 * @example
 * isTaskDefinitionArn('arn:aws:ecs:us-east-1:123456789012:task-definition/school-health-api:7'); // true
 */
export function isTaskDefinitionArn(text: string): boolean {
  return TASK_DEFINITION_ARN.test(text);
}

/**
 * The family and revision of a task definition ARN.
 *
 * @example
 * parseTaskDefinitionArn('arn:aws:ecs:us-east-1:123456789012:task-definition/school-health-api:7'); // { family: 'school-health-api', revision: 7 }
 */
export function parseTaskDefinitionArn(arn: string): { family: string; revision: number } {
  const m = TASK_DEFINITION_ARN.exec(arn);
  if (!m) throw new Error(`not a task definition ARN: ${arn}`);
  return { family: m[1] ?? '', revision: Number(m[2]) };
}

/**
 * Renders the task definition in a file (as `aws ecs describe-task-definition` prints it, with
 * or without the `taskDefinition` wrapper) with `image` on the container `containerName`.
 *
 * @example
 * renderTaskDefinition(readFileSync('task-definition.json', 'utf8'), { image: 'ghcr.io/wc/api:1.4.0', containerName: 'api' });
 */
export function renderTaskDefinition(
  text: string,
  substitution: { image?: string; containerName?: string },
): RenderedTaskDefinition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new TaskDefinitionFileError(`is not valid JSON (${(error as Error).message})`);
  }
  if (parsed && typeof parsed === 'object' && 'taskDefinition' in parsed)
    parsed = (parsed as { taskDefinition: unknown }).taskDefinition;
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new TaskDefinitionFileError('must hold a JSON object');
  const definition = { ...(parsed as Record<string, unknown>) };
  for (const field of READ_ONLY_FIELDS) delete definition[field];
  if (typeof definition.family !== 'string' || !/^[A-Za-z0-9_-]{1,255}$/.test(definition.family)) {
    throw new TaskDefinitionFileError("has no valid 'family' (letters, digits, _ and -)");
  }
  const containers = definition.containerDefinitions;
  if (!Array.isArray(containers) || containers.length === 0)
    throw new TaskDefinitionFileError("has no 'containerDefinitions'");
  const names = containers.map((c: { name?: unknown }) => String(c?.name ?? ''));
  if (substitution.image !== undefined) {
    const index = substitution.containerName
      ? names.indexOf(substitution.containerName)
      : containers.length === 1
        ? 0
        : -1;
    if (index < 0) {
      throw new TaskDefinitionFileError(
        substitution.containerName
          ? `has no container named '${substitution.containerName}' (it has ${names.join(', ')})`
          : `has ${containers.length} containers (${names.join(', ')}); say which gets the image with container-name`,
      );
    }
    definition.containerDefinitions = containers.map((c: object, i: number) =>
      i === index ? { ...c, image: substitution.image } : c,
    );
  }
  return definition as unknown as RenderedTaskDefinition;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/**
 * The sha256 of a rendered task definition (keys sorted), tagged on what this action registers
 * so that a re-run finds the revision it registered instead of adding another.
 *
 * @example
 * specDigest({ family: 'api', containerDefinitions: [] }) === specDigest({ containerDefinitions: [], family: 'api' }); // true
 */
export function specDigest(definition: RenderedTaskDefinition): string {
  return createHash('sha256')
    .update(JSON.stringify(canonical(definition)))
    .digest('hex');
}

/** The image of the first container (the one people mean by "the image"), or of `containerName`. */
export function mainImage(
  containers: readonly { name?: string; image?: string }[] | undefined,
  containerName?: string,
): string | undefined {
  const list = containers ?? [];
  return (containerName ? list.find((c) => c.name === containerName) : list[0])?.image;
}

/**
 * The tag of an image reference (what follows the last `:` after the last `/`), or undefined
 * for an untagged or digest-only reference.
 *
 * @example
 * imageTag('123456789012.dkr.ecr.us-east-1.amazonaws.com/api:v1.4.0'); // 'v1.4.0'
 */
export function imageTag(image: string): string | undefined {
  const name = image.split('@')[0] ?? '';
  const last = name.slice(name.lastIndexOf('/') + 1);
  const i = last.lastIndexOf(':');
  return i >= 0 && i < last.length - 1 ? last.slice(i + 1) : undefined;
}

/**
 * The revisions cleanup deregisters: all but the newest `keep`, never one in use.
 *
 * @example
 * revisionsToDeregister(['arn…:api:1', 'arn…:api:2', 'arn…:api:3', 'arn…:api:4'], 2, ['arn…:api:1']); // ['arn…:api:2']
 */
export function revisionsToDeregister(
  arns: readonly string[],
  keep: number,
  inUse: readonly string[],
): string[] {
  const byRevisionDesc = [...arns].sort((a, b) => revisionOf(b) - revisionOf(a));
  return byRevisionDesc
    .slice(keep)
    .filter((arn) => !inUse.includes(arn))
    .sort((a, b) => revisionOf(a) - revisionOf(b));
}

function revisionOf(arn: string): number {
  const n = Number(arn.slice(arn.lastIndexOf(':') + 1));
  return Number.isFinite(n) ? n : 0;
}
