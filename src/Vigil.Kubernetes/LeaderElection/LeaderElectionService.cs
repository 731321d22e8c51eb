using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Vigil.Kubernetes.LeaderElection;

/// <summary>
/// Runs leader election for the lifetime of the host: campaigns, runs <see cref="LeaderElectionConfig.OnStartedLeading"/>
/// while leading, and campaigns again after losing the lease, until the host stops (then releases the lease when
/// <see cref="LeaderElectionConfig.ReleaseOnCancel"/> is set).
/// </summary>
public sealed class LeaderElectionService(LeaderElectionConfig config, TimeProvider? timeProvider = null, ILogger<LeaderElector>? logger = null) : BackgroundService
{
    public LeaderElector Elector { get; } = new(config, timeProvider, logger);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await Elector.RunAsync(stoppingToken);
        }
    }
}
