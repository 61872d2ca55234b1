#!/usr/bin/python3
"""Independent float64 reference for one-shot pruning of a single linear layer (issue 10).

Magnitude, Wanda and SparseGPT pruning of one weight matrix, written with numpy from the definitions
below (not from the papers' repositories and not from jprune's Java), everything in float64.

usage:
  lm_prune_reference.py golden --out lm/src/test/resources/lm-prune-golden
  lm_prune_reference.py selftest
  lm_prune_reference.py prune --case FILE.safetensors [--out FILE.safetensors]
        re-prunes a golden file's `weight` with its `inputs` and `__metadata__` and reports the largest
        difference from its `pruned` (or writes the result with --out)

Conventions (the contract the Java implementation must match):
  * W is [out, in] (torch nn.Linear layout: row r = output r, column j = input j); X is [n, in], one row per
    calibration token.
  * Counting: unstructured sparsity s over c candidates prunes exactly k = int(s * c), the IEEE-754 double
    product truncated toward zero (what Python's int(s * c) and Java's (int) (s * c) give; note that
    0.7 * 1320 = 923.9999999999999 gives 923, not 924). The k smallest scores are pruned; ties go by position,
    lower flat (row-major) index pruned first: a stable ascending sort, first k.
  * Pattern N:M keeps at most N nonzeros in every group of M consecutive input columns of a row (groups start
    at column 0, M divides in): the M - N smallest scores of each group are pruned, ties by lower column first.
  * magnitude: score |W_ij|; unstructured over the whole matrix (c = out * in); N:M within each group.
  * Wanda: score |W_ij| * ||X_j||_2 with ||X_j||_2 = sqrt(sum_t X_tj^2); unstructured per output row
    (c = in, k = int(s * in) per row); N:M within each group.
  * SparseGPT: H = (2/n) X^T X; dead = {j : H_jj == 0} get H_jj = 1 and W[:, j] = 0; H += percdamp *
    mean(diag H) * I; Hinv = upper Cholesky factor U of inv(H) (inv(H) = U^T U). Columns in blocks
    [i1, i2) of blocksize. Unstructured: one mask per block, score W1^2 / diag(Hinv1)^2 on the block's
    current values, k = int(s * out * (i2 - i1)) smallest over the block (row-major tie-break). N:M: at
    block-local column i with i % M == 0, each row's group i..i+M-1 of the current W1 is scored the same way
    and its M - N smallest are pruned. Then per column: q = w with pruned rows 0, err = (w - q) / Hinv1[i, i],
    W1[:, i:] -= err (x) Hinv1[i, i:], the column's final value is q exactly; after the block
    W[:, i2:] -= Err1 @ Hinv[i1:i2, i2:]. M must divide blocksize.
  * Pruned entries are +0.0 exactly.

Golden files: one safetensors file per case with F32 tensors `weight` [out, in], `inputs` [n, in], `pruned`
[out, in] and string metadata `method`, `sparsity` or `pattern`, and for sparsegpt `blocksize` and `percdamp`.
Inputs and weights are generated in float64, rounded to F32, and the reference computes from the rounded
values, so the stored `weight`/`inputs` are exactly what the computation saw. Only numpy is needed.
"""
import argparse
import json
import math
import os
import struct
import sys
import tempfile

import numpy as np


def fail(msg):
    print(f"lm_prune_reference.py: {msg}", file=sys.stderr)
    sys.exit(2)


# ----------------------------------------------------------------------------------------------
# safetensors (F32 only), by hand, laid out as the Rust crate writes it
# ----------------------------------------------------------------------------------------------

def safetensors_bytes(tensors, metadata):
    """tensors: {name: array}, all stored F32. Header: compact JSON, __metadata__ first, tensors by name
    (one dtype, so the crate's order is by name), padded with spaces to a multiple of 8."""
    parts = [json.dumps("__metadata__") + ":" + json.dumps(metadata, separators=(",", ":"))]
    blobs, offset = [], 0
    for name in sorted(tensors):
        a = np.ascontiguousarray(np.asarray(tensors[name], dtype="<f4"))
        b = a.tobytes()
        parts.append(json.dumps(name) + ':{"dtype":"F32","shape":%s,"data_offsets":[%d,%d]}' % (
            json.dumps(list(a.shape), separators=(",", ":")), offset, offset + len(b)))
        blobs.append(b)
        offset += len(b)
    header = ("{" + ",".join(parts) + "}").encode("utf-8")
    header += b" " * ((-len(header)) % 8)
    return struct.pack("<Q", len(header)) + header + b"".join(blobs)


def read_safetensors(path):
    """Returns ({name: float64 array}, metadata) for a file of F32 tensors."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    data = raw[8 + n:]
    out = {}
    for name, info in header.items():
        if info["dtype"] != "F32":
            fail(f"{path}: {name} is {info['dtype']}; golden files hold F32 only")
        a, b = info["data_offsets"]
        out[name] = np.frombuffer(data[a:b], dtype="<f4").astype(np.float64).reshape(info["shape"])
    return out, meta


def write_atomic(path, data):
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


# ----------------------------------------------------------------------------------------------
# selection
# ----------------------------------------------------------------------------------------------

class Margins:
    """Records, for every selection, how far apart the largest pruned and the smallest kept score are,
    relative to the kept one: a golden case is robust to rounding differences when this is not tiny."""

    def __init__(self):
        self.min = math.inf

    def add(self, pruned_max, kept_min):
        rel = (np.asarray(kept_min) - pruned_max) / np.maximum(np.abs(kept_min), 1e-300)
        self.min = min(self.min, float(np.min(rel)) if np.ndim(rel) else float(rel))


def count(s, c):
    """Number pruned of c candidates at sparsity s: the double product truncated (see the docstring)."""
    if not 0.0 <= s < 1.0:
        fail(f"sparsity {s} outside [0, 1)")
    return int(s * c)


def parse_pattern(p):
    try:
        n, m = (int(v) for v in p.split(":"))
    except ValueError:
        fail(f"pattern must be N:M, got {p!r}")
    if not 0 < n < m:
        fail(f"pattern {p}: need 0 < N < M")
    return n, m


def smallest(scores, k, margins=None):
    """Boolean mask (same shape as scores) of the k smallest entries in row-major order, ties by lower flat
    index (stable ascending sort, first k)."""
    flat = np.asarray(scores, dtype=np.float64).ravel()
    order = np.argsort(flat, kind="stable")
    mask = np.zeros(flat.size, dtype=bool)
    mask[order[:k]] = True
    if margins is not None and 0 < k < flat.size:
        margins.add(flat[order[k - 1]], flat[order[k]])
    return mask.reshape(np.shape(scores))


def smallest_per_row(scores, k, margins=None):
    """k smallest of every row (stable by column)."""
    order = np.argsort(scores, axis=1, kind="stable")
    mask = np.zeros(scores.shape, dtype=bool)
    np.put_along_axis(mask, order[:, :k], True, axis=1)
    if margins is not None and 0 < k < scores.shape[1]:
        s = np.take_along_axis(scores, order, axis=1)
        margins.add(s[:, k - 1], s[:, k])
    return mask


def nm_mask(scores, n, m, margins=None):
    """Prune the m - n smallest of every group of m consecutive columns of each row (stable by column)."""
    rows, cols = scores.shape
    if cols % m:
        fail(f"pattern {n}:{m} needs a column count divisible by {m}, got {cols}")
    g = scores.reshape(rows * cols // m, m)
    return smallest_per_row(g, m - n, margins).reshape(rows, cols)


def apply_mask(W, mask):
    """W with masked entries +0.0 (np.where, so a negative weight does not become -0.0)."""
    return np.where(mask, 0.0, W)


# ----------------------------------------------------------------------------------------------
# the three methods
# ----------------------------------------------------------------------------------------------

def magnitude(W, sparsity=None, pattern=None, margins=None):
    score = np.abs(W)
    if pattern:
        mask = nm_mask(score, *parse_pattern(pattern), margins)
    else:
        mask = smallest(score, count(sparsity, W.size), margins)
    return apply_mask(W, mask), mask


def column_norms(X):
    return np.sqrt(np.sum(X * X, axis=0))


def wanda(W, X, sparsity=None, pattern=None, margins=None):
    score = np.abs(W) * column_norms(X)[None, :]
    if pattern:
        mask = nm_mask(score, *parse_pattern(pattern), margins)
    else:
        mask = smallest_per_row(score, count(sparsity, W.shape[1]), margins)
    return apply_mask(W, mask), mask


def prepared_hessian(W, X, percdamp, dtype=np.float64):
    """Returns (W with dead columns zeroed, damped H, dead mask) as the definition says, in that order:
    dead columns first (their diagonal set to 1), then the damping, from the mean of that diagonal."""
    W = np.array(W, dtype=dtype)
    X = np.asarray(X, dtype=dtype)
    H = (dtype(2.0) / dtype(X.shape[0])) * (X.T @ X)
    dead = np.diag(H) == 0
    idx = np.nonzero(dead)[0]
    H[idx, idx] = 1.0
    W[:, dead] = 0.0
    damp = dtype(percdamp) * np.mean(np.diag(H))
    H[np.diag_indices_from(H)] += damp
    return W, H, dead


def upper_cholesky_of_inverse(H):
    """U upper-triangular with positive diagonal and inv(H) = U^T U."""
    L = np.linalg.cholesky(H)                      # H = L L^T
    Linv = np.linalg.solve(L, np.eye(H.shape[0], dtype=H.dtype))  # inv(H) = Linv^T Linv
    Hinv = Linv.T @ Linv
    Hinv = 0.5 * (Hinv + Hinv.T)
    return np.linalg.cholesky(Hinv).T              # inv(H) = C C^T with C lower, so U = C^T


def sparsegpt(W, X, sparsity=None, pattern=None, blocksize=128, percdamp=0.01, fixed_mask=None, margins=None,
              dtype=np.float64):
    """SparseGPT exactly as the module docstring defines it. fixed_mask (tests only) replaces the adaptive
    mask selection by a given [out, in] boolean mask. dtype float32 is only for measuring how robust a golden
    case is to float32 arithmetic; the reference is float64. Returns (pruned W, mask)."""
    rows, cols = W.shape
    nm = parse_pattern(pattern) if pattern else None
    if nm and (blocksize % nm[1] or cols % nm[1]):
        fail(f"pattern {pattern} needs M to divide blocksize {blocksize} and in {cols}")
    W, H, _ = prepared_hessian(W, X, percdamp, dtype)
    Hinv = upper_cholesky_of_inverse(H)
    mask = np.zeros((rows, cols), dtype=bool)
    for i1 in range(0, cols, blocksize):
        i2 = min(i1 + blocksize, cols)
        cnt = i2 - i1
        W1 = W[:, i1:i2].copy()
        Q1 = np.zeros_like(W1)
        Err1 = np.zeros_like(W1)
        Hinv1 = Hinv[i1:i2, i1:i2]
        d1 = np.diag(Hinv1)
        if fixed_mask is not None:
            M1 = fixed_mask[:, i1:i2].copy()
        elif nm is None:
            M1 = smallest(W1 ** 2 / (d1 ** 2)[None, :], count(sparsity, rows * cnt), margins)
        else:
            M1 = np.zeros((rows, cnt), dtype=bool)
        for i in range(cnt):
            if nm is not None and fixed_mask is None and i % nm[1] == 0:
                m = nm[1]
                M1[:, i:i + m] = nm_mask(W1[:, i:i + m] ** 2 / (d1[i:i + m] ** 2)[None, :], nm[0], m, margins)
            w = W1[:, i].copy()
            q = w.copy()
            q[M1[:, i]] = 0.0
            err = (w - q) / Hinv1[i, i]
            W1[:, i:] -= np.outer(err, Hinv1[i, i:])
            Q1[:, i] = q
            Err1[:, i] = err
        W[:, i1:i2] = Q1
        W[:, i2:] -= Err1 @ Hinv[i1:i2, i2:]
        mask[:, i1:i2] = M1
    return W, mask


def prune(method, W, X, sparsity=None, pattern=None, blocksize=128, percdamp=0.01, margins=None, dtype=np.float64):
    """dtype float32 runs the same definitions in float32 arithmetic (robustness measurement only)."""
    W, X = np.asarray(W, dtype=dtype), np.asarray(X, dtype=dtype)
    if (sparsity is None) == (pattern is None):
        fail("give exactly one of sparsity and pattern")
    if method == "magnitude":
        return magnitude(W, sparsity, pattern, margins)
    if method == "wanda":
        return wanda(W, X, sparsity, pattern, margins)
    if method == "sparsegpt":
        return sparsegpt(W, X, sparsity, pattern, blocksize, percdamp, margins=margins, dtype=dtype)
    fail(f"unknown method {method!r}")


# ----------------------------------------------------------------------------------------------
# golden cases
# ----------------------------------------------------------------------------------------------

def f32(a):
    return np.asarray(a, dtype=np.float64).astype(np.float32).astype(np.float64)


def make_inputs(rng, n, cols, dead=()):
    """Activations shaped like a language model's: correlated columns, log-normal per-column scales and a
    few outlier columns about 12x larger (so Wanda's |W| * ||X_j|| ranks differently from |W|)."""
    Z = rng.standard_normal((n, cols))
    mix = np.eye(cols) + 0.35 * rng.standard_normal((cols, cols)) / math.sqrt(cols)
    X = Z @ mix
    scale = np.exp(0.6 * rng.standard_normal(cols))
    outliers = rng.choice(cols, size=max(2, cols // 32), replace=False)
    scale[outliers] *= 12.0
    X = X * scale[None, :] + 0.1 * rng.standard_normal(cols)[None, :]  # plus a small per-column offset
    X[:, list(dead)] = 0.0
    return f32(X)


def make_weight(rng, rows, cols, ties=False):
    W = rng.standard_normal((rows, cols)) / math.sqrt(cols)
    if ties:
        # A coarse grid (multiples of 1/64): many equal magnitudes, so the position tie-break decides.
        W = np.round(W * 64.0) / 64.0
    return f32(W)


# name -> dict(method, sparsity|pattern, out, in, n, seed, [blocksize], [dead], [ties])
CASES = {
    "magnitude-0.5-ties": dict(method="magnitude", sparsity="0.5", out=24, cols=64, n=96, seed=101, ties=True),
    "magnitude-2of4-ties": dict(method="magnitude", pattern="2:4", out=24, cols=64, n=96, seed=102, ties=True),
    "wanda-0.5": dict(method="wanda", sparsity="0.5", out=32, cols=128, n=128, seed=103),
    "wanda-0.3": dict(method="wanda", sparsity="0.3", out=40, cols=96, n=128, seed=104),
    "wanda-2of4": dict(method="wanda", pattern="2:4", out=32, cols=128, n=128, seed=105),
    "wanda-4of8": dict(method="wanda", pattern="4:8", out=24, cols=128, n=128, seed=106),
    "sparsegpt-0.5": dict(method="sparsegpt", sparsity="0.5", out=32, cols=256, n=256, seed=107),
    # out 30: the last block has 30 * 44 = 1320 candidates and 0.7 * 1320 = 923.9999999999999 -> 923 pruned.
    "sparsegpt-0.7-in300": dict(method="sparsegpt", sparsity="0.7", out=30, cols=300, n=304, seed=108),
    "sparsegpt-2of4": dict(method="sparsegpt", pattern="2:4", out=24, cols=192, n=224, seed=109),
    "sparsegpt-4of8": dict(method="sparsegpt", pattern="4:8", out=24, cols=192, n=224, seed=110),
    "sparsegpt-0.5-dead": dict(method="sparsegpt", sparsity="0.5", out=24, cols=160, n=192, seed=111, dead=(5, 131)),
    "sparsegpt-0.5-block32": dict(method="sparsegpt", sparsity="0.5", out=24, cols=128, n=160, seed=112, blocksize=32),
}
PERCDAMP = "0.01"


def build_case(spec):
    """Returns (tensors, metadata, margin) of one golden case, deterministically from its seed."""
    rng = np.random.RandomState(spec["seed"])  # the legacy generator: its stream is frozen across numpy versions
    W = make_weight(rng, spec["out"], spec["cols"], spec.get("ties", False))
    X = make_inputs(rng, spec["n"], spec["cols"], spec.get("dead", ()))
    meta = {"method": spec["method"]}
    if "sparsity" in spec:
        meta["sparsity"] = spec["sparsity"]
    else:
        meta["pattern"] = spec["pattern"]
    bs = spec.get("blocksize", 128)
    if spec["method"] == "sparsegpt":
        meta["blocksize"] = str(bs)
        meta["percdamp"] = PERCDAMP
    margins = Margins()
    sp = float(spec["sparsity"]) if "sparsity" in spec else None
    P, mask = prune(spec["method"], W, X, sp, spec.get("pattern"), bs, float(PERCDAMP), margins)
    check_result(P, mask, spec, W)
    # The same definitions in float32 arithmetic: how many mask decisions flip, how far the values move.
    P32, mask32 = prune(spec["method"], W, X, sp, spec.get("pattern"), bs, float(PERCDAMP), dtype=np.float32)
    f32run = (int(np.sum(mask32 != mask)), float(np.max(np.abs(P32 - P)) / np.max(np.abs(P))))
    return {"weight": W, "inputs": X, "pruned": P}, meta, (margins.min, f32run)


def check_result(P, mask, spec, W):
    rows, cols = W.shape
    if not np.all(P[mask] == 0.0) or np.any(np.signbit(P[mask])):
        fail(f"{spec}: pruned entries are not all +0.0")
    if np.any(P[~mask] == 0.0) and not spec.get("ties") and not spec.get("dead"):
        fail(f"{spec}: a kept entry is exactly zero")
    if "pattern" in spec:
        n, m = parse_pattern(spec["pattern"])
        per_group = mask.reshape(rows, cols // m, m).sum(-1)
        if not np.all(per_group == m - n):
            fail(f"{spec}: not exactly {m - n} pruned in every group of {m}")
    else:
        s = float(spec["sparsity"])
        if spec["method"] == "magnitude":
            want = count(s, rows * cols)
        elif spec["method"] == "wanda":
            want = rows * count(s, cols)
        else:
            bs = spec.get("blocksize", 128)
            want = sum(count(s, rows * (min(i + bs, cols) - i)) for i in range(0, cols, bs))
        if mask.sum() != want:
            fail(f"{spec}: {mask.sum()} pruned, expected {want}")


def golden_cmd(a):
    os.makedirs(a.out, exist_ok=True)
    lines = []
    for name, spec in CASES.items():
        tensors, meta, (margin, (flips, reldiff)) = build_case(spec)
        write_atomic(os.path.join(a.out, f"{name}.safetensors"), safetensors_bytes(tensors, meta))
        # Read back what was stored and check it reproduces (from the F32 inputs) to F32 rounding.
        back, bmeta = read_safetensors(os.path.join(a.out, f"{name}.safetensors"))
        again, _ = rerun(back, bmeta)
        if bmeta != meta or np.max(np.abs(f32(again) - back["pruned"])) != 0.0:
            fail(f"{name}: stored case does not reproduce")
        setting = meta.get("sparsity") or meta.get("pattern")
        extra = []
        if spec["method"] == "sparsegpt":
            extra.append(f"blocksize {meta['blocksize']}")
        if spec.get("dead"):
            extra.append(f"all-zero input columns {list(spec['dead'])}")
        if spec.get("ties"):
            extra.append("weights on a 1/64 grid (ties)")
        if name == "sparsegpt-0.7-in300":
            extra.append("blocks 128+128+44; last block prunes int(0.7*1320) = 923")
        margin_s = "0 (ties by design)" if margin == 0 else f"{margin:.1e}"
        lines.append(f"| `{name}.safetensors` | {spec['method']} | {setting} | [{spec['out']}, {spec['cols']}] | "
                     f"{spec['n']} | {spec['seed']} | {margin_s} | {flips}, {reldiff:.1e} | {'; '.join(extra)} |")
    readme = [
        "# Golden cases for single-matrix pruning (issue 10)", "",
        "Regenerate with `bin/peers/lm_prune_golden.sh` (runs `bin/peers/lm_prune_reference.py selftest`, then",
        "`bin/peers/lm_prune_reference.py golden --out lm/src/test/resources/lm-prune-golden`; same seeds give the",
        "same bytes). Only numpy is needed.", "",
        "Each `<case>.safetensors` holds three F32 tensors and a string `__metadata__`:", "",
        "- `weight` [out, in]: the dense weight W (torch `nn.Linear` layout, rows are outputs);",
        "- `inputs` [n, in]: the calibration inputs X, one row per token (magnitude cases have them too, unused);",
        "- `pruned` [out, in]: the expected pruned weight, computed in float64 from the stored F32 `weight` and",
        "  `inputs` and rounded to F32; pruned entries are exactly +0.0;",
        "- metadata `method` (magnitude | wanda | sparsegpt), `sparsity` (e.g. `0.5`) or `pattern` (e.g. `2:4`),",
        "  and for sparsegpt `blocksize` and `percdamp`.", "",
        "The definitions (counting k = int(s * c) of the double product, ties to the lower row-major index, N:M",
        "keeps N of every M, Wanda's per-row comparison, SparseGPT's blocks and adaptive mask) are in the",
        "docstring of `bin/peers/lm_prune_reference.py`.", "",
        "`margin` is the smallest relative gap, over every selection the reference made, between the largest",
        "pruned score and the smallest kept score of the same comparison: a different but correct rounding",
        "(float32 arithmetic, another summation order) can only flip a mask decision where it is below the",
        "relative error of the scores. The magnitude cases have exact ties on purpose (weights on a 1/64 grid),",
        "so they test the position tie-break. `float32 run` is the same reference run in float32 arithmetic",
        "(scores, H, its factorisation and the updates): the number of mask entries that differ from the",
        "float64 mask, and max |difference| / max |pruned|, an idea of the tolerance a float32 implementation",
        "needs.", "",
        "| file | method | sparsity / pattern | weight | tokens | seed | margin | float32 run | notes |",
        "|---|---|---|---|---|---|---|---|---|"] + lines
    write_atomic(os.path.join(a.out, "README.md"), ("\n".join(readme) + "\n").encode())


def rerun(tensors, meta):
    sp = float(meta["sparsity"]) if "sparsity" in meta else None
    return prune(meta["method"], tensors["weight"], tensors["inputs"], sp, meta.get("pattern"),
                 int(meta.get("blocksize", 128)), float(meta.get("percdamp", 0.01)))


def prune_cmd(a):
    t, meta = read_safetensors(a.case)
    P, mask = rerun(t, meta)
    if a.out:
        write_atomic(a.out, safetensors_bytes({"weight": t["weight"], "inputs": t["inputs"], "pruned": P}, meta))
    if "pruned" in t:
        d = np.max(np.abs(f32(P) - t["pruned"]))
        print(json.dumps({"max_abs_diff": float(d), "mask_equal": bool(np.array_equal(mask, t["pruned"] == 0)),
                          "pruned": int(mask.sum())}))


# ----------------------------------------------------------------------------------------------
# self-test
# ----------------------------------------------------------------------------------------------

def slow_select(scores, k):
    """The counting rule by its words: sort (score, flat index) pairs, prune the first k."""
    flat = [(float(v), i) for i, v in enumerate(np.ravel(scores))]
    chosen = {i for _, i in sorted(flat)[:k]}
    return np.array([i in chosen for i in range(len(flat))]).reshape(np.shape(scores))


def obs_sequential(W, X, mask, percdamp):
    """SparseGPT's update for a fixed mask by its definition, without the Cholesky trick or blocks: going
    through the columns in order, zero the pruned entries of column i and move every later column of that row
    by the optimal brain surgeon step -w_i / [inv(H_FF)]_00 * inv(H_FF)[0, :], F = {i, ..., in - 1}."""
    W, H, _ = prepared_hessian(W, X, percdamp)
    cols = W.shape[1]
    for i in range(cols):
        Finv = np.linalg.inv(H[i:, i:])
        err = np.where(mask[:, i], W[:, i], 0.0) / Finv[0, 0]
        W[:, i:] -= np.outer(err, Finv[0, :])
        W[mask[:, i], i] = 0.0
    return W


def selftest_cmd(a):
    failures, passed = [], 0

    def check(name, ok, detail=""):
        nonlocal passed
        if ok:
            passed += 1
            print(f"ok   {name}")
        else:
            failures.append(name)
            print(f"FAIL {name} {detail}")

    rng = np.random.RandomState(7)
    tmp = tempfile.mkdtemp(prefix="lmprune-")

    # 1. Format.
    t = {"weight": f32(rng.standard_normal((3, 5))), "inputs": f32(rng.standard_normal((4, 5)))}
    p = os.path.join(tmp, "rt.safetensors")
    data = safetensors_bytes(t, {"method": "wanda", "sparsity": "0.5"})
    write_atomic(p, data)
    back, meta = read_safetensors(p)
    (hn,) = struct.unpack("<Q", data[:8])
    check("safetensors round trip (F32 values, metadata, header padded to 8)",
          all(np.array_equal(back[k], t[k]) for k in t) and meta == {"method": "wanda", "sparsity": "0.5"}
          and hn % 8 == 0 and data[8:8 + hn].startswith(b'{"__metadata__":'))

    # 2. Counting and tie-breaking.
    check("count: int of the double product (0.7 * 1320 -> 923, 0.5 * 7 -> 3, 0.3 * 96 -> 28)",
          count(0.7, 1320) == 923 and count(0.5, 7) == 3 and count(0.3, 96) == 28)
    s = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.5]])
    check("ties: lower row-major index first", np.array_equal(
        smallest(s, 4), np.array([[True, True, False], [True, False, True]])))
    check("N:M ties: lower column first", np.array_equal(
        nm_mask(np.array([[2.0, 1.0, 1.0, 1.0]]), 2, 4), np.array([[False, True, True, False]])))
    for trial in range(20):
        sc = np.round(rng.standard_normal((6, 16)) * 2) / 2  # heavy ties
        k = rng.randint(0, 97)
        if not np.array_equal(smallest(sc, k), slow_select(sc, k)):
            check("smallest equals sorting (score, index) pairs", False, f"trial {trial}")
            break
    else:
        check("smallest equals sorting (score, index) pairs (20 tied random cases)", True)
    sc = np.round(rng.standard_normal((5, 24)) * 2) / 2
    by_group = np.concatenate([np.concatenate([slow_select(sc[r:r + 1, g:g + 8], 3) for g in range(0, 24, 8)], 1)
                               for r in range(5)], 0)
    check("nm_mask 5:8 equals sorting each group", np.array_equal(nm_mask(sc, 5, 8), by_group))

    # 3. Magnitude and Wanda against the words of their definitions.
    W = make_weight(rng, 12, 32, ties=True)
    X = make_inputs(rng, 40, 32)
    P, m = magnitude(W, 0.5)
    check("magnitude 0.5: int(0.5 * 384) = 192 smallest |W| over the whole matrix",
          np.array_equal(m, slow_select(np.abs(W), 192)) and np.all(P[m] == 0) and np.array_equal(P[~m], W[~m]))
    norms = np.array([math.sqrt(sum(X[t, j] ** 2 for t in range(40))) for j in range(32)])
    sw = np.abs(W) * norms
    _, m = wanda(W, X, 0.3)
    check("wanda 0.3: int(0.3 * 32) = 9 per row by |W| * ||X_j||",
          all(np.array_equal(m[r], slow_select(sw[r], 9)) for r in range(12)))
    _, m = wanda(W, X, pattern="2:4")
    check("wanda 2:4: 2 pruned of every 4 by |W| * ||X_j||", np.array_equal(m, np.concatenate(
        [np.concatenate([slow_select(sw[r:r + 1, g:g + 4], 2) for g in range(0, 32, 4)], 1) for r in range(12)])))
    Xeq = np.tile(np.eye(32), (3, 1)) * 1.5
    check("wanda with equal column norms = magnitude compared per row",
          np.array_equal(wanda(W, Xeq, 0.5)[1], smallest_per_row(np.abs(W), 16)))
    check("wanda ranks differently from magnitude on the generated inputs",
          not np.array_equal(wanda(W, X, 0.5)[1], smallest_per_row(np.abs(W), 16)))

    # 4. SparseGPT.
    W = make_weight(rng, 10, 48)
    X = make_inputs(rng, 80, 48)
    P, m = sparsegpt(W, X, 0.0, blocksize=16)
    check("sparsegpt at sparsity 0 returns W unchanged (bit for bit)", np.array_equal(P, W) and not m.any())
    Xd = X.copy()
    Xd[:, [3, 40]] = 0.0
    P, m = sparsegpt(W, Xd, 0.0, blocksize=16)
    W0 = W.copy()
    W0[:, [3, 40]] = 0.0
    check("sparsegpt at sparsity 0 with dead inputs: only the dead columns change (to 0)", np.array_equal(P, W0))
    _, H, _ = prepared_hessian(W, X, 0.01)
    U = upper_cholesky_of_inverse(H)
    check("Hinv: upper triangular, positive diagonal, U^T U = inv(H)",
          np.array_equal(U, np.triu(U)) and np.all(np.diag(U) > 0)
          and np.max(np.abs(U.T @ U @ H - np.eye(48))) < 1e-10)
    # A fixed random mask: the blocked lazy form equals the column-by-column OBS definition, for any blocksize.
    fm = rng.random_sample((10, 48)) < 0.5
    ref = obs_sequential(W, X, fm, 0.01)
    for bs in (1, 5, 16, 48, 128):
        got, _ = sparsegpt(W, X, fixed_mask=fm, sparsity=0.0, blocksize=bs)
        err = np.max(np.abs(got - ref)) / np.max(np.abs(ref))
        check(f"fixed mask, blocksize {bs}: lazy blocked updates = sequential OBS with explicit inverses "
              f"({err:.1e} < 1e-10)", err < 1e-10 and np.all(got[fm] == 0))
    ref_d = obs_sequential(W, Xd, fm, 0.01)
    got_d, _ = sparsegpt(W, Xd, fixed_mask=fm, sparsity=0.0, blocksize=16)
    check("fixed mask with dead inputs = sequential OBS", np.max(np.abs(got_d - ref_d)) < 1e-10 * np.max(np.abs(ref_d)))
    # Closed form. The sequential algorithm only moves columns to the right of the one it prunes, so in general
    # it is NOT the least-squares optimum for its mask (a pruned last column is never compensated). It is when
    # every row's pruned columns all come before its kept ones: then the kept weights are re-optimised after the
    # last pruned one and never touched again, and equal argmin ||(W - What) X^T||^2 + damp ||W - What||^2 over
    # What with the mask's zeros, i.e. What_K = W_K + inv(Hd_KK) Hd_KP W_P with the damped H (row by row).
    cut = rng.randint(5, 40, size=10)
    pm = np.arange(48)[None, :] < cut[:, None]
    got, _ = sparsegpt(W, X, fixed_mask=pm, sparsity=0.0, blocksize=16)
    Wd, Hd, _ = prepared_hessian(W, X, 0.01)
    ls = np.zeros_like(W)
    for r in range(10):
        K, Pp = ~pm[r], pm[r]
        ls[r, K] = Wd[r, K] + np.linalg.solve(Hd[np.ix_(K, K)], Hd[np.ix_(K, Pp)] @ Wd[r, Pp])
    err = np.max(np.abs(got - ls)) / np.max(np.abs(ls))
    check(f"pruned-before-kept mask: result = damped least-squares reconstruction ({err:.1e} < 1e-8)", err < 1e-8)
    rm = rng.random_sample((10, 48)) < 0.5
    got, _ = sparsegpt(W, X, fixed_mask=rm, sparsity=0.0, blocksize=16)
    ls2 = np.zeros_like(W)
    for r in range(10):
        K, Pp = ~rm[r], rm[r]
        ls2[r, K] = Wd[r, K] + np.linalg.solve(Hd[np.ix_(K, K)], Hd[np.ix_(K, Pp)] @ Wd[r, Pp])
    e_seq = np.sum(((got - Wd) @ Hd) * (got - Wd))
    e_ls = np.sum(((ls2 - Wd) @ Hd) * (ls2 - Wd))
    check(f"random mask: sequential result differs from the least-squares optimum and is not better "
          f"({e_seq:.4g} >= {e_ls:.4g})", e_seq >= e_ls * (1 - 1e-12) and np.max(np.abs(got - ls2)) > 1e-6)
    # Adaptive masks: counts, patterns, and the diagonal-Hessian case where SparseGPT must equal magnitude.
    for sp, pat, bs in ((0.5, None, 16), (0.7, None, 20), (None, "2:4", 16), (None, "4:8", 16)):
        spec = dict(method="sparsegpt", out=10, cols=48, blocksize=bs)
        spec.update({"sparsity": str(sp)} if sp is not None else {"pattern": pat})
        P, m = sparsegpt(W, X, sp, pat, blocksize=bs)
        try:
            check_result(P, m, spec, W)
            ok = True
        except SystemExit:
            ok = False
        check(f"sparsegpt {sp or pat} blocksize {bs}: exact counts per block / group, pruned entries +0.0", ok)
    Xi = np.tile(np.eye(48), (2, 1)) * 2.0  # X^T X = 8 I exactly: no off-diagonal terms, nothing to compensate
    P, m = sparsegpt(W, Xi, 0.5, blocksize=48)
    check("diagonal Hessian, one block: sparsegpt 0.5 = magnitude 0.5 (same mask, kept weights untouched)",
          np.array_equal(m, magnitude(W, 0.5)[1]) and np.array_equal(P, magnitude(W, 0.5)[0]))
    P, m = sparsegpt(W, Xi, pattern="2:4", blocksize=16)
    check("diagonal Hessian: sparsegpt 2:4 = magnitude 2:4", np.array_equal(P, magnitude(W, pattern="2:4")[0]))
    P, m = sparsegpt(W, X, 0.5, blocksize=16)
    e_sg = np.sum(((P - W) @ H) * (P - W))
    e_mask = np.sum(((apply_mask(W, m) - W) @ H) * (apply_mask(W, m) - W))
    e_mag = np.sum(((magnitude(W, 0.5)[0] - W) @ H) * (magnitude(W, 0.5)[0] - W))
    check(f"sparsegpt 0.5 reconstruction error below its mask without updates and below magnitude "
          f"({e_sg:.3g} < {e_mask:.3g}, {e_mag:.3g})", e_sg < e_mask and e_sg < e_mag)

    # 5. Golden generation is deterministic.
    spec = CASES["sparsegpt-0.5-block32"]
    b1 = safetensors_bytes(*build_case(spec)[:2])
    b2 = safetensors_bytes(*build_case(spec)[:2])
    check("same seed, same bytes", b1 == b2)

    import shutil
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"{passed} passed, {len(failures)} failed")
    return 1 if failures else 0


def parser():
    ap = argparse.ArgumentParser(prog="lm_prune_reference.py", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    go = sub.add_parser("golden", help="regenerate every golden case")
    go.add_argument("--out", required=True)
    sub.add_parser("selftest", help="consistency checks of the reference itself")
    pr = sub.add_parser("prune", help="re-prune a golden file and compare")
    pr.add_argument("--case", required=True)
    pr.add_argument("--out")
    return ap


def main():
    a = parser().parse_args()
    if a.cmd == "golden":
        golden_cmd(a)
    elif a.cmd == "prune":
        prune_cmd(a)
    else:
        sys.exit(selftest_cmd(a))


if __name__ == "__main__":
    main()
