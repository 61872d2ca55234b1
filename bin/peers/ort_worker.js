// ONNX Runtime (CPU) side of bin/peers/ort_compare.py: a long-lived process that loads ONNX models
// and answers one JSON request per stdin line with one JSON line on stdout, so that the coordinator
// can alternate short timed windows between this process and jprune's (both stay loaded and warm;
// the one not measuring sits idle).
//
// Requests:
//   {"cmd":"load","name":N,"path":"m.onnx","threads":2}       -> {"ok":true,"inputs":[...],"outputs":[...]}
//   {"cmd":"infer","name":N,"input":"x.f32","shape":[n,c,h,w],"out":"y.f32"}  (raw little-endian float32 files)
//   {"cmd":"time","name":N,"batch":B,"seconds":S,"min_calls":K}  -> {"ok":true,"calls":C,"median_ms":M,"mean_ms":A}
//   {"cmd":"quit"}
// Inputs for timing are seeded pseudo-random pixels in [0, 1): the same for every call.
const fs = require('fs');
const path = require('path');
const readline = require('readline');
const ort = require(path.join(__dirname, 'node_modules', 'onnxruntime-node'));

const sessions = new Map();

// A small seeded generator (mulberry32) so the timing input is the same in every run.
function pixels(count, seed) {
  let a = seed >>> 0;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  return out;
}

async function load(req) {
  const s = await ort.InferenceSession.create(req.path, {
    intraOpNumThreads: req.threads || 2, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential'});
  sessions.set(req.name, {session: s, dims: null});
  return {inputs: s.inputNames, outputs: s.outputNames};
}

function session(name) {
  const e = sessions.get(name);
  if (!e) throw new Error(`no model loaded as '${name}'`);
  return e.session;
}

async function infer(req) {
  const s = session(req.name);
  const buf = fs.readFileSync(req.input);
  const x = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const count = req.shape.reduce((p, q) => p * q, 1);
  if (x.length !== count) throw new Error(`${req.input} holds ${x.length} floats, shape ${req.shape} needs ${count}`);
  const r = await s.run({[s.inputNames[0]]: new ort.Tensor('float32', Float32Array.from(x), req.shape)});
  const y = r[s.outputNames[0]];
  fs.writeFileSync(req.out, Buffer.from(y.data.buffer, y.data.byteOffset, y.data.byteLength));
  return {shape: y.dims};
}

async function time(req) {
  const s = session(req.name);
  const [c, h, w] = req.dims || [1, 28, 28];
  const x = new ort.Tensor('float32', pixels(req.batch * c * h * w, 12345), [req.batch, c, h, w]);
  const feeds = {[s.inputNames[0]]: x};
  const t = [];
  const end = process.hrtime.bigint() + BigInt(Math.round(req.seconds * 1e9));
  const minCalls = req.min_calls || 1;
  while (process.hrtime.bigint() < end || t.length < minCalls) {
    const a = process.hrtime.bigint();
    await s.run(feeds);
    t.push(Number(process.hrtime.bigint() - a) / 1e6);
  }
  const mean = t.reduce((p, q) => p + q, 0) / t.length;
  t.sort((p, q) => p - q);
  return {calls: t.length, median_ms: t[Math.floor(t.length / 2)], mean_ms: mean};
}

async function handle(line) {
  const req = JSON.parse(line);
  switch (req.cmd) {
    case 'load': return load(req);
    case 'infer': return infer(req);
    case 'time': return time(req);
    case 'version': return {version: ort.env.versions ? ort.env.versions.common : 'unknown'};
    case 'quit': process.exit(0);
    default: throw new Error(`unknown command '${req.cmd}'`);
  }
}

async function main() {
  const rl = readline.createInterface({input: process.stdin, terminal: false});
  for await (const line of rl) {
    if (!line.trim()) continue;
    let reply;
    try {
      reply = Object.assign({ok: true}, await handle(line));
    } catch (e) {
      reply = {ok: false, error: String(e && e.message || e)};
    }
    process.stdout.write(JSON.stringify(reply) + '\n');
  }
}
main();
