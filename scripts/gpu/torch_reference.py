#!/usr/bin/env python3
"""PyTorch / transformers side of scripts/gpu-check.sh, on the same GPU as our engine.

Subcommands print one JSON line each (appended to --report): gemm (torch.matmul TFLOP/s), train (eager training step
tokens/s and MFU of Qwen2ForCausalLM with autocast and AdamW), decode (a KV-cache greedy loop's tokens/s), logits
(transformers' logits vs the file our engine wrote), summary (ratios of ours to PyTorch from the report).
--dry-run: where torch or transformers cannot be imported (a CPU machine), say so and exit 0.
"""
import argparse
import json
import sys
import time


def emit(report, **fields):
    line = json.dumps(fields)
    print(line, flush=True)
    if report:
        with open(report, "a") as f:
            f.write(line + "\n")


def need(module, args):
    try:
        return __import__(module)
    except ImportError as e:
        if args.dry_run:
            emit(args.report, check=f"torch-{args.command}", skipped=f"{module} not importable here ({e}); runs on the GPU machine")
            sys.exit(0)
        print(f"torch_reference: {module} is required: {e}", file=sys.stderr)
        sys.exit(2)


DTYPES = {"fp32": "float32", "bf16": "bfloat16", "fp16": "float16"}


def gemm(args):
    torch = need("torch", args)
    for shape in args.shapes.split(","):
        m, n, k = (int(x) for x in shape.split("x"))
        for name in args.dtypes.split(","):
            dtype = getattr(torch, DTYPES[name])
            a = torch.randn(m, k, device="cuda", dtype=dtype)
            b = torch.randn(n, k, device="cuda", dtype=dtype)
            torch.matmul(a, b.t())
            torch.cuda.synchronize()
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            for _ in range(args.iterations):
                torch.matmul(a, b.t())
            end.record()
            torch.cuda.synchronize()
            seconds = start.elapsed_time(end) / 1000 / args.iterations
            emit(args.report, check="torch-gemm", shape=shape, dtype=name, seconds=seconds, tflops=2 * m * n * k / seconds / 1e12)


def load_model(args, dtype_name):
    torch = need("torch", args)
    transformers = need("transformers", args)
    dtype = getattr(torch, DTYPES[dtype_name])
    try:  # transformers 5 names it dtype; 4.x torch_dtype
        model = transformers.Qwen2ForCausalLM.from_pretrained(args.model, dtype=dtype, attn_implementation="eager")
    except TypeError:
        model = transformers.Qwen2ForCausalLM.from_pretrained(args.model, torch_dtype=dtype, attn_implementation="eager")
    return torch, model.cuda()


def train(args):
    torch, model = load_model(args, "fp32")  # FP32 master weights, autocast compute: the engine's mixed precision
    model.train()
    dtype = getattr(torch, DTYPES[args.dtype])
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)
    scaler = torch.amp.GradScaler("cuda", enabled=args.dtype == "fp16")
    gen = torch.Generator().manual_seed(7)
    tokens = torch.randint(0, model.config.vocab_size, (args.batch, args.seq), generator=gen).cuda()

    def step():
        with torch.autocast("cuda", dtype=dtype, enabled=args.dtype != "fp32"):
            loss = model(input_ids=tokens, labels=tokens).loss
        scaler.scale(loss).backward()
        scaler.unscale_(optimizer)
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        scaler.step(optimizer)
        scaler.update()
        optimizer.zero_grad(set_to_none=True)

    step()
    torch.cuda.synchronize()
    steps, start = 0, time.perf_counter()
    while True:
        step()
        steps += 1
        torch.cuda.synchronize()
        if time.perf_counter() - start >= args.seconds:
            break
    per_step = (time.perf_counter() - start) / steps
    params = sum(p.numel() for p in model.parameters())
    tps = args.batch * args.seq / per_step
    emit(args.report, check="torch-train-step", dtype=args.dtype, batch=args.batch, seq=args.seq, parameters=params, steps=steps,
         seconds_per_step=per_step, tokens_per_s=tps, mfu=6 * params * tps / (args.peak_tflops * 1e12))


def decode(args):
    torch, model = load_model(args, args.dtype)
    model.eval()
    gen = torch.Generator().manual_seed(8)
    prompts = torch.randint(0, model.config.vocab_size, (args.batch, 16), generator=gen).cuda()
    with torch.no_grad():
        def run(new_tokens):
            out = model(input_ids=prompts, use_cache=True)
            past, token = out.past_key_values, out.logits[:, -1].argmax(-1, keepdim=True)
            for _ in range(new_tokens - 1):
                out = model(input_ids=token, past_key_values=past, use_cache=True)
                past, token = out.past_key_values, out.logits[:, -1].argmax(-1, keepdim=True)
        run(2)
        torch.cuda.synchronize()
        start = time.perf_counter()
        run(args.new_tokens)
        torch.cuda.synchronize()
        seconds = time.perf_counter() - start
    emit(args.report, check="torch-decode", dtype=args.dtype, batch=args.batch, new_tokens=args.new_tokens, seconds=seconds,
         tokens_per_s=args.batch * args.new_tokens / seconds)


TOLERANCE = {"fp32": 1e-4, "bf16": 3.2e-2, "fp16": 4e-3}


def logits(args):
    torch, model = load_model(args, args.dtype)
    numpy = need("numpy", args)
    tokens = [int(t) for t in args.tokens.split(",")]
    with torch.no_grad():
        theirs = model(input_ids=torch.tensor([tokens]).cuda()).logits[0].float().cpu().numpy()
    ours = numpy.fromfile(args.ours, dtype="<f4").reshape(theirs.shape)
    err = float((abs(ours - theirs) / numpy.maximum(abs(theirs), 1.0)).max())
    emit(args.report, check="logits-parity-transformers", dtype=args.dtype, tokens=len(tokens), max_rel_err=err,
         tolerance=TOLERANCE[args.dtype], argmax_agree=float((ours.argmax(-1) == theirs.argmax(-1)).mean()), **{"pass": err <= TOLERANCE[args.dtype]})


def summary(args):
    rows = [json.loads(line) for line in open(args.report) if line.strip()]
    out = []
    for r in rows:
        if "pass" in r:
            out.append(f"{'PASS' if r['pass'] else 'FAIL'}  {r['check']} " + " ".join(f"{k}={v}" for k, v in r.items() if k not in ("check", "pass")))
        elif "skipped" in r:
            out.append(f"SKIP  {r['check']}: {r['skipped']}")

    def pair(ours_check, torch_check, key, match):
        for o in (r for r in rows if r.get("check") == ours_check and key in r):
            for t in (r for r in rows if r.get("check") == torch_check and key in r and all(r.get(m) == o.get(m) for m in match)):
                ratio = o[key] / t[key] if t[key] else float("nan")
                out.append(f"RATIO {ours_check} {' '.join(f'{m}={o.get(m)}' for m in match)}: ours {o[key]:.4g} / torch {t[key]:.4g} {key} = {ratio:.3f}x")

    pair("gemm", "torch-gemm", "tflops", ("shape", "dtype"))
    pair("train-step", "torch-train-step", "tokens_per_s", ("dtype",))
    pair("decode", "torch-decode", "tokens_per_s", ("dtype",))
    text = "\n".join(out) + "\n"
    print(text, end="")
    with open(args.out, "w") as f:
        f.write(text)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("command", choices=["gemm", "train", "decode", "logits", "summary"])
    p.add_argument("--report")
    p.add_argument("--dry-run", action="store_true")
    p.add_argument("--shapes", default="4096x4096x4096")
    p.add_argument("--dtypes", default="fp16,bf16")
    p.add_argument("--iterations", type=int, default=20)
    p.add_argument("--model")
    p.add_argument("--dtype", default="bf16", choices=list(DTYPES))
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--seq", type=int, default=512)
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--peak-tflops", type=float, default=989)
    p.add_argument("--new-tokens", type=int, default=64)
    p.add_argument("--tokens")
    p.add_argument("--ours")
    p.add_argument("--out")
    args = p.parse_args()
    {"gemm": gemm, "train": train, "decode": decode, "logits": logits, "summary": summary}[args.command](args)


if __name__ == "__main__":
    main()
