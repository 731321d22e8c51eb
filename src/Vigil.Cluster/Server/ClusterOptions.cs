namespace Vigil.Cluster.Server;

/// <summary>Settings of the simulated cluster's API server.</summary>
public sealed class ClusterOptions
{
    /// <summary>Port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>The bearer token clients must present; generated when null.</summary>
    public string? Token { get; set; }

    /// <summary>Largest request body accepted (the real apiserver's limit is 3 MiB).</summary>
    public long MaxRequestBodyBytes { get; set; } = 3 * 1024 * 1024;

    /// <summary>Requests per second allowed before 429 TooManyRequests; null means no limit.</summary>
    public double? RequestsPerSecond { get; set; }

    /// <summary>Burst allowed above <see cref="RequestsPerSecond"/>.</summary>
    public int RequestBurst { get; set; } = 100;

    /// <summary>Changes kept per resource for watches and exact-version lists; older versions answer 410 Expired.</summary>
    public int HistoryPerResource { get; set; } = 10_000;

    /// <summary>How often an idle watch that asked for bookmarks gets one.</summary>
    public TimeSpan BookmarkInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// True to run the scheduler, kubelets and controllers that make objects behave as in a real cluster; false for the
    /// API server alone (objects are stored, nothing acts on them).
    /// </summary>
    public bool Simulate { get; set; } = true;

    /// <summary>Cluster seconds per real second: every simulated delay runs this many times faster.</summary>
    public double Speed { get; set; } = 1;

    /// <summary>Nodes created at start (more can come from manifests).</summary>
    public int Nodes { get; set; } = 3;

    /// <summary>How often (cluster time) each kubelet renews its node Lease.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Kubernetes version the server reports.</summary>
    public string KubernetesVersion { get; set; } = "v1.33.0";
}
