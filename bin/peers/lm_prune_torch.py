#!/usr/bin/python3
"""PyTorch peer of jprune's one-shot pruning of decoder-only language models (issue 10).

A speed baseline and an independent reference for the whole pipeline: load a Hugging Face checkpoint
(GPT-2, Llama, Qwen2), prune every linear layer of every transformer block with magnitude, Wanda or
SparseGPT, block by block on calibration samples the way the papers' scripts do (on a CPU here), write the
result as a checkpoint of the same layout, and measure perplexity. Written from the definitions in
bin/peers/lm_prune_reference.py (not from the papers' repositories); checkpoint reading/writing, the model
classes and the layer functions come from bin/peers/lm_reference.py, whose behaviour this script does not
change.

usage:
  lm_prune_torch.py prune --model DIR --method magnitude|wanda|sparsegpt (--sparsity S | --pattern N:M)
                          [--calib CALIB.json] --out OUTDIR [--threads 2] [--blocksize 128] [--percdamp 0.01]
                          [--sparsegpt-dtype float32|float64]
  lm_prune_torch.py eval --model DIR --ids TOKENS.json --seqlen L [--threads 2] [--dtype float32|float64]
  lm_prune_torch.py selftest

prune:
  CALIB.json is a JSON list of token-id lists, one per calibration sample, all of the same length (not needed
  for magnitude). The embeddings of every sample are computed, then for each transformer block in order:
  the DENSE block runs on every sample while the inputs of each of its linear layers are accumulated into
  statistics (Wanda: per input column the sum of squares over all tokens; SparseGPT: H = sum X^T X over all
  tokens, accumulated in float64 one sample at a time, then H = (2/n) H); every linear layer of the block is
  pruned from those statistics (GPT-2: attn.c_attn, attn.c_proj, mlp.c_fc, mlp.c_proj, whose Conv1D weights
  are stored [in, out] and pruned as their transpose [out, in]; Llama/Qwen2: self_attn.q/k/v/o_proj,
  mlp.gate/up/down_proj); each pruned weight is rounded to the checkpoint's dtype; and the block runs again
  with the pruned weights on every sample to give the inputs of the next block (not after the last block,
  whose outputs nothing uses). Magnitude needs no inputs: it runs no forward at all. Embeddings, norms,
  biases and lm_head are never pruned.
  Arithmetic: forwards in float32. SparseGPT converts the float64 H to float32 and does everything after
  (dead columns, damping, Cholesky, inverse, upper Cholesky of the inverse, the block loop) in float32 like
  the paper's GPU script; --sparsegpt-dtype float64 does it in float64 instead.
  The selection rules (counting, tie-breaks, N:M, per-row Wanda, SparseGPT's per-block adaptive mask) are
  exactly lm_prune_reference.py's; torch.sort(stable=True) gives its position tie-break.
  OUTDIR gets the same tensor names, dtypes and single-file/sharded layout as the input (untouched tensors
  are bit-identical), copies of every other file of DIR (config.json, tokenizer files, the shard index), and
  timing.json: {"seconds": wall time excluding loading and writing, "per_block_seconds": [...], "threads",
  "method", "sparsity" or "pattern", "achieved_sparsity": zeros / entries over the pruned layers after the
  dtype rounding, plus the calibration shape and options}.

eval:
  TOKENS.json is one JSON list of token ids. It is cut into consecutive non-overlapping windows of L tokens
  from the start (a final partial window is dropped); each window is scored from an empty context; perplexity
  = exp(mean negative log-likelihood over the L - 1 predicted tokens of every window). Prints
  {"perplexity", "windows", "tokens": number of predicted tokens = windows * (L - 1), "dtype"}. float32
  by default (NLL sums in float64); --dtype float64 computes the whole forward in float64.
"""
import argparse
import json
import math
import os
import shutil
import sys
import tempfile
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lm_reference as R  # noqa: E402  (checkpoint I/O, model classes, layer functions)


def fail(msg):
    print(f"lm_prune_torch.py: {msg}", file=sys.stderr)
    sys.exit(2)


# ----------------------------------------------------------------------------------------------
# checkpoint in and out
# ----------------------------------------------------------------------------------------------

class Checkpoint:
    """Every tensor of a checkpoint directory in float32 (exact for F32/F16/BF16), remembering each tensor's
    dtype, file and the files' metadata so that it can be written back in the same layout."""

    def __init__(self, model_dir):
        self.dir = model_dir
        cfg_path = os.path.join(model_dir, "config.json")
        if not os.path.isfile(cfg_path):
            fail(f"{model_dir}: no config.json")
        with open(cfg_path) as f:
            self.cfg = json.load(f)
        index = os.path.join(model_dir, "model.safetensors.index.json")
        if os.path.isfile(index):
            with open(index) as f:
                wm = json.load(f)["weight_map"]
            files = sorted(set(wm.values()))
        elif os.path.isfile(os.path.join(model_dir, "model.safetensors")):
            wm, files = None, ["model.safetensors"]
        else:
            fail(f"{model_dir}: neither model.safetensors nor model.safetensors.index.json")
        self.tensors, self.dtype, self.file, self.meta, self.files = {}, {}, {}, {}, files
        for fname in files:
            part, meta = R.read_safetensors(os.path.join(model_dir, fname))
            self.meta[fname] = meta
            for n, (dt, _, t) in part.items():
                if wm is not None and wm.get(n) != fname:
                    fail(f"{fname}: tensor {n} is not mapped to this shard by the index")
                self.dtype[n], self.file[n] = dt, fname
                self.tensors[n] = t.to(torch.float32) if dt in ("F32", "F16", "BF16") else t

    def write(self, out_dir):
        os.makedirs(out_dir, exist_ok=True)
        for fname in self.files:
            entries = [(n, t, self.dtype[n]) for n, t in self.tensors.items() if self.file[n] == fname]
            data, _ = R.safetensors_bytes(entries, self.meta[fname])
            R.write_atomic(os.path.join(out_dir, fname), data)
        for f in sorted(os.listdir(self.dir)):  # config.json, tokenizer files, the shard index, ...
            src = os.path.join(self.dir, f)
            if os.path.isfile(src) and not f.endswith(".safetensors") and f != "timing.json":
                shutil.copyfile(src, os.path.join(out_dir, f))


def round_to(t, dtype):
    """t (float32) rounded to a checkpoint dtype and widened back, as a loader would read it."""
    return t.to(R.DTYPES[dtype][0]).to(torch.float32) if dtype in ("F16", "BF16") else t


# ----------------------------------------------------------------------------------------------
# the block forwards (lm_reference's model classes hold the weights; the arithmetic dtype is theirs)
# ----------------------------------------------------------------------------------------------

class Gpt2Model:
    """Per-block forward of GPT-2. rec(group, x) is called with the input of every linear layer."""
    LINEARS = ("attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj")

    def __init__(self, cfg, tensors):
        self.m = R.Gpt2(cfg, tensors)
        self.n_blocks = len(self.m.layers)
        self.max_len = self.m.n_pos

    def linears(self, b):
        """[(short name, weight tensor as stored, stored as [in, out]?, input group)]"""
        L = self.m.layers[b]
        return [(k, L[k + ".weight"], True, k) for k in self.LINEARS]

    def embed(self, ids):
        return self.m.wte[ids] + self.m.wpe[:len(ids)]

    def block(self, b, x, rec=None):
        m, L = self.m, self.m.layers[b]
        T, d, H = x.shape[0], m.d, m.h
        hd = d // H
        a = R.layer_norm(x, L["ln_1.weight"], L["ln_1.bias"], m.eps)
        if rec:
            rec("attn.c_attn", a)
        qkv = a @ L["attn.c_attn.weight"] + L["attn.c_attn.bias"]
        q, k, v = (qkv[:, j * d:(j + 1) * d].reshape(T, H, hd).transpose(0, 1) for j in range(3))
        scale = (1.0 / math.sqrt(hd) if m.scale_attn else 1.0) / ((b + 1) if m.inv_layer else 1)
        o = R.attention(q, k, v, scale)
        if rec:
            rec("attn.c_proj", o)
        x = x + o @ L["attn.c_proj.weight"] + L["attn.c_proj.bias"]
        h = R.layer_norm(x, L["ln_2.weight"], L["ln_2.bias"], m.eps)
        if rec:
            rec("mlp.c_fc", h)
        h = m.act(h @ L["mlp.c_fc.weight"] + L["mlp.c_fc.bias"])
        if rec:
            rec("mlp.c_proj", h)
        return x + h @ L["mlp.c_proj.weight"] + L["mlp.c_proj.bias"]

    def logits(self, x):
        return R.layer_norm(x, self.m.ln_f[0], self.m.ln_f[1], self.m.eps) @ self.m.head.T


class LlamaModel:
    """Per-block forward of Llama/Qwen2 (GQA, rotate-half RoPE with the config's scaling)."""
    GROUPS = (("qkv", ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj")), ("o", ("self_attn.o_proj",)),
              ("gate_up", ("mlp.gate_proj", "mlp.up_proj")), ("down", ("mlp.down_proj",)))

    def __init__(self, cfg, tensors):
        self.m = R.Llama(cfg, tensors)
        if self.m.window is not None:
            fail("sliding-window attention is not supported")
        self.n_blocks = len(self.m.layers)
        self.max_len = None
        self.dtype = self.m.embed.dtype
        self._rope = {}

    def linears(self, b):
        L = self.m.layers[b]
        return [(k, L[k][0], False, g) for g, ks in self.GROUPS for k in ks]

    def embed(self, ids):
        return self.m.embed[ids]

    def rope(self, T):
        """cos, sin [T, hd/2]: angles in float64 (exact positions times the float64 inv_freq), then cast."""
        if T not in self._rope:
            ang = torch.arange(T, dtype=torch.float64)[:, None] * self.m.inv_freq[None, :]
            self._rope[T] = (torch.cos(ang).to(self.dtype), torch.sin(ang).to(self.dtype))
        return self._rope[T]

    @staticmethod
    def rotate(x, cos, sin):
        half = x.shape[-1] // 2
        x1, x2 = x[..., :half], x[..., half:]
        return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], -1)

    def block(self, b, x, rec=None):
        m, L = self.m, self.m.layers[b]
        T, H, KV, hd = x.shape[0], m.H, m.KV, m.hd
        lin = R.Llama.linear
        a = R.rms_norm(x, L["in_norm"], m.eps)
        if rec:
            rec("qkv", a)
        q = lin(a, L["self_attn.q_proj"]).reshape(T, H, hd).transpose(0, 1)
        k = lin(a, L["self_attn.k_proj"]).reshape(T, KV, hd).transpose(0, 1)
        v = lin(a, L["self_attn.v_proj"]).reshape(T, KV, hd).transpose(0, 1)
        cos, sin = self.rope(T)
        q, k = self.rotate(q, cos, sin), self.rotate(k, cos, sin)
        kv_of = R.kv_head_of_query_head(H, KV)
        o = R.attention(q, k[kv_of], v[kv_of], 1.0 / math.sqrt(hd))
        if rec:
            rec("o", o)
        x = x + lin(o, L["self_attn.o_proj"])
        h = R.rms_norm(x, L["post_norm"], m.eps)
        if rec:
            rec("gate_up", h)
        h = R.silu(lin(h, L["mlp.gate_proj"])) * lin(h, L["mlp.up_proj"])
        if rec:
            rec("down", h)
        return x + lin(h, L["mlp.down_proj"])

    def logits(self, x):
        return R.rms_norm(x, self.m.norm, self.m.eps) @ self.m.head.T


def build(ck):
    mt = ck.cfg.get("model_type")
    if mt == "gpt2":
        return Gpt2Model(ck.cfg, ck.tensors)
    if mt in ("llama", "qwen2"):
        return LlamaModel(ck.cfg, ck.tensors)
    fail(f"model_type {mt!r} is not supported (gpt2, llama, qwen2)")


# ----------------------------------------------------------------------------------------------
# pruning one matrix (torch, vectorised; the definitions are lm_prune_reference.py's)
# ----------------------------------------------------------------------------------------------

def count(s, c):
    return int(s * c)  # the double product truncated, as the reference defines it


def smallest(scores, k):
    """Mask of the k smallest entries in row-major order, ties to the lower flat index."""
    flat = scores.reshape(-1)
    mask = torch.zeros(flat.numel(), dtype=torch.bool)
    mask[torch.sort(flat, stable=True).indices[:k]] = True
    return mask.view(scores.shape)


def smallest_per_row(scores, k):
    mask = torch.zeros(scores.shape, dtype=torch.bool)
    mask.scatter_(1, torch.sort(scores, dim=1, stable=True).indices[:, :k], True)
    return mask


def nm_mask(scores, n, m):
    rows, cols = scores.shape
    return smallest_per_row(scores.reshape(-1, m), m - n).view(rows, cols)


def prune_magnitude(W, sparsity, nm):
    score = W.abs()
    mask = nm_mask(score, *nm) if nm else smallest(score, count(sparsity, W.numel()))
    return W.masked_fill(mask, 0.0)


def prune_wanda(W, sumsq, sparsity, nm):
    score = W.abs().to(torch.float64) * torch.sqrt(sumsq)[None, :]
    mask = nm_mask(score, *nm) if nm else smallest_per_row(score, count(sparsity, W.shape[1]))
    return W.masked_fill(mask, 0.0)


def prune_sparsegpt(W, Hsum, n, sparsity, nm, blocksize, percdamp, dtype):
    """SparseGPT in its lazy-batch form. Hsum = sum of X^T X over n tokens (float64)."""
    rows, cols = W.shape
    W = W.to(dtype).clone()
    H = (Hsum * (2.0 / n)).to(dtype)
    dead = torch.nonzero(torch.diagonal(H) == 0).flatten()
    H[dead, dead] = 1.0
    W[:, dead] = 0.0
    damp = percdamp * torch.mean(torch.diagonal(H))
    H += damp * torch.eye(cols, dtype=dtype)
    Hinv = torch.linalg.cholesky(torch.cholesky_inverse(torch.linalg.cholesky(H)), upper=True)
    for i1 in range(0, cols, blocksize):
        i2 = min(i1 + blocksize, cols)
        cnt = i2 - i1
        W1 = W[:, i1:i2].clone()
        Q1 = torch.zeros_like(W1)
        Err1 = torch.zeros_like(W1)
        Hinv1 = Hinv[i1:i2, i1:i2]
        d2 = torch.diagonal(Hinv1) ** 2
        if nm is None:
            M1 = smallest(W1 ** 2 / d2[None, :], count(sparsity, rows * cnt))
        else:
            M1 = torch.zeros((rows, cnt), dtype=torch.bool)
        for i in range(cnt):
            if nm is not None and i % nm[1] == 0:
                M1[:, i:i + nm[1]] = nm_mask(W1[:, i:i + nm[1]] ** 2 / d2[None, i:i + nm[1]], *nm)
            w = W1[:, i]
            q = w.masked_fill(M1[:, i], 0.0)
            err = (w - q) / Hinv1[i, i]
            W1[:, i:].addr_(err, Hinv1[i, i:], alpha=-1.0)
            Q1[:, i] = q
            Err1[:, i] = err
        W[:, i1:i2] = Q1
        W[:, i2:] -= Err1 @ Hinv[i1:i2, i2:]
    return W.to(torch.float32)


class Stats:
    """Per input group: n tokens, Wanda's per-column sums of squares or SparseGPT's sum of X^T X, both in
    float64, accumulated in place one sample at a time (in place matters: allocating a fresh [in, in] float64
    sum per sample made this 5x slower)."""

    def __init__(self, method):
        self.method, self.n, self.sumsq, self.H = method, 0, None, None

    def add(self, x):
        X = x.reshape(-1, x.shape[-1]).to(torch.float64)
        self.n += X.shape[0]
        if self.method == "wanda":
            if self.sumsq is None:
                self.sumsq = torch.zeros(X.shape[1], dtype=torch.float64)
            self.sumsq.add_((X * X).sum(0))
        else:
            if self.H is None:
                self.H = torch.zeros(X.shape[1], X.shape[1], dtype=torch.float64)
            self.H.addmm_(X.T, X)


# ----------------------------------------------------------------------------------------------
# prune
# ----------------------------------------------------------------------------------------------

def parse_pattern(p):
    try:
        n, m = (int(v) for v in p.split(":"))
    except ValueError:
        fail(f"--pattern must be N:M, got {p!r}")
    if not 0 < n < m:
        fail(f"--pattern {p}: need 0 < N < M")
    return n, m


def read_calib(path, model):
    with open(path) as f:
        calib = json.load(f)
    if not isinstance(calib, list) or not calib or not all(isinstance(s, list) and s for s in calib):
        fail(f"{path}: expected a non-empty JSON list of non-empty token-id lists")
    if len({len(s) for s in calib}) != 1:
        fail(f"{path}: calibration samples have different lengths {sorted({len(s) for s in calib})}")
    V = model.m.vocab
    for s in calib:
        for t in s:
            if not (isinstance(t, int) and 0 <= t < V):
                fail(f"{path}: token id {t!r} outside the vocabulary [0, {V})")
    if model.max_len is not None and len(calib[0]) > model.max_len:
        fail(f"{path}: samples of {len(calib[0])} tokens exceed n_positions {model.max_len}")
    return calib


def run_prune(ck, method, sparsity, nm, calib, blocksize=128, percdamp=0.01, sg_dtype=torch.float32, debug=None):
    """Prunes ck.tensors in place. debug (selftest): a dict that receives, for block 0, the concatenated inputs
    of every linear and each pruned weight before the dtype rounding, and block 1's first recorded input."""
    model = build(ck)
    if nm and method == "sparsegpt" and blocksize % nm[1]:
        fail(f"--pattern {nm[0]}:{nm[1]} needs M to divide --blocksize {blocksize}")
    name_of = {id(t): n for n, t in ck.tensors.items()}
    pruned_names = []
    t0 = time.perf_counter()
    xs = [model.embed(torch.tensor(s)) for s in calib] if method != "magnitude" else []
    per_block = []
    phase = {"forward": 0.0, "statistics": 0.0, "prune": 0.0}
    for b in range(model.n_blocks):
        tb = time.perf_counter()
        stats = {}
        if method != "magnitude":
            def rec(group, x):
                ts = time.perf_counter()
                stats.setdefault(group, Stats(method)).add(x)
                phase["statistics"] += time.perf_counter() - ts
                if debug is not None and b <= 1:
                    debug.setdefault(("inputs", b, group), []).append(x.clone())
            for x in xs:
                model.block(b, x, rec)
        tp = time.perf_counter()
        phase["forward"] += tp - tb
        for short, w, stored_in_out, group in model.linears(b):
            W = w.T if stored_in_out else w  # [out, in]
            if nm and W.shape[1] % nm[1]:
                fail(f"{name_of[id(w)]}: {W.shape[1]} inputs is not a multiple of {nm[1]}")
            if method == "magnitude":
                P = prune_magnitude(W, sparsity, nm)
            elif method == "wanda":
                P = prune_wanda(W, stats[group].sumsq, sparsity, nm)
            else:
                st = stats[group]
                P = prune_sparsegpt(W, st.H, st.n, sparsity, nm, blocksize, percdamp, sg_dtype)
            if debug is not None and b == 0:
                debug[("pruned", short)] = P.clone()
            name = name_of[id(w)]
            P = round_to(P, ck.dtype[name])
            w.copy_(P.T if stored_in_out else P)  # in place: the model and ck.tensors share the tensor
            pruned_names.append(name)
        tf = time.perf_counter()
        phase["prune"] += tf - tp
        if method != "magnitude" and b + 1 < model.n_blocks:
            xs = [model.block(b, x) for x in xs]
        phase["forward"] += time.perf_counter() - tf
        per_block.append(time.perf_counter() - tb)
    seconds = time.perf_counter() - t0
    zeros = sum(int((ck.tensors[n] == 0).sum()) for n in pruned_names)
    total = sum(ck.tensors[n].numel() for n in pruned_names)
    phase["forward"] -= phase["statistics"]  # the statistics were timed inside the recording forwards
    return {"seconds": seconds, "per_block_seconds": per_block, "phase_seconds": phase, "achieved_sparsity": zeros / total,
            "pruned_tensors": len(pruned_names), "pruned_entries": total}


def prune_cmd(a):
    torch.set_num_threads(a.threads)
    if (a.sparsity is None) == (a.pattern is None):
        fail("give exactly one of --sparsity and --pattern")
    if a.sparsity is not None and not 0.0 <= a.sparsity < 1.0:
        fail(f"--sparsity {a.sparsity} outside [0, 1)")
    nm = parse_pattern(a.pattern) if a.pattern else None
    ck = Checkpoint(a.model)
    if a.method != "magnitude":
        if not a.calib:
            fail(f"--method {a.method} needs --calib")
        calib = read_calib(a.calib, build(ck))
    else:
        calib = []
    with torch.no_grad():
        r = run_prune(ck, a.method, a.sparsity, nm, calib, a.blocksize, a.percdamp,
                      torch.float32 if a.sparsegpt_dtype == "float32" else torch.float64)
    ck.write(a.out)
    timing = {"seconds": r["seconds"], "per_block_seconds": r["per_block_seconds"], "threads": a.threads,
              "method": a.method}
    if nm:
        timing["pattern"] = a.pattern
    else:
        timing["sparsity"] = a.sparsity
    timing.update({"achieved_sparsity": r["achieved_sparsity"], "pruned_tensors": r["pruned_tensors"],
                   "phase_seconds": r["phase_seconds"], "samples": len(calib), "seqlen": len(calib[0]) if calib else 0,
                   "torch": torch.__version__, "forward_dtype": "float32"})
    if a.method == "sparsegpt":
        timing.update({"blocksize": a.blocksize, "percdamp": a.percdamp, "sparsegpt_dtype": a.sparsegpt_dtype})
    R.write_atomic(os.path.join(a.out, "timing.json"), (json.dumps(timing, indent=2) + "\n").encode())
    print(json.dumps({k: timing[k] for k in ("seconds", "achieved_sparsity")}))


# ----------------------------------------------------------------------------------------------
# eval
# ----------------------------------------------------------------------------------------------

def perplexity(ck, ids, L, dtype=torch.float32):
    if dtype != torch.float32:
        for n in list(ck.tensors):
            ck.tensors[n] = ck.tensors[n].to(dtype)
    model = build(ck)
    if L < 2:
        fail("--seqlen must be at least 2")
    if model.max_len is not None and L > model.max_len:
        fail(f"--seqlen {L} exceeds n_positions {model.max_len}")
    V = model.m.vocab
    if any(not (0 <= t < V) for t in ids):
        fail(f"token ids outside the vocabulary [0, {V})")
    windows = len(ids) // L
    if windows == 0:
        fail(f"{len(ids)} tokens make no window of {L}")
    nll = 0.0
    with torch.no_grad():
        for w in range(windows):
            win = torch.tensor(ids[w * L:(w + 1) * L])
            x = model.embed(win)
            for b in range(model.n_blocks):
                x = model.block(b, x)
            logp = torch.log_softmax(model.logits(x)[:-1], dim=-1)
            nll -= logp.gather(1, win[1:, None]).to(torch.float64).sum().item()
    n = windows * (L - 1)
    return {"perplexity": math.exp(nll / n), "windows": windows, "tokens": n,
            "dtype": "float32" if dtype == torch.float32 else "float64"}


def eval_cmd(a):
    torch.set_num_threads(a.threads)
    with open(a.ids) as f:
        ids = json.load(f)
    if not isinstance(ids, list) or not all(isinstance(t, int) for t in ids):
        fail(f"{a.ids}: expected one JSON list of token ids")
    r = perplexity(Checkpoint(a.model), ids, a.seqlen, torch.float64 if a.dtype == "float64" else torch.float32)
    print(json.dumps(r))


# ----------------------------------------------------------------------------------------------
# self-test
# ----------------------------------------------------------------------------------------------

def selftest_cmd(a):
    import lm_prune_reference as P  # the numpy float64 reference of one matrix
    torch.set_num_threads(2)
    failures, passed = [], 0

    def check(name, ok, detail=""):
        nonlocal passed
        if ok:
            passed += 1
            print(f"ok   {name}")
        else:
            failures.append(name)
            print(f"FAIL {name} {detail}")

    tmp = tempfile.mkdtemp(prefix="lmprune-torch-")
    specs = {
        "gpt2": "--arch gpt2 --vocab 67 --hidden 64 --heads 4 --layers 2 --max-pos 64 --dtype F32 --seed 21",
        "llama": "--arch llama --vocab 71 --hidden 64 --heads 4 --kv-heads 2 --layers 2 --intermediate 96 --max-pos 64 "
                 "--dtype F32 --untied --seed 22",
        "llama-bf16-sharded": "--arch llama --vocab 71 --hidden 64 --heads 4 --kv-heads 2 --layers 2 --intermediate 96 "
                              "--max-pos 64 --dtype BF16 --untied --shards 3 --seed 23",
    }
    dirs = {}
    for tag, s in specs.items():
        dirs[tag] = os.path.join(tmp, tag)
        R.make_checkpoint(R.parser().parse_args(["make-checkpoint"] + s.split() + ["--out", dirs[tag]]))
        with open(os.path.join(dirs[tag], "tokenizer.json"), "w") as f:
            f.write('{"dummy": true}\n')
    g = torch.Generator().manual_seed(5)
    calib = [torch.randint(0, 67, (48,), generator=g).tolist() for _ in range(8)]  # 384 tokens

    def expected_pruned(method, sparsity, nm, W, blocksize=128):
        rows, cols = W.shape
        if nm:
            return rows * cols // nm[1] * (nm[1] - nm[0])
        if method == "magnitude":
            return count(sparsity, rows * cols)
        if method == "wanda":
            return rows * count(sparsity, cols)
        return sum(count(sparsity, rows * (min(i + blocksize, cols) - i)) for i in range(0, cols, blocksize))

    for tag in specs:
        for method in ("magnitude", "wanda", "sparsegpt"):
            for sparsity, nm in ((0.5, None), (None, (2, 4))):
                setting = f"{sparsity}" if nm is None else f"{nm[0]}:{nm[1]}"
                label = f"{tag} {method} {setting}"
                ck = Checkpoint(dirs[tag])
                dense = {n: t.clone() for n, t in ck.tensors.items()}
                debug = {}
                with torch.no_grad():
                    r = run_prune(ck, method, sparsity, nm, calib, 128, 0.01, torch.float32, debug)
                ck0 = Checkpoint(dirs[tag])
                model = build(ck0)
                name_of = {id(t): n for n, t in ck0.tensors.items()}
                ok_count, ok_nm, worst, flips = True, True, 0.0, 0
                for b in range(model.n_blocks):
                    for short, w, in_out, group in model.linears(b):
                        name = name_of[id(w)]
                        Wp = ck.tensors[name].T if in_out else ck.tensors[name]
                        zeros = int((Wp == 0).sum())
                        if zeros != expected_pruned(method, sparsity, nm, Wp):
                            ok_count = False
                        if nm:
                            nz = (Wp != 0).reshape(Wp.shape[0], -1, nm[1]).sum(-1)
                            ok_nm = ok_nm and bool((nz <= nm[0]).all())
                        if b == 0:
                            Wd = (dense[name].T if in_out else dense[name]).double().numpy()
                            X = (torch.cat(debug[("inputs", 0, group)], 0).double().numpy()
                                 if method != "magnitude" else np.zeros((1, Wd.shape[1])))
                            ref, rmask = P.prune(method, Wd, X, sparsity, f"{nm[0]}:{nm[1]}" if nm else None, 128, 0.01)
                            got = debug[("pruned", short)].double().numpy()
                            worst = max(worst, float(np.max(np.abs(got - ref)) / np.max(np.abs(ref))))
                            flips += int(np.sum((got == 0) != rmask))
                check(f"{label}: exact pruned count in every layer (achieved {r['achieved_sparsity']:.4f})", ok_count)
                if nm:
                    check(f"{label}: at most {nm[0]} nonzeros in every group of {nm[1]}", ok_nm)
                check(f"{label}: block 0 = numpy reference on the recorded inputs "
                      f"({flips} mask flips, max diff {worst:.1e} of max |W|)", flips == 0 and worst < 1e-4)
                if method != "magnitude":
                    # Block 1 saw the outputs of the PRUNED block 0 (rounded to the checkpoint's dtype).
                    first = model.linears(1)[0][3]
                    got1 = debug[("inputs", 1, first)]
                    want1 = [rec_first(ck, s, first) for s in calib]
                    dense1 = [rec_first(Checkpoint(dirs[tag]), s, first) for s in calib]
                    check(f"{label}: block 1 calibrated on the pruned block 0's outputs (not the dense ones)",
                          all(torch.equal(a_, b_) for a_, b_ in zip(got1, want1))
                          and not any(torch.equal(a_, b_) for a_, b_ in zip(got1, dense1)))
    # SparseGPT in float64 after the float64 H: the same algorithm as the numpy reference to rounding.
    for tag in ("gpt2", "llama"):
        for sparsity, nm in ((0.5, None), (None, (4, 8))):
            ck = Checkpoint(dirs[tag])
            dense = {n: t.clone() for n, t in ck.tensors.items()}
            debug = {}
            with torch.no_grad():
                run_prune(ck, "sparsegpt", sparsity, nm, calib, 32, 0.01, torch.float64, debug)
            model = build(ck)
            name_of = {id(t): n for n, t in ck.tensors.items()}
            worst = 0.0
            for short, w, in_out, group in model.linears(0):
                Wd = (dense[name_of[id(w)]].T if in_out else dense[name_of[id(w)]]).double().numpy()
                X = torch.cat(debug[("inputs", 0, group)], 0).double().numpy()
                ref, _ = P.prune("sparsegpt", Wd, X, sparsity, f"{nm[0]}:{nm[1]}" if nm else None, 32, 0.01)
                got = debug[("pruned", short)].double().numpy()
                worst = max(worst, float(np.max(np.abs(got - ref)) / np.max(np.abs(ref))))
            check(f"{tag} sparsegpt {sparsity or nm} blocksize 32, --sparsegpt-dtype float64: block 0 = numpy "
                  f"reference to float32 rounding of the result ({worst:.1e} < 1e-7)", worst < 1e-7)
    # Output layout: same files, same index and config, untouched tensors bit-identical, dtype rounding.
    for tag in ("gpt2", "llama-bf16-sharded"):
        out = os.path.join(tmp, tag + "-out")
        cfile = os.path.join(tmp, "calib.json")
        with open(cfile, "w") as f:
            json.dump(calib, f)
        args = parser().parse_args(["prune", "--model", dirs[tag], "--method", "sparsegpt", "--pattern", "2:4",
                                    "--calib", cfile, "--out", out])
        prune_cmd(args)
        src_files = sorted(os.listdir(dirs[tag]))
        out_files = sorted(f for f in os.listdir(out) if f != "timing.json")
        same_side = all(open(os.path.join(dirs[tag], f), "rb").read() == open(os.path.join(out, f), "rb").read()
                        for f in src_files if not f.endswith(".safetensors"))
        a_ck, b_ck = Checkpoint(dirs[tag]), Checkpoint(out)
        lin = {n for n in a_ck.tensors if any(n.endswith(s + ".weight") for s in
                                              Gpt2Model.LINEARS + tuple(k for _, ks in LlamaModel.GROUPS for k in ks))}
        untouched = all(torch.equal(a_ck.tensors[n], b_ck.tensors[n]) for n in a_ck.tensors if n not in lin)
        changed = all(not torch.equal(a_ck.tensors[n], b_ck.tensors[n]) for n in lin)
        dtypes = a_ck.dtype == b_ck.dtype and a_ck.file == b_ck.file
        timing = json.load(open(os.path.join(out, "timing.json")))
        check(f"{tag}: output has the same files, dtypes and shard layout; other files copied; only the "
              f"{len(lin)} linear weights changed; timing.json written",
              src_files == out_files and same_side and untouched and changed and dtypes
              and timing["achieved_sparsity"] == 0.5 and len(timing["per_block_seconds"]) == 2)
        # Re-written checkpoint of unpruned tensors is byte-identical to a re-write of the input.
        ck = Checkpoint(dirs[tag])
        ck.write(os.path.join(tmp, tag + "-copy"))
        check(f"{tag}: reading and writing back without pruning reproduces every file bit for bit",
              all(open(os.path.join(dirs[tag], f), "rb").read() == open(os.path.join(tmp, tag + "-copy", f), "rb").read()
                  for f in src_files))
    # eval: the float32 forward here against lm_reference's float64 forward.
    ids = torch.randint(0, 67, (100,), generator=g).tolist()
    for tag in ("gpt2", "llama"):
        r32 = perplexity(Checkpoint(dirs[tag]), ids, 24)
        r64 = perplexity(Checkpoint(dirs[tag]), ids, 24, torch.float64)
        ref = R.build(dirs[tag])
        nll = 0.0
        with torch.no_grad():
            for w in range(4):
                win = ids[w * 24:(w + 1) * 24]
                lp = torch.log_softmax(ref.forward(win)[:-1], -1)
                nll -= lp[torch.arange(23), torch.tensor(win[1:])].sum().item()
        ppl = math.exp(nll / (4 * 23))
        check(f"{tag}: eval perplexity = lm_reference float64 forward (float32 {r32['perplexity']:.6f}, "
              f"float64 {r64['perplexity']:.9f}, reference {ppl:.9f}); 4 windows, 92 tokens",
              abs(r32["perplexity"] / ppl - 1) < 1e-4 and abs(r64["perplexity"] / ppl - 1) < 1e-10
              and r32["windows"] == 4 and r32["tokens"] == 92)
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"{passed} passed, {len(failures)} failed")
    return 1 if failures else 0


def rec_first(ck, ids, group):
    """The input of block 1's first linear group, computed through the (pruned) block 0 of ck."""
    model = build(ck)
    got = []
    with torch.no_grad():
        x = model.block(0, model.embed(torch.tensor(ids)))
        model.block(1, x, lambda g_, x_: got.append(x_) if g_ == group and not got else None)
    return got[0]


def parser():
    ap = argparse.ArgumentParser(prog="lm_prune_torch.py", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    pr = sub.add_parser("prune", help="one-shot prune a checkpoint")
    pr.add_argument("--model", required=True)
    pr.add_argument("--method", choices=["magnitude", "wanda", "sparsegpt"], required=True)
    pr.add_argument("--sparsity", type=float)
    pr.add_argument("--pattern")
    pr.add_argument("--calib")
    pr.add_argument("--out", required=True)
    pr.add_argument("--threads", type=int, default=2)
    pr.add_argument("--blocksize", type=int, default=128)
    pr.add_argument("--percdamp", type=float, default=0.01)
    pr.add_argument("--sparsegpt-dtype", choices=["float32", "float64"], default="float32",
                    help="arithmetic of SparseGPT after H is accumulated (default float32, like the paper)")
    ev = sub.add_parser("eval", help="perplexity over non-overlapping windows")
    ev.add_argument("--model", required=True)
    ev.add_argument("--ids", required=True)
    ev.add_argument("--seqlen", type=int, required=True)
    ev.add_argument("--threads", type=int, default=2)
    ev.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    sub.add_parser("selftest", help="prune tiny random checkpoints and check them against the numpy reference")
    return ap


def main():
    a = parser().parse_args()
    if a.cmd == "prune":
        prune_cmd(a)
    elif a.cmd == "eval":
        eval_cmd(a)
    else:
        sys.exit(selftest_cmd(a))


if __name__ == "__main__":
    main()
