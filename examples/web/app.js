// The restoration page's main thread: reads the photo, hands it to the worker (worker.js) that
// runs the network, shows progress, the before/after slider and the download link.
// window.diffMambaPage exposes where the page stands (the browser test reads it).
const $ = (id) => document.getElementById(id);
const page = { state: 'idle', progress: [], result: null, error: null, ms: 0, backend: null };
window.diffMambaPage = page;

let input = null; // { width, height, rgb: Uint8Array (HWC) }
let worker = null;
let running = 0;

function setStatus(text) {
  $('status').textContent = text;
}

function showError(message) {
  page.state = 'error';
  page.error = message;
  $('error').textContent = message;
  setStatus('Failed.');
  buttons();
}

function buttons() {
  $('restore').disabled = !input || page.state === 'running';
  $('cancel').disabled = page.state !== 'running';
}

/** Decodes an image file to RGB pixels, exactly as stored (no colour management, no premultiplication). */
async function decode(blob) {
  const bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(bitmap, 0, 0);
  const rgba = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
  const rgb = new Uint8Array(bitmap.width * bitmap.height * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    rgb[j] = rgba[i];
    rgb[j + 1] = rgba[i + 1];
    rgb[j + 2] = rgba[i + 2];
  }
  return { width: bitmap.width, height: bitmap.height, rgb };
}

function draw(canvas, img) {
  canvas.width = img.width;
  canvas.height = img.height;
  const data = new ImageData(img.width, img.height);
  for (let i = 0, j = 0; j < img.rgb.length; i += 4, j += 3) {
    data.data[i] = img.rgb[j];
    data.data[i + 1] = img.rgb[j + 1];
    data.data[i + 2] = img.rgb[j + 2];
    data.data[i + 3] = 255;
  }
  canvas.getContext('2d').putImageData(data, 0, 0);
}

async function choose(blob, name) {
  try {
    $('error').textContent = '';
    input = await decode(blob);
    if (/rain/i.test(name)) $('task').value = 'derain';
    else if (/blur/i.test(name)) $('task').value = 'deblur';
    else if (/nois/i.test(name)) $('task').value = 'denoise';
    draw($('before'), input);
    draw($('after'), input);
    $('compare').hidden = false;
    $('slider').hidden = true;
    $('after').style.clipPath = 'inset(0 0 0 100%)';
    $('download').hidden = true;
    page.state = 'ready';
    setStatus(`${name}: ${input.width}×${input.height}. Pick the task and restore.`);
  } catch (e) {
    showError(`cannot read ${name}: ${e.message}`);
  }
  buttons();
}

function getWorker() {
  if (worker) return worker;
  worker = new Worker(new URL('worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = (ev) => onWorkerMessage(ev.data);
  worker.onerror = (ev) => showError(`the worker failed: ${ev.message}`);
  return worker;
}

function onWorkerMessage(msg) {
  if (msg.id !== undefined && msg.id !== running) return;
  if (msg.type === 'status') setStatus(msg.text);
  else if (msg.type === 'progress') {
    page.progress.push(msg.progress);
    const p = msg.progress;
    $('progress').value = p.done / p.total;
    setStatus(`Network call ${p.done} of ${p.total} (tile ${p.tile} of ${p.tiles})…`);
  } else if (msg.type === 'done') {
    page.state = 'done';
    page.ms = msg.ms;
    page.backend = msg.backend;
    page.result = { width: msg.width, height: msg.height, rgb: msg.rgb, data: msg.data };
    draw($('after'), page.result);
    $('slider').hidden = false;
    $('slider').value = 50;
    $('after').style.clipPath = 'inset(0 0 0 50%)';
    $('after').toBlob((blob) => {
      const link = $('download');
      if (link.href) URL.revokeObjectURL(link.href);
      link.href = URL.createObjectURL(blob);
      link.hidden = false;
    }, 'image/png');
    setStatus(`Restored in ${(msg.ms / 1000).toFixed(1)} s on ${msg.backend} (${msg.calls} network calls). Drag the slider to compare.`);
    buttons();
  } else if (msg.type === 'cancelled') {
    page.state = 'cancelled';
    $('progress').value = 0;
    setStatus('Cancelled.');
    buttons();
  } else if (msg.type === 'error') {
    showError(msg.message);
  }
}

$('file').addEventListener('change', () => {
  const f = $('file').files[0];
  if (f) choose(f, f.name);
});
$('example').addEventListener('click', async () => {
  const r = await fetch('/examples/chelsea_noisy.png');
  if (!r.ok) return showError(`cannot load the example: HTTP ${r.status}`);
  choose(await r.blob(), 'chelsea_noisy.png');
});
const drop = $('drop');
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  const f = e.dataTransfer.files[0];
  if (f) choose(f, f.name);
});
$('slider').addEventListener('input', () => {
  $('after').style.clipPath = `inset(0 0 0 ${$('slider').value}%)`;
});
$('restore').addEventListener('click', () => {
  if (!input) return;
  running += 1;
  page.state = 'running';
  page.progress = [];
  page.result = null;
  page.error = null;
  $('error').textContent = '';
  $('progress').value = 0;
  $('download').hidden = true;
  buttons();
  setStatus('Loading the model…');
  const rgb = input.rgb.slice();
  getWorker().postMessage({ type: 'restore', id: running, task: $('task').value, engine: $('engine').value, width: input.width, height: input.height, rgb }, [rgb.buffer]);
});
$('cancel').addEventListener('click', () => {
  if (!worker || page.state !== 'running') return;
  worker.postMessage({ type: 'cancel', id: running });
  setStatus('Cancelling after the current network call…');
});
// ?engine=wasm|webgpu|auto picks the engine, as the select does
const wanted = new URLSearchParams(window.location.search).get('engine');
if (wanted && [...$('engine').options].some((o) => o.value === wanted)) $('engine').value = wanted;
buttons();
