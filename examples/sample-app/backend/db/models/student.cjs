'use strict';
const { DataTypes } = require('sequelize');

/** A student (table `students`). */
module.exports = (sequelize) => {
  const Student = sequelize.define(
    'Student',
    {
      studentNumber: { type: DataTypes.STRING(20), allowNull: false, unique: true },
      firstName: { type: DataTypes.STRING(100), allowNull: false },
      lastName: { type: DataTypes.STRING(100), allowNull: false },
      dateOfBirth: { type: DataTypes.DATEONLY, allowNull: false },
      grade: { type: DataTypes.SMALLINT, allowNull: false },
      schoolCode: { type: DataTypes.STRING(12), allowNull: false },
      allergies: { type: DataTypes.ARRAY(DataTypes.STRING(80)), allowNull: false, defaultValue: [] },
    },
    { tableName: 'students', underscored: true },
  );
  Student.associate = (models) => {
    Student.hasMany(models.HealthVisit, { foreignKey: 'studentId', as: 'visits' });
  };
  return Student;
};
