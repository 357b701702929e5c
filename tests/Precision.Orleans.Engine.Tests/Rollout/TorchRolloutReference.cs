using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Tests.Rollout;

/// <summary>
/// An independent FP32 reference for the rollout engine: a plain PyTorch transcription of the Hugging
/// Face Qwen2/Llama forward (full-sequence, unfused, causal softmax attention), run by the Debian python
/// with torch (env PRECISION_PYTHON, default /usr/bin/python3). Returns per-position log-probabilities
/// of the next token and argmaxes.
/// </summary>
internal static class TorchRolloutReference
{
    private const string Script = """
        import json, math, sys
        import numpy as np
        import torch
        torch.set_num_threads(1)
        job = json.load(open(sys.argv[1]))
        c = job["config"]
        w = torch.from_numpy(np.fromfile(sys.argv[2], dtype="<f4"))
        off = job["offsets"]
        def P(name, *shape):
            o = off[name]; n = int(np.prod(shape))
            return w[o:o + n].view(*shape)
        D, V, L = c["hidden_size"], c["vocab_size"], c["num_hidden_layers"]
        H, KV = c["num_attention_heads"], c["num_key_value_heads"]
        hd = c.get("head_dim") or D // H
        I, eps, theta = c["intermediate_size"], c["rms_norm_eps"], c["rope_theta"]
        def rms(x, wt):
            return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * wt
        def rot(x):
            return torch.cat([-x[..., hd // 2:], x[..., :hd // 2]], -1)
        out = []
        with torch.no_grad():
            for seq in job["sequences"]:
                T = len(seq)
                x = P("model.embed_tokens.weight", V, D)[torch.tensor(seq)]
                inv = 1.0 / (theta ** (torch.arange(0, hd, 2, dtype=torch.int64).float() / hd))
                f = torch.arange(T).float()[:, None] * inv[None, :]
                emb = torch.cat([f, f], -1)
                cos, sin = emb.cos(), emb.sin()
                mask = torch.full((T, T), float("-inf")).triu(1)
                for l in range(L):
                    p = f"model.layers.{l}."
                    h = rms(x, P(p + "input_layernorm.weight", D))
                    def lin(name, o, i, bias):
                        y = h @ P(p + name + ".weight", o, i).T
                        return y + P(p + name + ".bias", o) if bias and (p + name + ".bias") in off else y
                    q = lin("self_attn.q_proj", H * hd, D, True).view(T, H, hd).transpose(0, 1)
                    k = lin("self_attn.k_proj", KV * hd, D, True).view(T, KV, hd).transpose(0, 1)
                    v = lin("self_attn.v_proj", KV * hd, D, True).view(T, KV, hd).transpose(0, 1)
                    q = q * cos + rot(q) * sin
                    k = k * cos + rot(k) * sin
                    k = k.repeat_interleave(H // KV, 0)
                    v = v.repeat_interleave(H // KV, 0)
                    a = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(hd) + mask, -1) @ v
                    x = x + a.transpose(0, 1).reshape(T, H * hd) @ P(p + "self_attn.o_proj.weight", D, H * hd).T
                    h = rms(x, P(p + "post_attention_layernorm.weight", D))
                    g = h @ P(p + "mlp.gate_proj.weight", I, D).T
                    u = h @ P(p + "mlp.up_proj.weight", I, D).T
                    x = x + (torch.nn.functional.silu(g) * u) @ P(p + "mlp.down_proj.weight", D, I).T
                head = "lm_head.weight" if "lm_head.weight" in off else "model.embed_tokens.weight"
                logits = rms(x, P("model.norm.weight", D)) @ P(head, V, D).T
                lp = torch.log_softmax(logits.double(), -1)
                # position t (1..T-1): log p(seq[t] | seq[:t]) and the argmax that predicted it
                out.append({"logprobs": [float(lp[t - 1, seq[t]]) for t in range(1, T)],
                            "argmax": [int(logits[t - 1].argmax()) for t in range(1, T)]})
        print(json.dumps(out))
        """;

    public sealed record Scored(double[] LogProbs, int[] ArgMax);

    public static Scored[] Score(ModelConfig config, float[] master, IReadOnlyList<int[]> sequences)
    {
        string python = Environment.GetEnvironmentVariable("PRECISION_PYTHON") ?? "/usr/bin/python3";
        string dir = Directory.CreateTempSubdirectory("rollout-ref-").FullName;
        try
        {
            var layout = new ParameterLayout(config);
            File.WriteAllText(Path.Combine(dir, "ref.py"), Script);
            File.WriteAllBytes(Path.Combine(dir, "w.bin"), System.Runtime.InteropServices.MemoryMarshal.AsBytes(master.AsSpan()).ToArray());
            var job = new
            {
                config = JsonSerializer.Deserialize<JsonElement>(config.ToJson()),
                offsets = layout.Parameters.ToDictionary(p => p.Name, p => p.Offset),
                sequences,
            };
            File.WriteAllText(Path.Combine(dir, "job.json"), JsonSerializer.Serialize(job));
            var psi = new ProcessStartInfo(python, [Path.Combine(dir, "ref.py"), Path.Combine(dir, "job.json"), Path.Combine(dir, "w.bin")])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {python}");
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(120_000)) throw new TimeoutException("PyTorch reference took over 120 s");
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"PyTorch reference ({python}, needs torch and numpy; set PRECISION_PYTHON) failed: {stderr.Result}");
            var parsed = JsonSerializer.Deserialize<JsonElement>(stdout);
            return [.. parsed.EnumerateArray().Select(e => new Scored(
                [.. e.GetProperty("logprobs").EnumerateArray().Select(v => v.GetDouble())],
                [.. e.GetProperty("argmax").EnumerateArray().Select(v => v.GetInt32())]))];
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
