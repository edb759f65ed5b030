'use strict';
const { DataTypes } = require('sequelize');

/** One PHI-access audit entry (table `audit_log`); append-only, so no updated_at. */
module.exports = (sequelize) =>
  sequelize.define(
    'AuditLog',
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      occurredAt: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
      actor: { type: DataTypes.STRING(120), allowNull: false },
      action: { type: DataTypes.STRING(40), allowNull: false },
      entity: { type: DataTypes.STRING(40), allowNull: false },
      entityId: { type: DataTypes.STRING(40) },
      requestId: { type: DataTypes.UUID },
      details: { type: DataTypes.JSONB, allowNull: false, defaultValue: {} },
    },
    { tableName: 'audit_log', underscored: true, timestamps: false },
  );
