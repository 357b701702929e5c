using System.Collections.Concurrent;
using Precision.Orleans.Runtime.Membership;

namespace Precision.Orleans.Runtime.Messaging;

/// <summary>
/// The "network" of silos living in one process: silos attach their <see cref="IGrainCallHandler"/> under their
/// address; detaching (a stop, or a simulated kill) makes them unreachable.
/// </summary>
public sealed class LoopbackNetwork
{
    private readonly ConcurrentDictionary<SiloAddress, IGrainCallHandler> _handlers = new();

    public void Attach(SiloAddress silo, IGrainCallHandler handler) => _handlers[silo] = handler;

    public void Detach(SiloAddress silo) => _handlers.TryRemove(silo, out _);

    internal IGrainCallHandler? Find(SiloAddress silo) => _handlers.GetValueOrDefault(silo);
}
