namespace Precision.Orleans.Engine.Backends;

/// <summary>The selected device cannot be used here (no CUDA backend loaded, no GPU, no driver); the message is one line.</summary>
public sealed class ComputeDeviceUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
