import { defineCollection } from 'astro:content';
import { glob } from 'astro/loaders';
import { z } from 'astro/zod';
import { packagesLoader, reposLoader } from '../scripts/catalog/catalog-loader.ts';

export const collections = {
  repos: defineCollection({ loader: reposLoader() }),
  packages: defineCollection({ loader: packagesLoader() }),
  runbooks: defineCollection({
    loader: glob({ pattern: '*.mdx', base: './content/runbooks' }),
    schema: z.object({ title: z.string(), summary: z.string(), order: z.number(), seed: z.string().optional() }),
  }),
};
