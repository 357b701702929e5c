namespace Precision.Orleans.Runtime.Messaging;

/// <summary>
/// The receiving side of a silo: what a transport server (the loopback hub, or the Kestrel /grain-call endpoint)
/// hands each decoded request to. The silo (Hosting/Silo) implements it.
/// </summary>
public interface IGrainCallHandler
{
    Task<GrainCallResponse> HandleAsync(GrainCallRequest request, CancellationToken cancellationToken = default);

    /// <summary>Answers a probe: true while the silo is serving (not stopped, not declared dead).</summary>
    bool IsServing { get; }
}
