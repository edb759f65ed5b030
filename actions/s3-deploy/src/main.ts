/**
 * s3-deploy: publishes a frontend build to S3 by content hash, assets before HTML, then one
 * waited CloudFront invalidation.
 */
import { runAction, type ActionDefinition } from '@white-cross/core';
import { parseInputs, type DeployInputs } from './inputs.js';
import { ACTION, VERSION, deploy } from './deploy.js';

export const s3Deploy: ActionDefinition<DeployInputs> = {
  name: ACTION,
  version: VERSION,
  parseInputs,
  run: deploy,
};

/** The action's entry point. */
export const run = () => runAction(s3Deploy);
