/**
 * Our side of the apt plan row (apt-plan-bench.ts), run as its own process as apt-get is: reads a
 * `Packages` file (`argv[2]`), parses it (formats/deb packages-index.ts) and resolves the closure of
 * the roots (`argv[4…]`) for dpkg arch `argv[3]` without Recommends (closure/apt-closure.ts).
 * Prints one JSON line: packages parsed, closure size and names, roots missing, unmet relations,
 * peak RSS (bytes).
 */
import { readFileSync } from 'node:fs';
import { parsePackagesIndex } from '../formats/format.ts';
import { aptPoolClosure } from '../closure/apt-closure.ts';

const [file, arch, ...roots] = process.argv.slice(2);
const { entries } = parsePackagesIndex(readFileSync(file!, 'utf8'));
const r = aptPoolClosure(entries, { id: 'bench', kernel: '', arch: arch! },
  { profiles: [], packages: roots, weakDeps: false, repoOf: () => 'bench' });
process.stdout.write(`${JSON.stringify({
  packages: entries.length, closure: r.packages.map((p) => p.package).sort(), missing: r.missing, unmet: r.unmet.length,
  maxRssBytes: process.resourceUsage().maxRSS * 1024,
})}\n`);
