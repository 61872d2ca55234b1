"""Writes tiny.safetensors, the golden file SafetensorsTest reads: the format built by hand with
struct, json and numpy only (no jprune, no safetensors package), so the test checks compatibility
with the format as specified, not with our own writer. Run: python3 make_safetensors_golden.py"""
import json, struct
import numpy as np

w = np.array([[0.0, 0.5, -1.0], [1.5, 2.0, -2.5]], dtype='<f4')
b = np.array([1.0, 2.0, 3.0], dtype='<f4')
header = {
    "__metadata__": {"source": "golden"},
    "b": {"dtype": "F32", "shape": [3], "data_offsets": [w.nbytes, w.nbytes + b.nbytes]},
    "w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, w.nbytes]},
}
h = json.dumps(header).encode()
with open("tiny.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(h)))
    f.write(h)
    f.write(w.tobytes())
    f.write(b.tobytes())
