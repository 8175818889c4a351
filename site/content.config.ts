import { defineCollection } from 'astro:content';
import { packagesLoader, reposLoader } from '../scripts/catalog/catalog-loader.ts';

export const collections = {
  repos: defineCollection({ loader: reposLoader() }),
  packages: defineCollection({ loader: packagesLoader() }),
};
