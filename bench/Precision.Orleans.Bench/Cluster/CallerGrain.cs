using Orleans.Concurrency;
using System.Diagnostics;
using Precision.Orleans.Grains.Placement;

namespace Precision.Orleans.Bench.Cluster;

[SiloNamedPlacement, Reentrant]
public sealed class CallerGrain : Grain, ICallerGrain
{
    public async Task<CallTimes> Call(string pingKey, int callers, int callsEach)
    {
        var ping = GrainFactory.GetGrain<IPingGrain>(pingKey);
        var times = new double[callers * callsEach];
        var wall = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(async c =>
        {
            for (int i = 0; i < callsEach; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                await ping.Ping();
                times[c * callsEach + i] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
            }
        }));
        return new CallTimes(times, wall.Elapsed.TotalSeconds);
    }

    public async Task<CallTimes> Fan(string pingKey, int callers, int callsEach)
    {
        string key = this.GetPrimaryKeyString();
        var wall = Stopwatch.StartNew();
        var loops = await Task.WhenAll(Enumerable.Range(0, callers).Select(c => GrainFactory.GetGrain<ICallerGrain>($"{key}/{c}").Call(pingKey, 1, callsEach)));
        return new CallTimes([.. loops.SelectMany(l => l.Micros)], wall.Elapsed.TotalSeconds);
    }
}
