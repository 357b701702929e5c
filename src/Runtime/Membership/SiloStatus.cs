namespace Precision.Orleans.Runtime.Membership;

/// <summary>Lifecycle of a silo row in the membership table. Transitions only move forward; Dead is final.</summary>
public enum SiloStatus
{
    /// <summary>Registered, starting up; not yet a placement target.</summary>
    Joining = 0,
    /// <summary>Serving calls; eligible for placement.</summary>
    Active = 1,
    /// <summary>Leaving gracefully: deactivating its grains; no new placements.</summary>
    ShuttingDown = 2,
    /// <summary>Gone (left, or declared dead by the failure detector). Its directory entries are void.</summary>
    Dead = 3,
}
