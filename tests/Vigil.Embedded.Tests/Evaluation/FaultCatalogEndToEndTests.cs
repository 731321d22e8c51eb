using System.Text.Json.Nodes;
using Vigil.Cluster.Serialization;
using Vigil.Detection;
using Vigil.Diagnosis;
using Vigil.Embedded.Evaluation;

namespace Vigil.Embedded.Tests.Evaluation;

/// <summary>
/// Every commented fault in examples/faults/ is applied to a fresh simulated cluster and must be diagnosed, over HTTPS
/// by the real pipeline, on the resource and with the category (and rule) written here. A new fault file without an
/// expectation fails the test, so the catalog cannot grow undiagnosed.
/// </summary>
public sealed class FaultCatalogEndToEndTests
{
    private static readonly TimeSpan Within = TimeSpan.FromMinutes(8);

    private static ExpectedIncident E(Category category, string reason, string kind, string? ns, string name) =>
        new() { Category = category, Reason = reason, Resource = new ResourceRef(kind, ns, name), Within = Within };

    /// <summary>What each fault file must be diagnosed as.</summary>
    private static readonly Dictionary<string, ExpectedIncident[]> Expectations = new(StringComparer.Ordinal)
    {
        ["bad-node.yaml"] = [E(Category.Node, "NodeNotReady", "Node", null, "bad-node")],
        ["crash-loop.yaml"] = [E(Category.Application, "CrashLoop", "Pod", "fault-crash-loop", "crash-loop")],
        ["failing-probe.yaml"] =
        [
            E(Category.Application, "ProbeFailure", "Pod", "fault-failing-probe", "not-ready"),
            E(Category.Application, "ProbeFailure", "Pod", "fault-failing-probe", "not-live"),
        ],
        ["image-pull-failure.yaml"] = [E(Category.Configuration, "ImagePullFailure", "Pod", "fault-image-pull", "image-pull-failure")],
        ["job-deadline.yaml"] = [E(Category.Application, "JobDeadlineExceeded", "Job", "default", "nightly-report")],
        ["oom-killed.yaml"] = [E(Category.Resources, "OOMKilled", "Pod", "fault-oom-killed", "oom-killed")],
        ["quota-exhausted.yaml"] =
        [
            E(Category.Resources, "QuotaExhausted", "ResourceQuota", "default", "team-quota"),
            E(Category.Resources, "QuotaExhausted", "Deployment", "default", "api"),
        ],
        ["stalled-rollout.yaml"] = [E(Category.Configuration, "RolloutStalled", "Deployment", "default", "checkout")],
        ["stuck-pvc.yaml"] =
        [
            E(Category.Storage, "PVCPending", "PersistentVolumeClaim", "default", "reports"),
            E(Category.Storage, "PVCPending", "PersistentVolumeClaim", "default", "uploads"),
        ],
        ["unschedulable.yaml"] = [E(Category.Scheduling, "Unschedulable", "Pod", "fault-unschedulable", "unschedulable")],
    };

    public static TheoryData<string> FaultFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Repository.Path("examples", "faults"), "*.yaml").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(FaultFiles))]
    public async Task The_fault_is_diagnosed_over_HTTP_with_the_expected_category(string file)
    {
        Expectations.ShouldContainKey(file, $"examples/faults/{file} has no expectation: add what it must be diagnosed as to {nameof(FaultCatalogEndToEndTests)}");
        var (manifests, later) = Split(await File.ReadAllTextAsync(Repository.Path("examples", "faults", file)));
        var scenario = new Scenario
        {
            Name = Path.GetFileNameWithoutExtension(file),
            File = $"examples/faults/{file}",
            Manifests = manifests,
            Then = [.. later.Select(m => new ScenarioStep(TimeSpan.FromSeconds(30), m))],
            DeclaresNodes = manifests.Contains("\nkind: Node", StringComparison.Ordinal),
            ExpectedIncidents = Expectations[file],
        };

        var result = await ScenarioRunner.RunAsync(scenario, ScenarioCatalogTests.Options);

        result.Error.ShouldBeNull();
        result.FalseNegatives.ShouldBe(0, ScenarioCatalogTests.Describe(result) + "\nall diagnoses: "
            + string.Join("; ", result.Diagnoses.Select(d => $"{d.Diagnosis.Incident.PrimaryResource} {d.Diagnosis.Category}/{d.Diagnosis.Reason} at {d.At.TotalSeconds:0} s")));
    }

    /// <summary>
    /// A file that defines an object twice (a Deployment and its update) means "apply, then change it", as kubectl applying
    /// the documents in order would on a cluster whose controllers see each version: the redefinitions become later steps.
    /// </summary>
    private static (string Manifests, List<string> Later) Split(string yaml)
    {
        var batches = new List<List<JsonNode>> { new() };
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var doc in YamlJson.ParseDocuments(yaml))
        {
            var key = $"{doc["kind"]}/{doc["metadata"]?["namespace"]}/{doc["metadata"]?["name"]}";
            if (!seen.Add(key))
            {
                batches.Add([]);
                seen.Clear();
                seen.Add(key);
            }
            batches[^1].Add(doc);
        }
        var texts = batches.Select(b => string.Join("---\n", b.Select(YamlJson.ToYaml))).ToList();
        return (texts[0], texts[1..]);
    }
}
