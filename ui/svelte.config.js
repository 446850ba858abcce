import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

export default {
  preprocess: vitePreprocess(),
  compilerOptions: {
    // Styles go to the extracted CSS file, never injected at runtime (strict CSP).
    css: 'external',
  },
};
