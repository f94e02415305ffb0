import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'

/**
 * The web UI's build: `dist/index.html` and hashed `dist/assets/*`, which `baton api` serves at
 * `/` and `/assets/`. `npm run dev -w @baton/ui` serves it with hot reload and proxies API calls to
 * BATON_API_URL (default http://127.0.0.1:8080).
 */
const api = process.env.BATON_API_URL ?? 'http://127.0.0.1:8080'
const apiPaths = ['/me', '/workflows', '/runs', '/events', '/alerts', '/backfills', '/dead-letters', '/audit', '/tokens', '/landings', '/freshness', '/sources', '/openapi.json']

export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 2500,
    reportCompressedSize: false,
  },
  worker: { format: 'es' },
  server: { proxy: Object.fromEntries(['/ui/config', ...apiPaths].map((p) => [p, { target: api, changeOrigin: true }])) },
})
