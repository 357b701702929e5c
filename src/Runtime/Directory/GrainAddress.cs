using Precision.Orleans.Runtime.Membership;

namespace Precision.Orleans.Runtime.Directory;

/// <summary>
/// Where one activation of a grain lives: the grain, the silo incarnation hosting it, and the activation's
/// unique id (a fresh id per activation, so a stale address of an earlier activation never matches a new one).
/// </summary>
public sealed record GrainAddress(GrainId GrainId, SiloAddress Silo, string ActivationId)
{
    public static string NewActivationId() => Guid.NewGuid().ToString("N");

    public override string ToString() => $"{GrainId} on {Silo} ({ActivationId})";
}
