namespace Precision.Orleans.RL.Experiments;

/// <summary>Where a grid cell's run directory stands.</summary>
public enum RunState
{
    /// <summary>No metrics yet: the run starts from scratch.</summary>
    NotStarted,

    /// <summary>Some iterations done but neither the iteration count nor the stop accuracy reached: the trainer resumes it.</summary>
    Unfinished,

    /// <summary>Reached the spec's iterations or its stop accuracy: skipped.</summary>
    Finished,
}
