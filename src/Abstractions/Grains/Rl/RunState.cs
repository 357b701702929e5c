namespace Precision.Orleans.Abstractions.Grains.Rl;

/// <summary>Life cycle of a distributed run.</summary>
[GenerateSerializer]
public enum RunState
{
    /// <summary>Accepted and stored; the learner has not started its first step yet.</summary>
    Submitted,
    /// <summary>The learner is running steps.</summary>
    Running,
    /// <summary>All iterations trained (or stop_at_accuracy reached).</summary>
    Completed,
    /// <summary>Stopped by <see cref="IRunGrain.Cancel"/>.</summary>
    Cancelled,
    /// <summary>Stopped by an error (<see cref="RunStatus.Error"/> says which).</summary>
    Failed,
}
