// Refuse to run the suite on a Node.js older than the runners' (node24): on Node 20 the
// tests would pass against a runtime our users never have.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    `::error::Node ${process.version} is older than 24, the runtime of our actions. ` +
      'Run `source .ci/node24.sh` first (it fetches node@24 from the npm registry when needed).',
  );
  process.exit(1);
}
