import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/shared.js';

/**
 * Optional checks against real PyTorch (Debian's python3-torch at /usr/bin/python3). Tests use
 * them only when `import torch` works there, and skip with the reason otherwise. The reference
 * model is the bench's PyTorch reference program, bench/reference/diffmamba_ref.py.
 */

export const PYTHON = '/usr/bin/python3';

let torchReason: string | null | undefined;

/** null when torch imports; else why the torch tests are skipped. */
export function torchMissing(): string | null {
  if (torchReason !== undefined) return torchReason;
  if (!existsSync(PYTHON)) return (torchReason = `${PYTHON} does not exist`);
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8', timeout: 120_000 });
  torchReason = r.status === 0 ? null : `PyTorch is not importable with ${PYTHON} (apt-get install python3-torch): ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`;
  return torchReason;
}

/** The reference model's folder (bench/reference), or null when it is absent. */
export function referenceDir(): string | null {
  const dir = join(repoRoot(), 'bench', 'reference');
  return existsSync(join(dir, 'diffmamba_ref.py')) ? dir : null;
}

export interface TorchView {
  topType: string;
  keys: string[];
  /** For 'params' and 'params_ema': the python type and [name, shape, dtype, contiguous, sha256 of the bytes] per entry. */
  dicts: Record<string, { type: string; entries: [string, number[], string, boolean, string][] }>;
  /** The 'diff_mamba' entry, if any. */
  meta: Record<string, string> | null;
  /** Both loads (weights_only=True and the authors' map_location call) agree. */
  plainLoadAgrees: boolean;
  /** 'ok' after load_state_dict(strict=True) of both dicts into the reference DFT; 'absent' without it. */
  reference: string;
}

const SCRIPT = String.raw`
import sys, json, hashlib, collections, torch
path, ref = sys.argv[1], sys.argv[2]
d = torch.load(path, weights_only=True)
out = {'topType': type(d).__name__, 'keys': list(d.keys()), 'dicts': {}, 'meta': None}
for k in ('params', 'params_ema'):
    v = d[k]
    out['dicts'][k] = {'type': type(v).__module__ + '.' + type(v).__name__, 'entries': [
        [n, list(t.shape), str(t.dtype), t.is_contiguous(), hashlib.sha256(t.detach().contiguous().numpy().tobytes()).hexdigest()]
        for n, t in v.items()]}
m = d.get('diff_mamba')
out['meta'] = dict(m) if m is not None else None
# how the authors' load_network calls it
p = torch.load(path, map_location=lambda storage, loc: storage)
out['plainLoadAgrees'] = list(p.keys()) == list(d.keys()) and all(
    list(p[k].keys()) == list(d[k].keys()) and all(torch.equal(p[k][n].view(torch.int32), d[k][n].view(torch.int32)) for n in d[k]) for k in ('params', 'params_ema'))
out['reference'] = 'absent'
if ref:
    sys.path.insert(0, ref)
    import diffmamba_ref as R
    c = json.loads(out['meta']['config'])
    net = R.DFT(inp_channels=c['inp_channels'], out_channels=c['out_channels'], dim=c['dim'], num_blocks=c['num_blocks'],
                bias=c['bias'], LayerNorm_type=c['LayerNorm_type'], dual_pixel_task=c['dual_pixel_task'], d_state=c['d_state'])
    for k in ('params', 'params_ema'):
        net.load_state_dict(d[k], strict=True)
        got = net.state_dict()
        assert all(torch.equal(got[n].view(torch.int32), d[k][n].view(torch.int32)) for n in d[k]), k
    out['reference'] = 'ok'
print(json.dumps(out))
`;

/** Loads `path` with torch (and into the reference model when `withReference` and it exists). */
export function torchView(path: string, withReference: boolean): TorchView {
  const ref = withReference ? referenceDir() ?? '' : '';
  const r = spawnSync(PYTHON, ['-c', SCRIPT, path, ref], { encoding: 'utf8', timeout: 300_000, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`python failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as TorchView;
}

export function sha256(data: Float32Array): string {
  return createHash('sha256').update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).digest('hex');
}
