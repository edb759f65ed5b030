'use strict';
/** A follow-up flag on visits, with a partial index for the nurse's "to follow up" list. */
module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.sequelize.transaction(async (transaction) => {
      await queryInterface.addColumn(
        'health_visits',
        'follow_up_required',
        { type: Sequelize.BOOLEAN, allowNull: false, defaultValue: false },
        { transaction },
      );
      await queryInterface.addIndex('health_visits', ['student_id'], {
        name: 'health_visits_follow_up',
        where: { follow_up_required: true },
        transaction,
      });
    });
  },

  async down(queryInterface) {
    await queryInterface.sequelize.transaction(async (transaction) => {
      await queryInterface.removeIndex('health_visits', 'health_visits_follow_up', { transaction });
      await queryInterface.removeColumn('health_visits', 'follow_up_required', { transaction });
    });
  },
};
