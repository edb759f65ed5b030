export * from './types.js';
export * from './runner.js';
export * from './oidc.js';
export * from './receivers.js';
export { WorkflowFileError, loadWorkflow } from './parser.js';
export { evaluate, ExpressionFailure } from './expressions.js';
export * from './git-api.js';
export * from './git-server.js';
