namespace Precision.Orleans.Runtime.Placement;

/// <summary>
/// Put on a grain CLASS whose key starts with a silo id ("{siloId}/{anything}"): its activation lives only on that
/// silo (e.g. a rollout worker owning one accelerator slot of its machine). While that silo is not Active a call
/// fails at once with <see cref="NoSiloAvailableException"/> instead of activating the grain elsewhere, so the caller
/// can pick another grain.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true, AllowMultiple = false)]
public sealed class SiloKeyedPlacementAttribute : Attribute
{
    /// <summary>The silo id of a silo-keyed grain key: the text before the first '/'.</summary>
    public static string SiloIdOf(string key)
    {
        int slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
            throw new ArgumentException($"grain key '{key}' of a silo-keyed grain must look like '{{siloId}}/{{slot}}'", nameof(key));
        return key[..slash];
    }
}
