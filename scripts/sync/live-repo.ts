/** A repo during a sync run: its plan, connections, lock, what failed, and its summary row. */
import type { Diagnostic } from '../errors/catalogue.ts';
import type { SyncRepo } from '../config/config-schema.ts';
import type { RepoPlan } from './plan-repo.ts';
import type { Transfer } from './transfer.ts';

/** What happened to one repo (sizes in bytes). */
export interface RepoSummary {
  id: string; path: string;
  /** `rpm` or `deb` (its index is repodata, or apt's Release and Packages files). */
  format: 'rpm' | 'deb';
  status: 'planned' | 'up to date' | 'synced' | 'partial' | 'failed';
  subset: boolean; reasons: string[];
  toFetch: number; toFetchBytes: number; fetched: number; fetchedBytes: number;
  present: number; presentBytes: number; removed: number; removeBytes: number; failed: number;
  repodata: 'updated' | 'unchanged' | 'left as it was';
  /** An apt repo read at a snapshot: its id and the URL it was read from. */
  snapshot?: { id: string; url: string };
}

/** Progress callbacks: each repo's plan, the transfer totals, bytes received, a file done, problems, removals. */
export interface SyncEvents {
  planned?(plan: RepoPlan): void;
  start?(files: number, bytes: number): void;
  bytes?(n: number): void;
  file?(): void;
  diagnostic?(d: Diagnostic): void;
  removing?(repoPath: string, path: string): void;
}

/** A planned repo of the run; `failed` holds the repo paths of files that could not be fetched or written. */
export interface LiveRepo {
  plan: RepoPlan; transfer: Transfer; release?: () => Promise<void>; summary: RepoSummary; failed: Set<string>;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** The summary row of a freshly planned repo. */
export const plannedSummary = (p: RepoPlan): RepoSummary => ({
  id: p.repo.id, path: p.path, format: p.format, status: p.upToDate ? 'up to date' : 'planned', subset: p.subset,
  reasons: p.reasons,
  toFetch: p.fetch.length, toFetchBytes: sum(p.fetch.map((f) => f.expect.size ?? 0)), fetched: 0, fetchedBytes: 0,
  present: p.take.length - p.fetch.length, presentBytes: p.presentBytes, removed: p.remove.length,
  removeBytes: p.removeBytes, failed: 0, repodata: p.upToDate ? 'unchanged' : 'left as it was',
  ...(p.repo.snapshot ? { snapshot: { id: p.repo.snapshot, url: p.repo.baseurl } } : {}),
});

/** The summary row of a repo that could not be planned. */
export const failedSummary = (r: SyncRepo, path: string): RepoSummary => ({
  id: r.id, path, format: r.type, status: 'failed', subset: false, reasons: [], toFetch: 0, toFetchBytes: 0, fetched: 0,
  fetchedBytes: 0, present: 0, presentBytes: 0, removed: 0, removeBytes: 0, failed: 1, repodata: 'left as it was',
});
