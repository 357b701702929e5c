using Microsoft.Extensions.Logging;
using Precision.Orleans.Runtime.Activation;
using Precision.Orleans.Runtime.Directory;
using Precision.Orleans.Runtime.Membership;
using Precision.Orleans.Runtime.Placement;
using Precision.Orleans.Runtime.Serialization;

namespace Precision.Orleans.Runtime.Messaging;

/// <summary>
/// The caller side of a grain call (inside a silo or in a <see cref="Hosting.ClusterClient"/>): encode, find the
/// grain's silo (directory, else placement), send, follow redirects, and — when the silo is unreachable or rejects —
/// refresh membership and re-resolve until the deadline. Because a dead silo's directory entries are void, the retry
/// re-activates the grain on a live silo. Only undelivered (or rejected, i.e. not run) calls are resent.
/// </summary>
internal sealed class GrainCallInvoker(
    IGrainDirectory directory,
    MembershipView membership,
    IGrainTransport transport,
    PlacementDirector placement,
    GrainTypeRegistry registry,
    GrainCallOptions options,
    ILogger logger)
{
    /// <summary>Most grains whose silo is cached before the cache starts over (it is only a hint).</summary>
    private const int MaxCachedLocations = 100_000;

    /// <summary>
    /// Where each grain answered last (Orleans' locator cache): saves a directory lookup per call. Only a hint — a
    /// stale entry reaches a silo that no longer hosts the grain, which re-registers it or redirects.
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<GrainId, SiloAddress> _locations = new();

    /// <summary>Set by a silo so calls to itself skip the transport.</summary>
    public (SiloAddress Silo, IGrainCallHandler Handler)? Local { get; set; }

    public Task<object?> InvokeAsync(GrainId grainId, GrainMethod method, object?[] args)
    {
        if (!method.OneWay)
        {
            return CallAsync(grainId, method, args);
        }
        // [OneWay]: the caller does not wait; the call still goes through routing and re-resolution, and a failure is
        // only logged.
        _ = Task.Run(async () =>
        {
            try
            {
                await CallAsync(grainId, method, args).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                RuntimeLog.OneWayFailed(logger, grainId, method.Name, e);
            }
        });
        return Task.FromResult<object?>(null);
    }

    private async Task<object?> CallAsync(GrainId grainId, GrainMethod method, object?[] args)
    {
        var deadline = TimeProvider.System.GetUtcNow() + options.ResponseTimeout;
        var request = new GrainCallRequest(
            grainId,
            method.Method.DeclaringType!.FullName!,
            method.Name,
            GrainCodec.Default.EncodeArguments(args, method.ParameterTypes),
            method.Idempotent,
            deadline,
            method.OneWay);
        using var timeout = new CancellationTokenSource(options.ResponseTimeout);
        var cancellationToken = timeout.Token;
        var backoff = options.RetryBackoff;
        SiloAddress? target = null;
        var redirects = 0;
        try
        {
            while (true)
            {
                target ??= await ResolveAsync(grainId, cancellationToken).ConfigureAwait(false);
                if (target is null)
                {
                    await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
                    backoff = Next(backoff);
                    await membership.RefreshAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }
                GrainCallResponse response;
                try
                {
                    response = Local is { } local && local.Silo == target
                        ? await local.Handler.HandleAsync(request, cancellationToken).ConfigureAwait(false)
                        : await transport.SendAsync(target, request, cancellationToken).ConfigureAwait(false);
                }
                catch (SiloUnavailableException)
                {
                    RuntimeLog.SiloUnreachable(logger, grainId, method.Name, target);
                    _locations.TryRemove(grainId, out _);
                    target = null;
                    await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
                    backoff = Next(backoff);
                    await membership.RefreshAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }
                switch (response.Status)
                {
                    case GrainCallStatus.Ok:
                        Remember(grainId, target);
                        return method.ResultType is { } resultType ? GrainCodec.Default.Decode(response.Result, resultType) : null;
                    case GrainCallStatus.Exception:
                        Remember(grainId, target);
                        throw new GrainCallException(response.ErrorType ?? "unknown", response.ErrorMessage ?? "", grainId.ToString(), method.Name);
                    case GrainCallStatus.Redirect when response.Redirect is { } elsewhere:
                        if (++redirects > options.MaxRedirects)
                        {
                            throw new GrainCallException(typeof(InvalidOperationException).FullName!, $"more than {options.MaxRedirects} redirects", grainId.ToString(), method.Name);
                        }
                        target = elsewhere.Silo;
                        request = request with { Hops = redirects };
                        continue;
                    default:
                        _locations.TryRemove(grainId, out _);
                        target = null;
                        await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
                        backoff = Next(backoff);
                        await membership.RefreshAsync(cancellationToken).ConfigureAwait(false);
                        continue;
                }
            }
        }
        catch (OperationCanceledException e) when (timeout.IsCancellationRequested)
        {
            var role = registry.Find(grainId.Type)?.Role;
            throw new GrainCallTimeoutException(
                $"{grainId}.{method.Name} got no answer within {options.ResponseTimeout}" +
                (role is not null && placement.Choose(role, membership.Entries) is null ? $" (no Active silo has role '{role}')" : "") + ".",
                e);
        }
    }

    /// <summary>The silo to send to: where the directory says the grain lives (if that silo is alive), else a placement.</summary>
    private async Task<SiloAddress?> ResolveAsync(GrainId grainId, CancellationToken cancellationToken)
    {
        if (_locations.TryGetValue(grainId, out var cached) && membership.IsAlive(cached))
        {
            return cached;
        }
        var address = await directory.LookupAsync(grainId, cancellationToken).ConfigureAwait(false);
        if (address is not null)
        {
            if (membership.Find(address.Silo) is null)
            {
                await membership.RefreshAsync(cancellationToken).ConfigureAwait(false);
            }
            if (membership.IsAlive(address.Silo))
            {
                return address.Silo;
            }
        }
        if (membership.Entries.Count == 0)
        {
            await membership.RefreshAsync(cancellationToken).ConfigureAwait(false);
        }
        if (registry.Find(grainId.Type) is { SiloKeyed: true })
        {
            return await SiloOfKeyAsync(grainId, cancellationToken).ConfigureAwait(false);
        }
        var role = registry.Find(grainId.Type)?.Role;
        var load = placement.Strategy == PlacementStrategy.LeastLoaded
            ? await directory.CountBySiloAsync(cancellationToken).ConfigureAwait(false)
            : null;
        return placement.Choose(role, membership.Entries, load);
    }

    /// <summary>A silo-keyed grain goes to the Active silo its key names, or fails fast when that silo is not Active.</summary>
    private async Task<SiloAddress> SiloOfKeyAsync(GrainId grainId, CancellationToken cancellationToken)
    {
        var siloId = SiloKeyedPlacementAttribute.SiloIdOf(grainId.Key);
        SiloAddress? Find() => membership.Entries.Where(e => e.IsPlacementTarget && e.Silo.SiloId == siloId)
            .OrderByDescending(e => e.Silo.Generation).FirstOrDefault()?.Silo;
        if (Find() is { } silo)
        {
            return silo;
        }
        await membership.RefreshAsync(cancellationToken).ConfigureAwait(false);
        return Find() ?? throw new NoSiloAvailableException($"{grainId} is placed on silo '{siloId}', which is not Active.");
    }

    private void Remember(GrainId grainId, SiloAddress silo)
    {
        if (_locations.Count >= MaxCachedLocations)
        {
            _locations.Clear();
        }
        _locations[grainId] = silo;
    }

    private static TimeSpan Next(TimeSpan backoff) => TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.TicksPerSecond));
}
