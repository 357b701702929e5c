"""PyTorch peer of `bench decode`: batched KV-cache decode of a Qwen2-shaped decoder in fp32.
Feeds B prompts token by token, then generates N tokens per sequence one step at a time (greedy or sampled).
Prints one JSON line {tokens_per_s, ms_per_token_step}."""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_qwen2 import Qwen2  # noqa: E402


@torch.no_grad()
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True, help="HF-style model config JSON (text)")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--prompt", type=int, default=16)
    ap.add_argument("--new", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--greedy", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = Qwen2(json.loads(a.config)).eval()
    vocab = model.c["vocab_size"]
    prompts = torch.randint(0, vocab, (a.batch, a.prompt))

    def generate(new_tokens):
        caches = model.new_caches(a.batch, a.prompt + new_tokens)
        # Prompt tokens go one per step through the decode path, as our rollout engine feeds them.
        for pos in range(a.prompt):
            logits = model(prompts[:, pos:pos + 1], caches, pos)[:, -1]
        pos = a.prompt
        for _ in range(new_tokens):
            logp = torch.log_softmax(logits.float(), dim=-1)
            nxt = logp.argmax(-1) if a.greedy else torch.multinomial(logp.exp(), 1).squeeze(-1)
            logits = model(nxt[:, None], caches, pos)[:, -1]
            pos += 1

    generate(4)  # warm-up
    t0 = time.perf_counter()
    generate(a.new)
    dt = time.perf_counter() - t0
    print(json.dumps({"tokens_per_s": a.batch * a.new / dt, "ms_per_token_step": dt / a.new * 1e3,
                      "batch": a.batch, "prompt": a.prompt, "new": a.new, "threads": a.threads,
                      "prompt_fed_per_token": True}))


if __name__ == "__main__":
    main()
