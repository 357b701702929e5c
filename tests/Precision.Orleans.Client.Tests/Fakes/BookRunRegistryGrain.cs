using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Runtime.Activation;

namespace Precision.Orleans.Client.Tests.Fakes;

/// <summary>The registry over a <see cref="RunBook"/>.</summary>
public sealed class BookRunRegistryGrain(RunBook book) : Grain, IRunRegistryGrain
{
    public Task Register(string runId)
    {
        if (!book.Order.Contains(runId))
        {
            book.Order.Enqueue(runId);
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<RunStatus>> List() =>
        Task.FromResult<IReadOnlyList<RunStatus>>([.. book.Order.Select(id => book.Runs[id])]);
}
