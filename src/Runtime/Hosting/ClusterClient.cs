using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Precision.Orleans.Abstractions.Grains;
using Precision.Orleans.Runtime.Activation;
using Precision.Orleans.Runtime.Directory;
using Precision.Orleans.Runtime.Membership;
using Precision.Orleans.Runtime.Messaging;
using Precision.Orleans.Runtime.Placement;

namespace Precision.Orleans.Runtime.Hosting;

/// <summary>
/// A caller outside the silos (the console, tests): reads membership and the directory, and sends calls through a
/// transport. It hosts no grains. <see cref="ConnectAsync"/> reads the membership table once and starts a periodic
/// refresh.
/// </summary>
public sealed class ClusterClient : IGrainFactory, IAsyncDisposable
{
    private readonly MembershipView _view;
    private readonly IGrainFactory _factory;
    private readonly ClusterClientOptions _options;
    private ITimer? _refresh;

    public ClusterClient(IMembershipTable membership, IGrainDirectory directory, IGrainTransport transport, ClusterClientOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        _options = options ?? new ClusterClientOptions();
        _view = new MembershipView(membership);
        var registry = new GrainTypeRegistry();
        foreach (var grainClass in _options.GrainClasses)
        {
            registry.Add(grainClass);
        }
        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Precision.Orleans.Runtime.ClusterClient");
        var invoker = new GrainCallInvoker(directory, _view, transport, new PlacementDirector(_options.Placement), registry, _options.Calls, logger);
        _factory = new Proxies.GrainFactory(invoker);
    }

    public MembershipView View => _view;

    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        await _view.RefreshAsync(cancellationToken).ConfigureAwait(false);
        _refresh = TimeProvider.System.CreateTimer(_ => _ = RefreshQuietlyAsync(), null, _options.MembershipRefreshPeriod, _options.MembershipRefreshPeriod);
    }

    public TGrain GetGrain<TGrain>(string key) where TGrain : IGrainWithStringKey => _factory.GetGrain<TGrain>(key);

    public ValueTask DisposeAsync()
    {
        _refresh?.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task RefreshQuietlyAsync()
    {
        try
        {
            await _view.RefreshAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The next call re-reads on demand; a missed refresh only delays noticing a change.
        }
    }
}
