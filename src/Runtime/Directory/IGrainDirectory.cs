using Precision.Orleans.Runtime.Membership;

namespace Precision.Orleans.Runtime.Directory;

/// <summary>
/// The cluster-wide map grain → its single activation. This is what guarantees one activation per grain key:
/// a silo creates an activation only after <see cref="RegisterOrGetAsync"/> returned its own address.
/// Implementations: <see cref="InMemoryGrainDirectory"/> (one process) and PostgreSQL (runtime-net, a unique key on
/// the grain id and INSERT … ON CONFLICT).
/// </summary>
public interface IGrainDirectory
{
    /// <summary>
    /// Atomically registers <paramref name="address"/> unless the grain already has a live registration, and returns
    /// the registration that holds afterwards. "First registration wins": of concurrent registrations for one grain
    /// exactly one is stored and every caller gets that one back; a caller whose own address is not returned must
    /// not activate and should forward to the returned address. An existing registration is replaced (treated as
    /// absent) when its silo's membership row is Dead or missing — this is how a dead silo's grains re-activate
    /// elsewhere. A registration FROM a silo that is itself Dead or missing is refused with an
    /// <see cref="InvalidOperationException"/> (a silo declared dead must not create activations before it notices).
    /// </summary>
    Task<GrainAddress> RegisterOrGetAsync(GrainAddress address, CancellationToken cancellationToken = default);

    /// <summary>The current registration of the grain, or null. May return an entry of a silo that just died.</summary>
    Task<GrainAddress?> LookupAsync(GrainId grainId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes the registration only if it is exactly <paramref name="address"/> (same activation id): a deactivating
    /// activation never removes its successor's registration. Returns true when something was removed.
    /// </summary>
    Task<bool> UnregisterAsync(GrainAddress address, CancellationToken cancellationToken = default);

    /// <summary>Removes every registration on <paramref name="silo"/> (called when it is declared Dead); returns the count.</summary>
    Task<int> UnregisterSiloAsync(SiloAddress silo, CancellationToken cancellationToken = default);

    /// <summary>Number of registrations per silo (silos with none are absent); used by least-loaded placement.</summary>
    Task<IReadOnlyDictionary<SiloAddress, int>> CountBySiloAsync(CancellationToken cancellationToken = default);
}
