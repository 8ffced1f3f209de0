import sharp from 'sharp';
import { writeFileAtomic } from '../io/atomic.js';

interface Series {
  title: string;
  points: [number, number][];
  color: string;
}

function panel(s: Series, x0: number, y0: number, w: number, h: number): string {
  const pad = 40;
  const pts = s.points.filter(([, v]) => Number.isFinite(v));
  const parts = [`<rect x="${x0}" y="${y0}" width="${w}" height="${h}" fill="white" stroke="#888"/>`, `<text x="${x0 + w / 2}" y="${y0 + 18}" font-family="sans-serif" font-size="14" text-anchor="middle">${s.title}</text>`];
  if (pts.length === 0) return parts.join('');
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  const [xMin, xMax] = [Math.min(...xs), Math.max(...xs, Math.min(...xs) + 1)];
  let [yMin, yMax] = [Math.min(...ys), Math.max(...ys)];
  if (yMax - yMin < 1e-12) [yMin, yMax] = [yMin - 1, yMax + 1];
  const px = (x: number) => x0 + pad + ((x - xMin) / (xMax - xMin)) * (w - 2 * pad);
  const py = (y: number) => y0 + h - pad + ((y - yMin) / (yMax - yMin)) * -(h - 2 * pad - 10);
  parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="1.5" points="${pts.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>`);
  if (pts.length < 40) for (const [x, y] of pts) parts.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="2.5" fill="${s.color}"/>`);
  const fmt = (v: number) => (Math.abs(v) >= 100 || Math.abs(v) < 0.01 ? v.toExponential(2) : v.toFixed(3));
  parts.push(`<text x="${x0 + 4}" y="${py(yMax) + 4}" font-family="sans-serif" font-size="10">${fmt(yMax)}</text>`);
  parts.push(`<text x="${x0 + 4}" y="${py(yMin)}" font-family="sans-serif" font-size="10">${fmt(yMin)}</text>`);
  parts.push(`<text x="${px(xMin)}" y="${y0 + h - 8}" font-family="sans-serif" font-size="10">${xMin}</text>`);
  parts.push(`<text x="${px(xMax)}" y="${y0 + h - 8}" font-family="sans-serif" font-size="10" text-anchor="end">iter ${xMax}</text>`);
  return parts.join('');
}

/** Writes the training-loss and validation-PSNR curves side by side as a PNG. */
export async function writeCurves(path: string, losses: [number, number][], val: [number, number][]): Promise<void> {
  const [w, h] = [900, 360];
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect width="${w}" height="${h}" fill="#f4f4f4"/>${panel({ title: 'training loss', points: losses, color: '#1f77b4' }, 10, 10, w / 2 - 15, h - 20)}${panel({ title: 'validation PSNR (dB)', points: val, color: '#d62728' }, w / 2 + 5, 10, w / 2 - 15, h - 20)}</svg>`;
  writeFileAtomic(path, await sharp(Buffer.from(svg)).png().toBuffer());
}
