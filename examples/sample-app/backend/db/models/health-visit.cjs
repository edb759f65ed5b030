'use strict';
const { DataTypes } = require('sequelize');

/** A visit to the school nurse (table `health_visits`). */
module.exports = (sequelize) => {
  const HealthVisit = sequelize.define(
    'HealthVisit',
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      studentId: { type: DataTypes.INTEGER, allowNull: false },
      visitedAt: { type: DataTypes.DATE, allowNull: false },
      reason: { type: DataTypes.STRING(200), allowNull: false },
      disposition: {
        type: DataTypes.ENUM('returned-to-class', 'sent-home', 'parent-called', 'emergency-services'),
        allowNull: false,
      },
      notes: { type: DataTypes.TEXT },
      followUpRequired: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    },
    { tableName: 'health_visits', underscored: true },
  );
  HealthVisit.associate = (models) => {
    HealthVisit.belongsTo(models.Student, { foreignKey: 'studentId', as: 'student' });
  };
  return HealthVisit;
};
