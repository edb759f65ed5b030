'use strict';
/**
 * The sequelize models, connected through DATABASE_URL with the settings in ../config.cjs.
 * `require('./db/models')` returns `{ sequelize, Student, HealthVisit, AuditLog }`.
 */
const { Sequelize } = require('sequelize');
const config = require('../config.cjs')[process.env.NODE_ENV || 'development'];

const { use_env_variable: urlVariable, ...options } = config;
const url = process.env[urlVariable];
if (!url) throw new Error(`${urlVariable} is not set`);
const sequelize = new Sequelize(url, options);

const models = {
  Student: require('./student.cjs')(sequelize),
  HealthVisit: require('./health-visit.cjs')(sequelize),
  AuditLog: require('./audit-log.cjs')(sequelize),
};
for (const model of Object.values(models)) if (model.associate) model.associate(models);

module.exports = { sequelize, ...models };
