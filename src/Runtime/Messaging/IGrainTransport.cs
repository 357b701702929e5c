using Precision.Orleans.Runtime.Membership;

namespace Precision.Orleans.Runtime.Messaging;

/// <summary>
/// Carries grain calls from this process to a silo. Implementations: <see cref="LoopbackTransport"/> (one process)
/// and HTTP/2 (runtime-net). Contract for failures, which the runtime relies on to re-route safely:
/// <list type="bullet">
/// <item>throw <see cref="SiloUnavailableException"/> only when the request certainly was NOT delivered
/// (connection refused, unknown silo, open circuit): the runtime may then resend any call elsewhere;</item>
/// <item>throw <see cref="GrainCallTimeoutException"/> when the deadline passed with delivery unknown;</item>
/// <item>retry internally only calls with <see cref="GrainCallRequest.Idempotent"/> set.</item>
/// </list>
/// A grain exception is NOT a transport failure: it comes back as a response with status Exception.
/// </summary>
public interface IGrainTransport
{
    Task<GrainCallResponse> SendAsync(SiloAddress target, GrainCallRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// A direct liveness probe for the failure detector: true when the silo answered within
    /// <paramref name="timeout"/>. Never throws for an unreachable silo (returns false).
    /// </summary>
    Task<bool> ProbeAsync(SiloAddress target, TimeSpan timeout, CancellationToken cancellationToken = default);
}
