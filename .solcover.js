// solidity-coverage: test-only contracts are not part of what ships.
module.exports = {
  skipFiles: ["mocks/"],
};
