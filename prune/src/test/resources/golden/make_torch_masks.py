"""Writes torch_masks.json, the golden masks PruneGoldenTest compares against: torch.nn.utils.prune's
l1_unstructured, global_unstructured (L1) and ln_structured (L2 over output rows) applied to fixed
random weights. Needs python3-torch. Run: /usr/bin/python3 make_torch_masks.py"""
import json
import torch
import torch.nn as nn
import torch.nn.utils.prune as prune

torch.manual_seed(1234)
layers = [nn.Linear(20, 30), nn.Linear(30, 10), nn.Linear(10, 5)]
weights = [l.weight.detach().clone() for l in layers]
out = {"torch": torch.__version__, "weights": [w.tolist() for w in weights]}

m = nn.Linear(20, 30); m.weight.data = weights[0].clone()
prune.l1_unstructured(m, "weight", amount=0.37)
out["l1_unstructured"] = {"layer": 0, "amount": 0.37, "mask": m.weight_mask.tolist()}

ms = [nn.Linear(1, 1) for _ in weights]
for mod, w in zip(ms, weights):
    mod.weight = nn.Parameter(w.clone())
prune.global_unstructured([(mod, "weight") for mod in ms], pruning_method=prune.L1Unstructured, amount=0.6)
out["global_unstructured"] = {"amount": 0.6, "masks": [mod.weight_mask.tolist() for mod in ms]}

m = nn.Linear(30, 10); m.weight.data = weights[1].clone()
prune.ln_structured(m, "weight", amount=0.4, n=2, dim=0)
out["ln_structured"] = {"layer": 1, "amount": 0.4, "n": 2, "dim": 0, "mask": m.weight_mask.tolist()}

with open("torch_masks.json", "w") as f:
    json.dump(out, f)
