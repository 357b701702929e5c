using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Tests.Checkpoints;

namespace Precision.Orleans.Engine.Tests.Parity;

/// <summary>
/// Writes every <see cref="HfModelParityTests"/> checkpoint and runs Reference/torch_hf_model.py once over all of them
/// (one interpreter, one torch import). A failure is kept and rethrown by each test, never skipped.
/// </summary>
public sealed class HfModelParityFixture : IDisposable
{
    private readonly TempDirectory _root = new();
    private readonly Dictionary<string, (string Model, int[][] Rows, float[][] Logits, JsonElement Result)> _cases = new();
    private readonly Exception? _failure;

    private static string Key(string type, DType storage, long? maxShard) => $"{type}-{storage.Name()}-{maxShard?.ToString() ?? "single"}";

    public HfModelParityFixture()
    {
        try
        {
            var args = new List<string> { Path.Combine(AppContext.BaseDirectory, "Reference", "torch_hf_model.py") };
            var pending = new List<(string Key, string Model, int[][] Rows, string Prefix, int Vocab)>();
            foreach (var row in HfModelParityTests.Cases)
            {
                var (type, storage, maxShard) = ((string)row[0], (DType)row[1], (long?)row[2]);
                string key = Key(type, storage, maxShard), model = _root.File(key), tokens = _root.File(key + ".tokens.json"), prefix = _root.File(key + ".torch");
                var config = HfModelParityTests.Config(type);
                var layout = new ParameterLayout(config);
                HfCheckpointWriter.Save(model, config, layout, HfModelParityTests.Weights(layout, 17), new HfSaveOptions { StorageDType = storage, MaxShardBytes = maxShard });
                var rows = HfModelParityTests.Rows(config, 5);
                File.WriteAllText(tokens, JsonSerializer.Serialize(rows));
                args.AddRange([model, tokens, prefix]);
                pending.Add((key, model, rows, prefix, config.VocabSize));
            }
            Run(args);
            foreach (var (key, model, rows, prefix, vocab) in pending)
            {
                var all = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(prefix + ".bin")).ToArray();
                if (all.Length != rows.Sum(r => r.Length) * vocab)
                    throw new InvalidOperationException($"{key}: PyTorch wrote {all.Length} logits, expected {rows.Sum(r => r.Length) * vocab}");
                var logits = new float[rows.Length][];
                int at = 0;
                for (int r = 0; r < rows.Length; r++)
                {
                    logits[r] = all.AsSpan(at, rows[r].Length * vocab).ToArray();
                    at += logits[r].Length;
                }
                var result = JsonDocument.Parse(File.ReadAllText(prefix + ".json")).RootElement.Clone();
                _cases[key] = (model, rows, logits, result);
            }
        }
        catch (Exception e)
        {
            _failure = e;
        }
    }

    public (string Model, int[][] Rows, float[][] Logits, JsonElement Result) Get(string type, DType storage, long? maxShard)
    {
        if (_failure is not null) throw new InvalidOperationException($"the PyTorch HF reference could not run: {_failure.Message}", _failure);
        return _cases[Key(type, storage, maxShard)];
    }

    private static void Run(List<string> args)
    {
        var psi = new ProcessStartInfo(TorchReferenceRunner.Python) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string a in args) psi.ArgumentList.Add(a);
        psi.Environment["OMP_NUM_THREADS"] = "1";
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start '{TorchReferenceRunner.Python}'");
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TorchReferenceRunner.Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("torch_hf_model.py timed out");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"torch_hf_model.py failed (exit {process.ExitCode}) with '{TorchReferenceRunner.Python}' (needs python3-torch, python3-numpy):\n{stderr.Result}");
    }

    public void Dispose() => _root.Dispose();
}
