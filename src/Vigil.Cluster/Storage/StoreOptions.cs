namespace Vigil.Cluster.Storage;

/// <summary>Limits of the object store.</summary>
public sealed class StoreOptions
{
    /// <summary>
    /// Changes kept per resource for watch-from-version and exact-version lists; older versions answer 410 Expired.
    /// Tests shorten it to provoke expiry.
    /// </summary>
    public int HistoryPerResource { get; set; } = 10_000;
}
