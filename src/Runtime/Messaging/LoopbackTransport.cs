using Precision.Orleans.Runtime.Membership;

namespace Precision.Orleans.Runtime.Messaging;

/// <summary>
/// <see cref="IGrainTransport"/> over a <see cref="LoopbackNetwork"/>: the embedded single-process mode and
/// multi-silo tests. Requests and responses go through <see cref="GrainMessageCodec"/> as they would on the wire, so
/// nothing is shared by reference between caller and grain (Orleans' copy semantics).
/// </summary>
public sealed class LoopbackTransport(LoopbackNetwork network) : IGrainTransport
{
    public async Task<GrainCallResponse> SendAsync(SiloAddress target, GrainCallRequest request, CancellationToken cancellationToken = default)
    {
        var handler = network.Find(target) ?? throw new SiloUnavailableException(target, "not attached to the loopback network");
        var delivered = GrainMessageCodec.DecodeRequest(GrainMessageCodec.EncodeRequest(request));
        var response = await handler.HandleAsync(delivered, cancellationToken).ConfigureAwait(false);
        return GrainMessageCodec.DecodeResponse(GrainMessageCodec.EncodeResponse(response));
    }

    public Task<bool> ProbeAsync(SiloAddress target, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        Task.FromResult(network.Find(target)?.IsServing == true);
}
