using Precision.Orleans.RL.Spec;
using Precision.Orleans.RL.Training;
using Precision.Orleans.Tests.Shared;

namespace Precision.Orleans.Console.Tests;

/// <summary>
/// A template directory every case starts from (copied per case): a tiny char policy (<c>model/</c>), twelve
/// one-digit sums (<c>sums.jsonl</c>), a valid run spec for them (<c>run.yaml</c>), a finished two-iteration run with
/// two checkpoints (<c>run/</c>) and a tiny arithmetic base policy from <c>precision pretrain</c> (<c>base/</c>).
/// </summary>
public sealed class ConsoleFixture : IDisposable
{
    public const string Spec = """
        name: tiny
        seed: 5
        model: model
        data:
          problems: sums.jsonl
        algorithm:
          name: pg-seq-is
        precision:
          train: fp32
          rollout: fp32
        batch:
          prompts: 3
          group_size: 4
          mini_batches: 2
          micro_batch_sequences: 3
        rollout:
          max_new_tokens: 12
        optimizer:
          lr: 0.01
        schedule:
          iterations: 2
          checkpoint_every: 1
          keep_checkpoints: 2

        """;

    public ConsoleFixture()
    {
        Root = Path.Combine(Path.GetTempPath(), "precision-console-" + Guid.NewGuid().ToString("N")[..10]);
        Template = Path.Combine(Root, "template");
        Directory.CreateDirectory(Template);
        TinyPolicyFiles.WriteCharPolicy(Path.Combine(Template, "model"), seed: 7);
        TinyPolicyFiles.WriteSums(Path.Combine(Template, "sums.jsonl"), secondModulus: 3);
        File.WriteAllText(Path.Combine(Template, "run.yaml"), Spec);
        var spec = RunSpecLoader.Load(Path.Combine(Template, "run.yaml"));
        new RlTrainer(spec, Path.Combine(Template, "run")).Run();
        var pretrain = PrecisionProcess.Run(Template,
            ["pretrain", "--out", "base", "--steps", "2", "--hidden", "16", "--layers", "1", "--heads", "2", "--kv-heads", "1", "--intermediate", "32", "--held-out", "0"],
            TimeSpan.FromSeconds(60));
        if (pretrain.ExitCode != 0) throw new InvalidOperationException($"fixture pretrain failed: {pretrain.Stdout}{pretrain.Stderr}");
    }

    public string Root { get; }
    public string Template { get; }

    /// <summary>A fresh copy of the template for one case.</summary>
    public string NewCaseDirectory(string name)
    {
        string dir = Path.Combine(Root, "cases", name + "-" + Guid.NewGuid().ToString("N")[..6]);
        Copy(Template, dir);
        return dir;
    }

    public static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
        foreach (string d in Directory.GetDirectories(from)) Copy(d, Path.Combine(to, Path.GetFileName(d)));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
