// Builds better-sqlite3 for the installed Electron's ABI into .electron-native/, leaving the copy in
// node_modules (built for Node, used by the tests) untouched. Needs the network (Electron headers),
// which is there wherever the Electron binary itself could be downloaded.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const electronVersion = JSON.parse(
  fs.readFileSync(path.join(root, 'node_modules', 'electron', 'package.json'), 'utf8'),
).version;
const work = path.join(root, '.electron-native', 'build');
fs.rmSync(work, { recursive: true, force: true });
fs.mkdirSync(work, { recursive: true });
fs.cpSync(path.join(root, 'node_modules', 'better-sqlite3'), path.join(work, 'better-sqlite3'), {
  recursive: true,
  filter: (src) => !src.includes(`${path.sep}build${path.sep}`),
});
const nodeGyp = path.join(
  path.dirname(process.execPath),
  '..',
  'lib',
  'node_modules',
  'npm',
  'node_modules',
  'node-gyp',
  'bin',
  'node-gyp.js',
);
execFileSync(
  process.execPath,
  [
    nodeGyp,
    'rebuild',
    '--release',
    `--target=${electronVersion}`,
    '--runtime=electron',
    '--dist-url=https://electronjs.org/headers',
  ],
  { cwd: path.join(work, 'better-sqlite3'), stdio: 'inherit' },
);
fs.copyFileSync(
  path.join(work, 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'),
  path.join(root, '.electron-native', 'better_sqlite3.node'),
);
fs.rmSync(work, { recursive: true, force: true });
console.log(`better-sqlite3 built for Electron ${electronVersion}`);
