using System.Runtime.InteropServices;
using Precision.Orleans.Engine.Tests.Checkpoints;
using Xunit;

namespace Precision.Orleans.Engine.Tests.Parity;

/// <summary>Runs torch_reference.py --moe-block once for every block case.</summary>
public sealed class MoeBlockTorchFixture : IDisposable
{
    private readonly TempDirectory _root = new();
    private readonly Exception? _failure;

    public static readonly MoeBlockCase[] Cases = [new("renormalised", true, 51), new("raw-weights", false, 52)];

    public MoeBlockTorchFixture()
    {
        try
        {
            foreach (var c in Cases) c.WriteInputs(_root.File(c.Name));
            TorchReferenceRunner.Run(["--moe-block", .. Cases.Select(c => _root.File(c.Name))]);
        }
        catch (Exception e)
        {
            _failure = e;
        }
    }

    public float[] Read(MoeBlockCase c, string file, long count)
    {
        if (_failure is not null) throw new InvalidOperationException($"PyTorch reference unavailable: {_failure.Message}", _failure);
        var bytes = File.ReadAllBytes(Path.Combine(_root.File(c.Name), file));
        Assert.Equal(count * 4, bytes.Length);
        return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }

    public void Dispose() => _root.Dispose();
}
