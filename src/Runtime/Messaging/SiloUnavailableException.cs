using Precision.Orleans.Runtime.Membership;

namespace Precision.Orleans.Runtime.Messaging;

/// <summary>The request was certainly not delivered to <see cref="Silo"/> (see <see cref="IGrainTransport"/>).</summary>
public sealed class SiloUnavailableException(SiloAddress silo, string reason, Exception? inner = null)
    : Exception($"Silo {silo} is unavailable: {reason}", inner)
{
    public SiloAddress Silo { get; } = silo;
}
