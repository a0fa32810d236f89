// vite build → dist/: a static app; the Parley server URL comes from ?server= or VITE_PARLEY_URL.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  server: { port: 5173, host: 'localhost' },
  preview: { port: 4173, host: 'localhost' },
  build: { target: 'es2022', sourcemap: true },
});
