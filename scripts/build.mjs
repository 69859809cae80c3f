// Builds everything the app runs: the renderer (Vite), the browser host, and the Electron main and
// preload (esbuild bundles; better-sqlite3 and electron stay external). `--if-stale` skips the
// build when every output is newer than every source, so `npm start` stays quick.
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
// VMS_OUT_DIR lets parallel work (or a second checkout) build somewhere other than out/.
const outDir = process.env.VMS_OUT_DIR ?? 'out';
const outputs = [
  'host/host.cjs',
  'main/main.cjs',
  'preload/preload.cjs',
  'host/pull-worker.cjs',
  'main/pull-worker.cjs',
  'host/checkpoint-worker.cjs',
  'main/checkpoint-worker.cjs',
  'renderer/index.html',
].map((o) => `${outDir}/${o}`);
const sources = [
  'shared',
  'electron',
  'renderer',
  'package.json',
  'vite.config.ts',
  'scripts/build.mjs',
];

function newest(p) {
  const full = path.join(root, p);
  if (!fs.existsSync(full)) return 0;
  const st = fs.statSync(full);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const entry of fs.readdirSync(full)) max = Math.max(max, newest(path.join(p, entry)));
  return max;
}

if (process.argv.includes('--if-stale')) {
  const oldestOut = Math.min(
    ...outputs.map((o) =>
      fs.existsSync(path.join(root, o)) ? fs.statSync(path.join(root, o)).mtimeMs : 0,
    ),
  );
  const newestSrc = Math.max(...sources.map(newest));
  if (oldestOut > newestSrc) process.exit(0);
}

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  logLevel: 'warning',
  absWorkingDir: root,
  define: { __APP_VERSION__: JSON.stringify(pkg.version) },
};

await viteBuild({
  configFile: path.join(root, 'vite.config.ts'),
  logLevel: 'warn',
  build: { outDir: path.resolve(root, outDir, 'renderer') },
});
await Promise.all([
  esbuild({
    ...common,
    entryPoints: ['electron/host/main.ts'],
    outfile: `${outDir}/host/host.cjs`,
    external: ['better-sqlite3'],
  }),
  esbuild({
    ...common,
    entryPoints: ['electron/shell/main.ts'],
    outfile: `${outDir}/main/main.cjs`,
    external: ['electron', 'better-sqlite3', 'electron-store'],
  }),
  // The pull worker (electron/sync/pull-worker-client.ts), next to each process that starts it.
  ...['host', 'main'].map((dir) =>
    esbuild({
      ...common,
      entryPoints: ['electron/sync/pull-worker.ts'],
      outfile: `${outDir}/${dir}/pull-worker.cjs`,
    }),
  ),
  // The WAL checkpointer (electron/db/checkpointer.ts), likewise; better-sqlite3 stays external.
  ...['host', 'main'].map((dir) =>
    esbuild({
      ...common,
      entryPoints: ['electron/db/checkpoint-worker.ts'],
      outfile: `${outDir}/${dir}/checkpoint-worker.cjs`,
      external: ['better-sqlite3'],
    }),
  ),
  // Sandboxed preloads must be a single CommonJS file that requires nothing but 'electron'.
  esbuild({
    ...common,
    entryPoints: ['electron/shell/preload.ts'],
    outfile: `${outDir}/preload/preload.cjs`,
    external: ['electron'],
    platform: 'browser',
    format: 'cjs',
  }),
]);
console.log(`built ${outDir}/`);
