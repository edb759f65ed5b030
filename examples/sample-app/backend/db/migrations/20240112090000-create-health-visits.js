'use strict';
/** Health visits: each time a student sees the school nurse, and what came of it. */
module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.sequelize.transaction(async (transaction) => {
      await queryInterface.createTable(
        'health_visits',
        {
          id: { type: Sequelize.BIGINT, primaryKey: true, autoIncrement: true },
          student_id: {
            type: Sequelize.INTEGER,
            allowNull: false,
            references: { model: 'students', key: 'id' },
            onDelete: 'CASCADE',
          },
          visited_at: { type: Sequelize.DATE, allowNull: false },
          reason: { type: Sequelize.STRING(200), allowNull: false },
          disposition: {
            type: Sequelize.ENUM('returned-to-class', 'sent-home', 'parent-called', 'emergency-services'),
            allowNull: false,
          },
          notes: { type: Sequelize.TEXT },
          created_at: { type: Sequelize.DATE, allowNull: false, defaultValue: Sequelize.fn('now') },
          updated_at: { type: Sequelize.DATE, allowNull: false, defaultValue: Sequelize.fn('now') },
        },
        { transaction },
      );
      await queryInterface.addIndex('health_visits', ['student_id', 'visited_at'], { transaction });
    });
  },

  async down(queryInterface) {
    await queryInterface.sequelize.transaction(async (transaction) => {
      await queryInterface.dropTable('health_visits', { transaction });
      await queryInterface.sequelize.query('DROP TYPE IF EXISTS "enum_health_visits_disposition"', {
        transaction,
      });
    });
  },
};
