using Vigil.Detection;
using Vigil.Operator.Configuration;

namespace Vigil.Operator.Tests.Configuration;

public sealed class VigilConfigTests
{
    private static ConfigException Invalid(string yaml) => Should.Throw<ConfigException>(() => VigilConfig.Parse(yaml, "vigil.yaml"));

    /// <summary>The example with its commented example entries switched on: every key the format has.</summary>
    internal static string FullExample() =>
        File.ReadAllText(Repository.PathOf("examples/vigil.yaml"))
            .Replace("  suppressions: []\n", "", StringComparison.Ordinal)
            .Replace("  webhooks: []\n", "", StringComparison.Ordinal)
            .Replace("#|", "", StringComparison.Ordinal);

    [Fact]
    public void An_empty_file_gives_the_defaults()
    {
        var config = VigilConfig.Parse("", "empty.yaml");
        config.Pipeline.Correlation.Window.ShouldBe(TimeSpan.FromSeconds(30));
        config.Operator.MetricsAddress.ShouldBe("127.0.0.1:9090");
        config.Sinks.LogEnabled.ShouldBeTrue();
        config.Pipeline.Detectors.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("deploy/base/config.yaml", false)]
    [InlineData("deploy/overlays/sharded/config.yaml", true)]
    public void The_configurations_deploy_ships_are_valid_and_sharded_only_in_the_sharded_overlay(string path, bool sharded)
    {
        var configMap = new YamlDotNet.RepresentationModel.YamlStream();
        configMap.Load(new StringReader(File.ReadAllText(Repository.PathOf(path))));
        var text = ((YamlDotNet.RepresentationModel.YamlScalarNode)configMap.Documents[0].RootNode["data"]["vigil.yaml"]).Value!;
        var config = VigilConfig.Parse(text, path);
        config.Operator.Sharding.Enabled.ShouldBe(sharded);
        config.Pipeline.SystemNamespace.ShouldBe("vigil-system");
    }

    [Fact]
    public void The_example_file_is_valid_as_shipped_and_with_its_example_entries_switched_on()
    {
        VigilConfig.Load(Repository.PathOf("examples/vigil.yaml")).Pipeline.Filters.ExcludedNamespaces.ShouldBe(["kube-node-lease"]);
        var full = VigilConfig.Parse(FullExample(), "example", out _, name => name == "VIGIL_WEBHOOK_TOKEN" ? "Bearer s3cret" : null);
        full.Sinks.Webhooks.Single().Headers["Authorization"].ShouldBe("Bearer s3cret");
        full.Pipeline.Filters.Suppressions.Single().Days.Count.ShouldBe(5);
    }

    [Fact]
    public void Docs_example_and_reader_agree_on_every_key_and_default()
    {
        VigilConfig.Parse(FullExample(), "example", out var known, _ => "x");
        var documented = ConfigurationReference.Keys().Select(k => k.Path).ToHashSet();
        known.Except(documented).ShouldBeEmpty("keys the reader accepts but the reference does not document");
        documented.Except(known).ShouldBeEmpty("keys documented but not in examples/vigil.yaml (or not read)");

        var docs = File.ReadAllText(Repository.PathOf("docs/configuration.md")).ReplaceLineEndings("\n");
        docs.ShouldContain(ConfigurationReference.KeysTable(), customMessage: "docs/configuration.md key table is stale; the current one is:\n" + ConfigurationReference.KeysTable());
        docs.ShouldContain(ConfigurationReference.DetectorsTable(), customMessage: "docs/configuration.md detector table is stale; the current one is:\n" + ConfigurationReference.DetectorsTable());
    }

    [Fact]
    public void Values_become_pipeline_options_and_unset_detector_keys_keep_their_defaults()
    {
        var config = VigilConfig.Parse("""
            apiVersion: vigil.io/v1alpha1
            kind: VigilConfig
            detectors:
              PodCrashLoop: {threshold: 1m30s, severity: critical}
            filters:
              excludeNamespaces: ["kube-*", sandbox]
              namespaceSelector: "env in (prod)"
              suppressions:
                - {name: upgrade, from: "2026-11-22T02:00:00Z", until: "2026-11-22T04:00:00Z", detectors: [NodeNotReady]}
            correlation: {window: 0s, rules: {namespaceStorm: false}}
            delivery: {queueSize: 10, maxAttempts: 2}
            sinks:
              kubernetesEvents: {minSeverity: warning}
              webhooks:
                - {name: ops, url: "https://hooks.example.com/x", minSeverity: critical}
            operator: {metricsAddress: "0.0.0.0:9100", concurrency: 8, shutdownTimeout: 45s}
            """);
        var crash = config.Pipeline.Detectors["PodCrashLoop"];
        crash.Threshold.ShouldBe(TimeSpan.FromSeconds(90));
        crash.Severity.ShouldBe(Severity.Critical);
        crash.Count.ShouldBe(3); // the detector's default
        config.Pipeline.Filters.ExcludedNamespaces.ShouldBe(["kube-*", "sandbox"]);
        config.Pipeline.Filters.NamespaceSelector!.Matches(new Dictionary<string, string> { ["env"] = "prod" }).ShouldBeTrue();
        config.Pipeline.Filters.NamespaceSelector.Matches(new Dictionary<string, string> { ["env"] = "dev" }).ShouldBeFalse();
        config.Pipeline.Filters.Suppressions.Single().Until.ShouldBe(new DateTimeOffset(2026, 11, 22, 4, 0, 0, TimeSpan.Zero));
        config.Pipeline.Correlation.Window.ShouldBe(TimeSpan.Zero);
        config.Pipeline.Correlation.NamespaceStorm.ShouldBeFalse();
        config.Pipeline.Correlation.Owner.ShouldBeTrue();
        config.Pipeline.Delivery.QueueCapacity.ShouldBe(10);
        config.Sinks.KubernetesEventsMinSeverity.ShouldBe(Severity.Warning);
        config.Sinks.Webhooks.Single().MinSeverity.ShouldBe(Severity.Critical);
        config.Operator.MetricsAddress.ShouldBe("0.0.0.0:9100");
        config.Pipeline.DiagnosisConcurrency.ShouldBe(8);
        config.Pipeline.ShutdownTimeout.ShouldBe(TimeSpan.FromSeconds(45));
    }

    [Fact]
    public void Sinks_are_built_from_the_sinks_section_with_their_severity_filters()
    {
        var config = VigilConfig.Parse("""
            sinks:
              log: {enabled: false}
              kubernetesEvents: {minSeverity: warning}
              webhooks:
                - {name: pager, url: "https://hooks.example.com/x", minSeverity: critical}
            """);
        using var client = new Kubernetes.KubernetesClient(new Kubernetes.Configuration.KubernetesClientConfiguration { Server = new Uri("https://127.0.0.1:1") });
        var sinks = config.Sinks.Create(client, TextWriter.Null, "test");
        sinks.Select(s => (s.Name, s.MinimumSeverity)).ShouldBe([("kubernetes-events", Severity.Warning), ("pager", Severity.Critical)]);
        foreach (var sink in sinks.OfType<IDisposable>()) sink.Dispose();
    }

    [Fact]
    public void A_bad_duration_is_named_by_its_key_path_with_the_accepted_forms()
    {
        var e = Invalid("detectors:\n  PodCrashLoop:\n    threshold: 5x\n");
        e.Errors.Single().ToString().ShouldBe("detectors.PodCrashLoop.threshold: \"5x\" is not a duration (use 30s, 5m, 1h)");
        e.Errors.Single().Line.ShouldBe(3);
        e.Message.ShouldContain("vigil.yaml");
    }

    [Fact]
    public void Every_error_is_reported_at_once_including_misspelt_keys_with_a_suggestion()
    {
        var e = Invalid("""
            apiVersion: vigil.io/v2
            detectors:
              PodCrashLop: {threshold: 1m}
              OOMKilled: {severity: loud, cooldwn: 5m}
            corelation: {window: 10s}
            filters:
              excludeNamespaces: [Kube_System]
              namespaceSelector: "env in prod"
              suppressions:
                - {detectors: [PodCrashLoop], daily: "25:00-26:00"}
            delivery: {maxAttempts: 0, initialBackoff: 10s, maxBackoff: 1s}
            sinks:
              webhooks:
                - {name: log, url: "http://10.0.0.1/hook"}
            operator: {metricsAddress: "localhost", concurrency: many}
            redaction: {patterns: ["(unclosed"]}
            """);
        var messages = e.Errors.Select(x => x.ToString()).ToList();
        messages.ShouldContain("apiVersion: \"vigil.io/v2\" is not supported (use vigil.io/v1alpha1)");
        messages.ShouldContain(m => m.StartsWith("detectors.PodCrashLop: unknown detector (did you mean PodCrashLoop?)", StringComparison.Ordinal));
        messages.ShouldContain("detectors.OOMKilled.severity: \"loud\" is not a severity (info, warning, critical)");
        messages.ShouldContain("detectors.OOMKilled.cooldwn: unknown key (did you mean cooldown?)");
        messages.ShouldContain("corelation: unknown key (did you mean correlation?)");
        messages.ShouldContain(m => m.StartsWith("filters.excludeNamespaces[0]: \"Kube_System\" is not a namespace name or glob", StringComparison.Ordinal));
        messages.ShouldContain(m => m.StartsWith("filters.namespaceSelector: ", StringComparison.Ordinal));
        messages.ShouldContain("filters.suppressions[0].name: is required");
        messages.ShouldContain(m => m.StartsWith("filters.suppressions[0].daily: \"25:00-26:00\" is not a daily window", StringComparison.Ordinal));
        messages.ShouldContain("delivery.maxAttempts: 0 is out of range (1 to 100)");
        messages.ShouldContain("delivery.maxBackoff: 1s is shorter than initialBackoff (10s)");
        messages.ShouldContain("sinks.webhooks[0].name: \"log\" is already the name of another sink");
        messages.ShouldContain("sinks.webhooks[0].url: \"http://10.0.0.1/hook\" is refused: plain http is not allowed (https only)");
        messages.ShouldContain(m => m.StartsWith("operator.metricsAddress: \"localhost\" is not a listen address", StringComparison.Ordinal));
        messages.ShouldContain("operator.concurrency: \"many\" is not a whole number");
        messages.ShouldContain(m => m.StartsWith("redaction.patterns[0]: redaction pattern \"(unclosed\" is not a valid regular expression", StringComparison.Ordinal));
        messages.Count.ShouldBe(16, string.Join("\n", messages));
    }

    [Fact]
    public void A_header_from_an_unset_environment_variable_is_an_error_and_its_value_is_never_in_the_message()
    {
        var e = Should.Throw<ConfigException>(() => VigilConfig.Parse("""
            sinks:
              webhooks:
                - name: ops
                  url: https://hooks.example.com/x
                  headers: {Authorization: "${VIGIL_TEST_UNSET_TOKEN}"}
            """, "c.yaml", out _, _ => null));
        e.Errors.Single().ToString().ShouldBe("sinks.webhooks[0].headers.Authorization: environment variable VIGIL_TEST_UNSET_TOKEN is not set");
    }

    [Fact]
    public void Malformed_yaml_and_a_wrong_shape_are_errors_not_crashes()
    {
        Invalid("detectors: [a, b\n").Errors.Single().Message.ShouldStartWith("is not valid YAML");
        Invalid("- just\n- a list\n").Errors.Single().Message.ShouldBe("must be a mapping of keys to values");
        Invalid("correlation: 5\n").Errors.Single().ToString().ShouldBe("correlation: must be a mapping of keys to values");
    }

    [Fact]
    public void A_missing_file_is_reported_with_its_path()
    {
        var e = Should.Throw<ConfigException>(() => VigilConfig.Load("/nonexistent/vigil.yaml"));
        e.Message.ShouldContain("/nonexistent/vigil.yaml");
        e.Message.ShouldContain("cannot read the file");
    }

    [Theory]
    [InlineData("30s", 30_000)]
    [InlineData("5m", 300_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("250ms", 250)]
    [InlineData("1.5s", 1_500)]
    [InlineData("0", 0)]
    public void Durations_read_the_kubernetes_forms(string text, int milliseconds)
    {
        Durations.TryParse(text, out var d).ShouldBeTrue();
        d.ShouldBe(TimeSpan.FromMilliseconds(milliseconds));
        Durations.TryParse(Durations.Format(d), out var back).ShouldBeTrue();
        back.ShouldBe(d);
    }

    [Theory]
    [InlineData("5x")]
    [InlineData("30")]
    [InlineData("-5s")]
    [InlineData("")]
    [InlineData("1d")]
    public void Durations_refuse_what_is_not_one(string text) => Durations.TryParse(text, out _).ShouldBeFalse();
}
