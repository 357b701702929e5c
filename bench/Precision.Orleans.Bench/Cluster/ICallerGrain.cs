namespace Precision.Orleans.Bench.Cluster;

/// <summary>Calls a ping grain on another silo and times each call (so every timed call crosses silos).</summary>
public interface ICallerGrain : IGrainWithStringKey
{
    /// <summary><paramref name="callers"/> concurrent loops of <paramref name="callsEach"/> sequential calls; each call's µs, and the wall seconds.</summary>
    Task<CallTimes> Call(string pingKey, int callers, int callsEach);

    /// <summary>
    /// <paramref name="callers"/> caller grains on this silo ("{this key}/{c}"), each running one loop of
    /// <paramref name="callsEach"/> sequential calls at once: concurrent callers that do not share one activation's turns.
    /// </summary>
    Task<CallTimes> Fan(string pingKey, int callers, int callsEach);
}
