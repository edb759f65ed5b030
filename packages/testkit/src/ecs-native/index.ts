export * from './machine.js';
export * from './server.js';
export * from './fixture.js';
