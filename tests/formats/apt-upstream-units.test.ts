/**
 * The deb format's upstream side, unit by unit: apt source files (one-line and deb822, judged by
 * real apt-get reading the same file), Release parsing (strong hashes, variants, by-hash paths),
 * version relations (judged by `dpkg --compare-versions`), apt's Multi-Arch and virtual-package
 * rules on a small index, the Ubuntu profiles' roots, and the config checks of `type: deb` repos.
 */
import { describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../helpers/run.ts';
import { cli, ROOT } from '../helpers/cli.ts';
import {
  AptDependencyIndex, byHashPath, indexVariants, parsePackagesIndex, parseRelease, parseSourcesFile, versionMeets,
} from '../../scripts/formats/format.ts';
import { aptWantedPackages, ubuntuGccMajor } from '../../scripts/closure/apt-profiles.ts';
import { aptPoolClosure } from '../../scripts/closure/apt-closure.ts';
import { importSourcesFile } from '../../scripts/sync/sources-file-import.ts';
import { snapshotUrl } from '../../scripts/formats/deb/snapshot-server.ts';

describe('apt source files', () => {
  it('reads one-line entries with options, flat repos and comments; skips deb-src', () => {
    const got = parseSourcesFile([
      '# a comment', 'deb-src http://x/ubuntu jammy main',
      'deb [arch=amd64,arm64 signed-by=/usr/share/keyrings/k.gpg] http://x/ubuntu jammy-updates main restricted # tail',
      'deb [trusted=yes] file:/usr/local/repos ./',
    ].join('\n'), 'a.list');
    expect(got).toEqual([
      { where: 'a.list:3', uris: ['http://x/ubuntu'], suites: ['jammy-updates'], components: ['main', 'restricted'],
        architectures: ['amd64', 'arm64'], signedBy: ['/usr/share/keyrings/k.gpg'] },
      { where: 'a.list:4', uris: ['file:/usr/local/repos'], suites: ['./'], components: [], trusted: true },
    ]);
  });

  it('reads deb822 paragraphs with an inline key that apt-get itself accepts', async () => {
    const gnupg = await mkdtemp(join(tmpdir(), 'airgap-src-'));
    try {
      const env = { ...process.env, GNUPGHOME: gnupg };
      await run('gpg', ['--batch', '--import', join(ROOT, 'tests/fixtures/sample-key/secret-key.asc')], { env });
      const armored = (await run('gpg', ['--batch', '--armor', '--export'], { env })).stdout.trim();
      const inline = armored.split('\n').map((l) => ` ${l || '.'}`).join('\n');
      const text = `Types: deb deb-src\nURIs: http://a/ubuntu http://b/ubuntu\nSuites: jammy jammy-updates\n`
        + `Components: main\nSigned-By:\n${inline}\n\nTypes: deb\nURIs: http://c/\nSuites: x\nComponents: y\nEnabled: no\n`;
      const got = parseSourcesFile(text, 'u.sources');
      expect(got).toHaveLength(1);
      expect(got[0]!.uris).toEqual(['http://a/ubuntu', 'http://b/ubuntu']);
      expect(got[0]!.signedBy![0]).toBe(`${armored}\n`);
      // apt reads the same file and takes the key (a key it cannot read is "not a fingerprint" here)
      const root = join(gnupg, 'apt');
      for (const d of ['etc/apt/sources.list.d', 'var/lib/apt/lists/partial', 'var/lib/dpkg']) await mkdir(join(root, d), { recursive: true });
      await writeFile(join(root, 'var/lib/dpkg/status'), '');
      await writeFile(join(root, 'etc/apt/sources.list.d/u.sources'), text);
      const r = await run('apt-get', ['-o', `Dir=${root}`, '-o', `Dir::State::status=${root}/var/lib/dpkg/status`,
        '-o', 'Debug::NoLocking=1', '-o', 'APT::Sandbox::User=root', '--print-uris', 'update']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain("'http://b/ubuntu/dists/jammy-updates/InRelease'");
    } finally {
      await rm(gnupg, { recursive: true, force: true });
    }
  });

  it('--sources-file joins the entries of one URI into one repo, named after host and path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'airgap-src-'));
    try {
      const f = join(dir, 'ubuntu.list');
      await writeFile(f, 'deb [signed-by=keys/ubuntu.gpg] http://archive.ubuntu.com/ubuntu jammy main restricted\n'
        + 'deb [signed-by=keys/ubuntu.gpg] http://archive.ubuntu.com/ubuntu jammy-updates main universe\n'
        + 'deb [signed-by=/k.gpg] http://security.ubuntu.com/ubuntu jammy-security main\n');
      const repos = await importSourcesFile(f);
      expect(repos.map((r) => [r.id, r.path, r.suites, r.components, r.signedBy])).toEqual([
        ['archive.ubuntu.com-ubuntu', 'archive.ubuntu.com/ubuntu', ['jammy', 'jammy-updates'],
          ['main', 'restricted', 'universe'], [join(dir, 'keys/ubuntu.gpg')]],
        ['security.ubuntu.com-ubuntu', 'security.ubuntu.com/ubuntu', ['jammy-security'], ['main'], ['/k.gpg']],
      ]);
      await writeFile(f, 'deb http://x/ jammy\n');
      await expect(importSourcesFile(f)).rejects.toThrow(/suite jammy needs components/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('Release files', () => {
  const release = ['Origin: Ubuntu', 'Suite: jammy', 'Architectures: amd64 arm64', 'Components: main',
    'Acquire-By-Hash: yes', 'MD5Sum:', ' d41d8cd98f00b204e9800998ecf8427e 0 main/binary-amd64/Packages', 'SHA256:',
    ` ${'a'.repeat(64)}              120 main/binary-amd64/Packages`,
    ` ${'b'.repeat(64)}               80 main/binary-amd64/Packages.gz`,
    ` ${'c'.repeat(64)}               70 main/binary-amd64/Packages.xz`,
    ` ${'d'.repeat(64)}               70 main/binary-arm64/Packages.xz`].join('\n');

  it('reads the SHA256 list; offers the best variant listed, by-hash at its directory', () => {
    const r = parseRelease(release);
    expect(r.acquireByHash).toBe(true);
    expect(r.architectures).toEqual(['amd64', 'arm64']);
    expect(indexVariants(r, 'main/binary-amd64/Packages').map((e) => e.path)).toEqual([
      'main/binary-amd64/Packages.xz', 'main/binary-amd64/Packages.gz', 'main/binary-amd64/Packages']);
    // apt uses a compressed variant only when the uncompressed name is listed too
    expect(indexVariants(r, 'main/binary-arm64/Packages')).toEqual([]);
    expect(byHashPath(indexVariants(r, 'main/binary-amd64/Packages')[0]!))
      .toBe(`main/binary-amd64/by-hash/SHA256/${'c'.repeat(64)}`);
  });

  it('refuses a Release without a strong hash list, naming why', () => {
    expect(() => parseRelease(release.split('\nSHA256:')[0]!)).toThrow(/no SHA256 or SHA512 list \(MD5Sum and SHA1 are too weak/);
  });
});

describe('version relations and apt\'s choice of packages', () => {
  it.each([
    ['1.0~rc1', '<<', '1.0'], ['1:0.9', '>>', '2.0'], ['1.0', '=', '1.0-0'], ['2.38-4ubuntu2', '>=', '2.38'],
    ['6.5.0-41.41~22.04.2', '<<', '6.5.0-41.41'], ['1.0a', '<=', '1.0'], ['1.0', '>=', '1.0~'],
  ])('%s %s %s agrees with dpkg --compare-versions', async (a, op, b) => {
    const word = { '<<': 'lt', '<=': 'le', '=': 'eq', '>=': 'ge', '>>': 'gt' }[op]!;
    const dpkg = (await run('dpkg', ['--compare-versions', a, word, b])).code === 0;
    expect(versionMeets(a, op as '<<', b)).toBe(dpkg);
  });

  const ix = () => new AptDependencyIndex(parsePackagesIndex([
    'Package: perl\nVersion: 5.34\nArchitecture: arm64\nMulti-Arch: allowed',
    'Package: tool\nVersion: 1\nArchitecture: arm64\nMulti-Arch: foreign',
    'Package: libx\nVersion: 1\nArchitecture: arm64\nMulti-Arch: same',
    'Package: libx\nVersion: 2\nArchitecture: amd64\nMulti-Arch: same',
    'Package: libx\nVersion: 1.5\nArchitecture: amd64\nMulti-Arch: same',
    'Package: mta-a\nVersion: 1\nArchitecture: amd64\nPriority: extra\nProvides: mail-transport-agent',
    'Package: mta-b\nVersion: 1\nArchitecture: amd64\nPriority: standard\nProvides: mail-transport-agent',
    'Package: bin-a\nVersion: 1\nArchitecture: amd64\nProvides: binutils (= 2.38)',
  ].map((p) => `${p}\nFilename: pool/${p.split('\n')[0]!.slice(9)}.deb\nSize: 1\nSHA256: ${'0'.repeat(64)}\n`).join('\n'))
    .entries, 'amd64');

  it('takes the candidate of its arch; foreign packages of another arch; :any only Multi-Arch: allowed', () => {
    const names = (alt: Parameters<AptDependencyIndex['choose']>[0]) => ix().choose(alt)
      .map((e) => `${e.package}_${e.version}_${e.architecture}`);
    expect(names({ name: 'libx' })).toEqual(['libx_2_amd64']);
    expect(names({ name: 'libx', op: '<<', version: '2' })).toEqual(['libx_1.5_amd64']);
    expect(names({ name: 'tool' })).toEqual(['tool_1_arm64']);
    expect(names({ name: 'perl' })).toEqual([]);
    expect(names({ name: 'perl', arch: 'any' })).toEqual(['perl_5.34_arm64']);
    expect(names({ name: 'mail-transport-agent' })).toEqual(['mta-b_1_amd64']);
    expect(names({ name: 'binutils', op: '>=', version: '2.30' })).toEqual(['bin-a_1_amd64']);
    expect(names({ name: 'mail-transport-agent', op: '>=', version: '1' })).toEqual([]);
  });
});

describe('Ubuntu profiles', () => {
  it('pin the kernel packages by name and take gcc-<major> of the kernel for DOCA', () => {
    expect(aptWantedPackages(['doca-driver', 'nvidia-gpu-driver'], '5.15.0-91-generic', '22.04').wanted.map((w) => w.name))
      .toEqual(['pkg-config', 'linux-headers-5.15.0-91-generic', 'linux-modules-extra-5.15.0-91-generic', 'gcc-11',
        'linux-image-5.15.0-91-generic', 'linux-modules-5.15.0-91-generic']);
    expect(ubuntuGccMajor('6.5.0-41-generic', '22.04')).toBe(12);
    expect(ubuntuGccMajor('6.8.0-45-generic', '24.04')).toBe(13);
    expect(aptWantedPackages(['doca-driver'], '5.15.0-91-generic').gccUnknown).toBe(true);
  });

  it('reach an HWE kernel\'s common headers, named after its source package, through Depends', () => {
    const index = parsePackagesIndex([
      'Package: linux-headers-6.5.0-41-generic\nVersion: 6.5.0-41.41~22.04.2\nArchitecture: amd64\n'
        + 'Depends: linux-hwe-6.5-headers-6.5.0-41, libc6 (>= 2.34)',
      'Package: linux-hwe-6.5-headers-6.5.0-41\nVersion: 6.5.0-41.41~22.04.2\nArchitecture: all\nMulti-Arch: foreign',
      'Package: libc6\nVersion: 2.35-0ubuntu3.8\nArchitecture: amd64\nMulti-Arch: same',
      'Package: pkg-config\nVersion: 0.29.2-1ubuntu3\nArchitecture: amd64',
      'Package: gcc-12\nVersion: 12.3.0-1ubuntu1~22.04\nArchitecture: amd64',
    ].map((p, i) => `${p}\nFilename: pool/${i}.deb\nSize: 1\nSHA256: ${'0'.repeat(64)}\n`).join('\n')).entries;
    const r = aptPoolClosure(index, { id: 'hwe', kernel: '6.5.0-41-generic', arch: 'amd64', osVersion: '22.04' },
      { profiles: ['doca-driver'], packages: [], repoOf: () => 'ubuntu' });
    expect(r.packages.map((p) => p.package).sort()).toEqual(['gcc-12', 'libc6', 'linux-headers-6.5.0-41-generic',
      'linux-hwe-6.5-headers-6.5.0-41', 'pkg-config']);
    expect(r.missing).toEqual([]);
  });
});

describe('type: deb repos in the config', () => {
  it.each([
    ['signedBy: []', /needs signedBy/],
    ['signedBy: [/k.gpg]\n      include: [a]', /include is for RPM repos/],
    ['signedBy: [/k.gpg]\n      suites: [./]\n      components: [main]', /the flat suite \.\/ takes no components/],
  ])('refuses %s', async (extra, why) => {
    const dir = await mkdtemp(join(tmpdir(), 'airgap-debcfg-'));
    try {
      const f = join(dir, 'c.yaml');
      const base = extra.includes('suites:') ? '' : '      suites: [jammy]\n      components: [main]\n';
      await writeFile(f, `sync:\n  repos:\n    - id: u\n      type: deb\n      uris: ["http://127.0.0.1:9/u/"]\n${base}      ${extra}\n`);
      const r = await cli(['sync', '--config', f, '--mirror', join(dir, 'm'), '--dry-run']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(why);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('snapshot servers, by apt\'s rules (apt-pkg/deb/debmetaindex.cc, apt-pkg/init.cc)', () => {
  const ID = '20231115T000000Z';
  it('the current Release decides first: a Label override, its Snapshots field, then its Origin', () => {
    expect(snapshotUrl('http://archive.ubuntu.com/ubuntu/', ID, { Origin: 'Ubuntu', Label: 'Ubuntu' }))
      .toBe(`https://snapshot.ubuntu.com/ubuntu/${ID}/`);
    expect(snapshotUrl('http://mirror.example/ubuntu', ID,
      { Origin: 'Ubuntu', Label: 'Ubuntu', Snapshots: 'https://snap.example/u/@SNAPSHOTID@' }))
      .toBe(`https://snap.example/u/${ID}`);
    expect(snapshotUrl('http://deb.debian.org/debian-security', ID, { Origin: 'Debian', Label: 'Debian-Security',
      Snapshots: 'https://ignored.example/@SNAPSHOTID@' }))
      .toBe(`https://snapshot.debian.org/archive/debian-security/${ID}/`);
    expect(snapshotUrl('http://deb.debian.org/debian', ID, { Origin: 'Debian', Label: 'Debian' }))
      .toBe(`https://snapshot.debian.org/archive/debian/${ID}/`);
  });

  it('without a server from the Release, the URI\'s host or a parent domain of it, with @PATH@', () => {
    expect(snapshotUrl('http://de.archive.ubuntu.com/ubuntu/', ID)).toBe(`https://snapshot.ubuntu.com/ubuntu/${ID}/`);
    expect(snapshotUrl('http://ports.archive.ubuntu.com/ubuntu-ports', ID, { Origin: 'Other' }))
      .toBe(`https://snapshot.ubuntu.com/ubuntu-ports/${ID}/`);
    expect(snapshotUrl('http://deb.debian.org/debian/', ID, {}))
      .toBe(`https://snapshot.debian.org/archive/debian/${ID}/`);
    expect(snapshotUrl('http://mirror.example/ubuntu/', ID, { Origin: 'Example' })).toBeUndefined();
    expect(snapshotUrl('http://archive.ubuntu.com.evil.example/ubuntu/', ID)).toBeUndefined();
  });

  it('snapshot= and check-valid-until=no are read from both source styles; yes/no name no snapshot', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'airgap-snapshot-'));
    try {
      const list = join(dir, 's.list');
      await writeFile(list, `deb [signed-by=/k.gpg snapshot=${ID} check-valid-until=no] http://a.example/u jammy main\n`
        + 'deb [signed-by=/k.gpg snapshot=yes] http://b.example/u jammy main\n');
      const [a, b] = await importSourcesFile(list);
      expect(a).toMatchObject({ snapshot: ID, checkValidUntil: false });
      expect(b!.snapshot).toBeUndefined();
      const sources = join(dir, 's.sources');
      await writeFile(sources, 'Types: deb\nURIs: http://a.example/u\nSuites: jammy\nComponents: main\n'
        + 'Signed-By: /k.gpg\n'
        + `Snapshot: ${ID}\nCheck-Valid-Until: no\n`);
      expect((await importSourcesFile(sources))[0]).toMatchObject({ snapshot: ID, checkValidUntil: false });
      await writeFile(list, `deb [signed-by=/k.gpg snapshot=${ID}] http://a.example/u jammy main\n`
        + 'deb [signed-by=/k.gpg] http://a.example/u jammy-updates main\n');
      await expect(importSourcesFile(list)).rejects.toThrow(/other snapshot or check-valid-until options/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
