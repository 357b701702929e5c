#!/usr/bin/env python3
"""Independent PyTorch (fp32, CPU) forward pass of Hugging Face decoder checkpoints: qwen2, llama, qwen3, qwen3_moe.

Usage: torch_hf_model.py MODEL_DIR TOKENS_JSON OUT_PREFIX [MODEL_DIR TOKENS_JSON OUT_PREFIX ...]  (one torch import for all)

MODEL_DIR is a Hugging Face model directory read here without our C# code and without `transformers`:
  config.json                      the HF config (model_type, sizes, rope_theta, rms_norm_eps, MoE fields, ...)
  model.safetensors                or model.safetensors.index.json + the shards its weight_map names
The safetensors format is parsed from its description: an 8-byte little-endian header length, a JSON header
{name: {dtype, shape, data_offsets}}, then the raw little-endian data; F32, F16 and BF16 (the top half of an fp32).

TOKENS_JSON is a list of token-id rows (any lengths). Writes
  OUT_PREFIX.bin   float32 logits of every row, rows concatenated: [len(row) * vocab] each
  OUT_PREFIX.json  {"torch_version", "rows": [len...], "routing": per row, per sparse layer, per position, sorted top-k}

The architectures are written from the models' math (the HF modeling files' semantics):
  RMSNorm(x) = w * x / sqrt(mean(x^2) + eps)
  attention: q/k/v projections (+ bias for qwen2), qwen3*: per-head RMSNorm on q and k over head_dim BEFORE RoPE,
             RoPE with rotate_half pairs (i, i + hd/2), causal softmax(q k^T / sqrt(hd)) with grouped KV heads, o_proj
  dense MLP: down(silu(gate(x)) * up(x))
  qwen3_moe sparse MLP: p = softmax(x W_router^T) in fp32; top-k; renormalise when norm_topk_prob;
             out = sum_k p_k * expert_k(x)
  LM head: lm_head.weight, or embed_tokens.weight when tie_word_embeddings.
"""
import json
import os
import struct
import sys

import numpy as np
import torch

DTYPES = {"F32": ("<f4", 4), "F16": ("<f2", 2), "BF16": ("<u2", 2)}


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = raw[8 + n:]
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        np_dtype, size = DTYPES[entry["dtype"]]
        begin, end = entry["data_offsets"]
        values = np.frombuffer(data[begin:end], dtype=np_dtype)
        if entry["dtype"] == "BF16":
            values = (values.astype(np.uint32) << 16).view(np.float32)
        out[name] = torch.from_numpy(values.astype(np.float32).reshape(entry["shape"]).copy())
    return out


def read_model_dir(model_dir):
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    index = os.path.join(model_dir, "model.safetensors.index.json")
    params = {}
    if os.path.exists(index):
        with open(index) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
    else:
        files = ["model.safetensors"]
    for name in files:
        params.update(read_safetensors(os.path.join(model_dir, name)))
    return cfg, params


def rms_norm(x, w, eps):
    return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def linear(x, p, name, bias=False):
    y = x @ p[name + ".weight"].T
    if bias:
        y = y + p[name + ".bias"]
    return y


def mlp(x, p, prefix):
    return linear(torch.nn.functional.silu(linear(x, p, prefix + "gate_proj")) * linear(x, p, prefix + "up_proj"), p, prefix + "down_proj")


def is_sparse(cfg, layer):
    if cfg["model_type"] != "qwen3_moe" or cfg.get("num_experts", 0) <= 0:
        return False
    step = cfg.get("decoder_sparse_step", 1)
    return layer not in cfg.get("mlp_only_layers", []) and (layer + 1) % step == 0


def moe(x, p, prefix, cfg, routing):
    probs = torch.softmax(x @ p[prefix + "gate.weight"].T, dim=-1, dtype=torch.float32)
    top, idx = torch.topk(probs, cfg["num_experts_per_tok"], dim=-1)
    if cfg.get("norm_topk_prob", False):
        top = top / top.sum(-1, keepdim=True)
    out = torch.zeros_like(x)
    for t in range(x.shape[0]):
        for k in range(idx.shape[1]):
            e = int(idx[t, k])
            out[t] += top[t, k] * mlp(x[t:t + 1], p, f"{prefix}experts.{e}.")[0]
    routing.append([sorted(int(i) for i in idx[t]) for t in range(x.shape[0])])
    return out


def forward(cfg, p, tokens):
    mt = cfg["model_type"]
    nh, d = cfg["num_attention_heads"], cfg["hidden_size"]
    nkv = cfg.get("num_key_value_heads", nh)
    hd = cfg.get("head_dim") or d // nh
    eps = cfg.get("rms_norm_eps", 1e-6)
    theta = cfg.get("rope_theta", 10000.0)
    bias = mt == "qwen2" or (mt != "qwen2" and cfg.get("attention_bias", False))
    qk_norm = mt in ("qwen3", "qwen3_moe")
    n = len(tokens)

    inv_freq = 1.0 / (theta ** (torch.arange(0, hd, 2, dtype=torch.float32) / hd))
    freqs = torch.outer(torch.arange(n, dtype=torch.float32), inv_freq)
    cos, sin = torch.cat((freqs, freqs), -1).cos(), torch.cat((freqs, freqs), -1).sin()
    mask = torch.full((n, n), float("-inf")).triu(1)

    x = p["model.embed_tokens.weight"][torch.tensor(tokens, dtype=torch.int64)]
    routing = []
    for l in range(cfg["num_hidden_layers"]):
        pre = f"model.layers.{l}."
        h = rms_norm(x, p[pre + "input_layernorm.weight"], eps)
        q = linear(h, p, pre + "self_attn.q_proj", bias).view(n, nh, hd).transpose(0, 1)
        k = linear(h, p, pre + "self_attn.k_proj", bias).view(n, nkv, hd).transpose(0, 1)
        v = linear(h, p, pre + "self_attn.v_proj", bias).view(n, nkv, hd).transpose(0, 1)
        if qk_norm:
            q = rms_norm(q, p[pre + "self_attn.q_norm.weight"], eps)
            k = rms_norm(k, p[pre + "self_attn.k_norm.weight"], eps)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(nh // nkv, dim=0)
        v = v.repeat_interleave(nh // nkv, dim=0)
        att = torch.softmax(q @ k.transpose(1, 2) / hd ** 0.5 + mask, dim=-1)
        o = (att @ v).transpose(0, 1).reshape(n, nh * hd)
        x = x + linear(o, p, pre + "self_attn.o_proj")
        h = rms_norm(x, p[pre + "post_attention_layernorm.weight"], eps)
        x = x + (moe(h, p, pre + "mlp.", cfg, routing) if is_sparse(cfg, l) else mlp(h, p, pre + "mlp."))
    x = rms_norm(x, p["model.norm.weight"], eps)
    head = p["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings", False) else p["lm_head.weight"]
    return x @ head.T, routing


def run_case(model_dir, tokens_path, out_prefix):
    cfg, params = read_model_dir(model_dir)
    with open(tokens_path) as f:
        rows = json.load(f)
    logits, routings = [], []
    with torch.no_grad():
        for row in rows:
            y, r = forward(cfg, params, row)
            logits.append(y.reshape(-1))
            routings.append(r)
    torch.cat(logits).numpy().astype("<f4").tofile(out_prefix + ".bin")
    with open(out_prefix + ".json", "w") as f:
        json.dump({"torch_version": torch.__version__, "rows": [len(r) for r in rows], "routing": routings}, f)


def main():
    args = sys.argv[1:]
    if not args or len(args) % 3 != 0:
        raise SystemExit("usage: torch_hf_model.py MODEL_DIR TOKENS_JSON OUT_PREFIX [...]")
    torch.set_num_threads(1)
    for i in range(0, len(args), 3):
        run_case(*args[i:i + 3])


if __name__ == "__main__":
    main()
