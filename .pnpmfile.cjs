// A package's published package.json carries only what a consumer's install reads: the build
// scripts and development dependencies stay in the workspace.
module.exports = {
  hooks: {
    beforePacking(manifest) {
      delete manifest.scripts;
      delete manifest.devDependencies;
      return manifest;
    },
  },
};
