namespace Precision.Orleans.Grains;

/// <summary>
/// The learner's calls to its run grain, retried while the cluster re-forms: when the run grain's silo dies, calls in
/// flight fail (silo unavailable, message rejected, timeout) until the membership declares it dead and the next call
/// activates the run grain elsewhere from storage (about a second with the fast-failover settings). The run grain's
/// learner-facing methods are idempotent, so a call repeated after a lost answer does no harm.
/// </summary>
internal static class RunCalls
{
    private const int Attempts = 20;

    public static async Task<T> RetryAsync<T>(Func<Task<T>> call)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (Exception e) when (attempt < Attempts && e is OrleansException or TimeoutException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 100 * attempt)));
            }
        }
    }

    public static Task RetryAsync(Func<Task> call) => RetryAsync(async () =>
    {
        await call();
        return true;
    });
}
