/**
 * The dependency closure of a sync run (`sync.closure`, `--nodes`): every repo taking part
 * offers its upstream packages while it is planned; once all have offered (or failed), the
 * closure of each node pool is resolved across all of them (closure/pool-closure.ts) and
 * each repo learns which of its packages to take. Module streams are read from each repo's
 * modules.yaml, and file requires that primary.xml cannot answer are looked up in the
 * filelists of the repos (only the paths needed are kept). Missing roots and unmet
 * requirements are reported per package and per pool. Ubuntu pools are resolved the same way over
 * the apt repos taking part (closure/apt-closure.ts, apt's rules), RHCOS and RHEL pools over the
 * RPM repos; a pool kernel's packages that upstream dropped but the mirror still holds take part too
 * (offered as local), so they are kept.
 */
import { sha256 } from '../sha256.ts';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Diagnostics } from '../errors/catalogue.ts';
import type { ClosureConfig, SyncRepo } from '../config/config-schema.ts';
import {
  type PrimaryEntry, lookupFilelists, unpackMetadata, readPackage, type Dependency, type PackageRecord,
  type UpstreamData
} from '../formats/format.ts';
import { basename } from 'node:path';
import { ClosureIndex, requiredPaths, type ClosurePackage } from '../closure/closure-index.ts';
import { closurePackages, fromPrimary } from '../closure/closure-packages.ts';
import { isRich, type RichDep } from '../closure/rich-dependency.ts';
import { filterModular, readModuleIndex } from '../closure/module-streams.ts';
import { poolClosure, type PoolClosure, type PoolTarget } from '../closure/pool-closure.ts';
import { aptPoolClosure, type AptPoolClosure } from '../closure/apt-closure.ts';
import { dpkgArch, debNva, type AptIndexEntry } from '../formats/format.ts';

/**
 * A node pool of the run: target kernel and (rpm) arch, its nodes (none for a kernel from the
 * config), and its OS (`ubuntu` pools take their packages from the apt repos; others from RPM ones).
 */
export interface SyncPool extends PoolTarget { nodes: string[]; os?: string; osVersion?: string }

/** What an apt repo offers: its upstream packages, and those only the mirror still has (`local`). */
export interface AptOffer { repo: SyncRepo; entries: AptIndexEntry[]; local: Set<AptIndexEntry> }

/** What a repo offers: its selected upstream packages, and a way to get one of its metadata files locally. */
export interface ClosureOffer {
  repo: SyncRepo; entries: PrimaryEntry[];
  /** Local path of the repo's upstream metadata of `type` (fetched when needed), undefined when upstream has none. */
  metadataFile(type: string): Promise<{ path: string; entry: UpstreamData } | undefined>;
}

/** One pool's outcome as the summary prints it (sizes in bytes). */
export interface PoolReport {
  id: string; kernel: string; arch: string; nodes: string[];
  roots: string[]; missing: string[]; packages: number; bytes: number; unmet: string[];
}

/** Requirements no package meets, by package and requirement, with the pools they break (in the order met). */
class UnmetByPool {
  private readonly byKey = new Map<string, { who: string; dep: string; pools: string[] }>();

  add(who: string, dep: string, pool: string): void {
    const k = `${who}\0${dep}`;
    (this.byKey.get(k) ?? this.byKey.set(k, { who, dep, pools: [] }).get(k)!).pools.push(pool);
  }

  /** One line per package and requirement, naming every pool. */
  report(diags: Diagnostics, code: 'closure-unresolved' | 'closure-unresolved-weak'): void {
    for (const { who, dep, pools } of this.byKey.values()) diags.report(code, who, dep, pools.join(', '));
  }
}

/** Collects the offers of the repos taking part and resolves the closure once all are in. */
export class ClosurePlanner {
  /** Per pool, after the closure is resolved. */
  readonly reports: PoolReport[] = [];
  private readonly pools: SyncPool[];
  private readonly config: ClosureConfig;
  private readonly diags: Diagnostics;
  private readonly waiting: Set<string>;
  private readonly offers = new Map<string, ClosureOffer>();
  private readonly aptOffers = new Map<string, AptOffer>();
  /** The pools that took each apt package (for the plan's "kept" lines). */
  private readonly aptPoolsOf = new Map<AptIndexEntry, string[]>();
  private readonly done: Promise<Map<string, Set<PrimaryEntry | AptIndexEntry>>>;
  private settle!: () => void;
  /** Changes when the closure request or the pools change (part of each repo's selection key). */
  readonly key: string;
  /** Profile roots upstream no longer has: name, version-release when pinned, arch, pool. */
  private readonly prunedRoots: { name: string; versionRelease?: string; arch: string; pool: string }[] = [];
  /** Unmet requirements with the pools they break. */
  private readonly unmetNeeds: { need: Dependency; arch: string; pool: string }[] = [];

  /**
   * @param participants ids of the repos taking part
   * @param pools the node pools; none for package roots only (one pool per arch is then made)
   */
  constructor(participants: string[], pools: SyncPool[], config: ClosureConfig, diags: Diagnostics) {
    this.pools = pools;
    this.config = config;
    this.diags = diags;
    this.key = sha256(JSON.stringify({ config, pools }));
    this.waiting = new Set(participants);
    const ready = new Promise<void>((resolve) => { this.settle = resolve; });
    this.done = ready.then(() => this.resolve());
    this.done.catch(() => {});
    if (!this.waiting.size) this.settle();
  }

  /** True when `repoId` takes part. */
  participates(repoId: string): boolean {
    return this.waiting.has(repoId) || this.offers.has(repoId) || this.aptOffers.has(repoId);
  }

  /** Offers a repo's packages; resolves to the ones to take once every repo taking part has offered or failed. */
  async offer(o: ClosureOffer): Promise<Set<PrimaryEntry>> {
    this.offers.set(o.repo.id, o);
    this.leave(o.repo.id);
    return ((await this.done).get(o.repo.id) ?? new Set()) as Set<PrimaryEntry>;
  }

  /** Offers an apt repo's packages; as offer(). */
  async offerApt(o: AptOffer): Promise<Set<AptIndexEntry>> {
    this.aptOffers.set(o.repo.id, o);
    this.leave(o.repo.id);
    return ((await this.done).get(o.repo.id) ?? new Set()) as Set<AptIndexEntry>;
  }

  /** The pools whose closure took `e` (an apt package), sorted. */
  poolsTaking(e: AptIndexEntry): string[] {
    return [...(this.aptPoolsOf.get(e) ?? [])].sort();
  }

  /** Marks a repo as out of the run (it failed before offering); a no-op after its offer. */
  withdraw(repoId: string): void {
    this.leave(repoId);
  }

  private leave(repoId: string): void {
    if (this.waiting.delete(repoId) && !this.waiting.size) this.settle();
  }

  private async resolve(): Promise<Map<string, Set<PrimaryEntry | AptIndexEntry>>> {
    const take = new Map<string, Set<PrimaryEntry | AptIndexEntry>>();
    if (this.offers.size) await this.resolveRpm(take);
    if (this.aptOffers.size) this.resolveApt(take);
    return take;
  }

  /** The RPM pools' closures over the RPM repos' packages, added to `take`. */
  private async resolveRpm(take: Map<string, Set<PrimaryEntry | AptIndexEntry>>): Promise<void> {
    const entryOf = new Map<ClosurePackage, PrimaryEntry>();
    const all: ClosurePackage[] = [];
    for (const [repoId, o] of this.offers) {
      for (const e of o.entries) {
        if (e.arch === 'src') continue;
        const p = fromPrimary(repoId, e);
        entryOf.set(p, e);
        all.push(p);
      }
    }
    const visible = await this.moduleFilter(all);
    await this.addFileProvides(visible, entryOf);
    const results = this.targets(visible).map((pool) => poolClosure(visible, pool, {
      profiles: this.config.profiles, newest: this.config.newest,
      ...(this.config.weakDeps !== undefined ? { weakDeps: this.config.weakDeps } : {}),
      packages: [...this.config.packages, ...[...this.offers.values()]
        .flatMap((o) => (o.repo.packages ?? []).map((entry) => ({ entry, repoId: o.repo.id })))],
    }));
    this.report(results);
    for (const r of results) for (const p of r.packages) {
      const set = take.get(p.repoId) ?? take.set(p.repoId, new Set()).get(p.repoId)!;
      set.add(entryOf.get(p)!);
    }
  }

  /**
   * The Ubuntu pools' closures over the apt repos' packages (with none, package roots only: one
   * pool per architecture the apt repos index), added to `take`.
   */
  private resolveApt(take: Map<string, Set<PrimaryEntry | AptIndexEntry>>): void {
    const repoOf = new Map<AptIndexEntry, string>();
    const all: AptIndexEntry[] = [];
    const local = new Set<AptIndexEntry>();
    for (const [repoId, o] of this.aptOffers) {
      for (const e of o.entries) { repoOf.set(e, repoId); all.push(e); }
      for (const e of o.local) { repoOf.set(e, repoId); all.push(e); local.add(e); }
    }
    let pools: SyncPool[] = this.pools.filter((p) => p.os === 'ubuntu');
    if (!this.pools.length) {
      const offered = [...this.aptOffers.values()].flatMap((o) => o.repo.architectures ?? ['amd64']);
      const arches = [...new Set(offered)].sort();
      pools = arches.map((arch) => ({ id: `packages-${arch}`, kernel: '', arch, nodes: [], os: 'ubuntu' }));
    }
    const packages = [...this.config.packages, ...[...this.aptOffers.values()]
      .flatMap((o) => (o.repo.packages ?? []).map((entry) => ({ entry, repoId: o.repo.id })))];
    const results = pools.map((pool) => aptPoolClosure(all, {
      id: pool.id, kernel: pool.kernel, arch: dpkgArch(pool.arch),
      ...(pool.osVersion ? { osVersion: pool.osVersion } : {}),
    }, {
      profiles: this.config.profiles, packages, repoOf: (e) => repoOf.get(e)!,
      ...(this.config.weakDeps !== undefined ? { weakDeps: this.config.weakDeps } : {}),
    }));
    this.reportApt(pools, results);
    for (const r of results) for (const e of r.packages) {
      const repoId = repoOf.get(e)!;
      (take.get(repoId) ?? take.set(repoId, new Set()).get(repoId)!).add(e);
      (this.aptPoolsOf.get(e) ?? this.aptPoolsOf.set(e, []).get(e)!).push(r.pool.id);
    }
  }

  /** Reports the apt pools' outcome: roots upstream no longer has, unmet relations, a kernel of unknown gcc. */
  private reportApt(pools: SyncPool[], results: AptPoolClosure[]): void {
    const unmet = new UnmetByPool();
    for (const [i, r] of results.entries()) {
      const pool = pools[i]!;
      for (const w of r.wanted.filter((x) => !x.found.length && !x.optional)) {
        if (w.pinned) this.diags.report('closure-kernel-gone', w.want, pool.id, pool.kernel);
        else this.diags.report('closure-missing', w.want, pool.id);
      }
      if (r.gccUnknown) this.diags.report('closure-gcc-unknown', pool.id, pool.kernel);
      for (const u of r.unmet) unmet.add(debNva(u.pkg), u.dep, pool.id);
      this.reports.push({
        id: pool.id, kernel: pool.kernel, arch: r.pool.arch, nodes: pool.nodes,
        roots: r.wanted.flatMap((w) => w.found.map(debNva)), missing: r.missing, packages: r.packages.length,
        bytes: r.bytes, unmet: r.unmet.map((u) => `${debNva(u.pkg)} depends on ${u.dep}`),
      });
    }
    unmet.report(this.diags, 'closure-unresolved');
  }

  /**
   * The pools to resolve: the node pools, or with none (package roots only, no profile) one per
   * arch of the packages offered (noarch alone when every package is noarch).
   */
  private targets(visible: ClosurePackage[]): SyncPool[] {
    if (this.pools.length) return this.pools.filter((p) => p.os !== 'ubuntu');
    const arches = [...new Set(visible.map((p) => p.arch).filter((a) => a !== 'noarch'))].sort();
    return (arches.length ? arches : ['noarch']).map((arch) => ({ id: `packages-${arch}`, kernel: '', arch, nodes: [] }));
  }

  /** Applies module streams (config `modules`, else defaults) over every repo's modules.yaml. */
  private async moduleFilter(all: ClosurePackage[]): Promise<ClosurePackage[]> {
    const texts: string[] = [];
    for (const o of this.offers.values()) {
      try {
        const m = await o.metadataFile('modules');
        if (!m) continue;
        const data = unpackMetadata(m.path, await readFile(m.path));
        if (!data) throw new Error(`${m.entry.href}: compression not readable here (only .gz, .zst and plain .yaml)`);
        texts.push(data.toString('utf8'));
      } catch (err) {
        this.diags.report('closure-bad-module', o.repo.baseurl, `modules.yaml unusable: ${(err as Error).message}`);
      }
    }
    const { visible, problems } = filterModular(all, readModuleIndex(texts), this.config.modules);
    for (const p of problems) this.diags.report('closure-bad-module', 'sync.closure.modules', p);
    return visible;
  }

  /** Adds to each package the required paths it ships according to its repo's filelists. */
  private async addFileProvides(pkgs: ClosurePackage[], entryOf: Map<ClosurePackage, PrimaryEntry>): Promise<void> {
    const shipped = new Set(pkgs.flatMap((p) => p.files));
    const wanted = new Set([...requiredPaths(pkgs)].filter((f) => !shipped.has(f)));
    if (!wanted.size) return;
    const byRepo = new Map<string, Map<string, ClosurePackage>>();
    for (const p of pkgs) {
      const m = byRepo.get(p.repoId) ?? byRepo.set(p.repoId, new Map()).get(p.repoId)!;
      m.set(entryOf.get(p)!.checksum, p);
    }
    for (const [repoId, o] of this.offers) {
      const pkgids = byRepo.get(repoId);
      if (!pkgids) continue;
      try {
        const f = await o.metadataFile('filelists');
        if (!f) continue;
        const hits = await lookupFilelists(createReadStream(f.path), f.entry.href, wanted);
        for (const [pkgid, paths] of hits) pkgids.get(pkgid)?.files.push(...paths);
      } catch (err) {
        const why = `filelists unusable for file requires: ${(err as Error).message}`;
        this.diags.report('sync-repomd-bad', o.repo.baseurl, why);
      }
    }
  }

  /**
   * The pools that still need a local package upstream no longer lists (so `--delete` keeps it),
   * judged from its header: a profile root of the pool (pinned: same version-release and arch),
   * or a package meeting a requirement left unmet. Empty when none does or the file is no package.
   */
  async neededLocally(repoId: string, file: string): Promise<string[]> {
    if (!this.unmetNeeds.length && !this.prunedRoots.length) return [];
    let record: PackageRecord;
    try {
      record = await readPackage(file, basename(file), { changelogLimit: 0 });
    } catch {
      return [];
    }
    const [pkg] = closurePackages([{ repoId, packages: [record] }]);
    if (!pkg) return [];
    pkg.files = record.files.map((f) => f.path);
    const ix = new ClosureIndex([pkg]);
    const only = new Set([pkg]);
    const fits = (arch: string) => pkg.arch === arch || pkg.arch === 'noarch';
    const roots = this.prunedRoots.filter((w) => w.name === pkg.name && fits(w.arch)
      && (!w.versionRelease || `${pkg.version}-${pkg.release}` === w.versionRelease)).map((w) => w.pool);
    const meets = (need: Dependency) => ix.met(need, only)
      || (isRich(need.name) && ix.richProviders(ix.parsed(need.name) as RichDep).includes(pkg));
    const providers = this.unmetNeeds.filter((u) => fits(u.arch) && meets(u.need)).map((u) => u.pool);
    return [...new Set([...roots, ...providers])].sort();
  }

  /** Reports missing roots and unmet requirements (one line per package and requirement, naming every pool). */
  private report(results: PoolClosure[]): void {
    const missing = new Map<string, string[]>();
    const unmet = new UnmetByPool(), weakUnmet = new UnmetByPool();
    for (const r of results) {
      for (const m of r.missing) missing.set(m, [...(missing.get(m) ?? []), r.pool.id]);
      for (const w of r.wanted.filter((x) => !x.found.length && x.name)) {
        this.prunedRoots.push({ name: w.name!, arch: r.target.arch, pool: r.pool.id,
          ...(w.pinned ? { versionRelease: r.target.versionRelease } : {}) });
      }
      for (const u of r.unmet) {
        unmet.add(`${u.pkg.nevra} (${u.pkg.repoId})`, u.dep, r.pool.id);
        this.unmetNeeds.push({ need: u.need, arch: r.target.arch, pool: r.pool.id });
      }
      for (const u of r.weakUnmet) weakUnmet.add(`${u.pkg.nevra} (${u.pkg.repoId})`, u.dep, r.pool.id);
      this.reports.push({
        id: r.pool.id, kernel: r.pool.kernel, arch: r.target.arch, nodes: (r.pool as SyncPool).nodes ?? [],
        roots: r.wanted.flatMap((w) => w.found.map((p) => p.nevra)), missing: r.missing,
        packages: r.packages.length, bytes: r.bytes,
        unmet: r.unmet.map((u) => `${u.pkg.nevra} (${u.pkg.repoId}) requires ${u.dep}`),
      });
    }
    for (const [want, pools] of missing) this.diags.report('closure-missing', want, pools.join(', '));
    unmet.report(this.diags, 'closure-unresolved');
    weakUnmet.report(this.diags, 'closure-unresolved-weak');
  }
}
