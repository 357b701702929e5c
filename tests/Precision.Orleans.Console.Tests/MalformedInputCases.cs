using System.Text;

namespace Precision.Orleans.Console.Tests;

/// <summary>One malformed input: the command line (run in a fresh copy of the fixture), what to break first, and a
/// fragment the one-line error must contain to show it names the problem.</summary>
public sealed record MalformedInput(string Name, string[] Args, string Names, Action<string>? Setup = null, string Output = "out");

/// <summary>
/// The malformed inputs of the acceptance test: run specs, options, model directories (config.json, safetensors,
/// tokenizer files), checkpoints and JSONL data — every case of issue 14's Build list among them.
/// </summary>
public static class MalformedInputCases
{
    private static readonly string[] TrainBad = ["train", "bad.yaml", "--out", "out"];

    /// <summary>A case whose run spec is the fixture's with <paramref name="from"/> replaced by <paramref name="to"/>.</summary>
    private static MalformedInput Spec(string name, string from, string to, string names) =>
        new(name, TrainBad, names, dir =>
        {
            if (!ConsoleFixture.Spec.Contains(from, StringComparison.Ordinal)) throw new ArgumentException($"case {name}: '{from}' not in the spec");
            File.WriteAllText(Path.Combine(dir, "bad.yaml"), ConsoleFixture.Spec.Replace(from, to, StringComparison.Ordinal));
        });

    private static MalformedInput SpecText(string name, string yaml, string names) =>
        new(name, TrainBad, names, dir => File.WriteAllText(Path.Combine(dir, "bad.yaml"), yaml));

    private static MalformedInput Train(string name, string names, params string[] extra) =>
        new(name, ["train", "run.yaml", "--out", "out", .. extra], names);

    /// <summary>A case that breaks a file of the fixture's model (or its copy) and trains from it.</summary>
    private static MalformedInput Model(string name, string file, Func<byte[], byte[]> corrupt, string names, string[]? args = null) =>
        new(name, args ?? ["train", "run.yaml", "--out", "out"], names, dir =>
        {
            string path = Path.Combine(dir, "model", file);
            byte[] before = File.Exists(path) ? File.ReadAllBytes(path) : [];
            byte[] after = corrupt(before);
            if (after.Length == 0 && before.Length > 0 && file != "config.json") File.Delete(path);
            else File.WriteAllBytes(path, after);
        });

    private static MalformedInput Data(string name, string jsonl, string names, params string[] extra) =>
        new(name, ["train", "run.yaml", "--out", "out", .. extra], names, dir => File.WriteAllText(Path.Combine(dir, "sums.jsonl"), jsonl));

    /// <summary>A case that breaks a file of checkpoint step-000002 of the fixture's finished run, then resumes it.</summary>
    private static MalformedInput Checkpoint(string name, string file, Func<byte[], byte[]> corrupt, string names) =>
        new(name, ["train", "run.yaml", "--out", "run", "--iterations", "3"], names, dir =>
        {
            string path = Path.Combine(dir, "run", "checkpoints", "step-000002", file);
            File.WriteAllBytes(path, corrupt(File.ReadAllBytes(path)));
        }, Output: "run");

    private static byte[] Text(string s) => Encoding.UTF8.GetBytes(s);

    private static byte[] FlipByte(byte[] b, int fromEnd)
    {
        var c = (byte[])b.Clone();
        c[^fromEnd] ^= 0x5a;
        return c;
    }

    private static string ConfigWith(byte[] config, string from, string to)
    {
        string json = Encoding.UTF8.GetString(config);
        if (!json.Contains(from, StringComparison.Ordinal)) throw new ArgumentException($"'{from}' not in config.json: {json}");
        return json.Replace(from, to, StringComparison.Ordinal);
    }

    public static readonly IReadOnlyList<MalformedInput> All =
    [
        // ---- run specs: the file itself
        new("spec-missing", ["train", "nope.yaml", "--out", "out"], "not found"),
        new("spec-is-a-directory", ["train", "model", "--out", "out"], "directory"),
        SpecText("spec-empty", "", "empty"),
        SpecText("spec-not-yaml", "model: [unclosed\n  data: {", "not valid yaml"),
        SpecText("spec-two-documents", ConsoleFixture.Spec + "---\nname: other\n", "2 yaml documents"),
        SpecText("spec-top-level-list", "- model\n- data\n", "section of keys"),
        SpecText("spec-duplicate-key", ConsoleFixture.Spec + "seed: 6\n", "seed"),
        Spec("spec-unknown-top-key", "seed: 5", "seed: 5\nlearning_rate: 1", "learning_rate"),
        Spec("spec-unknown-nested-key", "max_new_tokens: 12", "max_new_tokens: 12\n  temprature: 2", "rollout.temprature"),
        Spec("spec-section-as-value", "rollout:\n  max_new_tokens: 12", "rollout: 12", "rollout"),
        Spec("spec-value-as-list", "prompts: 3", "prompts: [3]", "batch.prompts"),
        // ---- run specs: names and values (issue list: 1e300 temperature and loss scale, difficulty, 300-char name, 2e9 prompts)
        Spec("algorithm-unknown", "name: pg-seq-is", "name: ppo", "algorithm.name"),
        Spec("aggregation-unknown", "name: pg-seq-is", "name: pg-seq-is\n  aggregation: mean", "algorithm.aggregation"),
        Spec("prompts-2e9", "prompts: 3", "prompts: 2000000000", "batch.prompts"),
        Spec("prompts-not-int", "prompts: 3", "prompts: three", "batch.prompts"),
        Spec("prompts-overflow-int", "prompts: 3", "prompts: 99999999999", "batch.prompts"),
        Spec("group-size-1", "group_size: 4", "group_size: 1", "batch.group_size"),
        Spec("mini-batches-uneven", "mini_batches: 2", "mini_batches: 5", "batch.mini_batches"),
        Spec("temperature-1e300", "max_new_tokens: 12", "max_new_tokens: 12\n  temperature: 1e300", "rollout.temperature"),
        Spec("temperature-negative", "max_new_tokens: 12", "max_new_tokens: 12\n  temperature: -1", "rollout.temperature"),
        Spec("temperature-nan", "max_new_tokens: 12", "max_new_tokens: 12\n  temperature: .nan", "rollout.temperature"),
        Spec("top-p-zero", "max_new_tokens: 12", "max_new_tokens: 12\n  top_p: 0", "rollout.top_p"),
        Spec("max-new-tokens-beyond-context", "max_new_tokens: 12", "max_new_tokens: 100000", "max_position_embeddings"),
        Spec("lr-5", "lr: 0.01", "lr: 5", "optimizer.lr"),
        Spec("lr-zero", "lr: 0.01", "lr: 0", "optimizer.lr"),
        Spec("lr-inf", "lr: 0.01", "lr: .inf", "optimizer.lr"),
        Spec("loss-scale-1e300", "lr: 0.01", "lr: 0.01\n  initial_loss_scale: 1e300", "optimizer.initial_loss_scale"),
        Spec("beta1-one", "lr: 0.01", "lr: 0.01\n  beta1: 1", "optimizer.beta1"),
        Spec("difficulty-beyond-task", "  problems: sums.jsonl", "  task: arithmetic\n  difficulty: 99", "data.difficulty"),
        Spec("task-unknown", "  problems: sums.jsonl", "  task: chess", "data.task"),
        Spec("task-and-problems", "  problems: sums.jsonl", "  problems: sums.jsonl\n  task: arithmetic", "not both"),
        Spec("problems-file-missing", "problems: sums.jsonl", "problems: nope.jsonl", "data.problems"),
        Spec("name-300-chars", "name: tiny", "name: " + new string('x', 300), "300 characters"),
        Spec("name-with-slash", "name: tiny", "name: a/b", "name"),
        Spec("model-missing", "model: model", "model: nope", "model"),
        Spec("model-without-config", "model: model", "model: run", "config.json"),
        Spec("dtype-fp8", "train: fp32", "train: fp8", "precision.train"),
        Spec("fp16-range-unknown", "rollout: fp32", "rollout: fp32\n  fp16_range: saturate", "precision.fp16_range"),
        Spec("lora-rank-beyond-width", "seed: 5", "seed: 5\nlora:\n  rank: 100000", "lora.rank"),
        Spec("lora-module-unknown", "seed: 5", "seed: 5\nlora:\n  target_modules: [qkv_proj]", "lora.target_modules"),
        Spec("iterations-zero", "iterations: 2", "iterations: 0", "schedule.iterations"),
        Spec("stop-at-accuracy-2", "iterations: 2", "iterations: 2\n  stop_at_accuracy: 2", "schedule.stop_at_accuracy"),
        Spec("dual-clip-1", "name: pg-seq-is", "name: grpo\n  clip_ratio_c: 1", "algorithm.clip_ratio_c"),
        Spec("estimator-unknown", "seed: 5", "seed: 5\nadvantage:\n  estimator: gae", "advantage.estimator"),
        Spec("chat-template-unknown", "max_new_tokens: 12", "max_new_tokens: 12\n  chat_template: alpaca", "rollout.chat_template"),
        // ---- options of train (--set overrides are validated like the file)
        Train("set-without-equals", "KEY=VALUE", "--set", "batch.prompts"),
        Train("set-unknown-key", "rollout.temprature", "--set", "rollout.temprature=0.8"),
        Train("set-prompts-2e9", "batch.prompts", "--set", "batch.prompts=2000000000"),
        Train("set-temperature-1e300", "rollout.temperature", "--set", "rollout.temperature=1e300"),
        Train("iterations-not-int", "--iterations", "--iterations", "abc"),
        Train("iterations-negative", "schedule.iterations", "--iterations", "-1"),
        Train("unknown-option", "--bogus", "--bogus"),
        new("out-is-a-file", ["train", "run.yaml", "--out", "sums.jsonl"], "is a file", Output: "none"),
        new("resume-from-unknown-step", ["train", "run.yaml", "--out", "run", "--resume-from", "step-000099"], "step-000099", Output: "run"),
        new("resume-with-other-trajectory", ["train", "run.yaml", "--out", "run", "--set", "optimizer.lr=0.02"], "different trajectory", Output: "run"),
        // ---- JSONL data (issue list: characters the tokenizer cannot encode)
        Data("jsonl-unencodable-chars", "{\"prompt\": \"1+1=€\", \"answer\": \"2\"}\n{\"prompt\": \"2+2=\", \"answer\": \"4\"}\n{\"prompt\": \"3+3=\", \"answer\": \"6\"}\n", "cannot be tokenized"),
        Data("jsonl-not-json", "{\"prompt\": \"1+1=\", \"answer\": \"2\"}\nthis is not json\n{\"prompt\": \"3+3=\", \"answer\": \"6\"}\n", "line 2"),
        Data("jsonl-missing-answer", "{\"prompt\": \"1+1=\"}\n{\"prompt\": \"2+2=\", \"answer\": \"4\"}\n{\"prompt\": \"3+3=\", \"answer\": \"6\"}\n", "answer"),
        Data("jsonl-prompt-not-string", "{\"prompt\": 11, \"answer\": \"2\"}\n{\"prompt\": \"2+2=\", \"answer\": \"4\"}\n{\"prompt\": \"3+3=\", \"answer\": \"6\"}\n", "prompt"),
        Data("jsonl-empty", "", "no problems"),
        Data("jsonl-one-problem-batch-of-17", "{\"prompt\": \"1+1=\", \"answer\": \"2\"}\n", "batch.prompts", "--set", "batch.prompts=17"),
        // ---- model directories: config.json, safetensors, tokenizer files
        Model("config-not-json", "config.json", _ => Text("{ not json"), "config.json"),
        Model("config-unknown-model-type", "config.json", b => Text(ConfigWith(b, "\"qwen2\"", "\"gpt2\"")), "model_type"),
        Model("config-negative-hidden", "config.json", b => Text(ConfigWith(b, "\"hidden_size\": 16", "\"hidden_size\": -16")), "hidden_size"),
        Model("config-empty", "config.json", _ => Text(""), "config.json"),
        Model("safetensors-truncated", "model.safetensors", b => b[..(b.Length / 2)], "model.safetensors"),
        Model("safetensors-garbage-header", "model.safetensors", b => [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, .. b[8..]], "model.safetensors"),
        Model("safetensors-missing", "model.safetensors", _ => [], "model.safetensors"),
        Model("tokenizer-missing", "tokenizer.chars.json", _ => [], "tokenizer"),
        Model("tokenizer-garbage", "tokenizer.chars.json", _ => Text("[1, 2"), "tokenizer"),
        Model("tokenizer-beyond-vocab", "tokenizer.chars.json",
            b => Text(Encoding.UTF8.GetString(b).Replace("\"alphabet\": \"", "\"alphabet\": \"abcdefghijklmnopqrstuvwxyz", StringComparison.Ordinal)), "vocab_size"),
        Model("tokenizer-json-garbage", "tokenizer.json", _ => Text("{\"model\": {\"type\": \"WordPiece\"}}"), "tokenizer"),
        // ---- checkpoints of a run being resumed
        Checkpoint("checkpoint-weights-flipped", "model.safetensors", b => FlipByte(b, 3), "model.safetensors"),
        Checkpoint("checkpoint-manifest-garbage", "manifest.json", _ => Text("{"), "manifest"),
        Checkpoint("checkpoint-state-edited", "trainer_state.json", b => [.. b, .. Text(" ")], "trainer_state.json"),
        Checkpoint("checkpoint-optimizer-truncated", "optimizer.safetensors", b => b[..16], "optimizer.safetensors"),
        // ---- the other commands' options and inputs (issue list: --hidden 65536, mismatch's default tasks, --out a file)
        new("pretrain-hidden-65536", ["pretrain", "--out", "out", "--hidden", "65536"], "--hidden"),
        new("pretrain-out-is-a-file", ["pretrain", "--out", "sums.jsonl", "--steps", "1"], "is a file", Output: "none"),
        new("pretrain-over-a-model", ["pretrain", "--out", "base", "--steps", "1"], "--overwrite", Output: "none"),
        new("pretrain-difficulty-99", ["pretrain", "--out", "out", "--difficulty", "99"], "--difficulty"),
        new("pretrain-steps-not-int", ["pretrain", "--out", "out", "--steps", "many"], "--steps"),
        new("train-lm-hidden-65536", ["train-lm", "--out", "out", "--hidden", "65536"], "--hidden"),
        new("train-lm-steps-not-int", ["train-lm", "--out", "out", "--steps", "abc"], "--steps"),
        new("train-lm-over-a-model", ["train-lm", "--out", "model", "--steps", "1"], "--overwrite", Output: "none"),
        new("mismatch-default-tasks-on-arithmetic-model", ["mismatch", "--model", "base", "--out", "out"], "cannot encode"),
        new("mismatch-dtype-fp8", ["mismatch", "--model", "model", "--dtypes", "fp8"], "fp8"),
        new("eval-model-missing", ["eval", "--model", "nope"], "nope"),
        new("eval-k-zero", ["eval", "--model", "model", "--k", "0"], "--k"),
        new("eval-unencodable-problems", ["eval", "--model", "model", "--problems", "bad.jsonl"], "cannot be tokenized",
            dir => File.WriteAllText(Path.Combine(dir, "bad.jsonl"), "{\"prompt\": \"1+1=€\", \"answer\": \"2\"}\n")),
        new("eval-count-2e9", ["eval", "--model", "base", "--task", "arithmetic", "--count", "2000000000"], "--count"),
        new("eval-k-2e9", ["eval", "--model", "base", "--task", "arithmetic", "--count", "4", "--k", "2000000000"], "--k"),
        new("eval-temperature-1e30", ["eval", "--model", "base", "--task", "arithmetic", "--count", "4", "--temperature", "1e30"], "--temperature"),
        new("sanity-set-samples-2e9", ["sanity-set", "--model", "base", "--count", "4", "--samples", "2000000000", "--out", "out.jsonl"], "--samples", Output: "out.jsonl"),
        new("sanity-set-count-2e9", ["sanity-set", "--model", "base", "--count", "2000000000", "--out", "out.jsonl"], "--count", Output: "out.jsonl"),
        new("sanity-set-min-above-max", ["sanity-set", "--model", "model", "--min", "0.9", "--max", "0.1"], "--min"),
        new("inspect-missing", ["inspect", "nope"], "nope"),
        new("experiment-grid-two-documents", ["experiment", "grid.yaml", "--out", "out"], "2 YAML documents",
            dir => File.WriteAllText(Path.Combine(dir, "grid.yaml"), "base: run.yaml\nalgorithms: [pg-seq-is]\nprecisions: [fp32/fp32]\n---\nalgorithms: [grpo]\n")),
        new("spec-unclosed-flow", ["train", "bad.yaml", "--out", "out"], "not valid YAML",
            dir => File.WriteAllText(Path.Combine(dir, "bad.yaml"), "model: model\ndata: {problems: [sums.jsonl\n")),
        new("experiment-grid-missing", ["experiment", "nope.yaml", "--out", "out"], "nope.yaml"),
        new("unknown-command", ["fly"], "fly"),
    ];
}
