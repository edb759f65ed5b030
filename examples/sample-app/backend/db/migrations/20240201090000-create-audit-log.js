'use strict';
/** The PHI-access audit log HIPAA asks for: who did what to which record, when. Never the record itself. */
module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.sequelize.transaction(async (transaction) => {
      await queryInterface.createTable(
        'audit_log',
        {
          id: { type: Sequelize.BIGINT, primaryKey: true, autoIncrement: true },
          occurred_at: { type: Sequelize.DATE, allowNull: false, defaultValue: Sequelize.fn('now') },
          actor: { type: Sequelize.STRING(120), allowNull: false },
          action: { type: Sequelize.STRING(40), allowNull: false },
          entity: { type: Sequelize.STRING(40), allowNull: false },
          entity_id: { type: Sequelize.STRING(40) },
          request_id: { type: Sequelize.UUID },
          details: { type: Sequelize.JSONB, allowNull: false, defaultValue: {} },
        },
        { transaction },
      );
      await queryInterface.addIndex('audit_log', ['occurred_at'], { transaction });
      await queryInterface.addIndex('audit_log', ['entity', 'entity_id'], { transaction });
    });
  },

  async down(queryInterface) {
    await queryInterface.dropTable('audit_log');
  },
};
