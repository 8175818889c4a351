/**
 * The RPM header reader against rpm itself: every field we read is compared with what
 * `rpm -qp --qf` prints for the same file, for the third-party fixtures and the sample mirror.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fg from 'fast-glob';
import { readPackage } from '../../scripts/formats/rpm/read-package.ts';
import type { Dependency } from '../../scripts/formats/rpm/package-record.ts';
import { run } from '../helpers/run.ts';
import { REAL_RPMS, SAMPLE_MIRROR } from '../helpers/cli.ts';
import { loadKeys, signatureVerifier } from '../../scripts/trust/mirror-keys.ts';

const files = [...fg.sync(`${REAL_RPMS}/*.rpm`), ...fg.sync(`${SAMPLE_MIRROR}/**/*.rpm`)].sort();
const SEP = '\u001f';

/** Scratch files of the tests below, removed at the end. */
let scratch: string;
beforeAll(async () => { scratch = await mkdtemp(join(tmpdir(), 'airgap-rpm-test-')); });
afterAll(async () => { await rm(scratch, { recursive: true, force: true }); });

async function rpmQuery(file: string, fmt: string): Promise<string> {
  const r = await run('rpm', ['-qp', '--nosignature', '--nodigest', '--qf', fmt, file]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

const depString = (d: Dependency) => {
  if (!d.flags) return d.name;
  const op = { LT: '<', GT: '>', EQ: '=', LE: '<=', GE: '>=' }[d.flags];
  const evr = `${d.epoch && d.epoch !== '0' ? `${d.epoch}:` : ''}${d.version ?? ''}${d.release ? `-${d.release}` : ''}`;
  return `${d.name} ${op} ${evr}`;
};
/** rpm prints epoch 0 explicitly when the spec wrote it; normalise like dnf does. */
const normDep = (s: string) => s.replace(/ ([<>=]+) 0:/, ' $1 ');

describe.each(files.map((f) => [f.split('/').pop()!, f]))('%s', (_name, file) => {
  it('matches rpm -qp for NEVRA, text, sizes and times', async () => {
    const p = await readPackage(file, 'x.rpm');
    const out = (await rpmQuery(file, ['%{NAME}', '%{EPOCHNUM}', '%{VERSION}', '%{RELEASE}', '%{ARCH}', '%{SOURCERPM}', '%{BUILDTIME}', '%{LONGSIZE}', '%{LONGARCHIVESIZE}', '%{LICENSE}', '%{VENDOR}', '%{URL}', '%{PACKAGER}', '%{GROUP}', '%{BUILDHOST}', '%{SUMMARY}'].join(SEP))).split(SEP);
    const none = (s: string) => (s === '(none)' ? '' : s);
    const isSource = out[5] === '(none)';
    expect([p.name, p.epoch, p.version, p.release]).toEqual(out.slice(0, 4));
    expect(p.arch).toBe(isSource ? 'src' : out[4]);
    expect(p.sourcerpm).toBe(none(out[5]!));
    expect(p.timeBuild).toBe(Number(out[6]));
    expect(p.sizeInstalled).toBe(Number(out[7]));
    expect(p.sizeArchive).toBe(Number(out[8]));
    if (p.nonUtf8Tags.length === 0) {
      expect([p.license, p.vendor, p.url, p.packager, p.group, p.buildhost, p.summary]).toEqual(out.slice(9).map(none));
    } else {
      expect(p.nonUtf8Tags).toContain('SUMMARY');
    }
  });

  it('matches rpm -qp for files, dependencies and changelog', async () => {
    const p = await readPackage(file, 'x.rpm', { changelogLimit: 1000 });
    const lines = async (fmt: string) => (await rpmQuery(file, fmt)).split('\n').filter(Boolean);
    expect(p.files.map((f) => f.path)).toEqual(await lines('[%{FILENAMES}\n]'));
    const types = await lines('[%{FILEMODES:perms}|%{FILEFLAGS:fflags}\n]');
    expect(p.files.map((f) => f.type)).toEqual(types.map((t) => (t.startsWith('d') ? 'dir' : t.split('|')[1]!.includes('g') ? 'ghost' : 'file')));
    for (const [kind, tag] of [['provides', 'PROVIDE'], ['conflicts', 'CONFLICT'], ['obsoletes', 'OBSOLETE'], ['recommends', 'RECOMMEND'], ['suggests', 'SUGGEST'], ['supplements', 'SUPPLEMENT'], ['enhances', 'ENHANCE']] as const) {
      const theirs = (await lines(`[%{${tag}NEVRS}\n]`)).map(normDep);
      // rpm prints non-UTF-8 names as raw bytes; there only the entry count is comparable
      if (p.nonUtf8Tags.length) expect(p.deps[kind].length, kind).toBe(theirs.length);
      else expect(p.deps[kind].map(depString).map(normDep), kind).toEqual(theirs);
    }
    // requires: ours is rpm's list minus what createrepo_c drops (rpmlib(), own provides/primary files, duplicates)
    const rpmRequires = (await lines('[%{REQUIRENEVRS}\n]')).map(normDep);
    if (!p.nonUtf8Tags.length) for (const r of p.deps.requires.map(depString).map(normDep)) expect(rpmRequires).toContain(r);
    expect(p.deps.requires.some((d) => d.name.startsWith('rpmlib('))).toBe(false);
    const times = (await lines('[%{CHANGELOGTIME}\n]')).map(Number).reverse();
    expect(p.changelogs.length).toBe(times.length);
  });

  it('names the signing key like rpm does', async () => {
    const p = await readPackage(file, 'x.rpm');
    const out = await rpmQuery(file, '%{RSAHEADER:pgpsig}\n%{DSAHEADER:pgpsig}\n%{SIGPGP:pgpsig}\n%{SIGGPG:pgpsig}\n');
    const rpmIds = [...out.matchAll(/Key ID ([0-9a-f]{16})/g)].map((m) => m[1]);
    const ours = p.signatures.filter((s) => s.source !== 'OPENPGP').map((s) => s.keyId);
    expect(ours).toEqual(rpmIds);
  });
});

describe('bad input', () => {
  it.each([
    ['empty', Buffer.alloc(0), 'empty'],
    ['not an rpm', Buffer.from('<html>404 Not Found</html>\n'.repeat(20)), 'bad-magic'],
  ])('rejects %s', async (_n, bytes, reason) => {
    const { writeFile } = await import('node:fs/promises');
    const dir = await mkdtemp(join(scratch, 'bad-'));
    await writeFile(`${dir}/x.rpm`, bytes);
    await expect(readPackage(`${dir}/x.rpm`, 'x.rpm')).rejects.toMatchObject({ reason });
  });

  it('rejects a package cut inside its header and one cut inside its payload', async () => {
    const { readFile, writeFile } = await import('node:fs/promises');
    const dir = await mkdtemp(join(scratch, 'bad-'));
    const whole = await readFile(`${REAL_RPMS}/Archer-3.4.5-6.x86_64.rpm`);
    await writeFile(`${dir}/a.rpm`, whole.subarray(0, 3000));
    await writeFile(`${dir}/b.rpm`, whole.subarray(0, whole.length - 100));
    await expect(readPackage(`${dir}/a.rpm`, 'a.rpm')).rejects.toMatchObject({ reason: 'truncated' });
    await expect(readPackage(`${dir}/b.rpm`, 'b.rpm')).rejects.toMatchObject({ reason: 'truncated' });
  });
});

describe('reads in flight together', () => {
  // Small packages are read into one reused buffer; a signature check awaits, letting the
  // next read overwrite that buffer. Every read started at once must still give exactly the
  // record of a read on its own.
  it('give the same records and signature verdicts as reads one at a time', async () => {
    const keyDir = `${SAMPLE_MIRROR}/cuda-rhel9-aarch64`;
    const verifySignature = signatureVerifier(await loadKeys(keyDir, ['4AC94EA0.pub']));
    const one = (f: string) => readPackage(f, 'x.rpm', { verifySignature }).then((r) => JSON.stringify(r), (e: Error) => e.message);
    const alone: string[] = [];
    for (const f of files) alone.push(await one(f));
    expect(alone.join()).toContain('"verdict":"good"');
    for (let round = 0; round < 5; round++) expect(await Promise.all(files.map(one))).toEqual(alone);
  });
});

describe('chunked reading (packages over 8 MiB)', () => {
  // Tiny chunks put the lead and both headers across many chunks, the hardest case.
  const chunked = { wholeReadBytes: 0, chunkBytes: 61 };

  it.each(files.map((f) => [f.split('/').pop()!, f]))('%s: the same record as a whole read', async (_n, file) => {
    expect(await readPackage(file, 'x.rpm', chunked)).toEqual(await readPackage(file, 'x.rpm'));
  });

  it('catches a flipped payload byte and a cut file while streaming', async () => {
    const { readFile, writeFile } = await import('node:fs/promises');
    const dir = await mkdtemp(join(scratch, 'chunked-'));
    const whole = await readFile(`${SAMPLE_MIRROR}/cuda-rhel9-aarch64/cuda-toolkit-config-common-12.4.127-1.noarch.rpm`);
    const flipped = Buffer.from(whole);
    flipped[flipped.length - 10] = flipped[flipped.length - 10]! ^ 0xff;
    await writeFile(`${dir}/flipped.rpm`, flipped);
    await writeFile(`${dir}/head.rpm`, whole.subarray(0, 500));
    await writeFile(`${dir}/tail.rpm`, whole.subarray(0, whole.length - 100));
    expect((await readPackage(`${dir}/flipped.rpm`, 'f.rpm', chunked)).digestProblems).toEqual(['payload SHA256']);
    await expect(readPackage(`${dir}/head.rpm`, 'h.rpm', chunked)).rejects.toMatchObject({ reason: 'truncated' });
    await expect(readPackage(`${dir}/tail.rpm`, 't.rpm', chunked)).rejects.toMatchObject({ reason: 'truncated' });
  });

  it('reads a real 9 MiB package like rpm and sha256sum do', async () => {
    const { writeFile, readdir } = await import('node:fs/promises');
    const top = await mkdtemp(join(scratch, 'big-'));
    await writeFile(`${top}/big.spec`, [
      'Name: big-payload', 'Version: 1.0', 'Release: 1', 'Summary: Stand-in: 9 MiB payload', 'License: MIT', 'BuildArch: noarch',
      '%define _binary_payload w0.ufdio', '%description', 'Large stand-in package (uncompressed payload).',
      '%install', 'mkdir -p %{buildroot}/usr/share/big', 'head -c 9437184 /dev/urandom > %{buildroot}/usr/share/big/data.bin',
      '%files', '/usr/share/big/data.bin', '',
    ].join('\n'));
    const built = await run('rpmbuild', ['-bb', '--quiet', '--define', `_topdir ${top}`, `${top}/big.spec`]);
    expect(built.code, built.stderr).toBe(0);
    const file = `${top}/RPMS/noarch/${(await readdir(`${top}/RPMS/noarch`))[0]}`;
    const p = await readPackage(file, 'big.rpm');
    expect(p.sizePackage).toBeGreaterThan(9 << 20);
    expect(p.pkgid).toBe((await run('sha256sum', [file])).stdout.split(' ')[0]);
    expect(p.digestProblems).toEqual([]);
    expect(p.digestsChecked).toContain('payload SHA256');
    expect(p.files.map((f) => f.path)).toEqual(['/usr/share/big/data.bin']);
    expect((await run('rpm', ['-K', '--nosignature', file])).code).toBe(0);
  });
});

describe('crafted headers', () => {
  const src = `${REAL_RPMS}/Archer-3.4.5-6.x86_64.rpm`;
  /** The file with its main header changed by `edit` (given the header's offset and index count). */
  async function crafted(name: string, edit: (b: Buffer, main: number, il: number, dl: number) => void): Promise<string> {
    const { readFile, writeFile } = await import('node:fs/promises');
    const b = Buffer.from(await readFile(src));
    const sigLen = 16 + 16 * b.readUInt32BE(96 + 8) + b.readUInt32BE(96 + 12);
    const main = 96 + sigLen + ((8 - (sigLen % 8)) % 8);
    edit(b, main, b.readUInt32BE(main + 8), b.readUInt32BE(main + 12));
    const file = join(scratch, name);
    await writeFile(file, b);
    return file;
  }
  const entry = (b: Buffer, main: number, il: number, tag: number) => {
    for (let i = 0; i < il; i++) if (b.readUInt32BE(main + 16 + 16 * i) === tag) return main + 16 + 16 * i;
    throw new Error(`tag ${tag} not in the header`);
  };

  it('a header claiming 200 MB (or 60,000 entries) in an 8 KB file is refused before it is allocated', async () => {
    const before = process.memoryUsage().rss;
    for (const [name, at, value] of [['dl.rpm', 12, 200 << 20], ['il.rpm', 8, 60_000]] as const) {
      const f = await crafted(name, (b, main) => b.writeUInt32BE(value, main + at));
      await expect(readPackage(f, name)).rejects.toMatchObject({ reason: 'truncated', message: /ends inside the RPM headers/ });
    }
    expect(process.memoryUsage().rss - before).toBeLessThan(64 << 20);
    const over = await crafted('over.rpm', (b, main) => b.writeUInt32BE(300 << 20, main + 12));
    await expect(readPackage(over, 'over.rpm')).rejects.toMatchObject({ reason: 'bad-header', message: /declares .* 314572800 bytes/ });
  });

  it('an entry whose offset or count runs past the data store is a corrupt header, not a crash', async () => {
    const offset = await crafted('offset.rpm', (b, main, il, dl) => b.writeUInt32BE(dl + 8, entry(b, main, il, 1000) + 8));
    await expect(readPackage(offset, 'offset.rpm')).rejects.toMatchObject({ reason: 'bad-header', message: /tag 1000 points outside/ });
    // REQUIRENAME (1049) claiming 2^30 strings: the strings run out before the store does
    const count = await crafted('count.rpm', (b, main, il) => b.writeUInt32BE(1 << 30, entry(b, main, il, 1049) + 12));
    await expect(readPackage(count, 'count.rpm')).rejects.toMatchObject({ reason: 'bad-header', message: /past the data store/ });
  });
});
