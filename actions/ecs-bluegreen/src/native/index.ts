/** Strategy ecs-native: the entry points main.ts wires in (see README.md beside this file). */
export * from './aws.js';
export * from './config.js';
export * from './deploy.js';
export * from './lifecycle.js';
export * from './preflight.js';
