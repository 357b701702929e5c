"""PyTorch peer of `bench train-step`: forward + backward + AdamW step of a Qwen2-shaped decoder in
fp32 on B×T random tokens. Prints one JSON line {tokens_per_s, ms_per_step, params}."""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_qwen2 import Qwen2  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True, help="HF-style model config JSON (text)")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq", type=int, default=256)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = Qwen2(json.loads(a.config))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    vocab = model.c["vocab_size"]
    tokens = torch.randint(0, vocab, (a.batch, a.seq))

    def step():
        opt.zero_grad(set_to_none=True)
        logits = model(tokens[:, :-1])
        # Sum of target-token log-probs, the same objective shape as the C# side's dLogProbs.
        logp = F.log_softmax(logits.float(), dim=-1).gather(-1, tokens[:, 1:, None]).squeeze(-1)
        (-logp.mean()).backward()
        opt.step()

    step()  # warm-up: allocations, optimizer state
    best = float("inf")
    for _ in range(a.steps):
        t0 = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - t0)
    n_tokens = a.batch * a.seq
    params = sum(p.numel() for p in model.parameters())
    print(json.dumps({"tokens_per_s": n_tokens / best, "ms_per_step": best * 1e3, "params": params,
                      "threads": a.threads, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
