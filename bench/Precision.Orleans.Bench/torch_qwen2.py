"""A small, independent Qwen2-shaped decoder in plain PyTorch (fp32), the peer of our engines in
the train-step and decode benchmarks. Built from the HF config fields the C# side prints."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        var = x.pow(2).mean(-1, keepdim=True)
        return self.weight * (x * torch.rsqrt(var + self.eps))


def rope_tables(head_dim, max_pos, theta):
    inv = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
    freqs = torch.outer(torch.arange(max_pos, dtype=torch.float32), inv)
    emb = torch.cat([freqs, freqs], dim=-1)
    return emb.cos(), emb.sin()


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat([-x[..., h:], x[..., :h]], dim=-1)


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        h, d = c["hidden_size"], c["head_dim"]
        self.nh, self.nkv, self.d = c["num_attention_heads"], c["num_key_value_heads"], d
        bias = c.get("attention_bias", c.get("model_type", "qwen2") == "qwen2")
        self.input_layernorm = RMSNorm(h, c["rms_norm_eps"])
        self.q_proj = nn.Linear(h, self.nh * d, bias=bias)
        self.k_proj = nn.Linear(h, self.nkv * d, bias=bias)
        self.v_proj = nn.Linear(h, self.nkv * d, bias=bias)
        self.o_proj = nn.Linear(self.nh * d, h, bias=False)
        self.post_attention_layernorm = RMSNorm(h, c["rms_norm_eps"])
        f = c["intermediate_size"]
        self.gate_proj = nn.Linear(h, f, bias=False)
        self.up_proj = nn.Linear(h, f, bias=False)
        self.down_proj = nn.Linear(f, h, bias=False)

    def forward(self, x, cos, sin, cache=None, pos0=0):
        """x [B,T,h]; cos/sin [T,d] for positions pos0..pos0+T; cache: dict with 'k','v' [B,nkv,S,d] or None."""
        b, t, _ = x.shape
        r = self.input_layernorm(x)
        q = self.q_proj(r).view(b, t, self.nh, self.d).transpose(1, 2)
        k = self.k_proj(r).view(b, t, self.nkv, self.d).transpose(1, 2)
        v = self.v_proj(r).view(b, t, self.nkv, self.d).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if cache is not None:
            cache["k"][:, :, pos0:pos0 + t] = k
            cache["v"][:, :, pos0:pos0 + t] = v
            k = cache["k"][:, :, :pos0 + t]
            v = cache["v"][:, :, :pos0 + t]
        rep = self.nh // self.nkv
        k = k.repeat_interleave(rep, dim=1)
        v = v.repeat_interleave(rep, dim=1)
        s = q @ k.transpose(-1, -2) / math.sqrt(self.d)
        if t > 1:
            total = k.shape[2]
            mask = torch.ones(t, total, dtype=torch.bool).tril(diagonal=total - t)
            s = s.masked_fill(~mask, float("-inf"))
        a = torch.softmax(s, dim=-1) @ v
        x = x + self.o_proj(a.transpose(1, 2).reshape(b, t, self.nh * self.d))
        r = self.post_attention_layernorm(x)
        return x + self.down_proj(F.silu(self.gate_proj(r)) * self.up_proj(r))


class Qwen2(nn.Module):
    def __init__(self, c):
        super().__init__()
        c = dict(c)
        c.setdefault("head_dim", c["hidden_size"] // c["num_attention_heads"])
        c.setdefault("rms_norm_eps", 1e-6)
        c.setdefault("rope_theta", 10000.0)
        self.c = c
        self.embed_tokens = nn.Embedding(c["vocab_size"], c["hidden_size"])
        self.layers = nn.ModuleList(Layer(c) for _ in range(c["num_hidden_layers"]))
        self.norm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])
        self.lm_head = nn.Linear(c["hidden_size"], c["vocab_size"], bias=False)
        if c.get("tie_word_embeddings", False):
            self.lm_head.weight = self.embed_tokens.weight
        cos, sin = rope_tables(c["head_dim"], c.get("max_position_embeddings", 2048), c["rope_theta"])
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)
        for p in self.parameters():
            if p.dim() == 2:
                nn.init.normal_(p, std=0.02)

    def forward(self, tokens, caches=None, pos0=0):
        t = tokens.shape[1]
        cos, sin = self.cos[pos0:pos0 + t], self.sin[pos0:pos0 + t]
        x = self.embed_tokens(tokens)
        for i, layer in enumerate(self.layers):
            x = layer(x, cos, sin, None if caches is None else caches[i], pos0)
        return self.lm_head(self.norm(x))

    def new_caches(self, batch, capacity):
        c = self.c
        shape = (batch, c["num_key_value_heads"], capacity, c["head_dim"])
        return [{"k": torch.zeros(shape), "v": torch.zeros(shape)} for _ in range(c["num_hidden_layers"])]
