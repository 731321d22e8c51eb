using System.Text.Json.Nodes;
using Vigil.Cluster.Tests.Support;

namespace Vigil.Cluster.Tests.Clients;

/// <summary>The real kubectl against the simulated cluster: the commands an SRE types every day.</summary>
public sealed class KubectlTests(ClusterFixture fx) : IClassFixture<ClusterFixture>
{
    private const string App = """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: settings
          labels: {app: shop, tier: config}
        data:
          mode: fast
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          labels: {app: shop}
        spec:
          replicas: 2
          selector:
            matchLabels: {app: shop}
          template:
            metadata:
              labels: {app: shop}
            spec:
              containers:
              - name: web
                image: nginx:1.25
                ports:
                - containerPort: 80
                env:
                - {name: MODE, value: fast}
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: web
          labels: {app: shop}
        spec:
          selector: {app: shop}
          ports:
          - port: 80
            targetPort: 80
        """;

    private const string Crd = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: backups.demo.vigil.io
        spec:
          group: demo.vigil.io
          scope: Namespaced
          names: {plural: backups, singular: backup, kind: Backup, shortNames: [bk]}
          versions:
          - name: v1
            served: true
            storage: true
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  spec:
                    type: object
                    properties:
                      schedule: {type: string}
                      retain: {type: integer}
            additionalPrinterColumns:
            - {name: Schedule, type: string, jsonPath: .spec.schedule}
            - {name: Retain, type: integer, jsonPath: .spec.retain}
        """;

    private const string Backup = """
        apiVersion: demo.vigil.io/v1
        kind: Backup
        metadata:
          name: nightly
        spec:
          schedule: "0 3 * * *"
          retain: 7
        """;

    private async Task<(Kubectl Kubectl, string Namespace)> Setup(string version = "1.33")
    {
        var kubectl = new Kubectl(fx.KubeconfigPath, version);
        var ns = "k-" + Guid.NewGuid().ToString("N")[..10];
        (await kubectl.RunWithInput($"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n", "apply", "-f", "-")).Succeeded();
        return (kubectl, ns);
    }

    [Theory]
    [InlineData("1.33")]
    [InlineData("1.27")]
    public async Task Apply_of_a_multi_document_manifest_creates_then_reports_unchanged_then_configures(string version)
    {
        var (k, ns) = await Setup(version);
        var created = (await k.RunWithInput(App, "apply", "-n", ns, "-f", "-")).Succeeded();
        created.Stdout.ShouldContain("configmap/settings created");
        created.Stdout.ShouldContain("deployment.apps/web created");
        created.Stdout.ShouldContain("service/web created");
        var again = (await k.RunWithInput(App, "apply", "-n", ns, "-f", "-")).Succeeded();
        again.Stdout.ShouldContain("deployment.apps/web unchanged");
        var changed = App.Replace("replicas: 2", "replicas: 4", StringComparison.Ordinal).Replace("nginx:1.25", "nginx:1.26", StringComparison.Ordinal);
        (await k.RunWithInput(changed, "apply", "-n", ns, "-f", "-")).Succeeded().Stdout.ShouldContain("deployment.apps/web configured");
        var live = JsonNode.Parse((await k.Run("get", "deployment", "web", "-n", ns, "-o", "json")).Succeeded().Stdout)!;
        live["spec"]!["replicas"]!.GetValue<int>().ShouldBe(4);
        live["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>().ShouldBe("nginx:1.26");
        live["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]![0]!["name"]!.GetValue<string>().ShouldBe("MODE");
        live["metadata"]!["generation"]!.GetValue<int>().ShouldBe(2);
    }

    [Fact]
    public async Task A_CRD_and_its_custom_resources_are_applied_listed_and_printed_with_their_columns()
    {
        var (k, ns) = await Setup();
        (await k.RunWithInput(Crd, "apply", "-f", "-")).Succeeded();
        (await k.Run("wait", "--for=condition=Established", "crd/backups.demo.vigil.io", "--timeout=20s")).Succeeded();
        (await k.RunWithInput(Backup, "apply", "-n", ns, "-f", "-")).Succeeded().Stdout.ShouldContain("backup.demo.vigil.io/nightly created");
        var table = (await k.Run("get", "bk", "-n", ns)).Succeeded().Stdout;
        table.ShouldContain("SCHEDULE");
        table.ShouldContain("0 3 * * *");
        table.ShouldContain("nightly");
        (await k.Run("api-resources", "--api-group=demo.vigil.io")).Succeeded().Stdout.ShouldContain("backups");
        var yaml = (await k.Run("get", "backup", "nightly", "-n", ns, "-o", "yaml")).Succeeded().Stdout;
        yaml.ShouldContain("retain: 7");
    }

    [Theory]
    [InlineData("1.33")]
    [InlineData("1.27")]
    public async Task Get_supports_all_namespaces_wide_yaml_labels_field_selectors_and_show_labels(string version)
    {
        var (k, ns) = await Setup(version);
        (await k.RunWithInput(App, "apply", "-n", ns, "-f", "-")).Succeeded();
        var all = (await k.Run("get", "configmaps", "-A")).Succeeded().Stdout;
        all.ShouldContain("NAMESPACE");
        all.ShouldContain(ns);
        var wide = (await k.Run("get", "deploy", "-n", ns, "-o", "wide")).Succeeded().Stdout;
        wide.ShouldContain("IMAGES");
        wide.ShouldContain("nginx:1.25");
        (await k.Run("get", "svc", "web", "-n", ns, "-o", "yaml")).Succeeded().Stdout.ShouldContain("kind: Service");
        var labelled = (await k.Run("get", "cm", "-n", ns, "-l", "tier=config", "-o", "name")).Succeeded().Stdout;
        labelled.Trim().ShouldBe("configmap/settings");
        (await k.Run("get", "cm", "-n", ns, "-l", "tier!=config", "-o", "name")).Succeeded().Stdout.ShouldNotContain("settings");
        var byField = (await k.Run("get", "cm", "-n", ns, "--field-selector", "metadata.name=settings", "-o", "name")).Succeeded().Stdout;
        byField.Trim().ShouldBe("configmap/settings");
        (await k.Run("get", "cm", "settings", "-n", ns, "--show-labels")).Succeeded().Stdout.ShouldContain("app=shop,tier=config");
        var bad = await k.Run("get", "cm", "-n", ns, "--field-selector", "spec.nothing=1");
        bad.ExitCode.ShouldNotBe(0);
        bad.Stderr.ShouldContain("\"spec.nothing\" is not a known field selector");
    }

    [Fact]
    public async Task Get_watch_sees_a_change_as_it_happens()
    {
        var (k, ns) = await Setup();
        (await k.Run("create", "configmap", "watched", "-n", ns, "--from-literal=a=1")).Succeeded();
        using var watch = k.Start("get", "configmap", "-n", ns, "-w", "-o", "name");
        var seen = new List<string>();
        var reader = Task.Run(async () =>
        {
            while (await watch.StandardOutput.ReadLineAsync() is { } line)
            {
                lock (seen) seen.Add(line);
                if (line.Contains("late", StringComparison.Ordinal)) return;
            }
        });
        await Eventually.True(() => { lock (seen) return Task.FromResult(seen.Count >= 1); }, what: "initial listing");
        (await k.Run("create", "configmap", "late", "-n", ns)).Succeeded();
        await reader.WaitAsync(TimeSpan.FromSeconds(20));
        watch.Kill();
        lock (seen) seen.ShouldContain("configmap/late");
    }

    [Fact]
    public async Task Describe_shows_the_object_and_its_events()
    {
        var (k, ns) = await Setup();
        (await k.RunWithInput(App, "apply", "-n", ns, "-f", "-")).Succeeded();
        var cm = (await k.Run("get", "cm", "settings", "-n", ns, "-o", "json")).Succeeded().Stdout;
        var uid = JsonNode.Parse(cm)!["metadata"]!["uid"]!.GetValue<string>();
        var ev = $$"""
            {"apiVersion":"v1","kind":"Event","metadata":{"name":"settings.1"},"type":"Warning","reason":"Tested","message":"described by a test",
             "involvedObject":{"kind":"ConfigMap","name":"settings","namespace":"{{ns}}","uid":"{{uid}}"},"count":1,
             "firstTimestamp":"2026-01-01T00:00:00Z","lastTimestamp":"2026-01-01T00:00:00Z","source":{"component":"test"} }
            """;
        (await k.RunWithInput(ev, "create", "-n", ns, "-f", "-")).Succeeded();
        var described = (await k.Run("describe", "configmap", "settings", "-n", ns)).Succeeded().Stdout;
        described.ShouldContain("Name:");
        described.ShouldContain("settings");
        described.ShouldContain("Tested");
        described.ShouldContain("described by a test");
        var events = (await k.Run("get", "events", "-n", ns)).Succeeded().Stdout;
        events.ShouldContain("Tested");
        (await k.Run("describe", "deployment", "web", "-n", ns)).Succeeded().Stdout.ShouldContain("nginx:1.25");
    }

    [Fact]
    public async Task Label_annotate_and_three_kinds_of_patch_change_the_live_object()
    {
        var (k, ns) = await Setup();
        (await k.RunWithInput(App, "apply", "-n", ns, "-f", "-")).Succeeded();
        (await k.Run("label", "deploy", "web", "-n", ns, "owner=sre")).Succeeded();
        (await k.Run("annotate", "deploy", "web", "-n", ns, "vigil.io/note=checked")).Succeeded();
        (await k.Run("patch", "deploy", "web", "-n", ns, "--type", "strategic", "-p",
            """{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.27"}]}}}}""")).Succeeded();
        (await k.Run("patch", "deploy", "web", "-n", ns, "--type", "merge", "-p", """{"spec":{"minReadySeconds":5}}""")).Succeeded();
        (await k.Run("patch", "deploy", "web", "-n", ns, "--type", "json", "-p", """[{"op":"replace","path":"/spec/revisionHistoryLimit","value":3}]""")).Succeeded();
        var live = JsonNode.Parse((await k.Run("get", "deploy", "web", "-n", ns, "-o", "json")).Succeeded().Stdout)!;
        live["metadata"]!["labels"]!["owner"]!.GetValue<string>().ShouldBe("sre");
        live["metadata"]!["annotations"]!["vigil.io/note"]!.GetValue<string>().ShouldBe("checked");
        var container = live["spec"]!["template"]!["spec"]!["containers"]![0]!;
        container["image"]!.GetValue<string>().ShouldBe("nginx:1.27");
        container["env"]![0]!["value"]!.GetValue<string>().ShouldBe("fast");
        live["spec"]!["minReadySeconds"]!.GetValue<int>().ShouldBe(5);
        live["spec"]!["revisionHistoryLimit"]!.GetValue<int>().ShouldBe(3);
        var failing = await k.Run("patch", "deploy", "web", "-n", ns, "--type", "json", "-p", """[{"op":"test","path":"/spec/replicas","value":99}]""");
        failing.ExitCode.ShouldNotBe(0);
    }

    [Fact]
    public async Task Scale_replace_and_delete_with_wait()
    {
        var (k, ns) = await Setup();
        (await k.RunWithInput(App, "apply", "-n", ns, "-f", "-")).Succeeded();
        (await k.Run("scale", "deployment/web", "-n", ns, "--replicas=5")).Succeeded().Stdout.ShouldContain("scaled");
        var live = JsonNode.Parse((await k.Run("get", "deploy", "web", "-n", ns, "-o", "json")).Succeeded().Stdout)!;
        live["spec"]!["replicas"]!.GetValue<int>().ShouldBe(5);

        // What `kubectl edit` does: read, change, replace with the read resourceVersion.
        live["spec"]!["replicas"] = 1;
        (await k.RunWithInput(live.ToJsonString(), "replace", "-f", "-")).Succeeded();
        var stale = live.DeepClone();
        stale["spec"]!["replicas"] = 2;
        var conflict = await k.RunWithInput(stale.ToJsonString(), "replace", "-f", "-");
        conflict.ExitCode.ShouldNotBe(0);
        conflict.Stderr.ShouldContain("the object has been modified");

        (await k.Run("delete", "configmap", "settings", "-n", ns, "--wait=true", "--timeout=20s")).Succeeded().Stdout.ShouldContain("deleted");
        var gone = await k.Run("get", "configmap", "settings", "-n", ns);
        gone.ExitCode.ShouldNotBe(0);
        gone.Stderr.ShouldContain("NotFound");
    }

    [Fact]
    public async Task Api_resources_explain_and_wait_for_a_condition()
    {
        var (k, ns) = await Setup();
        var resources = (await k.Run("api-resources")).Succeeded().Stdout;
        resources.ShouldContain("deployments");
        resources.ShouldContain("deploy");
        resources.ShouldContain("customresourcedefinitions");
        var explained = (await k.Run("explain", "pods.spec.containers.image")).Succeeded().Stdout;
        explained.ShouldContain("FIELD: image <string>");
        (await k.Run("explain", "configmap.data")).Succeeded().Stdout.ShouldContain("data");

        var job = """
            apiVersion: batch/v1
            kind: Job
            metadata: {name: migrate}
            spec:
              template:
                spec:
                  restartPolicy: Never
                  containers: [{name: m, image: busybox:1.36}]
            """;
        (await k.RunWithInput(job, "apply", "-n", ns, "-f", "-")).Succeeded();
        var waiting = k.Run("wait", "--for=condition=Complete", "job/migrate", "-n", ns, "--timeout=30s");
        // Until a Job controller runs, the test plays its part: it marks the Job complete through the status subresource.
        var ops = fx.Cluster.Operations;
        var jobs = ops.Registry.Find("batch", "v1", "jobs")!;
        ops.Mutate(jobs, ns, "migrate", obj =>
        {
            Vigil.Cluster.Api.Conditions.Set(obj, "Complete", "True", null, null, DateTimeOffset.UtcNow);
            return true;
        }, "status");
        (await waiting).Succeeded().Stdout.ShouldContain("condition met");
    }

    [Fact]
    public async Task Unknown_fields_are_refused_by_strict_validation_with_the_real_message()
    {
        var (k, ns) = await Setup();
        var bad = """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: typo}
            dta: {a: "1"}
            """;
        var result = await k.RunWithInput(bad, "apply", "-n", ns, "-f", "-");
        result.ExitCode.ShouldNotBe(0);
        result.Stderr.ShouldContain("unknown field \"dta\"");
        (await k.RunWithInput(bad, "apply", "-n", ns, "--validate=false", "-f", "-")).Succeeded();
    }
}
