// Astro renders the human pages of the site; the build stage (scripts/site/render-pages.ts)
// passes root, outDir and cacheDir. Human pages and assets live under `_site/` (or at a
// repo's baseurl as its index.html) so they never collide with mirror paths.
import { defineConfig } from 'astro/config';
import mdx from '@astrojs/mdx';

export default defineConfig({
  srcDir: './site',
  publicDir: './public',
  integrations: [mdx()],
  trailingSlash: 'ignore',
  build: { format: 'directory', assets: '_site/assets', inlineStylesheets: 'always' },
  devToolbar: { enabled: false },
  telemetry: false,
});
