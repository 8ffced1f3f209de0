import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readSafetensors } from '../../src/io/safetensors.js';
import { psnr, ssim, MetricError, type HWCImage } from '../../src/metrics/index.js';
import { fixturePath } from '../helpers/shared.js';
import { readFloat64Tensors } from '../helpers/safetensors-lite.js';

const file = fixturePath('metrics.safetensors');
const { tensors } = readSafetensors(file);
const expected = readFloat64Tensors(file);

function image(name: string): HWCImage {
  const t = tensors.get(name);
  if (!t) throw new Error(`fixture tensor '${name}' missing`);
  const [height, width, channels] = t.shape;
  return { data: Uint8Array.from(t.data), height, width, channels };
}

const img1 = image('img1');
const img2 = image('img2');

test('metrics fixture: all PSNR/SSIM values of both official implementations', () => {
  const names = [...expected.keys()];
  assert.equal(names.length, 12);
  for (const name of names) {
    const [variant, metric, channel, crop] = name.split('.');
    const opts = {
      variant: variant as 'basicsr' | 'deraining',
      yChannel: channel === 'y',
      cropBorder: crop ? Number(crop.replace('crop', '')) : 0,
    };
    const want = expected.get(name)!.data[0];
    const got = metric === 'psnr' ? psnr(img1, img2, opts) : ssim(img1, img2, opts);
    const tol = metric === 'psnr' ? 1e-6 : 1e-7;
    assert.ok(Math.abs(got - want) <= tol, `${name}: got ${got}, expected ${want} (|diff| ${Math.abs(got - want)} > ${tol})`);
  }
});

test('BGR data with channelOrder bgr gives the same numbers', () => {
  const swap = (im: HWCImage): HWCImage => {
    const d = new Uint8Array(im.data.length);
    for (let i = 0; i < d.length; i += 3) {
      d[i] = im.data[i + 2];
      d[i + 1] = im.data[i + 1];
      d[i + 2] = im.data[i];
    }
    return { ...im, data: d };
  };
  const a = swap(img1);
  const b = swap(img2);
  for (const variant of ['basicsr', 'deraining'] as const) {
    assert.equal(psnr(a, b, { variant, yChannel: true, channelOrder: 'bgr' }), psnr(img1, img2, { variant, yChannel: true }));
    assert.equal(ssim(a, b, { variant, yChannel: true, channelOrder: 'bgr' }), ssim(img1, img2, { variant, yChannel: true }));
  }
  // and the order matters for Y
  assert.notEqual(psnr(a, b, { yChannel: true }), psnr(img1, img2, { yChannel: true }));
});

test('identical images: PSNR is infinite, SSIM is 1', () => {
  for (const variant of ['basicsr', 'deraining'] as const) {
    for (const yChannel of [false, true]) {
      assert.equal(psnr(img1, img1, { variant, yChannel }), Infinity);
      assert.ok(Math.abs(ssim(img1, img1, { variant, yChannel }) - 1) < 1e-6);
    }
  }
});

test('basicsr peak rule: [0,1] floats give the uint8 numbers; 16-bit data is rescaled', () => {
  const f = (im: HWCImage): HWCImage => ({ ...im, data: Float64Array.from(im.data, (v) => v / 255) });
  assert.ok(Math.abs(psnr(f(img1), f(img2)) - psnr(img1, img2)) < 1e-9);
  // float32 rounding at the [0,1] scale moves the official colour SSIM by ~2e-5
  assert.ok(Math.abs(ssim(f(img1), f(img2)) - ssim(img1, img2)) < 5e-5);
  assert.ok(Math.abs(ssim(f(img1), f(img2), { yChannel: false, variant: 'deraining' }) - 0.5) < 0.5);
  // the deraining script always uses peak 255, so [0,1] data gives a much higher number
  assert.ok(psnr(f(img1), f(img2), { variant: 'deraining' }) > psnr(img1, img2, { variant: 'deraining' }) + 40);
  const u16 = (im: HWCImage): HWCImage => ({ ...im, data: Uint16Array.from(im.data, (v) => v * 257) });
  assert.ok(Math.abs(psnr(u16(img1), u16(img2), { cropBorder: 4 }) - psnr(img1, img2, { cropBorder: 4 })) < 1e-9);
});

test('fast float64 colour SSIM is within 2e-5 of the faithful one', () => {
  const exact = ssim(img1, img2);
  const fast = ssim(img1, img2, { faithfulFloat32: false });
  assert.ok(Math.abs(exact - fast) < 2e-5, `${exact} vs ${fast}`);
});

test('grey images work for every variant', () => {
  const g = (im: HWCImage): HWCImage => {
    const d = new Uint8Array(im.height * im.width);
    for (let i = 0; i < d.length; i++) d[i] = im.data[3 * i + 1];
    return { ...im, data: d, channels: 1 };
  };
  const a = g(img1);
  const b = g(img2);
  for (const variant of ['basicsr', 'deraining'] as const) {
    for (const yChannel of [false, true]) {
      const p = psnr(a, b, { variant, yChannel });
      const s = ssim(a, b, { variant, yChannel });
      assert.ok(p > 20 && p < 40, `${variant} ${yChannel} psnr ${p}`);
      assert.ok(s > 0.5 && s < 1, `${variant} ${yChannel} ssim ${s}`);
    }
  }
});

test('clear errors for mismatched shapes and bad options', () => {
  const small: HWCImage = { data: new Uint8Array(10 * 10 * 3), height: 10, width: 10, channels: 3 };
  assert.throws(() => psnr(img1, small), MetricError);
  assert.throws(() => psnr(img1, img2, { cropBorder: 48 }), /cropBorder 48/);
  assert.throws(() => ssim(small, small, { variant: 'deraining' }), /at least 11x11/);
  assert.throws(() => psnr(img1, { ...img2, data: img2.data.subarray(1) }), /holds/);
  assert.throws(() => psnr(img1, img2, { variant: 'nope' as 'basicsr' }), /unknown variant/);
});
