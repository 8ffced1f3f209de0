/**
 * The fuzz driver, run in a child process by the test/fuzz/*.test.ts files so that a hang,
 * a crash or a memory blow-up is seen from outside:
 *
 *   node dist/test/fuzz/driver.js <corpus> <seed> <mutants> [perCaseMs]
 *
 * corpus: safetensors | pth | options | images. It runs the corpus's legitimate seed files
 * (each must load), its crafted hostile files (each must be refused, or loaded where said),
 * then `mutants` seeded mutations of the seeds, each through the real loader, and judges
 * every outcome (see judgeError). It prints `> <i> <name>` before each case (the parent names
 * the case a hang stopped at) and a last line `RESULT <json>`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import sharp from 'sharp';
import { concat, FuzzRng, judgeError, lyingZip, mutateBytes, PickleAsm, type Outcome } from './util.js';
import { loadModel, saveModel, saveModelPth } from '../../src/model/checkpoint.js';
import { DFT } from '../../src/model/dft.js';
import { resolveDFTConfig } from '../../src/model/config.js';
import { loadStateDict } from '../../src/io/state-dict.js';
import { readSafetensors, serializeSafetensors } from '../../src/io/safetensors.js';
import { ZipReader, writeZip, crc32 } from '../../src/io/pth/zip.js';
import { loadOptions } from '../../src/train/options.js';
import { readImage } from '../../src/io/image.js';
import { AUTHORS_STYLE } from '../helpers/authors-options.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

interface Case {
  name: string;
  bytes: Uint8Array;
  ext: string;
  /** crafted cases: what must happen */
  expect?: 'refused' | 'accepted' | 'either';
  /** a different loader for this case (e.g. the default image limit) */
  load?: (path: string) => Promise<void>;
}

interface Corpus {
  /** legitimate files (must load) and crafted hostile ones */
  setup(dir: string): Promise<{ seeds: Case[]; crafted: Case[] }>;
  mutate(seed: Case, rng: FuzzRng): Uint8Array;
  load(path: string): Promise<void>;
}

class WrongResult extends Error {}

// ---------------------------------------------------------------- safetensors / checkpoints

const TINY = resolveDFTConfig({ dim: 4, num_blocks: [1, 1, 1, 1], d_state: 4 });

function tinyWeights(): Map<string, { shape: number[]; data: Float32Array }> {
  const m = new DFT(TINY, { seed: 3 });
  const out = new Map([...m.stateDict()].map(([k, t]) => [k, { shape: [...t.shape], data: Float32Array.from(t.data) }]));
  m.dispose();
  return out;
}

const INTERESTING_VALUES: unknown[] = [0, -1, 1, 2, 3, 1.5, 0.001, 3000, 1e6, 2 ** 31, 2 ** 53, 1e308, -1e308, null, '', 'x', true, [], {}, [1, 2], [1e6, 1, 1, 1], 'NaN'];

function splitSafetensors(b: Uint8Array): { header: Record<string, unknown>; data: Uint8Array } {
  const n = Number(new DataView(b.buffer, b.byteOffset).getBigUint64(0, true));
  return { header: JSON.parse(new TextDecoder().decode(b.subarray(8, 8 + n))), data: b.subarray(8 + n) };
}

function joinSafetensors(header: unknown, data: Uint8Array, lengthDelta = 0): Uint8Array {
  const raw = new TextEncoder().encode(JSON.stringify(header));
  const pad = (8 - (raw.length % 8)) % 8;
  const head = new Uint8Array(8 + raw.length + pad).fill(0x20);
  new DataView(head.buffer).setBigUint64(0, BigInt(Math.max(0, raw.length + pad + lengthDelta)), true);
  head.set(raw, 8);
  return concat(head, data);
}

function mutateHeader(header: Record<string, unknown>, rng: FuzzRng): void {
  const names = Object.keys(header).filter((k) => k !== '__metadata__' && header[k] && typeof header[k] === 'object' && !Array.isArray(header[k]));
  if (names.length === 0) return;
  const name = rng.pick(names);
  const e = header[name] as { dtype: unknown; shape: unknown[]; data_offsets: unknown[] };
  switch (rng.int(8)) {
    case 0: {
      const shape = [...e.shape];
      if (rng.chance(0.3)) shape.push(rng.pick(INTERESTING_VALUES));
      else if (shape.length) shape[rng.int(shape.length)] = rng.pick(INTERESTING_VALUES);
      e.shape = rng.chance(0.05) ? new Array(70).fill(1) : shape;
      break;
    }
    case 1:
      e.dtype = rng.pick(['F32', 'F16', 'BF16', 'F64', 'I8', 'U8', 'BOOL', 'I64', 'F17', 5, null]);
      break;
    case 2: {
      const [a, b] = e.data_offsets as number[];
      e.data_offsets = rng.pick<unknown>([[b, a], [a, b + 4], [a - 4, b], [a, 2 ** 53], [0, b], [a], 'x', [a + 0.5, b]]) as unknown[];
      break;
    }
    case 3: {
      // the config in the metadata: a value changed, or the text damaged
      const old = header.__metadata__;
      const meta = (old && typeof old === 'object' && !Array.isArray(old) ? old : {}) as Record<string, unknown>;
      header.__metadata__ = meta;
      let cfg: Record<string, unknown> = {};
      try {
        cfg = JSON.parse(String(meta.config ?? '{}'));
      } catch {
        // already damaged
      }
      if (rng.chance(0.7) && cfg && typeof cfg === 'object') {
        cfg[rng.pick(['dim', 'num_blocks', 'd_state', 'ffn_expansion_factor', 'inp_channels', 'out_channels', 'LayerNorm_type', 'bias', 'extra'])] = rng.pick(INTERESTING_VALUES);
        meta.config = JSON.stringify(cfg);
      } else {
        meta.config = rng.pick(['null', '{', '[]', '"x"', '1', `${'['.repeat(5000)}${']'.repeat(5000)}`, '{"dim": 1e400}']);
      }
      break;
    }
    case 4:
      delete header[name];
      break;
    case 5: {
      const newName = rng.pick([`${name}\nsecond line`, 'x'.repeat(5000), `module.${name}`, '', name.toUpperCase()]);
      header[newName] = e;
      delete header[name];
      break;
    }
    case 6:
      header.__metadata__ = rng.pick([{ config: 5 }, 'x', [1], { format: { a: 1 } }, null]);
      break;
    default:
      header[`extra_${rng.int(1000)}`] = rng.pick([{ dtype: 'F32', shape: [0], data_offsets: [0, 0] }, { dtype: 'F32', shape: [2 ** 30, 2 ** 30], data_offsets: [0, 4] }, 5, null]);
  }
}

const safetensorsCorpus: Corpus = {
  async setup(dir) {
    const tiny = tinyWeights();
    const p = join(dir, 'tiny.safetensors');
    saveModel(tiny, TINY, p, { overwrite: true });
    const seeds: Case[] = [
      { name: 'tiny DFT with its config', bytes: readFileSync(p), ext: 'safetensors' },
      { name: 'tiny DFT without metadata (config inferred)', bytes: serializeSafetensors(tiny), ext: 'safetensors' },
    ];
    const meta = readSafetensors(p).metadata;
    const empty = (shape: number[]) => ({ shape, data: new Float32Array(0) });
    const withCfg = (cfg: unknown) => serializeSafetensors(tiny, { ...meta, config: typeof cfg === 'string' ? cfg : JSON.stringify(cfg) });
    const nan = new Map([...tiny].map(([k, t]) => [k, { ...t, data: Float32Array.from(t.data) }]));
    nan.get('output.weight')!.data[1] = NaN;
    const huge = new Map([...tiny].map(([k, t]) => [k, { ...t, data: Float32Array.from(t.data) }]));
    huge.get('patch_embed.proj.weight')!.data.fill(1e30);
    const crafted: Case[] = [
      {
        name: 'empty tensors implying dim 3000',
        bytes: serializeSafetensors(
          new Map([
            ['patch_embed.proj.weight', empty([3000, 6, 0, 3])],
            ['output.weight', empty([3, 6000, 0, 3])],
            ...['encoder_level1', 'encoder_level2', 'encoder_level3', 'latent'].map((l) => [`${l}.0.x`, empty([0])] as [string, ReturnType<typeof empty>]),
            ['encoder_level1.0.self_attention.A_logs', empty([0, 32])],
            ['encoder_level1.0.ffn.project_in.weight', empty([15960, 0])],
          ]),
        ),
        ext: 'safetensors',
        expect: 'refused',
      },
      {
        name: 'empty tensors implying dim 1000 (within the dim bound)',
        bytes: serializeSafetensors(
          new Map([
            ['patch_embed.proj.weight', empty([1000, 6, 0, 3])],
            ['output.weight', empty([3, 2000, 0, 3])],
            ...['encoder_level1', 'encoder_level2', 'encoder_level3', 'latent'].map((l) => [`${l}.0.x`, empty([0])] as [string, ReturnType<typeof empty>]),
            ['encoder_level1.0.self_attention.A_logs', empty([0, 32])],
            ['encoder_level1.0.ffn.project_in.weight', empty([5320, 0])],
          ]),
        ),
        ext: 'safetensors',
        expect: 'refused',
      },
      { name: 'config num_blocks 1e6', bytes: withCfg({ ...TINY, num_blocks: [1e6, 1, 1, 1] }), ext: 'safetensors', expect: 'refused' },
      { name: 'config num_blocks 1e12', bytes: withCfg({ ...TINY, num_blocks: [1e12, 1, 1, 1] }), ext: 'safetensors', expect: 'refused' },
      { name: 'config dim 800, 64 blocks each', bytes: withCfg({ ...TINY, dim: 800, num_blocks: [64, 64, 64, 64] }), ext: 'safetensors', expect: 'refused' },
      { name: 'config ffn_expansion_factor 1e-9', bytes: withCfg({ ...TINY, ffn_expansion_factor: 1e-9 }), ext: 'safetensors', expect: 'refused' },
      { name: 'config null', bytes: withCfg('null'), ext: 'safetensors', expect: 'refused' },
      { name: 'config cut short', bytes: withCfg('{"dim": 4,'), ext: 'safetensors', expect: 'refused' },
      { name: 'NaN weight', bytes: serializeSafetensors(nan, meta), ext: 'safetensors', expect: 'refused' },
      { name: 'weights of 1e30', bytes: serializeSafetensors(huge, meta), ext: 'safetensors', expect: 'refused' },
      { name: 'header length past the end', bytes: joinSafetensors({}, new Uint8Array(0), 1 << 30), ext: 'safetensors', expect: 'refused' },
      { name: 'a tensor of 70 dimensions', bytes: joinSafetensors({ a: { dtype: 'F32', shape: new Array(70).fill(1), data_offsets: [0, 4] } }, new Uint8Array(4)), ext: 'safetensors', expect: 'refused' },
      { name: 'a name with a newline', bytes: joinSafetensors({ 'a\nb': { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4)), ext: 'safetensors', expect: 'refused' },
      { name: 'zero bytes', bytes: new Uint8Array(0), ext: 'safetensors', expect: 'refused' },
    ];
    return { seeds, crafted };
  },
  mutate(seed, rng) {
    if (rng.chance(0.65)) {
      const { header, data } = splitSafetensors(seed.bytes);
      for (let k = 1 + rng.int(2); k > 0; k--) mutateHeader(header, rng);
      return joinSafetensors(header, data, rng.chance(0.1) ? rng.pick([-8, 8, -1, 1 << 20]) : 0);
    }
    // byte edits, mostly in the header where they matter
    const n = Number(new DataView(seed.bytes.buffer, seed.bytes.byteOffset).getBigUint64(0, true));
    if (rng.chance(0.8)) return concat(mutateBytes(seed.bytes.subarray(0, 8 + n), new FuzzRng(rng.int(2 ** 31))), seed.bytes.subarray(8 + n));
    return mutateBytes(seed.bytes, rng);
  },
  async load(path) {
    loadModel(path).dispose();
  },
};

// ---------------------------------------------------------------- .pth (zip + pickle)

function unzip(b: Uint8Array): [string, Uint8Array][] {
  const z = ZipReader.fromBuffer(b, 'seed');
  return z.entries.map((e) => [e.name, z.read(e, { maxBytes: 1 << 30 })]);
}

const HOSTILE_SNIPPETS: number[][] = [
  [0x5d], [0x28], [0x65], [0x61], [0x32], [0x94], [0x68, 0], [0x68, 200], [0x6a, 0xff, 0xff, 0xff, 0x7f], [0x8a, 8, 1, 2, 3, 4, 5, 6, 7, 0x80],
  [0x8b, 0xff, 0xff, 0xff, 0x7f], [0x8b, 0, 0, 0x10, 0], [0x52], [0x62], [0x51], [0x2e], [0x30], [0x31], [0x4e], [0x29], [0x74], [0x75], [0x73],
  [...new TextEncoder().encode('cos\nsystem\n')], [...new TextEncoder().encode('cbuiltins\neval\n')], [0x93], [0x81], [0x8f], [0x90], [0x91],
  [0x58, 0xff, 0xff, 0xff, 0xff], [0x42, 0, 0, 0, 0x40], [0x8e, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], [0x54, 0xff, 0xff, 0xff, 0xff], [0x80, 9],
  [0x69], [0x6f], [0x82, 1], [0x97], [0x7d], [0x64], [0x6c], [0x4a, 0xff, 0xff, 0xff, 0xff],
];

/** A dict holding a DAG of 2^k leaves under a list key (memo-shared lists), as a state dict under 'params'. */
function dagPickle(k: number, asPid: boolean): Uint8Array {
  const a = new PickleAsm();
  if (!asPid) a.emptyDict().str('params').emptyDict();
  a.emptyList().memoize().op(0x30);
  // list i holds list i-1 twice: k small lists, 2^k leaves when expanded
  for (let i = 1; i <= k; i++) {
    a.emptyList().mark().get(i - 1).get(i - 1).appends().memoize();
    if (i < k) a.op(0x30);
  }
  if (asPid) return a.persid().stop();
  return a.int(1).setitem().setitem().stop();
}

function nestedPid(depth: number): Uint8Array {
  const a = new PickleAsm();
  for (let i = 0; i < depth; i++) a.emptyList();
  for (let i = 1; i < depth; i++) a.append();
  return a.persid().stop();
}

const pthCorpus: Corpus = {
  async setup(dir) {
    const tiny = tinyWeights();
    const p = join(dir, 'tiny.pth');
    saveModelPth(tiny, TINY, p, { overwrite: true });
    const seeds: Case[] = [
      { name: 'tiny DFT (our writer)', bytes: readFileSync(p), ext: 'pth' },
      { name: 'torch-written DFT (dft_tiny.pth)', bytes: readFileSync(join(repo, 'test', 'fixtures', 'dft_tiny.pth')), ext: 'pth' },
      ...['basicsr.pth', 'dtypes.pth', 'bare_module.pth'].map((f) => ({ name: `torch-written ${f}`, bytes: readFileSync(join(repo, 'test', 'io', 'data', f)) as Uint8Array, ext: 'pth' })),
    ];
    const torchZip = (pickle: Uint8Array, extra: [string, Uint8Array][] = []) => writeZip([['archive/data.pkl', pickle], ...extra, ['archive/version', new TextEncoder().encode('3\n')]]);
    const long4 = concat(Uint8Array.of(0x80, 2, 0x8b), Uint8Array.of(0, 0, 0x10, 0), new Uint8Array(1 << 20).fill(0x41), Uint8Array.of(0x2e));
    const appends = (() => {
      const a = new PickleAsm().emptyList().mark();
      for (let i = 0; i < 1_000_000; i++) a.op(0x4e);
      return a.appends().stop();
    })();
    const selfRef = new PickleAsm().emptyList().memoize().mark().get(0).get(0).appends().persid().stop();
    const stride0 = new PickleAsm().emptyDict().str('w').tensor('0', 432, 0, [2 ** 28], [0]).setitem().stop();
    const bigView = new PickleAsm().emptyDict().str('w').tensor('0', 432, 0, [2 ** 15, 2 ** 15], [0, 0]).setitem().stop();
    const storage432 = new Uint8Array(432 * 4);
    const bomb = new PickleAsm().emptyDict().str('w').tensor('0', 2 ** 28, 0, [2 ** 28], [1]).setitem().stop();
    const crafted: Case[] = [
      { name: 'DAG of 2^60 leaves as a key', bytes: torchZip(dagPickle(60, false)), ext: 'pth', expect: 'refused' },
      { name: 'DAG of 2^60 leaves as a persistent id', bytes: torchZip(dagPickle(60, true)), ext: 'pth', expect: 'refused' },
      { name: 'self-referencing list as a persistent id', bytes: torchZip(selfRef), ext: 'pth', expect: 'refused' },
      { name: '1 MB LONG4 integer', bytes: torchZip(long4), ext: 'pth', expect: 'refused' },
      { name: '100,000 nested lists as a persistent id', bytes: torchZip(nestedPid(100_000)), ext: 'pth', expect: 'refused' },
      { name: 'APPENDS of a million items', bytes: torchZip(appends), ext: 'pth', expect: 'refused' },
      { name: 'stride-0 view of 2^28 over 432 values', bytes: torchZip(stride0, [['archive/data/0', storage432]]), ext: 'pth', expect: 'refused' },
      { name: 'stride-0 view of 2^30 over 432 values', bytes: torchZip(bigView, [['archive/data/0', storage432]]), ext: 'pth', expect: 'refused' },
      {
        name: 'deflated storage claiming 1 GiB',
        bytes: lyingZip([{ name: 'archive/data.pkl', data: bomb }, { name: 'archive/data/0', data: new Uint8Array(64 << 20), deflate: true, claimedSize: 2 ** 30 }]),
        ext: 'pth',
        expect: 'refused',
      },
      {
        name: 'deflated pickle claiming 3 GiB',
        bytes: lyingZip([{ name: 'archive/data.pkl', data: new Uint8Array(1 << 20), deflate: true, claimedSize: 3 * 2 ** 30 }]),
        ext: 'pth',
        expect: 'refused',
      },
      { name: 'os.system global', bytes: torchZip(new PickleAsm().global('os', 'system').str('touch /tmp/pwned').op(0x85).reduce().stop()), ext: 'pth', expect: 'refused' },
    ];
    return { seeds, crafted };
  },
  mutate(seed, rng) {
    const r = rng.next();
    if (r < 0.2) return mutateBytes(seed.bytes, rng);
    const entries = unzip(seed.bytes);
    const pk = entries.findIndex(([n]) => n.endsWith('data.pkl'));
    if (r < 0.6) entries[pk] = [entries[pk][0], mutateBytes(entries[pk][1], rng, 3)];
    else if (r < 0.8) {
      let p = entries[pk][1];
      for (let k = 1 + rng.int(3); k > 0; k--) {
        const at = 2 + rng.int(Math.max(1, p.length - 2));
        p = concat(p.subarray(0, at), Uint8Array.from(rng.pick(HOSTILE_SNIPPETS)), p.subarray(at));
      }
      entries[pk] = [entries[pk][0], p];
    } else if (r < 0.9) {
      const i = rng.int(entries.length);
      entries[i] = [entries[i][0], rng.chance(0.5) ? entries[i][1].subarray(0, rng.int(entries[i][1].length + 1)) : concat(entries[i][1], new Uint8Array(1 + rng.int(64)))];
    } else {
      // deflate some entries and let some claim sizes of their own
      return lyingZip(entries.map(([name, data]) => ({ name, data, deflate: rng.chance(0.5), claimedSize: rng.chance(0.2) ? rng.pick([0, data.length + 1, 2 ** 31, 2 ** 32 - 1]) : undefined })));
    }
    return writeZip(entries);
  },
  async load(path) {
    const sd = loadStateDict(path);
    if (sd.tensors.has('patch_embed.proj.weight')) loadModel(path).dispose();
  },
};

// ---------------------------------------------------------------- option files



function typo(key: string, rng: FuzzRng): string {
  if (key.length < 2) return `${key}x`;
  const i = rng.int(key.length - 1);
  switch (rng.int(3)) {
    case 0:
      return key.slice(0, i) + key.slice(i + 1);
    case 1:
      return key.slice(0, i) + key[i + 1] + key[i] + key.slice(i + 2);
    default:
      return key.slice(0, i) + 'x' + key.slice(i);
  }
}

function mutateTree(doc: Record<string, unknown>, rng: FuzzRng): unknown {
  // every mapping and list of the document, to pick one
  const nodes: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  const walk = (o: unknown) => {
    if (Array.isArray(o)) o.forEach((v, i) => (nodes.push({ parent: o, key: i }), walk(v)));
    else if (o && typeof o === 'object') for (const [k, v] of Object.entries(o)) {
      nodes.push({ parent: o as Record<string, unknown>, key: k });
      walk(v);
    }
  };
  walk(doc);
  if (rng.chance(0.03)) return rng.pick([null, [], 'x', 5, [{ a: 1 }]]);
  const n = rng.pick(nodes);
  const r = rng.next();
  if (r < 0.55) (n.parent as Record<string | number, unknown>)[n.key] = rng.pick([...INTERESTING_VALUES, '.inf', -0.5, 1e9, 7, 1e-12, [8, 8, 8], 'a/b', '/proc/x', { a: { b: 1 } }]);
  else if (r < 0.7 && !Array.isArray(n.parent)) delete n.parent[n.key as string];
  else if (r < 0.9 && !Array.isArray(n.parent)) {
    const v = n.parent[n.key as string];
    delete n.parent[n.key as string];
    n.parent[typo(String(n.key), rng)] = v;
  } else if (!Array.isArray(n.parent)) n.parent[`unknown_${rng.int(100)}`] = rng.pick(INTERESTING_VALUES);
  return doc;
}

const optionsCorpus: Corpus = {
  async setup() {
    const seeds: Case[] = [
      { name: 'authors-style file', bytes: new TextEncoder().encode(AUTHORS_STYLE), ext: 'yml' },
      ...['denoise/coarse.yml', 'derain/fine.yml', 'deblur/polish.yml'].map((f) => ({ name: `models/${f}`, bytes: readFileSync(join(repo, 'models', f)) as Uint8Array, ext: 'yml' })),
    ];
    const enc = (s: string) => new TextEncoder().encode(s);
    const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) laughs.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${new Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    const crafted: Case[] = [
      { name: 'totl_iter typo', bytes: enc(AUTHORS_STYLE.replace('total_iter', 'totl_iter')), ext: 'yml', expect: 'refused' },
      { name: 'billion laughs', bytes: enc(laughs.join('\n') + '\n'), ext: 'yml', expect: 'refused' },
      { name: 'self-referencing alias', bytes: enc('train: &t\n  x: *t\n'), ext: 'yml', expect: 'refused' },
      { name: '5,000 nested mappings', bytes: enc(`${'{a: '.repeat(5000)}1${'}'.repeat(5000)}\n`), ext: 'yml', expect: 'refused' },
      { name: 'inp_channels 3 / out_channels 1', bytes: enc(AUTHORS_STYLE.replace('inp_channels: 6', 'inp_channels: 3').replace('out_channels: 3', 'out_channels: 1')), ext: 'yml', expect: 'refused' },
      { name: 'num_blocks 1e6', bytes: enc(AUTHORS_STYLE.replace('num_blocks: [4,6,6,8]', 'num_blocks: [1000000,6,6,8]')), ext: 'yml', expect: 'refused' },
      { name: 'fractional val_freq', bytes: enc(AUTHORS_STYLE.replace('val_freq: !!float 4e3', 'val_freq: 10.5')), ext: 'yml', expect: 'refused' },
      { name: 'binary junk', bytes: Uint8Array.from({ length: 512 }, (_, i) => (i * 97 + 13) % 256), ext: 'yml', expect: 'refused' },
      { name: 'a top-level list', bytes: enc('- 1\n- 2\n'), ext: 'yml', expect: 'refused' },
    ];
    return { seeds, crafted };
  },
  mutate(seed, rng) {
    if (rng.chance(0.6)) {
      const doc = parseYaml(new TextDecoder().decode(seed.bytes), { version: '1.1', logLevel: 'silent' }) as Record<string, unknown>;
      let d: unknown = doc;
      for (let k = 1 + rng.int(2); k > 0 && d && typeof d === 'object' && !Array.isArray(d); k--) d = mutateTree(d as Record<string, unknown>, rng);
      return new TextEncoder().encode(stringifyYaml(d));
    }
    return mutateBytes(seed.bytes, rng);
  },
  async load(path) {
    loadOptions(path, { rootDir: dirname(path) });
  },
};

// ---------------------------------------------------------------- images

const FUZZ_MAX_PIXELS = 4_000_000;

function pngChunks(b: Uint8Array): { type: string; start: number; len: number }[] {
  const out: { type: string; start: number; len: number }[] = [];
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let p = 8; p + 12 <= b.length; ) {
    const len = v.getUint32(p);
    out.push({ type: String.fromCharCode(...b.subarray(p + 4, p + 8)), start: p, len });
    p += 12 + len;
  }
  return out;
}

/** Rewrites a PNG chunk's CRC, so that a decoder reads the damaged data instead of stopping at the checksum. */
function fixCrc(b: Uint8Array, c: { start: number; len: number }): void {
  if (c.start + 12 + c.len > b.length) return;
  new DataView(b.buffer, b.byteOffset).setUint32(c.start + 8 + c.len, crc32(b.subarray(c.start + 4, c.start + 8 + c.len)));
}

function pngWithSize(b: Uint8Array, w: number, h: number): Uint8Array {
  const out = Uint8Array.from(b);
  const ihdr = pngChunks(out)[0];
  const v = new DataView(out.buffer);
  v.setUint32(ihdr.start + 8, w);
  v.setUint32(ihdr.start + 12, h);
  fixCrc(out, ihdr);
  return out;
}

async function checkImage(path: string, maxPixels?: number): Promise<void> {
  const img = await readImage(path, maxPixels === undefined ? {} : { maxPixels });
  const n = img.width * img.height;
  if (!(img.width >= 1 && img.height >= 1) || img.data.length !== img.channels * n) throw new WrongResult(`decoded ${img.data.length} values for ${img.channels}×${img.height}×${img.width}`);
  for (let i = 0; i < img.data.length; i++) if (!(img.data[i] >= 0 && img.data[i] <= 1)) throw new WrongResult(`value ${img.data[i]} at ${i} outside [0, 1]`);
  if (img.alpha && img.alpha.length !== n) throw new WrongResult('alpha of the wrong size');
}

const imagesCorpus: Corpus = {
  async setup() {
    const px = (w: number, h: number, c: number) => Buffer.from(Uint8Array.from({ length: w * h * c }, (_, i) => (i * 37 + 11) % 256));
    const raw = (w: number, h: number, c: 1 | 2 | 3 | 4) => sharp(px(w, h, c), { raw: { width: w, height: h, channels: c } });
    const deep = (w: number, h: number, c: 1 | 3) =>
      sharp(Buffer.from(Uint16Array.from({ length: w * h * c }, (_, i) => (i * 977) % 65536).buffer), { raw: { width: w, height: h, channels: c } }).toColourspace(c === 1 ? 'grey16' : 'rgb16');
    const seeds: Case[] = [
      { name: '1×1 RGB PNG', bytes: await raw(1, 1, 3).png().toBuffer(), ext: 'png' },
      { name: 'grey PNG', bytes: await raw(7, 5, 1).toColourspace('b-w').png().toBuffer(), ext: 'png' },
      { name: 'grey + alpha PNG', bytes: await raw(6, 4, 2).png().toBuffer(), ext: 'png' },
      { name: 'RGBA PNG', bytes: await raw(9, 6, 4).png().toBuffer(), ext: 'png' },
      { name: '16-bit RGB PNG', bytes: await deep(5, 4, 3).png().toBuffer(), ext: 'png' },
      { name: '16-bit grey PNG', bytes: await deep(4, 3, 1).png().toBuffer(), ext: 'png' },
      { name: '1×300 strip PNG', bytes: await raw(1, 300, 3).png().toBuffer(), ext: 'png' },
      { name: 'JPEG', bytes: await raw(17, 13, 3).jpeg().toBuffer(), ext: 'jpg' },
      { name: 'WebP', bytes: await raw(8, 8, 3).webp().toBuffer(), ext: 'webp' },
      { name: 'TIFF', bytes: await raw(6, 6, 3).tiff().toBuffer(), ext: 'tiff' },
    ];
    const small = seeds[0].bytes;
    const crafted: Case[] = [
      { name: 'PNG header of 10000×9999 (default limit)', bytes: pngWithSize(small, 10000, 9999), ext: 'png', expect: 'refused', load: (p) => checkImage(p) },
      { name: 'PNG header of 2^31×2^31', bytes: pngWithSize(small, 2 ** 31 - 1, 2 ** 31 - 1), ext: 'png', expect: 'refused', load: (p) => checkImage(p) },
      { name: 'PNG header of 1500×1500 over a 1×1 image', bytes: pngWithSize(small, 1500, 1500), ext: 'png', expect: 'refused' },
      { name: 'truncated PNG', bytes: small.subarray(0, 40), ext: 'png', expect: 'refused' },
      { name: 'empty file', bytes: new Uint8Array(0), ext: 'png', expect: 'refused' },
      { name: 'text named .png', bytes: new TextEncoder().encode('this is not a png'), ext: 'png', expect: 'refused' },
    ];
    return { seeds, crafted };
  },
  mutate(seed, rng) {
    if (seed.ext === 'png' && rng.chance(0.6)) {
      const b = Uint8Array.from(seed.bytes);
      const chunks = pngChunks(b);
      const c = rng.pick(chunks);
      if (c.type === 'IHDR' && rng.chance(0.5)) {
        return pngWithSize(b, rng.pick([0, 1, 2, 3000, 2 ** 31 - 1, 65535]), rng.pick([0, 1, 7, 2000, 2 ** 24]));
      }
      const body = b.subarray(c.start + 8, c.start + 8 + c.len);
      const m = mutateBytes(body, rng, 3);
      if (m.length === body.length) {
        body.set(m);
        fixCrc(b, c);
        return b;
      }
      const out = concat(b.subarray(0, c.start), Uint8Array.of(0, 0, 0, 0), b.subarray(c.start + 4, c.start + 8), m, new Uint8Array(4), b.subarray(c.start + 12 + c.len));
      new DataView(out.buffer).setUint32(c.start, m.length);
      fixCrc(out, { start: c.start, len: m.length });
      return out;
    }
    return mutateBytes(seed.bytes, rng);
  },
  async load(path) {
    await checkImage(path, FUZZ_MAX_PIXELS);
  },
};

// ---------------------------------------------------------------- the run

const CORPORA: Record<string, Corpus> = { safetensors: safetensorsCorpus, pth: pthCorpus, options: optionsCorpus, images: imagesCorpus };

interface Problem {
  i: number;
  name: string;
  detail: string;
}

async function main(): Promise<void> {
  const [corpusName, seedArg, countArg, perCaseArg] = process.argv.slice(2);
  const corpus = CORPORA[corpusName];
  if (!corpus) throw new Error(`unknown corpus '${corpusName}'`);
  const seed = Number(seedArg ?? 1);
  const count = Number(countArg ?? 100);
  const perCaseMs = Number(perCaseArg ?? 3000);
  const dir = mkdtempSync(join(tmpdir(), `dm-fuzz-${corpusName}-`));
  const started = Date.now();
  const problems: Problem[] = [];
  const refusedBy: Record<string, number> = {};
  let accepted = 0;
  let refused = 0;
  let slowest = { i: -1, name: '', ms: 0 };
  let cases = 0;
  // cases after which the resident set grew by more than 64 MB (what drives the peak)
  const peak = { rss: process.memoryUsage.rss() };
  const growth: { i: number; name: string; mb: number }[] = [];
  try {
    const { seeds, crafted } = await corpus.setup(dir);
    const rng = new FuzzRng(seed);
    const all: Case[] = [...seeds.map((s) => ({ ...s, expect: 'accepted' as const, name: `seed: ${s.name}` })), ...crafted.map((c) => ({ ...c, name: `crafted: ${c.name}` }))];
    const fixed = all.length;
    for (let i = 0; i < fixed + count; i++) {
      // mutants are made one at a time, so that only one is ever held
      let c: Case;
      if (i < fixed) c = all[i];
      else {
        const s = seeds[rng.int(seeds.length)];
        c = { name: `mutant ${i - fixed} of ${s.name}`, bytes: corpus.mutate(s, rng), ext: s.ext, expect: 'either' };
      }
      const path = join(dir, `case-${i}.${c.ext}`);
      writeFileSync(path, c.bytes);
      process.stdout.write(`> ${i} ${c.name}\n`);
      const t0 = performance.now();
      let out: Outcome;
      try {
        await (c.load ?? corpus.load)(path);
        out = { kind: 'accepted' };
      } catch (e) {
        out = e instanceof WrongResult ? { kind: 'problem', detail: `accepted with a wrong result: ${e.message}` } : judgeError(e, path);
        if (process.env.FUZZ_VERBOSE && i < fixed) process.stdout.write(`  ${(e as Error).name}: ${(e as Error).message}\n`);
      }
      const ms = performance.now() - t0;
      rmSync(path, { force: true });
      const rss = process.memoryUsage.rss();
      if (rss > peak.rss) {
        if (rss - peak.rss > 64 * 2 ** 20) growth.push({ i, name: c.name, mb: Math.round((rss - peak.rss) / 2 ** 20) });
        peak.rss = rss;
      }
      cases++;
      if (ms > slowest.ms) slowest = { i, name: c.name, ms: Math.round(ms) };
      if (ms > perCaseMs) problems.push({ i, name: c.name, detail: `took ${Math.round(ms)} ms (limit ${perCaseMs})` });
      if (out.kind === 'problem') problems.push({ i, name: c.name, detail: out.detail });
      else if (out.kind === 'accepted') {
        accepted++;
        if (c.expect === 'refused') problems.push({ i, name: c.name, detail: 'was accepted, must be refused' });
      } else {
        refused++;
        refusedBy[out.name] = (refusedBy[out.name] ?? 0) + 1;
        if (c.expect === 'accepted') problems.push({ i, name: c.name, detail: 'a legitimate file was refused' });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const maxRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(`RESULT ${JSON.stringify({ corpus: corpusName, seed, cases, accepted, refused, refusedBy, problems, slowest, maxRssMB, growth, seconds: (Date.now() - started) / 1000 })}\n`);
}

main().catch((e) => {
  process.stdout.write(`DRIVER-ERROR ${(e as Error).stack ?? String(e)}\n`);
  process.exit(2);
});
