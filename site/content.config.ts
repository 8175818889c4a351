import { defineCollection } from 'astro:content';
import { catalogLoader } from '../scripts/catalog/catalog-loader.ts';

export const collections = {
  repos: defineCollection({ loader: catalogLoader() }),
};
