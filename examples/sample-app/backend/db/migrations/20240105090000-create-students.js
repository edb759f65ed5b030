'use strict';
/** Students: the people the school nurse cares for. Identifiers only; clinical data lives in health_visits. */
module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.sequelize.transaction(async (transaction) => {
      await queryInterface.createTable(
        'students',
        {
          id: { type: Sequelize.INTEGER, primaryKey: true, autoIncrement: true },
          student_number: { type: Sequelize.STRING(20), allowNull: false, unique: true },
          first_name: { type: Sequelize.STRING(100), allowNull: false },
          last_name: { type: Sequelize.STRING(100), allowNull: false },
          date_of_birth: { type: Sequelize.DATEONLY, allowNull: false },
          grade: { type: Sequelize.SMALLINT, allowNull: false },
          school_code: { type: Sequelize.STRING(12), allowNull: false },
          created_at: { type: Sequelize.DATE, allowNull: false, defaultValue: Sequelize.fn('now') },
          updated_at: { type: Sequelize.DATE, allowNull: false, defaultValue: Sequelize.fn('now') },
        },
        { transaction },
      );
      await queryInterface.addIndex('students', ['school_code', 'last_name'], { transaction });
    });
  },

  async down(queryInterface) {
    await queryInterface.dropTable('students');
  },
};
