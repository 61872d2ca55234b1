#!/usr/bin/python3
"""How far two pruned checkpoints of the same model agree (jprune's and lm_prune_torch.py's).

usage: lm_prune_compare.py DIR_A DIR_B

Per pruned matrix (any tensor with zeros in it in either checkpoint): the fraction of positions
pruned in one and not the other, and the largest difference of the kept weights relative to the
largest weight. Reads safetensors by hand (lm_reference.py's reader), so it needs only numpy/torch.
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lm_reference  # noqa: E402


def tensors(d):
    index = os.path.join(d, "model.safetensors.index.json")
    files = sorted(set(json.load(open(index))["weight_map"].values())) if os.path.exists(index) else ["model.safetensors"]
    out = {}
    for f in files:
        tensors_of_file, _ = lm_reference.read_safetensors(os.path.join(d, f))
        out.update({name: t.numpy() for name, (_, _, t) in tensors_of_file.items()})
    return out


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    a, b = tensors(sys.argv[1]), tensors(sys.argv[2])
    worst_mask, worst_value, total, differ = 0.0, 0.0, 0, 0
    for name in sorted(a):
        x, y = a[name], b[name]
        if not ((x == 0).any() or (y == 0).any()) or x.ndim != 2:
            continue
        mask = (x == 0) != (y == 0)
        kept = (x != 0) & (y != 0)
        rel = float(np.abs(x - y)[kept].max() / np.abs(x).max()) if kept.any() else 0.0
        worst_mask = max(worst_mask, float(mask.mean()))
        worst_value = max(worst_value, rel)
        total += mask.size
        differ += int(mask.sum())
    print(f"pruned positions that differ: {differ} of {total} ({100.0 * differ / max(1, total):.3f}%), worst matrix {100 * worst_mask:.3f}%; "
          f"largest difference of kept weights {worst_value:.2e} of the largest weight")


if __name__ == "__main__":
    main()
