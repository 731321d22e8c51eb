namespace Vigil.Detection.Correlation;

/// <summary>How signals are grouped into incidents.</summary>
public sealed class CorrelationOptions
{
    /// <summary>How long a signal waits for related signals before its incident opens. Zero: at once.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Pod signals on one node that, with a signal about the node, make a NodeCascade.</summary>
    public int NodeCascadeMinPodSignals { get; set; } = 1;

    /// <summary>Leftover signals in one namespace beyond which they become one NamespaceStorm incident.</summary>
    public int NamespaceStormThreshold { get; set; } = 20;

    public bool NodeCascade { get; set; } = true;
    public bool StorageCascade { get; set; } = true;
    public bool Owner { get; set; } = true;
    public bool NamespaceStorm { get; set; } = true;

    public void Validate()
    {
        if (Window < TimeSpan.Zero) throw new ArgumentException("correlation.window must not be negative");
        if (NodeCascadeMinPodSignals < 1) throw new ArgumentException("correlation.nodeCascadeMinPodSignals must be at least 1");
        if (NamespaceStormThreshold < 2) throw new ArgumentException("correlation.namespaceStormThreshold must be at least 2");
    }
}
