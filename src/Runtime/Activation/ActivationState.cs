namespace Precision.Orleans.Runtime.Activation;

internal enum ActivationState
{
    /// <summary>Taking calls.</summary>
    Valid,
    /// <summary>OnDeactivateAsync running; calls waiting for a turn will go to a new activation.</summary>
    Deactivating,
    /// <summary>Gone.</summary>
    Invalid,
}
