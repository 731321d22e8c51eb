using System.Text.Json.Nodes;

namespace Vigil.Kubernetes.Tests.Fixtures;

/// <summary>
/// Server features the simulated API server (Vigil.Cluster) may not have yet: the skeleton on main still throws
/// NotImplementedException for some of them while other branches build them. Probed in-process, so these tests
/// start running by themselves as soon as main gains the feature.
/// </summary>
internal static class ServerFeatures
{
    public const string LabelSelectors = "label selectors";
    public const string FieldSelectors = "field selectors";
    public const string JsonPatch = "JSON patch";

    public static string? Missing(IEnumerable<string> features)
    {
        var missing = features.Where(f => !Works(f)).ToList();
        return missing.Count == 0 ? null : $"The simulated API server does not implement {string.Join(", ", missing)} yet (NotImplementedException on main).";
    }

    private static bool Works(string feature)
    {
        try
        {
            switch (feature)
            {
                case LabelSelectors:
                    _ = Vigil.Cluster.Selectors.LabelSelector.Parse("a=b");
                    _ = Vigil.Cluster.Selectors.LabelSelector.FromObject(new JsonObject { ["matchLabels"] = new JsonObject { ["a"] = "b" } });
                    break;
                case FieldSelectors:
                    _ = Vigil.Cluster.Selectors.FieldSelector.Parse("metadata.name=x");
                    break;
                case JsonPatch:
                    _ = Vigil.Cluster.Patching.JsonPatch.Apply(new JsonObject(), new JsonArray());
                    break;
                default:
                    throw new ArgumentException($"Unknown feature {feature}.", nameof(feature));
            }

            return true;
        }
        catch (NotImplementedException)
        {
            return false;
        }
    }
}

/// <summary>A fact that is skipped, with the reason, while the simulated server lacks a feature it needs.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ServerFeatureFactAttribute : FactAttribute
{
    public ServerFeatureFactAttribute(params string[] features)
    {
        Features = features;
        if (ServerFeatures.Missing(features) is { } reason)
        {
            Skip = reason;
        }
    }

    public IReadOnlyList<string> Features { get; }
}
