namespace Precision.Orleans.Grains.Placement;

/// <summary>Silo roles (silo metadata <see cref="MetadataKey"/>: a comma-separated list) that placement reads.</summary>
public static class SiloRoles
{
    /// <summary>Silo metadata key of the roles.</summary>
    public const string MetadataKey = "precision.roles";

    /// <summary>Silos that run learners (the GPU with the training engine).</summary>
    public const string Learner = "learner";

    /// <summary>Silos that host rollout workers.</summary>
    public const string Rollout = "rollout";

    /// <summary>Whether <paramref name="role"/> is one of the roles placement knows (any case).</summary>
    public static bool IsKnown(string role) =>
        string.Equals(role, Learner, StringComparison.OrdinalIgnoreCase) || string.Equals(role, Rollout, StringComparison.OrdinalIgnoreCase);

    public static string[] Parse(string? roles) =>
        string.IsNullOrWhiteSpace(roles) ? [] : [.. roles.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}
