using Vigil.Cluster.Registry;
using Xunit.Abstractions;

namespace Vigil.Cluster.Tests.OpenApi;

/// <summary>
/// The real kubectl (1.33 and 1.27) reading our OpenAPI documents through a stand-in server: <c>explain</c> for
/// built-in and custom kinds, and <c>apply</c> deciding that the server validates fields itself.
/// Skipped (passing) where the kubectl binaries are not installed.
/// </summary>
public class KubectlOpenApiTests(ITestOutputHelper log)
{
    public static TheoryData<string> Kubectls()
    {
        var data = new TheoryData<string>();
        if (KubectlHarness.Kubectl133 is { } k133) data.Add(k133);
        if (KubectlHarness.Kubectl127 is { } k127) data.Add(k127);
        if (data.Count == 0) data.Add("");
        return data;
    }

    private static ResourceRegistry RegistryWithDetector()
    {
        var registry = new ResourceRegistry();
        registry.AddOrReplace(OpenApiPublisherTests.Detector());
        return registry;
    }

    [Theory]
    [MemberData(nameof(Kubectls))]
    public async Task Explain_shows_fields_and_descriptions_of_built_in_kinds(string kubectl)
    {
        if (kubectl.Length == 0) return;
        await using var harness = await KubectlHarness.StartAsync(new ResourceRegistry());
        var (code, output) = await harness.RunAsync(kubectl, "", "explain", "pods.spec.containers");
        log.WriteLine(output);
        code.ShouldBe(0, output + "\n" + string.Join("\n", harness.Requests));
        output.ShouldContain("KIND:");
        output.ShouldContain("Pod");
        output.ShouldContain("List of containers belonging to the pod");
        output.ShouldContain("imagePullPolicy");
        output.ShouldContain("livenessProbe");

        (code, output) = await harness.RunAsync(kubectl, "", "explain", "deployment.spec.strategy");
        code.ShouldBe(0, output + "\n" + string.Join("\n", harness.Requests));
        output.ShouldContain("rollingUpdate");

        (code, output) = await harness.RunAsync(kubectl, "", "explain", "configmap.data");
        code.ShouldBe(0, output + "\n" + string.Join("\n", harness.Requests));
        output.ShouldContain("Data contains the configuration data");
    }

    [Theory]
    [MemberData(nameof(Kubectls))]
    public async Task Explain_shows_custom_resources(string kubectl)
    {
        if (kubectl.Length == 0) return;
        await using var harness = await KubectlHarness.StartAsync(RegistryWithDetector());
        var (code, output) = await harness.RunAsync(kubectl, "", "explain", "detectors.spec");
        log.WriteLine(output);
        code.ShouldBe(0, output + "\n" + string.Join("\n", harness.Requests));
        output.ShouldContain("knownField1");
        output.ShouldContain("ports");
    }

    [Theory]
    [MemberData(nameof(Kubectls))]
    public async Task Apply_relies_on_server_side_field_validation(string kubectl)
    {
        if (kubectl.Length == 0) return;
        await using var harness = await KubectlHarness.StartAsync(RegistryWithDetector());
        const string manifest = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
            spec:
              selector:
                matchLabels: {app: web}
              template:
                metadata:
                  labels: {app: web}
                spec:
                  containers:
                  - name: web
                    image: nginx
            ---
            apiVersion: vigil.io/v1alpha1
            kind: Detector
            metadata:
              name: d1
            spec:
              knownField1: x
            """;
        var (code, output) = await harness.RunAsync(kubectl, manifest, "apply", "-f", "-");
        code.ShouldBe(0, output + "\n" + string.Join("\n", harness.Requests));
        output.ShouldContain("deployment.apps/web created");
        output.ShouldContain("detector.vigil.io/d1 created");
        var posts = harness.Requests.Where(r => r.StartsWith("POST ", StringComparison.Ordinal)).ToList();
        posts.Count.ShouldBe(2, string.Join("\n", harness.Requests));
        posts.ShouldAllBe(p => p.Contains("fieldValidation=Strict"), string.Join("\n", posts));
    }
}
