using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Vigil.Cluster.Server;
using Vigil.Detection.Correlation;
using Vigil.Operator.Pipeline;

namespace Vigil.Embedded.Tests;

/// <summary>
/// Detector, Policy, Sink and Gatherer resources applied with the real kubectl to a running Vigil take effect without a restart:
/// the custom detector fires on the matching pod only, the gatherer's section is in its diagnosis, the sink receives
/// its rendered body, the policy silences its
/// namespace, and an invalid update is reported in status while the previous version keeps working.
/// </summary>
public sealed class CustomResourcesEndToEndTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vigil-embedded-tests", Guid.NewGuid().ToString("N"));
    private readonly ConcurrentQueue<string> _received = new();
    private readonly ConcurrentQueue<Diagnosis.Diagnosis> _diagnoses = new();
    private WebApplication _receiver = null!;
    private EmbeddedVigil _vigil = null!;
    private string Kubeconfig => Path.Combine(_dir, "kubeconfig");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _receiver = builder.Build();
        _receiver.Run(async ctx =>
        {
            using var reader = new StreamReader(ctx.Request.Body);
            _received.Enqueue(await reader.ReadToEndAsync());
        });
        await _receiver.StartAsync();

        _vigil = await EmbeddedVigil.StartAsync(
            new ClusterOptions { Speed = 20, Nodes = 1 },
            new PipelineOptions { Correlation = new CorrelationOptions { Window = TimeSpan.Zero }, RescanInterval = TimeSpan.FromSeconds(5) },
            beforeStart: v =>
            {
                v.Pipeline.Diagnosed += _diagnoses.Enqueue;
                foreach (var crd in Directory.EnumerateFiles(Repo("deploy", "crds"), "*.yaml")) v.Cluster.Apply(File.ReadAllText(crd));
                v.Cluster.WriteKubeconfig(Kubeconfig);
                return Task.CompletedTask;
            });
    }

    [Fact]
    public async Task Resources_applied_with_kubectl_change_what_the_running_pipeline_detects_delivers_and_drops()
    {
        (await Kubectl(null, "create", "namespace", "shop")).ShouldBe(0);
        (await Kubectl(null, "create", "namespace", "quiet")).ShouldBe(0);
        (await Kubectl(null, "create", "namespace", "vigil-system")).ShouldBe(0);
        (await Kubectl($$$"""
            apiVersion: vigil.io/v1alpha1
            kind: Detector
            metadata: {name: deprecated-image, namespace: shop}
            spec:
              description: Pod runs an image tag the platform team retired
              resource: pods
              condition: "pod.spec.containers.exists(c, c.image.endsWith(params.tag))"
              params: {tag: ":1.0-legacy"}
              severity: critical
            ---
            apiVersion: vigil.io/v1alpha1
            kind: Sink
            metadata: {name: chat, namespace: vigil-system}
            spec:
              type: webhook
              webhook:
                url: "{{{_receiver.Urls.First()}}}/hook"
                allowInsecureHttp: true
                allowedHosts: ["127.0.0.1"]
                bodyTemplate: '{"text": "{{resource.namespace}}/{{resource.name}}: {{reason}}", "images": "{{#each customEvidence}}{{#each lines}}{{this}};{{/each}}{{/each}}"}'
            ---
            apiVersion: vigil.io/v1alpha1
            kind: Gatherer
            metadata: {name: images, namespace: vigil-system}
            spec:
              description: images the pod runs
              triggerOn: {detectors: ["cel:shop/deprecated-image"]}
              collect:
              - {name: Images, type: resource, apiVersion: v1, kind: Pod, resourceName: "{resource.name}", jsonPath: "{.spec.containers[*].image}"}
            ---
            apiVersion: vigil.io/v1alpha1
            kind: Policy
            metadata: {name: silence, namespace: quiet}
            spec: {action: Exclude}
            """, "apply", "-f", "-")).ShouldBe(0);
        await WaitFor(() => _vigil.Pipeline.SinkResources!.Active.Count == 1 && _vigil.Pipeline.DetectorResources!.Active.Count == 1
            && _vigil.Pipeline.PolicyResources!.Active.Count == 1 && _vigil.Pipeline.GathererResources!.Active.Count == 1, "the four resources to be in force");

        (await Kubectl("""
            apiVersion: v1
            kind: Pod
            metadata: {name: old-api, namespace: shop}
            spec: {containers: [{name: api, image: "shop/api:1.0-legacy"}]}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: new-api, namespace: shop}
            spec: {containers: [{name: api, image: "shop/api:2.3"}]}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: bad-image, namespace: quiet}
            spec: {containers: [{name: app, image: "registry.invalid/app:1.0-legacy"}]}
            """, "apply", "-f", "-")).ShouldBe(0);

        // The custom detector fires on the matching pod, and the sink receives the rendered body.
        await WaitFor(() => _received.Any(b => b.Contains("shop/old-api", StringComparison.Ordinal)), "the sink to receive the custom detector's diagnosis");
        var body = JsonNode.Parse(_received.First(b => b.Contains("shop/old-api", StringComparison.Ordinal)))!;
        body["text"]!.GetValue<string>().ShouldBe("shop/old-api: deprecated-image");
        // The Gatherer's section is in the diagnosis, and so in what the sink renders.
        body["images"]!.GetValue<string>().ShouldBe("--- Images;shop/api:1.0-legacy;");
        _diagnoses.Single(d => d.Incident.PrimaryResource.Name == "old-api").CustomEvidence.Single().Name.ShouldBe("gatherer:vigil-system/images: images the pod runs");

        // The pod in the quiet namespace matches the detector's condition but is outside its namespace; its image pull
        // failure (a built-in detector) is dropped by the Policy. Wait until the pipeline has seen and dropped it.
        await WaitFor(() => _vigil.Pipeline.Counters.Get("signals_dropped_total|policy_exclude") > 0, "the quiet namespace's signal to be dropped by the policy");
        _diagnoses.ShouldNotContain(d => d.Incident.Signals.Any(s => s.Resource.Name == "new-api"));
        _diagnoses.ShouldNotContain(d => d.Incident.Signals.Any(s => s.Resource.Namespace == "quiet"));

        // The Detector's status counts what it fired.
        await WaitFor(async () => int.TryParse(await KubectlOutput("get", "detector", "deprecated-image", "-n", "shop", "-o", "jsonpath={.status.firedTotal}"), out var fired) && fired >= 1,
            "the Detector's status to count its signal");

        // An invalid update is reported in the Detector's status; the valid version keeps running.
        (await Kubectl(null, "patch", "detector", "deprecated-image", "-n", "shop", "--type=merge", "-p", """{"spec":{"condition":"pod.spec.containers.exists(c, c.image.endsWith("}}""")).ShouldBe(0);
        await WaitFor(async () => (await KubectlOutput("get", "detector", "deprecated-image", "-n", "shop", "-o", "jsonpath={.status.conditions[?(@.type==\"Valid\")].status}")) == "False",
            "the Detector to report Valid=False");
        _vigil.Pipeline.DetectorResources!.Active.Single().Definition.Condition.ShouldContain("params.tag");
        var ready = await KubectlOutput("get", "detector", "deprecated-image", "-n", "shop", "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].message}");
        ready.ShouldContain("generation 1 keeps running");
    }

    private static async Task WaitFor(Func<bool> done, string what) => await WaitFor(() => Task.FromResult(done()), what);

    private static async Task WaitFor(Func<Task<bool>> done, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await done())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(100);
        }
    }

    private async Task<int> Kubectl(string? stdin, params string[] args) => (await RunKubectl(stdin, args)).Code;

    private async Task<string> KubectlOutput(params string[] args) => (await RunKubectl(null, args)).Stdout;

    private async Task<(int Code, string Stdout)> RunKubectl(string? stdin, string[] args)
    {
        var psi = new ProcessStartInfo("/usr/bin/kubectl") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null, UseShellExecute = false };
        psi.Environment["KUBECONFIG"] = Kubeconfig;
        psi.Environment["KUBECACHEDIR"] = Path.Combine(_dir, "cache");
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        if (stdin is not null)
        {
            await p.StandardInput.WriteAsync(stdin);
            p.StandardInput.Close();
        }
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(timeout.Token);
        if (p.ExitCode != 0) Console.Error.WriteLine($"kubectl {string.Join(' ', args)}: {await stderr}");
        return (p.ExitCode, await stdout);
    }

    private static string Repo(params string[] parts)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Vigil.slnx"))) dir = dir.Parent;
        return Path.Combine([dir?.FullName ?? throw new DirectoryNotFoundException("repository root"), .. parts]);
    }

    public async Task DisposeAsync()
    {
        await _vigil.DisposeAsync();
        await _receiver.StopAsync();
        await _receiver.DisposeAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
