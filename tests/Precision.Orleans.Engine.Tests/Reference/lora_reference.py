#!/usr/bin/env python3
"""Independent PyTorch (fp32, CPU) reference for one LoRA linear, used by LoraPyTorchParityTests.

Usage: lora_reference.py CASE_DIR

CASE_DIR holds manifest.json {n, in, out, rank, scale} and float32 little-endian files x.bin [n, in], w.bin [out, in],
b.bin [out], a.bin [rank, in] (lora_A), bb.bin [out, rank] (lora_B), dy.bin [n, out]. Written from the LoRA definition
(Hu et al.): y = x W^T + b + scale * (x A^T) B^T. Writes out_y.bin, out_dx.bin, out_da.bin, out_db.bin (the gradients of
sum(dy * y)) and out_result.json {"torch_version"}.
"""
import json
import os
import sys

import numpy as np
import torch


def read(case, name, shape):
    data = np.fromfile(os.path.join(case, name), dtype="<f4")
    expected = int(np.prod(shape))
    if data.size != expected:
        raise SystemExit(f"{name}: expected {expected} float32 values, found {data.size}")
    return torch.from_numpy(data.astype(np.float32).reshape(shape))


def write(case, name, tensor):
    tensor.detach().to(torch.float32).contiguous().numpy().astype("<f4").tofile(os.path.join(case, name))


def main():
    case = sys.argv[1]
    with open(os.path.join(case, "manifest.json")) as f:
        m = json.load(f)
    n, fin, fout, r, scale = m["n"], m["in"], m["out"], m["rank"], float(m["scale"])
    x = read(case, "x.bin", (n, fin)).requires_grad_(True)
    w = read(case, "w.bin", (fout, fin))
    b = read(case, "b.bin", (fout,))
    a = read(case, "a.bin", (r, fin)).requires_grad_(True)
    bb = read(case, "bb.bin", (fout, r)).requires_grad_(True)
    dy = read(case, "dy.bin", (n, fout))
    base = torch.nn.functional.linear(x, w, b)
    y = base + (x @ a.t()) @ bb.t() * scale
    (y * dy).sum().backward()
    write(case, "out_y.bin", y)
    write(case, "out_dx.bin", x.grad)
    write(case, "out_da.bin", a.grad)
    write(case, "out_db.bin", bb.grad)
    with open(os.path.join(case, "out_result.json"), "w") as f:
        json.dump({"torch_version": torch.__version__}, f)


if __name__ == "__main__":
    main()
