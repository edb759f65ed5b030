export * from './ports.js';
export * from './moto.js';
export * from './postgres.js';
export * from './tls.js';
export * from './aws-proxy.js';
export * from './run-action.js';
export * from './fake-time.js';
