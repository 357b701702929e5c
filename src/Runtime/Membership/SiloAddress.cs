namespace Precision.Orleans.Runtime.Membership;

/// <summary>
/// One incarnation of a silo. <paramref name="SiloId"/> names the silo (stable across restarts, e.g. "rollout-2"),
/// <paramref name="Endpoint"/> is where peers reach it ("http://10.0.0.5:11111" for HTTP/2, "loopback://rollout-2"
/// in one process), and <paramref name="Generation"/> distinguishes restarts: a restarted silo joins with a larger
/// generation, so a silo declared Dead never comes back under the same address.
/// Equality is by all three fields (record semantics).
/// </summary>
public sealed record SiloAddress(string SiloId, string Endpoint, long Generation)
{
    public override string ToString() => $"{SiloId}@{Endpoint}#{Generation}";
}
