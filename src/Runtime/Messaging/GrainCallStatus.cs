namespace Precision.Orleans.Runtime.Messaging;

/// <summary>Outcome of a <see cref="GrainCallRequest"/> as seen by the target silo.</summary>
public enum GrainCallStatus
{
    /// <summary>The method ran; <see cref="GrainCallResponse.Result"/> holds the encoded result (empty for Task).</summary>
    Ok = 0,
    /// <summary>The method (or activation) threw; error type and message are set.</summary>
    Exception = 1,
    /// <summary>
    /// The grain is active on another silo; <see cref="GrainCallResponse.Redirect"/> says where. The method did not
    /// run, so the caller resends there (safe for every call).
    /// </summary>
    Redirect = 2,
    /// <summary>
    /// The target silo could not take the call (stopping, declared dead, or the activation is gone and could not be
    /// re-created here). The method did not run; the caller re-resolves the grain and resends.
    /// </summary>
    Rejected = 3,
}
