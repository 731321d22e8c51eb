namespace Vigil.Cluster.Simulation.Kubelet;

/// <summary>
/// client-go's <c>flowcontrol.Backoff</c> for one key, as the kubelet uses it for container restarts and image pulls:
/// 10 s doubling to 5 min; an entry not updated for twice the maximum (10 min) starts over.
/// </summary>
internal sealed class BackOff(TimeSpan initial, TimeSpan max)
{
    public static BackOff Containers() => new(TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5));
    public static BackOff ImagePulls() => new(TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5));

    private bool _has;
    private DateTimeOffset _lastUpdate;

    public TimeSpan Current { get; private set; }

    private bool Expired(DateTimeOffset eventTime) => eventTime - _lastUpdate > max * 2;

    /// <summary><c>IsInBackOffSince</c>: true while <paramref name="now"/> is within the current back-off after <paramref name="eventTime"/>.</summary>
    public bool InBackOffSince(DateTimeOffset eventTime, DateTimeOffset now) =>
        _has && !Expired(eventTime) && now - eventTime < Current;

    /// <summary><c>Next</c>: starts or doubles the back-off.</summary>
    public void Next(DateTimeOffset eventTime)
    {
        if (!_has || Expired(eventTime)) Current = initial;
        else Current = Current * 2 > max ? max : Current * 2;
        _has = true;
        _lastUpdate = eventTime;
    }
}
