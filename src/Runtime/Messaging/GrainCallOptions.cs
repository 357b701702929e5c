namespace Precision.Orleans.Runtime.Messaging;

/// <summary>Caller-side behaviour of grain calls.</summary>
public sealed record GrainCallOptions
{
    /// <summary>How long a caller waits for a call, re-routing included (Orleans' ResponseTimeout). Default 30 s.</summary>
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Most redirects one call follows before failing (guards against forwarding loops). Default 4.</summary>
    public int MaxRedirects { get; init; } = 4;

    /// <summary>First wait before re-resolving after an unreachable silo or a rejection; doubles up to 1 s. Default 50 ms.</summary>
    public TimeSpan RetryBackoff { get; init; } = TimeSpan.FromMilliseconds(50);
}
