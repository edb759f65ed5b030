'use strict';
/**
 * Database settings for sequelize-cli and the models, the same in every environment: the
 * connection comes from DATABASE_URL (a secret, never written here), TLS from PGSSLMODE
 * (`require` unless told otherwise; `verify-full` also checks the certificate against the
 * trusted CAs, e.g. the RDS bundle given in NODE_EXTRA_CA_CERTS).
 *
 * Session settings such as lock_timeout and statement_timeout come from PGOPTIONS, which the
 * pg driver reads itself (db-migrate sets them for migration runs).
 */
function sslOption(mode) {
  if (mode === 'disable') return false;
  return { require: true, rejectUnauthorized: mode === 'verify-full' || mode === 'verify-ca' };
}

const settings = {
  use_env_variable: 'DATABASE_URL',
  dialect: 'postgres',
  logging: false,
  migrationStorageTableName: 'SequelizeMeta',
  dialectOptions: { ssl: sslOption(process.env.PGSSLMODE || 'require') },
  define: { underscored: true },
};

module.exports = {
  development: settings,
  test: settings,
  staging: settings,
  production: settings,
};
