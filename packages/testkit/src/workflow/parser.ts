/**
 * Loads workflow and action files with GitHub's own parser (`@actions/workflow-parser`): the
 * template is validated against GitHub's workflow schema, and a file with errors is refused with
 * GitHub's messages, as GitHub refuses to start such a run.
 */
import { readFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import type { WorkflowTemplate } from '@actions/workflow-parser';
import type { ActionTemplate } from '@actions/workflow-parser/actions/index';
import type {
  Job,
  ReusableWorkflowJob,
  Step,
  WorkflowJob,
} from '@actions/workflow-parser/model/workflow-template';
import type { MappingToken } from '@actions/workflow-parser/templates/tokens/mapping-token';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';

export type {
  ActionTemplate,
  Job,
  MappingToken,
  ReusableWorkflowJob,
  Step,
  TemplateToken,
  WorkflowJob,
  WorkflowTemplate,
};

// The parser imports its schema JSON without an import attribute; Node's ESM loader refuses
// that, so the attribute is added for that package's JSON files only. (jest and tsx load it
// through their own loaders; the hook is harmless there.)
let hooked = false;
function allowSchemaJson(): void {
  if (hooked || typeof registerHooks !== 'function' || process.env.JEST_WORKER_ID !== undefined) return;
  hooked = true;
  registerHooks({
    resolve(specifier, context, next) {
      const resolved = next(specifier, context);
      if (resolved.url.includes('/@actions/workflow-parser/') && resolved.url.endsWith('.json')) {
        return { ...resolved, importAttributes: { type: 'json' } };
      }
      return resolved;
    },
  });
}

allowSchemaJson();
const parserModule = await import('@actions/workflow-parser');
const actionsModule = await import('@actions/workflow-parser/actions/index');

export const {
  parseWorkflow,
  convertWorkflowTemplate,
  NoOperationTraceWriter,
  isString,
  isMapping,
  isSequence,
} = parserModule;
const { parseAction, convertActionTemplate } = actionsModule;

/** A workflow file GitHub would refuse to run. */
export class WorkflowFileError extends Error {
  constructor(
    readonly file: string,
    readonly errors: string[],
  ) {
    super(`${file}: ${errors.join('; ')}`);
    this.name = 'WorkflowFileError';
  }
}

export interface LoadedWorkflow {
  /** The file's path as named in the run (e.g. .github/workflows/deploy.yml). */
  file: string;
  template: WorkflowTemplate;
  /** The parsed (validated) token tree, for the keys the converted model leaves out. */
  root: MappingToken;
}

/**
 * Parses and validates a workflow file as GitHub does before a run.
 *
 * @example
 * const wf = await loadWorkflow('.github/workflows/deploy.yml', text);
 * wf.template.jobs.map((j) => j.id.value);
 */
export async function loadWorkflow(file: string, content: string): Promise<LoadedWorkflow> {
  const parsed = parseWorkflow({ name: file, content }, new NoOperationTraceWriter());
  const parseErrors = parsed.context.errors.getErrors().map((e) => e.message);
  if (parseErrors.length > 0 || !parsed.value) throw new WorkflowFileError(file, parseErrors);
  const template = await convertWorkflowTemplate(parsed.context, parsed.value);
  const errors = [
    ...parsed.context.errors.getErrors().map((e) => e.message),
    ...(template.errors ?? []).map((e) => e.Message),
  ];
  if (errors.length > 0) throw new WorkflowFileError(file, [...new Set(errors)]);
  return { file, template, root: parsed.value.assertMapping('workflow root') };
}

/** Parses and validates an action.yml file. */
export function loadAction(file: string): { template: ActionTemplate; root: MappingToken } {
  const parsed = parseAction(
    { name: file, content: readFileSync(file, 'utf8') },
    new NoOperationTraceWriter(),
  );
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  if (errors.length > 0 || !parsed.value) throw new WorkflowFileError(file, errors);
  return {
    template: convertActionTemplate(parsed.context, parsed.value),
    root: parsed.value.assertMapping('action'),
  };
}

/** A key of a mapping token (the parser's tokens, case as written). */
export function child(token: TemplateToken | undefined, key: string): TemplateToken | undefined {
  if (!token || !isMapping(token)) return undefined;
  return token.find(key);
}
