namespace Vigil.Diagnosis.Analysis;

/// <summary>The names of the evidence sections gatherers write and analyzers read.</summary>
public static class EvidenceSections
{
    public const string PodDescription = "pod";
    public const string PodEvents = "pod-events";
    public const string Logs = "logs";
    public const string PreviousLogs = "logs-previous";
    public const string Node = "node";
    public const string Storage = "storage";
    public const string OwnerChain = "owner-chain";
    public const string RolloutHistory = "rollout-history";
    public const string NamespaceEvents = "namespace-events";
    public const string Autoscaling = "autoscaling";
    public const string Quota = "quota";
    public const string DisruptionBudgets = "disruption-budgets";
}
