namespace Precision.Orleans.Runtime.Activation;

/// <summary>Why an activation ends.</summary>
public enum DeactivationReason
{
    /// <summary>No call for longer than the idle age.</summary>
    Idle,
    /// <summary>The grain called DeactivateOnIdle.</summary>
    Requested,
    /// <summary>The silo is stopping gracefully.</summary>
    SiloStopping,
    /// <summary>OnActivateAsync threw.</summary>
    ActivationFailed,
}
