import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// Built into dist/console, which `tracardi gui` (and the standalone process) serves.
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL("../dist/console", import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    // `npx vite -c console/vite.config.ts` in development: the API of a local standalone process.
    proxy: { "/api": process.env.TRACARDI_GUI_API_URL ?? "http://127.0.0.1:8687" },
  },
});
