#!/usr/bin/env python3
"""Independent PyTorch (fp32, CPU) reference for the Qwen2 / Llama decoder, used by PyTorchParityTests.

Usage: torch_reference.py CASE_DIR [CASE_DIR ...]
       torch_reference.py --decode-safetensors FILE OUT_PREFIX [FILE OUT_PREFIX ...]
       torch_reference.py --moe-block BLOCK_DIR [BLOCK_DIR ...]

Each CASE_DIR holds
  manifest.json     config (HF field names), tensors [{name, shape}] in buffer order, batch_size, seq_len,
                    lengths, adamw {lr, beta1, beta2, eps, weight_decay}, max_grad_norm, steps
  weights.bin       float32 little-endian, all tensors concatenated in manifest order
  tokens.bin        int32 [B*T], right-padded
  target_mask.bin   float32 [B*T]
and receives
  out_logits.bin    float32 [B*T*V]; row (b, t) is the model output at position t (it predicts token t+1)
  out_logprobs.bin  float32 [B*T]; log p(tok[b,t] | tok[b,<t]) for 1 <= t < len[b], 0 elsewhere
  out_grads.bin     float32, d loss / d parameter for every tensor, in manifest order
  out_result.json   {"loss", "losses" (one per AdamW step, before the step), "grad_norms", "torch_version"}

The --decode-safetensors mode is an independent reader of the safetensors format (json + numpy, written
from the format description, not from our C# reader): it writes OUT_PREFIX.bin (every tensor as float32, in
data order) and OUT_PREFIX.json (names, dtypes, shapes, metadata), so tests can check that our files are
what other tools read.

The --moe-block mode runs one Mixture-of-Experts block alone: BLOCK_DIR holds manifest.json {rows, hidden_size,
num_experts, num_experts_per_tok, moe_intermediate_size, norm_topk_prob, tensors [{name, shape}]: the router
"gate.weight" then "experts.{e}.gate_proj/up_proj/down_proj.weight"}, weights.bin, x.bin [rows, D], dy.bin [rows, D],
and receives out_y.bin, out_dx.bin and out_grads.bin (d(sum(dy * y)) / d tensor, in manifest order).

The model is written from the Hugging Face model definitions (no `transformers` import): RMSNorm in fp32, RoPE with
rotate_half over pairs (i, i + hd/2), causal grouped-query attention, SwiGLU MLP, tied or separate LM head; for
qwen3 / qwen3_moe an RMSNorm over head_dim on every query and key head before RoPE; for qwen3_moe, sparse layers
replace the MLP with the MoE block (moe_block below).
"""
import json
import math
import os
import sys

import numpy as np

# torch is imported in main() only for the model cases: the safetensors decoder needs just numpy.
torch = None
F = None


def read_f32(path, count):
    data = np.fromfile(path, dtype="<f4")
    if data.size != count:
        raise SystemExit(f"{path}: expected {count} float32 values, found {data.size}")
    return torch.from_numpy(data.astype(np.float32))


def read_i32(path, count):
    data = np.fromfile(path, dtype="<i4")
    if data.size != count:
        raise SystemExit(f"{path}: expected {count} int32 values, found {data.size}")
    return torch.from_numpy(data.astype(np.int64))


def write_f32(path, tensor):
    tensor.detach().to(torch.float32).contiguous().numpy().astype("<f4").tofile(path)


def rms_norm(x, weight, eps):
    # LlamaRMSNorm / Qwen2RMSNorm: fp32 variance over the last dim, then scale by the weight.
    variance = x.pow(2).mean(-1, keepdim=True)
    return weight * (x * torch.rsqrt(variance + eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def rope_tables(seq_len, head_dim, theta):
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.int64).float() / head_dim))
    positions = torch.arange(seq_len, dtype=torch.float32)
    freqs = torch.outer(positions, inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos(), emb.sin()


def swiglu_mlp(x, gate_w, up_w, down_w):
    return (F.silu(x @ gate_w.t()) * (x @ up_w.t())) @ down_w.t()


def moe_block(h, router_w, experts, top_k, norm_topk_prob):
    """Qwen3-MoE sparse block on h [N, D]: router probabilities softmax(h W^T) in float32, the top_k experts per
    token, their probabilities (divided by their sum when norm_topk_prob) as weights, and the weighted sum of the
    chosen experts' SwiGLU outputs. experts: list of (gate_w, up_w, down_w)."""
    probs = torch.softmax((h @ router_w.t()).float(), dim=-1)
    top_p, top_i = torch.topk(probs, top_k, dim=-1)
    if norm_topk_prob:
        top_p = top_p / top_p.sum(dim=-1, keepdim=True)
    top_p = top_p.to(h.dtype)
    out = torch.zeros_like(h)
    for e, (gw, uw, dw) in enumerate(experts):
        tokens, slots = torch.nonzero(top_i == e, as_tuple=True)
        if tokens.numel() == 0:
            continue
        contribution = swiglu_mlp(h[tokens], gw, uw, dw) * top_p[tokens, slots].unsqueeze(-1)
        out = out.index_add(0, tokens, contribution)
    return out


class Decoder:
    def __init__(self, cfg, params):
        self.cfg = cfg
        self.p = params
        self.hd = cfg["head_dim"]
        self.nh = cfg["num_attention_heads"]
        self.nkv = cfg["num_key_value_heads"]
        self.eps = cfg["rms_norm_eps"]
        self.bias = cfg["attention_bias"]

    def linear(self, x, name, bias=False):
        w = self.p[name + ".weight"]
        y = x @ w.t()
        if bias:
            y = y + self.p[name + ".bias"]
        return y

    def attention(self, x, prefix, cos, sin):
        B, T, _ = x.shape
        q = self.linear(x, prefix + "q_proj", self.bias).view(B, T, self.nh, self.hd).transpose(1, 2)
        k = self.linear(x, prefix + "k_proj", self.bias).view(B, T, self.nkv, self.hd).transpose(1, 2)
        v = self.linear(x, prefix + "v_proj", self.bias).view(B, T, self.nkv, self.hd).transpose(1, 2)
        if self.cfg["model_type"] in ("qwen3", "qwen3_moe"):
            q = rms_norm(q, self.p[prefix + "q_norm.weight"], self.eps)
            k = rms_norm(k, self.p[prefix + "k_norm.weight"], self.eps)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        rep = self.nh // self.nkv
        # Query head h reads key/value head h // rep (HF repeat_kv).
        k = k.repeat_interleave(rep, dim=1)
        v = v.repeat_interleave(rep, dim=1)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(self.hd)
        causal = torch.ones(T, T, dtype=torch.bool).triu(1)
        scores = scores.masked_fill(causal, float("-inf"))
        probs = torch.softmax(scores, dim=-1)
        out = (probs @ v).transpose(1, 2).reshape(B, T, self.nh * self.hd)
        return self.linear(out, prefix + "o_proj")

    def is_sparse(self, layer):
        cfg = self.cfg
        return (cfg.get("num_experts", 0) > 0 and layer not in cfg.get("mlp_only_layers", [])
                and (layer + 1) % cfg.get("decoder_sparse_step", 1) == 0)

    def mlp(self, x, prefix, layer):
        if self.is_sparse(layer):
            cfg = self.cfg
            B, T, D = x.shape
            experts = [tuple(self.p[f"{prefix}experts.{e}.{n}.weight"] for n in ("gate_proj", "up_proj", "down_proj"))
                       for e in range(cfg["num_experts"])]
            y = moe_block(x.reshape(B * T, D), self.p[prefix + "gate.weight"], experts, cfg["num_experts_per_tok"], cfg["norm_topk_prob"])
            return y.view(B, T, D)
        return self.linear(F.silu(self.linear(x, prefix + "gate_proj")) * self.linear(x, prefix + "up_proj"), prefix + "down_proj")

    def logits(self, tokens):
        cfg = self.cfg
        B, T = tokens.shape
        cos, sin = rope_tables(T, self.hd, cfg["rope_theta"])
        h = self.p["model.embed_tokens.weight"][tokens]
        for layer in range(cfg["num_hidden_layers"]):
            pre = f"model.layers.{layer}."
            h = h + self.attention(rms_norm(h, self.p[pre + "input_layernorm.weight"], self.eps), pre + "self_attn.", cos, sin)
            h = h + self.mlp(rms_norm(h, self.p[pre + "post_attention_layernorm.weight"], self.eps), pre + "mlp.", layer)
        h = rms_norm(h, self.p["model.norm.weight"], self.eps)
        head = self.p["model.embed_tokens.weight"] if cfg["tie_word_embeddings"] else self.p["lm_head.weight"]
        return h @ head.t()


def token_logprobs(logits, tokens, lengths):
    B, T, _ = logits.shape
    lsm = torch.log_softmax(logits.float(), dim=-1)
    out = torch.zeros(B, T, dtype=torch.float32)
    for b in range(B):
        for t in range(1, lengths[b]):
            out[b, t] = lsm[b, t - 1, tokens[b, t]]
    return out


def run_case(case_dir):
    with open(os.path.join(case_dir, "manifest.json"), encoding="utf-8") as f:
        m = json.load(f)
    cfg = m["config"]
    B, T = m["batch_size"], m["seq_len"]
    lengths = m["lengths"]
    names = [t["name"] for t in m["tensors"]]
    shapes = [t["shape"] for t in m["tensors"]]
    counts = [int(np.prod(s)) for s in shapes]

    flat = read_f32(os.path.join(case_dir, "weights.bin"), sum(counts))
    tokens = read_i32(os.path.join(case_dir, "tokens.bin"), B * T).view(B, T)
    mask = read_f32(os.path.join(case_dir, "target_mask.bin"), B * T).view(B, T)

    params = {}
    offset = 0
    for name, shape, count in zip(names, shapes, counts):
        params[name] = torch.nn.Parameter(flat[offset:offset + count].clone().view(*shape))
        offset += count
    ordered = [params[n] for n in names]
    model = Decoder(cfg, params)

    def loss_of():
        logits = model.logits(tokens)
        logp = token_logprobs(logits, tokens, lengths)
        return logits, logp, -(mask * logp).sum() / mask.sum()

    logits, logp, loss = loss_of()
    loss.backward()
    write_f32(os.path.join(case_dir, "out_logits.bin"), logits.reshape(-1))
    write_f32(os.path.join(case_dir, "out_logprobs.bin"), logp.reshape(-1))
    grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in ordered]
    write_f32(os.path.join(case_dir, "out_grads.bin"), torch.cat([g.reshape(-1) for g in grads]))
    first_loss = loss.item()

    opt_cfg = m["adamw"]
    opt = torch.optim.AdamW(ordered, lr=opt_cfg["lr"], betas=(opt_cfg["beta1"], opt_cfg["beta2"]),
                            eps=opt_cfg["eps"], weight_decay=opt_cfg["weight_decay"])
    losses, norms = [], []
    for _ in range(m["steps"]):
        opt.zero_grad(set_to_none=False)
        _, _, loss = loss_of()
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(ordered, m["max_grad_norm"]) if m["max_grad_norm"] > 0 else None
        opt.step()
        losses.append(loss.item())
        norms.append(None if norm is None else float(norm))
    write_f32(os.path.join(case_dir, "out_final_weights.bin"), torch.cat([p.detach().reshape(-1) for p in ordered]))

    with open(os.path.join(case_dir, "out_result.json"), "w", encoding="utf-8") as f:
        json.dump({"loss": first_loss, "losses": losses, "grad_norms": norms, "torch_version": torch.__version__}, f)


def run_moe_block(block_dir):
    with open(os.path.join(block_dir, "manifest.json"), encoding="utf-8") as f:
        m = json.load(f)
    rows, d = m["rows"], m["hidden_size"]
    names = [t["name"] for t in m["tensors"]]
    shapes = [t["shape"] for t in m["tensors"]]
    counts = [int(np.prod(s)) for s in shapes]
    flat = read_f32(os.path.join(block_dir, "weights.bin"), sum(counts))
    params, offset = {}, 0
    for name, shape, count in zip(names, shapes, counts):
        params[name] = torch.nn.Parameter(flat[offset:offset + count].clone().view(*shape))
        offset += count
    x = read_f32(os.path.join(block_dir, "x.bin"), rows * d).view(rows, d).clone().requires_grad_(True)
    dy = read_f32(os.path.join(block_dir, "dy.bin"), rows * d).view(rows, d)
    experts = [tuple(params[f"experts.{e}.{n}.weight"] for n in ("gate_proj", "up_proj", "down_proj"))
               for e in range(m["num_experts"])]
    y = moe_block(x, params["gate.weight"], experts, m["num_experts_per_tok"], m["norm_topk_prob"])
    (y * dy).sum().backward()
    write_f32(os.path.join(block_dir, "out_y.bin"), y.reshape(-1))
    write_f32(os.path.join(block_dir, "out_dx.bin"), x.grad.reshape(-1))
    grads = [params[n].grad if params[n].grad is not None else torch.zeros_like(params[n]) for n in names]
    write_f32(os.path.join(block_dir, "out_grads.bin"), torch.cat([g.reshape(-1) for g in grads]))


def decode_safetensors(path, out_prefix):
    with open(path, "rb") as f:
        raw = f.read()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = raw[8 + n:]
    metadata = header.pop("__metadata__", {})
    entries = sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0])
    chunks, names, dtypes, shapes = [], [], [], []
    for name, e in entries:
        begin, end = e["data_offsets"]
        buf = data[begin:end]
        if e["dtype"] == "F32":
            values = np.frombuffer(buf, dtype="<f4")
        elif e["dtype"] == "F16":
            values = np.frombuffer(buf, dtype="<f2").astype(np.float32)
        elif e["dtype"] == "BF16":
            # bf16 is the top half of a float32.
            values = (np.frombuffer(buf, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            raise SystemExit(f"{path}: tensor {name}: dtype {e['dtype']} not handled")
        if values.size != int(np.prod(e["shape"])):
            raise SystemExit(f"{path}: tensor {name}: {values.size} values for shape {e['shape']}")
        chunks.append(values.astype("<f4"))
        names.append(name)
        dtypes.append(e["dtype"])
        shapes.append(e["shape"])
    np.concatenate(chunks).tofile(out_prefix + ".bin")
    with open(out_prefix + ".json", "w", encoding="utf-8") as f:
        json.dump({"names": names, "dtypes": dtypes, "shapes": shapes, "metadata": metadata, "data_bytes": len(data)}, f)


def main():
    global torch, F
    if len(sys.argv) >= 2 and sys.argv[1] == "--decode-safetensors":
        pairs = sys.argv[2:]
        if len(pairs) == 0 or len(pairs) % 2:
            raise SystemExit("usage: torch_reference.py --decode-safetensors FILE OUT_PREFIX [FILE OUT_PREFIX ...]")
        for i in range(0, len(pairs), 2):
            decode_safetensors(pairs[i], pairs[i + 1])
        return
    if len(sys.argv) < 2:
        raise SystemExit("usage: torch_reference.py CASE_DIR [CASE_DIR ...]")
    import torch as _torch
    import torch.nn.functional as _functional
    torch, F = _torch, _functional
    torch.set_num_threads(1)  # the reference must not compete for the test machine's cores
    if sys.argv[1] == "--moe-block":
        for block_dir in sys.argv[2:]:
            run_moe_block(block_dir)
        return
    for case_dir in sys.argv[1:]:
        run_case(case_dir)


if __name__ == "__main__":
    main()
