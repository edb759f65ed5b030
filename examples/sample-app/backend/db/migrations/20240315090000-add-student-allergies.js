'use strict';
/** Allergies on the student record, so the nurse sees them before giving any medication. */
module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.addColumn('students', 'allergies', {
      type: Sequelize.ARRAY(Sequelize.STRING(80)),
      allowNull: false,
      defaultValue: [],
    });
  },

  async down(queryInterface) {
    await queryInterface.removeColumn('students', 'allergies');
  },
};
