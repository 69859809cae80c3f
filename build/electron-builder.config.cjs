// electron-builder configuration: `npm run dist` (needs the network to fetch Electron).
// Native modules (better-sqlite3) are rebuilt for Electron's ABI by install-app-deps / npmRebuild.
/** @type {import('electron-builder').Configuration} */
module.exports = {
  appId: 'com.vmspartner.admin',
  productName: 'VMS Partner Admin',
  directories: { output: 'release', buildResources: 'build' },
  files: ['out/main/**', 'out/preload/**', 'out/renderer/**', 'package.json', '!**/*.map'],
  asar: true,
  asarUnpack: ['**/node_modules/better-sqlite3/**'],
  npmRebuild: true,
  electronFuses: {
    runAsNode: false,
    enableCookieEncryption: true,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
  },
  linux: { target: ['AppImage', 'deb'], category: 'Utility', maintainer: 'VMS Partner Admin team' },
  deb: { depends: ['libnss3', 'libsecret-1-0'] },
  win: { target: ['nsis'] },
  nsis: { oneClick: false, perMachine: false, allowToChangeInstallationDirectory: true },
  mac: { target: ['dmg'], category: 'public.app-category.business', hardenedRuntime: true },
};
