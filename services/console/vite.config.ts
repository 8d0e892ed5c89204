/**
 * Vite build of the web console: Preact through esbuild's automatic JSX runtime (no Babel
 * preset), output in dist/ which the API serves at `/`. `npm run dev -w services/console`
 * proxies /v1 to an API on 127.0.0.1:8080 for working on the console.
 */
import { defineConfig } from 'vite';

export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 1500 },
  server: { proxy: { '/v1': { target: 'http://127.0.0.1:8080' } } },
});
