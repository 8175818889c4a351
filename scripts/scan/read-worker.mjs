/**
 * Worker-thread entry of the package reader pool (Piscina loads it in each thread): turns on
 * Node's compile cache in this thread too (it is per thread), then exposes runReadTasksForTransfer
 * (RPM, the default export) and runDebReadTasksForTransfer (`readDebs`).
 * Plain JavaScript so the TypeScript stripper is not loaded before the cache is on.
 */
import { enableCompileCache } from 'node:module';

enableCompileCache();
const { runReadTasksForTransfer } = await import('./read-task.ts');
const { runDebReadTasksForTransfer } = await import('./read-deb-task.ts');
export default runReadTasksForTransfer;
export const readDebs = runDebReadTasksForTransfer;
