import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The renderer: built to out/renderer and served by either host (app:// in Electron, 127.0.0.1 in
// the browser host). Relative asset URLs work under both origins.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../out/renderer',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // VMS_DEBUG_BUILD=1 keeps names readable for profiling.
    minify: process.env.VMS_DEBUG_BUILD !== '1',
    chunkSizeWarningLimit: 1500,
  },
});
