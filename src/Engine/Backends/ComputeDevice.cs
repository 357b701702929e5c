namespace Precision.Orleans.Engine.Backends;

/// <summary>Where the engines' kernels run: the CPU (default, the numerical reference) or an NVIDIA GPU through CUDA.</summary>
public enum ComputeDevice
{
    Cpu,
    Cuda,
}

public static class ComputeDeviceNames
{
    /// <summary>The spelling used by <c>--device</c> and the run spec's <c>engine.device</c>.</summary>
    public static string Name(this ComputeDevice device) => device == ComputeDevice.Cuda ? "cuda" : "cpu";

    /// <summary>Parses "cpu" or "cuda" (case-insensitive); anything else is a one-line error naming the value.</summary>
    public static ComputeDevice Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "cpu" => ComputeDevice.Cpu,
        "cuda" or "gpu" => ComputeDevice.Cuda,
        _ => throw new ArgumentException($"unknown device '{text}': expected cpu or cuda"),
    };
}
