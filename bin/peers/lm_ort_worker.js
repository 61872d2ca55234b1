// ONNX Runtime (CPU) side of bin/peers/lm_ort.py: a long-lived process holding the GPT-2 prefill and
// decode sessions, answering one JSON request per stdin line with one JSON line on stdout, so the
// driver can alternate timed runs between this process, PyTorch's and jprune's.
//
// Requests:
//   {"cmd":"load","prefill":"p.onnx","decode":"d.onnx","threads":2}   -> {"ok":true,"version":V,"load_s":S}
//   {"cmd":"logits","ids":[...],"split":K,"out":"y.f32"}
//       prefill ids[0..K), then decode ids[K..] one at a time feeding presents back as past; writes the
//       logits of each step (1 + ids.length - K rows of vocabulary floats, little-endian float32)
//   {"cmd":"time","prompt":[...],"decode_tokens":N,"repeats":R}    -> {"ok":true,"prefill_s":[...],"decode_s":[...]}
//       one untimed run, then R timed runs of: prefill the prompt; decode N tokens (next = argmax)
//   {"cmd":"quit"}
const fs = require('fs');
const path = require('path');
const readline = require('readline');
const ort = require(path.join(__dirname, 'node_modules', 'onnxruntime-node'));

let prefill = null;
let decode = null;

async function load(req) {
  const t0 = process.hrtime.bigint();
  const opts = {intraOpNumThreads: req.threads || 2, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential'};
  prefill = await ort.InferenceSession.create(req.prefill, opts);
  decode = await ort.InferenceSession.create(req.decode, opts);
  return {version: ort.env.versions ? ort.env.versions.common : 'unknown', load_s: Number(process.hrtime.bigint() - t0) / 1e9,
          prefill_inputs: prefill.inputNames, decode_inputs: decode.inputNames};
}

function ids(list) {
  return new ort.Tensor('int64', BigInt64Array.from(list, (v) => BigInt(v)), [1, list.length]);
}

// The decode session's feeds from the previous step's outputs: present_X_i becomes past_X_i.
function feeds(token, out) {
  const f = {input_ids: ids([token])};
  for (const name of decode.inputNames) {
    if (name.startsWith('past_')) f[name] = out['present_' + name.slice(5)];
  }
  return f;
}

function argmax(t) {
  const x = t.data;
  let b = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[b]) b = i;
  return b;
}

function need() {
  if (!prefill || !decode) throw new Error('no sessions loaded');
}

async function logits(req) {
  need();
  let out = await prefill.run({input_ids: ids(req.ids.slice(0, req.split))});
  const rows = [out.logits.data.slice()];
  for (let j = req.split; j < req.ids.length; j++) {
    out = await decode.run(feeds(req.ids[j], out));
    rows.push(out.logits.data.slice());
  }
  const all = new Float32Array(rows.reduce((n, r) => n + r.length, 0));
  let at = 0;
  for (const r of rows) {
    all.set(r, at);
    at += r.length;
  }
  fs.writeFileSync(req.out, Buffer.from(all.buffer));
  return {rows: rows.length};
}

async function time(req) {
  need();
  const prompt = ids(req.prompt);
  const prefillS = [];
  const decodeS = [];
  for (let rep = -1; rep < req.repeats; rep++) {
    const t0 = process.hrtime.bigint();
    let out = await prefill.run({input_ids: prompt});
    const t1 = process.hrtime.bigint();
    let next = argmax(out.logits);
    for (let s = 0; s < req.decode_tokens; s++) {
      out = await decode.run(feeds(next, out));
      next = argmax(out.logits);
    }
    const t2 = process.hrtime.bigint();
    if (rep >= 0) {
      prefillS.push(Number(t1 - t0) / 1e9);
      decodeS.push(Number(t2 - t1) / 1e9);
    }
  }
  return {prefill_s: prefillS, decode_s: decodeS};
}

async function handle(line) {
  const req = JSON.parse(line);
  switch (req.cmd) {
    case 'load': return load(req);
    case 'logits': return logits(req);
    case 'time': return time(req);
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
