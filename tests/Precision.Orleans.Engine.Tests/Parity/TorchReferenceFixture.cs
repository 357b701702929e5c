using Precision.Orleans.Engine.Tests.Checkpoints;

namespace Precision.Orleans.Engine.Tests.Parity;

/// <summary>
/// Prepares every parity case and runs PyTorch once for all of them (one interpreter start, one
/// torch import), so the parity tests together cost a few seconds.
/// </summary>
public sealed class TorchReferenceFixture : IDisposable
{
    private readonly TempDirectory _root = new();
    private readonly Dictionary<string, (ParityCase Case, TorchReferenceResult Result)> _results = new();
    private readonly Exception? _failure;

    public static readonly string[] CaseNames = ["qwen2-untied", "llama-tied", "qwen3-dense", "qwen3-moe"];

    public TorchReferenceFixture()
    {
        try
        {
            var cases = CaseNames.Select(ParityCase.ByName).ToList();
            foreach (var c in cases) c.WriteInputs(_root.File(c.Name));
            TorchReferenceRunner.Run(cases.Select(c => _root.File(c.Name)));
            foreach (var c in cases) _results[c.Name] = (c, TorchReferenceResult.Read(_root.File(c.Name), c));
        }
        catch (Exception e)
        {
            // Surface the reason in every test instead of a bare "fixture threw".
            _failure = e;
        }
    }

    public (ParityCase Case, TorchReferenceResult Torch) Get(string name)
    {
        if (_failure is not null) throw new InvalidOperationException($"PyTorch reference unavailable: {_failure.Message}", _failure);
        return _results[name];
    }

    public void Dispose() => _root.Dispose();
}
