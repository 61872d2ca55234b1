#!/usr/bin/python3
"""jprune's GPT-2 prefill and decode speed against ONNX Runtime and PyTorch, side by side in one run
(issue 9, item 7, peer part).

usage: bin/peers/run lm [options]           (makes the checkpoint with `jprune lm init` on first use)
       /usr/bin/python3 bin/peers/lm_ort.py [--model DIR] [--prompt-tokens 512] [--decode-tokens 32]
           [--repeats 5] [--rounds 5] [--threads 2] [--work DIR] [--results FILE] [--append]
   quick: bin/peers/run lm --prompt-tokens 64 --decode-tokens 8 --repeats 2 --rounds 2 --results /tmp/lm.md

All three sides run the same checkpoint directory (a Hugging Face GPT-2 layout, F32/F16/BF16 safetensors;
default runs/peers/lm/gpt2-124m, written by `jprune lm init --preset gpt2-124m`):
  torch   a float32 GPT-2 written here from the definitions (docs/lm-architectures.md; no transformers
          package), with an explicit KV cache: past keys/values in, presents out (torch.cat, as
          transformers does). Timed eagerly in its own process (this script with `torch-worker`),
          torch.set_num_threads(THREADS), torch.inference_mode(), OpenBLAS with its AVX-512 kernels
          (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for that process alone), OMP_NUM_THREADS and
          OPENBLAS_NUM_THREADS = THREADS, and OMP_WAIT_POLICY=PASSIVE: with libgomp's default (threads
          spin after each parallel op) the spinning OpenMP thread competes with OpenBLAS's own threads
          for the 2 cores, and on this machine PyTorch ran 2.5-4.5 times slower (--torch-omp-wait default
          restores it).
  ORT     the same module exported by torch.onnx.export (opset 17) as two graphs: prefill (input_ids
          [1, T] -> logits of the last position [1, V] + present_key/value_i [1, H, T, hd]) and decode
          (input_ids [1, 1] + past_key/value_i [1, H, P, hd] -> logits [1, V] + presents of length
          P + 1), T and P dynamic. Timed in onnxruntime-node (lm_ort_worker.js): intraOpNumThreads
          THREADS, interOpNumThreads 1, graphOptimizationLevel all, presents fed back as past.
  jprune  `jprune lm bench --skip-limits` (a fresh JVM per round, one untimed warm-up run inside),
          except round 1, which also measures the bandwidth and GEMM ceilings after its timing.
Each side does the same work per run: prefill a prompt of PROMPT random token ids (last position's
logits), then decode DECODE tokens one at a time with the KV cache (batch 1, full logits every step,
the next token the argmax), after one untimed warm-up run; per round each side reports the median of
REPEATS runs. Rounds interleave the sides (ORT, torch, jprune; the first side rotates each round) so a
change in the machine's load hits all alike. Results: the median over rounds of each side's
per-round median tokens/s, the min-max over every timed run, and the per-round ratio jprune / peer
(above 1: jprune is faster).

Before timing, the logits are checked, each within 1e-4 relative to max(1, |reference|):
  1. the torch model (full forward, and prefill + decode through the KV cache) against the float64
     reference `lm_reference.py forward` on the same checkpoint;
  2. ONNX Runtime's prefill and decode graphs (several steps, past lengths unlike the export's
     example) against the torch model;
  3. jprune itself on this checkpoint: `jprune lm eval` perplexity on a text whose token ids are known
     (chunk 2 of tokenizers/texts.json, ids from tokenizers/golden.tsv, which jprune's tokenizer
     reproduces) against the torch model's mean negative log-likelihood on the same ids (needs the
     checkpoint to hold tokenizers/gpt2-bpe's tokenizer.json, as `run lm` writes it; skipped if not).
Writes WORK/results.json and RESULTS (markdown: command, versions, load average, table).
"""
import argparse
import datetime
import json
import math
import os
import platform
import statistics
import struct
import subprocess
import sys
import time

import numpy as np

sys.dont_write_bytecode = True  # importing lm_reference must not leave __pycache__ in bin/peers
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TOLERANCE = 1e-4
OPSET = 17
CHECK_TEXT_CHUNK = 2  # tokenizers/texts.json chunk used for the jprune perplexity check
CHECK_SEQLEN = 64


def fail(msg):
    print(f'lm_ort.py: {msg}', file=sys.stderr)
    sys.exit(1)


# ----------------------------------------------------------------------------------------------
# the checkpoint, read by hand (no safetensors package)
# ----------------------------------------------------------------------------------------------

def read_tensors(path):
    """{name: float32 ndarray} of one safetensors file; F16 and BF16 widen exactly to float32."""
    # A bytearray, so the arrays viewing it are writable and torch.from_numpy takes them without a copy.
    raw = bytearray(os.path.getsize(path))
    with open(path, 'rb') as f:
        f.readinto(raw)
    if len(raw) < 8:
        fail(f'{path}: too short for a safetensors file')
    (n,) = struct.unpack('<Q', raw[:8])
    if n > len(raw) - 8:
        fail(f'{path}: header length {n} exceeds the file')
    header = json.loads(raw[8:8 + n])
    header.pop('__metadata__', None)
    data = memoryview(raw)[8 + n:]
    out = {}
    for name, e in header.items():
        begin, end = e['data_offsets']
        buf, shape, dt = data[begin:end], e['shape'], e['dtype']
        if dt == 'F32':
            a = np.frombuffer(buf, dtype='<f4')
        elif dt == 'F16':
            a = np.frombuffer(buf, dtype='<f2').astype(np.float32)
        elif dt == 'BF16':
            a = (np.frombuffer(buf, dtype='<u2').astype(np.uint32) << 16).view(np.float32)
        elif name.endswith(('.attn.bias', '.attn.masked_bias')):
            continue  # legacy GPT-2 buffers (BOOL/U8 masks); loaders ignore them
        else:
            fail(f'{path}: tensor {name} is {dt}; F32, F16 and BF16 are supported')
        if a.size != math.prod(shape):
            fail(f'{path}: tensor {name} holds {a.size} values, shape {shape} needs {math.prod(shape)}')
        out[name] = a.reshape(shape)
    return out


def read_checkpoint(model_dir):
    cfg_path = os.path.join(model_dir, 'config.json')
    if not os.path.isfile(cfg_path):
        fail(f'{model_dir}: no config.json')
    with open(cfg_path) as f:
        cfg = json.load(f)
    if cfg.get('model_type') != 'gpt2':
        fail(f'{model_dir}: model_type {cfg.get("model_type")!r}; this peer builds GPT-2 only')
    index = os.path.join(model_dir, 'model.safetensors.index.json')
    tensors = {}
    if os.path.isfile(index):
        with open(index) as f:
            for shard in sorted(set(json.load(f)['weight_map'].values())):
                tensors.update(read_tensors(os.path.join(model_dir, shard)))
    else:
        tensors = read_tensors(os.path.join(model_dir, 'model.safetensors'))
    return cfg, tensors


# ----------------------------------------------------------------------------------------------
# the torch model (imported lazily: the driver itself does not need torch)
# ----------------------------------------------------------------------------------------------

def build_torch(cfg, tensors):
    import torch
    import torch.nn.functional as F

    d, H, L = cfg['n_embd'], cfg['n_head'], cfg['n_layer']
    V, inner, eps = cfg['vocab_size'], cfg.get('n_inner') or 4 * cfg['n_embd'], cfg.get('layer_norm_epsilon', 1e-5)
    hd = d // H
    act = cfg.get('activation_function', 'gelu_new')
    if act not in ('gelu_new', 'gelu_pytorch_tanh'):
        fail(f'activation_function {act!r}: this peer implements the tanh GELU (gelu_new) only')
    if cfg.get('scale_attn_by_inverse_layer_idx') or cfg.get('scale_attn_weights') is False:
        fail('scale_attn_by_inverse_layer_idx / scale_attn_weights=false are not implemented in this peer')
    used = set()

    def w(name, shape):
        for p in ('transformer.', ''):
            if p + name in tensors:
                t = tensors[p + name]
                if list(t.shape) != list(shape):
                    fail(f'{p + name}: shape {list(t.shape)}, expected {list(shape)}')
                used.add(p + name)
                return torch.nn.Parameter(torch.from_numpy(np.ascontiguousarray(t, dtype=np.float32)), requires_grad=False)
        fail(f'checkpoint lacks {name}')

    class Block(torch.nn.Module):
        def __init__(self, i):
            super().__init__()
            p = f'h.{i}.'
            self.ln1_w, self.ln1_b = w(p + 'ln_1.weight', (d,)), w(p + 'ln_1.bias', (d,))
            # Conv1D keeps [in, out]: y = x @ W + b, one addmm (a Gemm in ONNX).
            self.attn_w, self.attn_b = w(p + 'attn.c_attn.weight', (d, 3 * d)), w(p + 'attn.c_attn.bias', (3 * d,))
            self.proj_w, self.proj_b = w(p + 'attn.c_proj.weight', (d, d)), w(p + 'attn.c_proj.bias', (d,))
            self.ln2_w, self.ln2_b = w(p + 'ln_2.weight', (d,)), w(p + 'ln_2.bias', (d,))
            self.fc_w, self.fc_b = w(p + 'mlp.c_fc.weight', (d, inner)), w(p + 'mlp.c_fc.bias', (inner,))
            self.out_w, self.out_b = w(p + 'mlp.c_proj.weight', (inner, d)), w(p + 'mlp.c_proj.bias', (d,))

        def forward(self, x, past_k, past_v, mask):
            """x [T, d]; past_k/v [1, H, P, hd] or None; mask [T, P + T] (True = hidden) or None."""
            a = F.layer_norm(x, (d,), self.ln1_w, self.ln1_b, eps)
            q, k, v = torch.addmm(self.attn_b, a, self.attn_w).split(d, dim=1)
            q = q.reshape(-1, H, hd).transpose(0, 1)
            k = k.reshape(-1, H, hd).transpose(0, 1).unsqueeze(0)
            v = v.reshape(-1, H, hd).transpose(0, 1).unsqueeze(0)
            if past_k is not None:
                k, v = torch.cat([past_k, k], 2), torch.cat([past_v, v], 2)
            s = torch.matmul(q, k[0].transpose(1, 2)) * (1.0 / math.sqrt(hd))
            if mask is not None:
                s = s.masked_fill(mask, float('-inf'))
            o = torch.matmul(torch.softmax(s, -1), v[0]).transpose(0, 1).reshape(-1, d)
            x = x + torch.addmm(self.proj_b, o, self.proj_w)
            m = F.layer_norm(x, (d,), self.ln2_w, self.ln2_b, eps)
            h = F.gelu(torch.addmm(self.fc_b, m, self.fc_w), approximate='tanh')
            return x + torch.addmm(self.out_b, h, self.out_w), k, v

    class Gpt2(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.wte, self.wpe = w('wte.weight', (V, d)), w('wpe.weight', (cfg['n_positions'], d))
            self.blocks = torch.nn.ModuleList(Block(i) for i in range(L))
            self.lnf_w, self.lnf_b = w('ln_f.weight', (d,)), w('ln_f.bias', (d,))
            if cfg.get('tie_word_embeddings', True):
                self.head = self.wte
            else:
                self.head = torch.nn.Parameter(torch.from_numpy(np.ascontiguousarray(tensors['lm_head.weight'])), requires_grad=False)
                used.add('lm_head.weight')

        def run(self, ids, past, last_only):
            """ids [1, T] int64; past: None or [k_0, v_0, k_1, ...] each [1, H, P, hd].
            Returns (logits [1, V] of the last position or [T, V] of all, presents)."""
            ones = torch.ones_like(ids[0])
            # Positions and the causal mask come from the data, not from Python ints, so the exported
            # graphs keep T and P dynamic.
            pos = torch.cumsum(ones, 0) - 1
            if past is None:
                mask = pos[None, :] > pos[:, None]
            else:
                pos = pos + past[0].shape[2]
                mask = None if ids.shape[1] == 1 else (torch.arange(past[0].shape[2] + ids.shape[1])[None, :] > pos[:, None])
            x = F.embedding(ids[0], self.wte) + F.embedding(pos, self.wpe)
            presents = []
            for i, b in enumerate(self.blocks):
                x, k, v = b(x, None if past is None else past[2 * i], None if past is None else past[2 * i + 1], mask)
                presents += [k, v]
            if last_only:
                x = x[-1:]
            x = F.layer_norm(x, (d,), self.lnf_w, self.lnf_b, eps)
            return F.linear(x, self.head), presents

    model = Gpt2().eval()
    extra = set(n for n in tensors if not n.endswith(('.attn.bias', '.attn.masked_bias'))) - used
    if cfg.get('tie_word_embeddings', True):
        extra.discard('lm_head.weight')
    if extra:
        fail(f'checkpoint tensors this GPT-2 does not use: {sorted(extra)[:6]}')
    return model


def io_names(layers):
    past = [f'past_{kind}_{i}' for i in range(layers) for kind in ('key', 'value')]
    present = [f'present_{kind}_{i}' for i in range(layers) for kind in ('key', 'value')]
    return past, present


def export_onnx(model, layers, prefill_path, decode_path):
    """Two graphs from the same module; example sizes 5 and 5 (the check uses others)."""
    import warnings
    import torch

    # The tracer warns about the Python-level branches in run(); each graph has one fixed branch by design.
    warnings.filterwarnings('ignore', category=torch.jit.TracerWarning)
    past_names, present_names = io_names(layers)

    class Prefill(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.m = model

        def forward(self, input_ids):
            logits, presents = self.m.run(input_ids, None, True)
            return (logits, *presents)

    class Decode(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.m = model

        def forward(self, input_ids, *past):
            logits, presents = self.m.run(input_ids, list(past), True)
            return (logits, *presents)

    ids = torch.arange(5, dtype=torch.int64)[None, :]
    with torch.no_grad():
        _, presents = model.run(ids, None, True)
        for path, module, args, inputs, dyn in (
                (prefill_path, Prefill(), (ids,), ['input_ids'],
                 dict({'input_ids': {1: 'T'}}, **{n: {2: 'T'} for n in present_names})),
                (decode_path, Decode(), (ids[:, :1], *presents), ['input_ids'] + past_names,
                 dict({n: {2: 'P'} for n in past_names}, **{n: {2: 'P1'} for n in present_names}))):
            tmp = path + '.tmp'
            torch.onnx.export(module, args, tmp, input_names=inputs, output_names=['logits'] + present_names,
                              dynamic_axes=dyn, opset_version=OPSET, do_constant_folding=True)
            os.replace(tmp, path)


# ----------------------------------------------------------------------------------------------
# the torch worker: one JSON request per stdin line, one JSON reply per stdout line
# ----------------------------------------------------------------------------------------------

def argmax(x):
    return int(np.argmax(x))


def torch_worker(argv):
    import torch
    ap = argparse.ArgumentParser(prog='lm_ort.py torch-worker')
    ap.add_argument('--model', required=True)
    ap.add_argument('--threads', type=int, default=2)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    t0 = time.time()
    cfg, tensors = read_checkpoint(a.model)
    model = build_torch(cfg, tensors)
    del tensors
    load_s = time.time() - t0
    out = sys.stdout
    sys.stdout = sys.stderr  # torch.onnx.export prints; keep stdout for replies

    def reply(obj):
        out.write(json.dumps(obj) + '\n')
        out.flush()

    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        try:
            cmd = req['cmd']
            if cmd == 'quit':
                break
            if cmd == 'info':
                r = {'torch': torch.__version__, 'threads': torch.get_num_threads(), 'load_s': load_s,
                     'blas': 'OpenBLAS' if 'openblas' in open('/proc/self/maps').read().lower() else 'unknown'}
            elif cmd == 'export':
                export_onnx(model, cfg['n_layer'], req['prefill'], req['decode'])
                r = {}
            elif cmd == 'logits':
                # Full forward (all positions), and prefill of the first `split` ids + one at a time.
                ids = torch.tensor(req['ids'], dtype=torch.int64)[None, :]
                with torch.inference_mode():
                    full, _ = model.run(ids, None, False)
                    last, past = model.run(ids[:, :req['split']], None, True)
                    steps = [last]
                    for j in range(req['split'], ids.shape[1]):
                        y, past = model.run(ids[:, j:j + 1], past, True)
                        steps.append(y)
                full.numpy().astype('<f4').tofile(req['out_full'])
                torch.cat(steps, 0).numpy().astype('<f4').tofile(req['out_cached'])
                r = {'shape': list(full.shape)}
            elif cmd == 'nll':
                # Mean negative log-likelihood of windows scored from an empty context, as jprune lm eval.
                ids, l = req['ids'], req['seqlen']
                total, count = 0.0, 0
                with torch.inference_mode():
                    for s in range(0, len(ids) - l + 1, l):
                        win = torch.tensor(ids[s:s + l], dtype=torch.int64)[None, :]
                        logp = torch.log_softmax(model.run(win, None, False)[0].double(), -1)
                        total -= logp[torch.arange(l - 1), win[0, 1:]].sum().item()
                        count += l - 1
                r = {'mean_nll': total / count, 'predicted': count}
            elif cmd == 'time':
                prompt = torch.tensor(req['prompt'], dtype=torch.int64)[None, :]
                prefill, decode = [], []
                with torch.inference_mode():
                    for rep in range(-1, req['repeats']):
                        t0 = time.perf_counter()
                        logits, past = model.run(prompt, None, True)
                        t1 = time.perf_counter()
                        nxt = torch.tensor([[argmax(logits[0].numpy())]], dtype=torch.int64)
                        for _ in range(req['decode_tokens']):
                            logits, past = model.run(nxt, past, True)
                            nxt = torch.tensor([[argmax(logits[0].numpy())]], dtype=torch.int64)
                        t2 = time.perf_counter()
                        if rep >= 0:
                            prefill.append(t1 - t0)
                            decode.append(t2 - t1)
                r = {'prefill_s': prefill, 'decode_s': decode}
            else:
                raise ValueError(f'unknown command {cmd!r}')
            reply(dict(r, ok=True))
        except Exception as e:  # the driver prints it and stops
            reply({'ok': False, 'error': f'{type(e).__name__}: {e}'})


# ----------------------------------------------------------------------------------------------
# the driver
# ----------------------------------------------------------------------------------------------

class Worker:
    """A process answering one JSON line per request line."""

    def __init__(self, name, argv, env=None):
        self.name = name
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env)

    def ask(self, **req):
        self.proc.stdin.write(json.dumps(req) + '\n')
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            fail(f'{self.name} worker exited (request {req["cmd"]})')
        reply = json.loads(line)
        if not reply.get('ok'):
            fail(f'{self.name} worker: {reply.get("error")} (request {req["cmd"]})')
        return reply

    def close(self):
        try:
            self.proc.stdin.write(json.dumps({'cmd': 'quit'}) + '\n')
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass
        self.proc.wait(timeout=60)


def rel_err(a, ref):
    return float(np.max(np.abs(a - ref) / np.maximum(1.0, np.abs(ref))))


def check_logits(name, a, ref):
    if a.shape != ref.shape:
        fail(f'{name}: shape {a.shape}, reference {ref.shape}')
    e = rel_err(a, ref)
    ok = e <= TOLERANCE
    print(f'  {"ok  " if ok else "FAIL"} {name}: max |diff| / max(1, |ref|) = {e:.2e}', flush=True)
    if not ok:
        fail(f'{name} differs by {e:.3g} (tolerance {TOLERANCE})')
    return e


def reference_logits(model_dir, ids, work):
    """Float64 logits [T, V] from lm_reference.py forward (the reference jprune's golden files come from)."""
    sys.path.insert(0, HERE)
    import lm_reference
    out = os.path.join(work, 'reference-logits.safetensors')
    subprocess.run([sys.executable, os.path.join(HERE, 'lm_reference.py'), 'forward', '--model', model_dir,
                    '--ids', ','.join(map(str, ids)), '--out', out, '--dtype', 'F64'], check=True, cwd=ROOT)
    t, _ = lm_reference.read_safetensors(out)
    return t['logits'][2].numpy()


def golden_ids(chunk):
    """gpt2-bpe token ids of tokenizers/texts.json chunk from tokenizers/golden.tsv (@huggingface/tokenizers)."""
    with open(os.path.join(HERE, 'tokenizers', 'golden.tsv'), encoding='utf-8') as f:
        for line in f:
            p = line.rstrip('\n').split('\t')
            if len(p) >= 6 and p[0] == 'gpt2-bpe' and p[1] == 'texts' and p[2] == str(chunk):
                return [int(x) for x in p[5].split()]
    fail(f'tokenizers/golden.tsv has no gpt2-bpe ids for texts chunk {chunk}')


def jprune_cmd(args, *rest):
    return [os.path.join(ROOT, 'jprune'), *rest, '--threads', str(args.threads)]


def run_jprune(argv, what):
    env = dict(os.environ, JPRUNE_NO_PROGRESS='1')
    p = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True)
    if p.returncode != 0:
        fail(f'{what} failed ({p.returncode}): {" ".join(argv)}\n{p.stderr.strip()[-2000:]}')
    return p.stdout


def check_jprune(args, torch_w, work):
    tok = os.path.join(args.model, 'tokenizer.json')
    if not os.path.isfile(tok):
        print('  skip jprune perplexity check: the checkpoint has no tokenizer.json', flush=True)
        return None
    with open(os.path.join(HERE, 'tokenizers', 'texts.json'), encoding='utf-8') as f:
        text = json.load(f)[CHECK_TEXT_CHUNK]
    ids = golden_ids(CHECK_TEXT_CHUNK)
    with open(os.path.join(HERE, 'tokenizers', 'gpt2-bpe', 'tokenizer.json'), 'rb') as a, open(tok, 'rb') as b:
        if a.read() != b.read():
            print('  skip jprune perplexity check: the checkpoint\'s tokenizer.json is not tokenizers/gpt2-bpe\'s', flush=True)
            return None
    path = os.path.join(work, f'check-text-{CHECK_TEXT_CHUNK}.txt')
    with open(path, 'w', encoding='utf-8', newline='') as f:
        f.write(text)
    out = os.path.join(work, 'jprune-eval')
    run_jprune(jprune_cmd(args, 'lm', 'eval', '--model', args.model, '--text', path, '--seqlen', str(CHECK_SEQLEN), '--out', out),
               'jprune lm eval')
    with open(os.path.join(out, 'metrics.json')) as f:
        jm = json.load(f)
    if jm['text_tokens'] != len(ids):
        fail(f'jprune tokenized the check text into {jm["text_tokens"]} tokens, golden.tsv has {len(ids)}')
    t = torch_w.ask(cmd='nll', ids=ids, seqlen=CHECK_SEQLEN)
    if t['predicted'] != jm['predicted_tokens']:
        fail(f'jprune scored {jm["predicted_tokens"]} tokens, torch {t["predicted"]}')
    e = abs(jm['mean_nll'] - t['mean_nll']) / max(1.0, abs(t['mean_nll']))
    ok = e <= TOLERANCE
    print(f'  {"ok  " if ok else "FAIL"} jprune lm eval on this checkpoint: mean NLL {jm["mean_nll"]:.6f}, torch {t["mean_nll"]:.6f} '
          f'over {t["predicted"]} predicted tokens (relative diff {e:.1e})', flush=True)
    if not ok:
        fail(f'jprune\'s mean NLL differs from torch\'s by {e:.3g} relative (tolerance {TOLERANCE})')
    return {'mean_nll_jprune': jm['mean_nll'], 'mean_nll_torch': t['mean_nll'], 'predicted_tokens': t['predicted'], 'rel_diff': e}


def file_stamp(path):
    s = os.stat(path)
    return f'{s.st_size}-{int(s.st_mtime)}'


def summary(values):
    return {'median': statistics.median(values), 'min': min(values), 'max': max(values)}


def load_avg():
    return list(os.getloadavg())


def fmt_tps(s):
    return f'{s["median"]:.1f} ({s["min"]:.1f}-{s["max"]:.1f})'


def fmt_ratio(s):
    return f'{s["median"]:.2f} ({s["min"]:.2f}-{s["max"]:.2f})'


def write_results(out, path, append=False):
    side_names = {'ort': 'ONNX Runtime (onnxruntime-node)', 'torch': 'PyTorch eager', 'jprune': 'jprune'}
    la = out['load_average']
    lim = out.get('jprune_limits') or {}
    lines = [
        f'## {out["date"]}: {out["prompt_tokens"]}-token prefill, {out["decode_tokens"]}-token decode',
        '',
        'Command:',
        '',
        f'    {out["command"]}',
        '',
        f'Model: `{out["model"]}` ({out["parameters"]:,} parameters, {out["dtype"]}, random weights from `jprune lm init`). '
        f'Prefill: a {out["prompt_tokens"]}-token prompt of random ids (logits of the last position). Decode: '
        f'{out["decode_tokens"]} tokens one at a time with the KV cache after that prompt (batch 1, full logits every step). '
        f'{out["threads"]} threads on every side; {out["rounds"]} interleaved rounds, each side the median of {out["repeats"]} '
        'runs per round after one warm-up run.',
        '',
        f'Machine: {out["cpu"]}, {os.cpu_count()} cores, shared with other engineers\' builds. Load average (1, 5, 15 min) at '
        f'the start {la["start"][0]:.2f}, {la["start"][1]:.2f}, {la["start"][2]:.2f}; at the end {la["end"][0]:.2f}, '
        f'{la["end"][1]:.2f}, {la["end"][2]:.2f}; 1-minute load per round: '
        + ', '.join(f'{r["load_start"][0]:.2f}-{r["load_end"][0]:.2f}' for r in out['round_log']) + '.',
        '',
        f'Versions: onnxruntime-node {out["versions"]["onnxruntime"]} (opset {OPSET} graphs from torch.onnx.export), '
        f'PyTorch {out["versions"]["torch"]} ({out["versions"]["torch_blas"]}, OPENBLAS_CORETYPE/L2_SIZE unset: AVX-512 kernels; '
        f'OMP_WAIT_POLICY {out["torch_omp_wait"]}), '
        f'jprune at commit {out["versions"]["jprune_commit"]}, {out["versions"]["java"]}.',
        '',
        'Tokens/s: median over rounds of each round\'s median (min-max over every timed run). Ratio: jprune tokens/s / the '
        'peer\'s in the same round, median (min-max) over rounds; above 1 jprune is faster.',
        '',
        '| side | prefill tokens/s | decode tokens/s | jprune/side prefill | jprune/side decode |',
        '|---|---|---|---|---|',
    ]
    for side in ('ort', 'torch', 'jprune'):
        s = out['sides'][side]
        rp = fmt_ratio(out['ratios'][side]['prefill']) if side != 'jprune' else ''
        rd = fmt_ratio(out['ratios'][side]['decode']) if side != 'jprune' else ''
        lines.append(f'| {side_names[side]} | {fmt_tps(s["prefill"])} | {fmt_tps(s["decode"])} | {rp} | {rd} |')
    if lim:
        lines += ['', f'Ceilings (jprune lm bench, round 1): measured bandwidth {lim["bandwidth_gbs"]:.1f} GB/s over '
                      f'{lim["weight_bytes_per_token"] / 1e6:.1f} MB of weights read per decoded token -> decode ceiling '
                      f'{lim["decode_ceiling_tokens_per_second"]:.1f} tokens/s; jprune fp32 GEMM {lim["gemm_gflops"]:.1f} GFLOPS, '
                      f'prefill reaches {lim["prefill_gflops"]:.1f} GFLOPS.']
    c = out['checks']
    lines += ['', 'Checks before timing (each within 1e-4 relative to max(1, |reference|)): the torch model against the float64 '
                  f'`lm_reference.py forward` on {c["ids"]} ids: {c["torch_full_vs_reference"]:.1e} (full forward), '
                  f'{c["torch_cached_vs_reference"]:.1e} (prefill {c["split"]} + decode through the KV cache); ONNX Runtime\'s '
                  f'prefill and decode graphs against torch: {c["ort_vs_torch"]:.1e}.']
    if c.get('jprune'):
        j = c['jprune']
        lines.append(f'jprune on this checkpoint (`jprune lm eval`, {j["predicted_tokens"]} predicted tokens of known ids): mean NLL '
                     f'{j["mean_nll_jprune"]:.6f} against torch\'s {j["mean_nll_torch"]:.6f} (relative difference {j["rel_diff"]:.1e}).')
    lines += ['', 'Per round (tokens/s, each the median of the round\'s runs; sides in the order they ran):', '',
              '| round | order | ORT prefill | torch prefill | jprune prefill | ORT decode | torch decode | jprune decode |',
              '|---|---|---|---|---|---|---|---|']
    for i, r in enumerate(out['round_log']):
        lines.append(f'| {i + 1} | {", ".join(r["order"])} | ' + ' | '.join(
            f'{r[s][k]:.1f}' for k in ('prefill', 'decode') for s in ('ort', 'torch', 'jprune')) + ' |')
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    previous = ''
    if append and os.path.isfile(path):
        with open(path) as f:
            previous = f.read().rstrip('\n') + '\n\n'
    with open(path + '.tmp', 'w') as f:
        f.write((previous or RESULTS_HEADER) + '\n'.join(lines) + '\n')
    os.replace(path + '.tmp', path)


RESULTS_HEADER = '''# GPT-2 124M prefill and decode: jprune against ONNX Runtime and PyTorch

Written by `bin/peers/lm_ort.py` (run through `bin/peers/run lm`); each section below is one run, in the order they
were made (`--append` adds a section, otherwise the file is rewritten). What is compared, and what to keep in mind:

- Same checkpoint directory and same work on every side: prefill of a random prompt (logits of the last position),
  then greedy decoding one token at a time with the KV cache, batch 1, full logits every step. Before timing, the
  script checks that PyTorch, ONNX Runtime and jprune compute the same logits (section "Checks" of each run).
- The peers keep their KV cache the way transformers and its ONNX exports do: past keys/values in, presents out,
  concatenated each step (a copy of the whole cache per step and layer; in onnxruntime-node the presents also cross
  into JavaScript and back as the next step's inputs). jprune's cache is preallocated. At a 512-token past that is
  about 38 MB copied per step each way, beside 494 MB of weights read.
- ONNX Runtime runs the graphs torch.onnx.export writes, with its own graph optimisations at level "all"; no
  offline transformer optimiser (attention fusion, onnxruntime.transformers) was applied: the Python onnxruntime
  package is not installed here. The graphs store the tied head twice (the embedding and its transpose, 652 MB per
  file); speed is unaffected (each token reads the head once).
- PyTorch runs with OMP_WAIT_POLICY=PASSIVE (see the script's header): with libgomp's spinning default it was
  2.5-4.5 times slower on this 2-core machine (prefill and decode, alternating the two settings under the same
  load). ONNX Runtime and jprune run with their defaults.
- jprune runs `jprune lm bench` in a fresh JVM every round (one untimed warm-up run inside); the peers stay loaded
  in long-lived processes and also do one untimed run per round.
- The machine has 2 cores shared with other engineers' builds and training runs: see each run's load average.
  A load above 2 means the sides got only part of the cores, and multi-threaded code waiting at barriers suffers
  more than the load alone suggests.

'''


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--model', default=os.path.join('runs', 'peers', 'lm', 'gpt2-124m'))
    ap.add_argument('--prompt-tokens', type=int, default=512)
    ap.add_argument('--decode-tokens', type=int, default=32)
    ap.add_argument('--repeats', type=int, default=5, help='timed runs per side and round (after one warm-up run)')
    ap.add_argument('--rounds', type=int, default=5)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--seed', type=int, default=0, help='seed of the peers\' random prompt')
    ap.add_argument('--torch-omp-wait', choices=['PASSIVE', 'ACTIVE', 'default'], default='PASSIVE',
                    help='OMP_WAIT_POLICY of the PyTorch process (default: PASSIVE, see the header)')
    ap.add_argument('--work', default=os.path.join('runs', 'peers', 'lm'), help='ONNX files, logits, jprune outputs')
    ap.add_argument('--results', default=os.path.join('bin', 'peers', 'lm_results.md'))
    ap.add_argument('--append', action='store_true', help='add this run to RESULTS instead of rewriting it')
    ap.add_argument('--command', default=None, help=argparse.SUPPRESS)  # how bin/peers/run invoked us, for the record
    args = ap.parse_args()
    for k in ('prompt_tokens', 'decode_tokens', 'repeats', 'rounds', 'threads'):
        if getattr(args, k) < 1:
            raise SystemExit(f'lm_ort.py: --{k.replace("_", "-")} must be >= 1')
    os.chdir(ROOT)
    args.model = os.path.relpath(os.path.abspath(args.model), ROOT) if os.path.isabs(args.model) else args.model
    os.makedirs(args.work, exist_ok=True)
    load_start = load_avg()
    with open(os.path.join(args.model, 'config.json')) as f:
        cfg = json.load(f)
    if args.prompt_tokens + args.decode_tokens > cfg['n_positions']:
        raise SystemExit(f'lm_ort.py: --prompt-tokens + --decode-tokens exceed n_positions {cfg["n_positions"]}')

    torch_env = {k: v for k, v in os.environ.items() if k not in ('OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE')}
    torch_env.update(OMP_NUM_THREADS=str(args.threads), OPENBLAS_NUM_THREADS=str(args.threads))
    if args.torch_omp_wait != 'default':
        torch_env['OMP_WAIT_POLICY'] = args.torch_omp_wait
    print(f'loading {args.model} into PyTorch ...', flush=True)
    tw = Worker('torch', [sys.executable, os.path.abspath(__file__), 'torch-worker', '--model', args.model,
                          '--threads', str(args.threads)], env=torch_env)
    ow = None
    try:
        tinfo = tw.ask(cmd='info')
        print(f'PyTorch {tinfo["torch"]}, {tinfo["threads"]} threads, {tinfo["blas"]}; loaded in {tinfo["load_s"]:.1f} s', flush=True)

        # ONNX graphs, re-exported when the checkpoint changes.
        prefill_onnx, decode_onnx = os.path.join(args.work, 'gpt2-prefill.onnx'), os.path.join(args.work, 'gpt2-decode.onnx')
        stamp_file = os.path.join(args.work, 'onnx-source.txt')
        ck = os.path.join(args.model, 'model.safetensors')
        stamp = f'{os.path.abspath(args.model)} {file_stamp(ck) if os.path.exists(ck) else "sharded"} {file_stamp(os.path.abspath(__file__))}'
        if not (os.path.exists(prefill_onnx) and os.path.exists(decode_onnx) and os.path.exists(stamp_file)
                and open(stamp_file).read() == stamp):
            print('exporting ONNX graphs ...', flush=True)
            t0 = time.time()
            tw.ask(cmd='export', prefill=prefill_onnx, decode=decode_onnx)
            with open(stamp_file, 'w') as f:
                f.write(stamp)
            print(f'  {prefill_onnx}, {decode_onnx} in {time.time() - t0:.0f} s', flush=True)

        ow = Worker('onnxruntime', ['node', os.path.join(HERE, 'lm_ort_worker.js')])
        oinfo = ow.ask(cmd='load', prefill=prefill_onnx, decode=decode_onnx, threads=args.threads)
        print(f'onnxruntime-node {oinfo["version"]}, {args.threads} intra-op threads; sessions in {oinfo["load_s"]:.1f} s', flush=True)

        # Correctness: 11 ids, prefill 7 then 4 decode steps (past lengths 7..10; the export used 5).
        print('checking logits:', flush=True)
        V = cfg['vocab_size']
        ids = [int(i) for i in np.random.default_rng(12345).integers(0, V, 11)]
        split = 7
        ref = reference_logits(args.model, ids, args.work)
        ff, fc = os.path.join(args.work, 'torch-full.f32'), os.path.join(args.work, 'torch-cached.f32')
        tw.ask(cmd='logits', ids=ids, split=split, out_full=ff, out_cached=fc)
        tfull, tcached = np.fromfile(ff, '<f4').reshape(-1, V), np.fromfile(fc, '<f4').reshape(-1, V)
        checks = {'ids': len(ids), 'split': split,
                  'torch_full_vs_reference': check_logits('torch full forward vs lm_reference.py (float64)', tfull, ref),
                  'torch_cached_vs_reference': check_logits('torch prefill + KV-cache decode vs lm_reference.py', tcached, ref[split - 1:])}
        fo = os.path.join(args.work, 'ort-cached.f32')
        ow.ask(cmd='logits', ids=ids, split=split, out=fo)
        checks['ort_vs_torch'] = check_logits('ONNX Runtime prefill + decode graphs vs torch', np.fromfile(fo, '<f4').reshape(-1, V), tcached)
        checks['jprune'] = check_jprune(args, tw, args.work)

        prompt = [int(i) for i in np.random.default_rng(args.seed).integers(0, V, args.prompt_tokens)]
        sides = ['ort', 'torch', 'jprune']
        runs = {s: {'prefill': [], 'decode': []} for s in sides}
        round_log, limits = [], None
        for r in range(args.rounds):
            order = sides[r % 3:] + sides[:r % 3]
            entry = {'order': order, 'load_start': load_avg()}
            for side in order:
                if side == 'jprune':
                    out = os.path.join(args.work, f'jprune-bench-{r + 1}')
                    argv = jprune_cmd(args, 'lm', 'bench', '--model', args.model, '--prompt-tokens', str(args.prompt_tokens),
                                      '--decode-tokens', str(args.decode_tokens), '--repeats', str(args.repeats), '--out', out)
                    if r > 0:
                        argv.append('--skip-limits')
                    run_jprune(argv, 'jprune lm bench')
                    with open(os.path.join(out, 'metrics.json')) as f:
                        m = json.load(f)
                    if r == 0:
                        limits = {k: m[k] for k in ('bandwidth_gbs', 'decode_ceiling_tokens_per_second', 'weight_bytes_per_token',
                                                    'gemm_gflops', 'prefill_gflops', 'decode_fraction_of_ceiling') if k in m}
                    med = {'prefill': m['prefill_tokens_per_second'], 'decode': m['decode_tokens_per_second']}
                    runs['jprune']['prefill'] += [m['prefill_tokens_per_second_min'], m['prefill_tokens_per_second_max']]
                    runs['jprune']['decode'] += [m['decode_tokens_per_second_min'], m['decode_tokens_per_second_max']]
                else:
                    w = ow if side == 'ort' else tw
                    t = w.ask(cmd='time', prompt=prompt, decode_tokens=args.decode_tokens, repeats=args.repeats)
                    pre = [args.prompt_tokens / s for s in t['prefill_s']]
                    dec = [args.decode_tokens / s for s in t['decode_s']]
                    runs[side]['prefill'] += pre
                    runs[side]['decode'] += dec
                    med = {'prefill': statistics.median(pre), 'decode': statistics.median(dec)}
                entry[side] = med
                print(f'round {r + 1}/{args.rounds} {side:>6}: prefill {med["prefill"]:8.1f} tokens/s, decode {med["decode"]:6.2f} tokens/s '
                      f'(load {os.getloadavg()[0]:.2f})', flush=True)
            entry['load_end'] = load_avg()
            round_log.append(entry)
    finally:
        tw.close()
        if ow:
            ow.close()

    out = {'date': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC'),
           'command': args.command or 'bin/peers/lm_ort.py ' + ' '.join(sys.argv[1:]),
           'model': args.model, 'parameters': None, 'dtype': None, 'prompt_tokens': args.prompt_tokens,
           'decode_tokens': args.decode_tokens, 'repeats': args.repeats, 'rounds': args.rounds, 'threads': args.threads,
           'cpu': cpu_name(), 'torch_omp_wait': args.torch_omp_wait, 'load_average': {'start': load_start, 'end': load_avg()}, 'round_log': round_log,
           'checks': checks, 'jprune_limits': limits, 'sides': {}, 'ratios': {},
           'versions': {'onnxruntime': oinfo['version'], 'torch': tinfo['torch'], 'torch_blas': tinfo['blas'],
                        'jprune_commit': git_commit(), 'java': java_version()}}
    with open(os.path.join(args.work, 'jprune-bench-1', 'metrics.json')) as f:
        m1 = json.load(f)
    out['parameters'], out['dtype'] = m1['parameters'], m1['dtype']
    for side in sides:
        out['sides'][side] = {k: dict(summary([e[side][k] for e in round_log]),
                                      min=min(runs[side][k]), max=max(runs[side][k])) for k in ('prefill', 'decode')}
    for side in ('ort', 'torch'):
        out['ratios'][side] = {k: summary([e['jprune'][k] / e[side][k] for e in round_log]) for k in ('prefill', 'decode')}

    print(f'\n{"side":<8} {"prefill tokens/s":>26} {"decode tokens/s":>22} {"jprune/side prefill":>22} {"jprune/side decode":>22}')
    for side in sides:
        s = out['sides'][side]
        rp = fmt_ratio(out['ratios'][side]['prefill']) if side != 'jprune' else ''
        rd = fmt_ratio(out['ratios'][side]['decode']) if side != 'jprune' else ''
        print(f'{side:<8} {fmt_tps(s["prefill"]):>26} {fmt_tps(s["decode"]):>22} {rp:>22} {rd:>22}')
    if limits:
        print(f'bandwidth {limits["bandwidth_gbs"]:.1f} GB/s -> decode ceiling {limits["decode_ceiling_tokens_per_second"]:.1f} tokens/s; '
              f'GEMM {limits["gemm_gflops"]:.1f} GFLOPS, jprune prefill {limits["prefill_gflops"]:.1f} GFLOPS')
    print(f'load average {", ".join(f"{v:.2f}" for v in out["load_average"]["end"])}')
    with open(os.path.join(args.work, 'results.json.tmp'), 'w') as f:
        json.dump(out, f, indent=1)
    os.replace(os.path.join(args.work, 'results.json.tmp'), os.path.join(args.work, 'results.json'))
    write_results(out, args.results, args.append)
    print(f'wrote {os.path.join(args.work, "results.json")} and {args.results}')


def cpu_name():
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or 'unknown CPU'


def git_commit():
    p = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=ROOT, capture_output=True, text=True)
    return p.stdout.strip() or 'unknown'


def java_version():
    p = subprocess.run(['bash', '-c', '. bin/find-jdk && jprune_find_jdk 2>/dev/null && "$JAVA_HOME/bin/java" -version 2>&1 | head -1'],
                       cwd=ROOT, capture_output=True, text=True)
    return p.stdout.strip() or 'java unknown'


if __name__ == '__main__':
    if len(sys.argv) > 1 and sys.argv[1] == 'torch-worker':
        torch_worker(sys.argv[2:])
    else:
        main()
