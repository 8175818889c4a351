/**
 * Worker-thread entry of the package reader pool (Piscina loads it in each thread): turns on
 * Node's compile cache in this thread too (it is per thread), then exposes runReadTasksForTransfer.
 * Plain JavaScript so the TypeScript stripper is not loaded before the cache is on.
 */
import { enableCompileCache } from 'node:module';

enableCompileCache();
const { runReadTasksForTransfer } = await import('./read-task.ts');
export default runReadTasksForTransfer;
