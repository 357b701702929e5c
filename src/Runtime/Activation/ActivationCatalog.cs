using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Precision.Orleans.Abstractions.Grains;
using Precision.Orleans.Runtime.Directory;
using Precision.Orleans.Runtime.Membership;
using Precision.Orleans.Runtime.Messaging;
using Precision.Orleans.Runtime.Serialization;

namespace Precision.Orleans.Runtime.Activation;

/// <summary>
/// The activations of one silo. An activation is created only after the grain directory accepted this silo's
/// registration (so there is one per grain in the cluster); calls to it run one turn at a time; idle ones are
/// collected. A silo that loses the registration race answers with a redirect to the winner.
/// </summary>
internal sealed class ActivationCatalog(
    SiloAddress self,
    IGrainDirectory directory,
    IServiceProvider services,
    IGrainFactory grainFactory,
    TimeProvider time,
    ILogger logger)
{
    private readonly ConcurrentDictionary<GrainId, ActivationData> _activations = new();
    private readonly ConcurrentDictionary<GrainId, Lazy<Task<ActivationLookup>>> _creating = new();
    private readonly CancellationTokenSource _stopping = new();

    public int Count => _activations.Count;

    public IReadOnlyCollection<GrainAddress> Addresses => [.. _activations.Values.Select(a => a.Address)];

    public bool TryGet(GrainId grainId, out GrainAddress address)
    {
        var found = _activations.TryGetValue(grainId, out var activation);
        address = found ? activation!.Address : null!;
        return found;
    }

    /// <summary>Runs the request on the grain's activation here, creating it if this silo wins the registration.</summary>
    public async Task<GrainCallResponse> InvokeAsync(GrainCallRequest request, GrainClass grainClass, GrainMethod method, CancellationToken cancellationToken)
    {
        // A call that finds its activation deactivating goes round again and meets the next activation.
        for (var attempt = 0; attempt < 4; attempt++)
        {
            if (!_activations.TryGetValue(request.GrainId, out var activation))
            {
                ActivationLookup lookup;
                try
                {
                    lookup = await GetOrCreateAsync(request.GrainId, grainClass).WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    return GrainCallResponse.Error(e);
                }
                if (lookup.Redirect is { } elsewhere)
                {
                    return GrainCallResponse.RedirectTo(elsewhere);
                }
                if (lookup.RejectReason is { } reason)
                {
                    return GrainCallResponse.Reject(reason);
                }
                activation = lookup.Activation!;
            }
            if (await RunTurnAsync(activation, request, method, cancellationToken).ConfigureAwait(false) is { } response)
            {
                return response;
            }
        }
        return GrainCallResponse.Reject($"the activation of {request.GrainId} on {self} kept deactivating");
    }

    private async Task<ActivationLookup> GetOrCreateAsync(GrainId grainId, GrainClass grainClass)
    {
        var creation = _creating.GetOrAdd(grainId, id => new Lazy<Task<ActivationLookup>>(() => CreateAsync(id, grainClass)));
        try
        {
            return await creation.Value.ConfigureAwait(false);
        }
        finally
        {
            _creating.TryRemove(new KeyValuePair<GrainId, Lazy<Task<ActivationLookup>>>(grainId, creation));
        }
    }

    private async Task<ActivationLookup> CreateAsync(GrainId grainId, GrainClass grainClass)
    {
        if (_activations.TryGetValue(grainId, out var existing))
        {
            return new ActivationLookup(existing);
        }
        var cancellationToken = _stopping.Token;
        var address = new GrainAddress(grainId, self, GrainAddress.NewActivationId());
        GrainAddress winner;
        try
        {
            winner = await directory.RegisterOrGetAsync(address, cancellationToken).ConfigureAwait(false);
            if (winner != address && winner.Silo == self)
            {
                // A registration of an earlier activation of ours that is gone (e.g. its unregister failed): clear it, retry.
                await directory.UnregisterAsync(winner, cancellationToken).ConfigureAwait(false);
                winner = await directory.RegisterOrGetAsync(address, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            // Nothing ran: the caller may safely re-resolve and try another silo.
            return new ActivationLookup(RejectReason: $"registering {grainId} on {self} failed: {e.Message}");
        }
        if (winner != address)
        {
            return new ActivationLookup(Redirect: winner);
        }

        var activation = new ActivationData(address, grainClass, grainFactory, time.GetUtcNow());
        try
        {
            activation.Instance = (Grain)ActivatorUtilities.CreateInstance(services, grainClass.Type);
            activation.Instance.Attach(activation);
            await activation.Instance.OnActivateAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await directory.UnregisterAsync(address, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        _activations[grainId] = activation;
        RuntimeLog.Activated(logger, address);
        return new ActivationLookup(activation);
    }

    /// <returns>The response, or null when the activation was deactivated before the call got its turn.</returns>
    private async Task<GrainCallResponse?> RunTurnAsync(ActivationData activation, GrainCallRequest request, GrainMethod method, CancellationToken cancellationToken)
    {
        activation.Enter();
        try
        {
            await activation.Turn.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (activation.State != ActivationState.Valid)
                {
                    return null;
                }
                var response = await ExecuteAsync(activation, request, method).ConfigureAwait(false);
                activation.LastActivity = time.GetUtcNow();
                if (activation.DeactivateRequested)
                {
                    await DeactivateInTurnAsync(activation, DeactivationReason.Requested).ConfigureAwait(false);
                }
                return response;
            }
            finally
            {
                activation.Turn.Release();
            }
        }
        finally
        {
            activation.Leave();
        }
    }

    private async Task<GrainCallResponse> ExecuteAsync(ActivationData activation, GrainCallRequest request, GrainMethod method)
    {
        if (request.Deadline is { } deadline && TimeProvider.System.GetUtcNow() > deadline)
        {
            return GrainCallResponse.Error(new TimeoutException($"The call {request.GrainId}.{method.Name} reached its turn after its deadline {deadline:o}; it was not run."));
        }
        try
        {
            var args = GrainCodec.Default.DecodeArguments(request.Args, method.ParameterTypes);
            var task = (Task)method.Method.Invoke(activation.Instance, args)!;
            await task.ConfigureAwait(false);
            return method.ResultType is { } resultType
                ? GrainCallResponse.Ok(GrainCodec.Default.Encode(method.ResultOf(task), resultType))
                : GrainCallResponse.Ok([]);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            return GrainCallResponse.Error(e.InnerException);
        }
        catch (Exception e)
        {
            return GrainCallResponse.Error(e);
        }
    }

    /// <summary>Deactivates activations with no pending call and no activity for <paramref name="idleAge"/>; returns how many.</summary>
    public async Task<int> CollectIdleAsync(TimeSpan idleAge)
    {
        var now = time.GetUtcNow();
        var collected = 0;
        foreach (var activation in _activations.Values.Where(a => a.Pending == 0 && now - a.LastActivity >= idleAge).ToList())
        {
            await activation.Turn.WaitAsync().ConfigureAwait(false);
            try
            {
                // Re-check under the turn: a call may have arrived (it would be waiting, so Pending > 0).
                if (activation.State == ActivationState.Valid && activation.Pending == 0 && time.GetUtcNow() - activation.LastActivity >= idleAge)
                {
                    await DeactivateInTurnAsync(activation, DeactivationReason.Idle).ConfigureAwait(false);
                    collected++;
                }
            }
            finally
            {
                activation.Turn.Release();
            }
        }
        return collected;
    }

    /// <summary>Graceful stop: every activation gets its OnDeactivateAsync and its directory entry is removed.</summary>
    public async Task DeactivateAllAsync()
    {
        await Task.WhenAll(_activations.Values.ToList().Select(async activation =>
        {
            await activation.Turn.WaitAsync().ConfigureAwait(false);
            try
            {
                if (activation.State == ActivationState.Valid)
                {
                    await DeactivateInTurnAsync(activation, DeactivationReason.SiloStopping).ConfigureAwait(false);
                }
            }
            finally
            {
                activation.Turn.Release();
            }
        })).ConfigureAwait(false);
        _stopping.Cancel();
    }

    /// <summary>Crash or declared dead: activations vanish without callbacks (the cluster re-activates them elsewhere).</summary>
    public void DropAll()
    {
        _stopping.Cancel();
        foreach (var activation in _activations.Values)
        {
            activation.State = ActivationState.Invalid;
        }
        _activations.Clear();
    }

    private async Task DeactivateInTurnAsync(ActivationData activation, DeactivationReason reason)
    {
        activation.State = ActivationState.Deactivating;
        _activations.TryRemove(new KeyValuePair<GrainId, ActivationData>(activation.Address.GrainId, activation));
        try
        {
            await activation.Instance.OnDeactivateAsync(reason, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            RuntimeLog.LifecycleCallbackFailed(logger, nameof(Grain.OnDeactivateAsync), activation.Address.GrainId, e);
        }
        try
        {
            await directory.UnregisterAsync(activation.Address, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            RuntimeLog.LifecycleCallbackFailed(logger, "directory unregister", activation.Address.GrainId, e);
        }
        activation.State = ActivationState.Invalid;
        RuntimeLog.Deactivated(logger, activation.Address, reason.ToString());
    }

    private sealed record ActivationLookup(ActivationData? Activation = null, GrainAddress? Redirect = null, string? RejectReason = null);
}
