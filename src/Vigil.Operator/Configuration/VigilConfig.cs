using Vigil.Delivery.Sinks;
using Vigil.Detection;
using Vigil.Detection.Detectors;
using Vigil.Detection.Filtering;
using Vigil.Diagnosis.Redaction;
using Vigil.Kubernetes.Models;
using Vigil.Operator.Hosting;
using Vigil.Operator.Pipeline;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Vigil.Operator.Configuration;

/// <summary>
/// The operator's configuration file (<c>apiVersion: vigil.io/v1alpha1</c>, <c>kind: VigilConfig</c>), validated as a whole:
/// every error is reported with its key path, unknown keys are errors, and what is valid becomes <see cref="PipelineOptions"/>,
/// <see cref="OperatorOptions"/> and <see cref="SinkSettings"/>. docs/configuration.md documents every key.
/// </summary>
public sealed class VigilConfig
{
    public const string ApiVersion = "vigil.io/v1alpha1";
    public const string Kind = "VigilConfig";

    public PipelineOptions Pipeline { get; } = new();

    public OperatorOptions Operator { get; } = new();

    public SinkSettings Sinks { get; } = new();

    /// <summary>The defaults, as if an empty file had been read.</summary>
    public static VigilConfig Default() => new();

    /// <summary>Reads and validates a file; throws <see cref="ConfigException"/> listing every problem.</summary>
    public static VigilConfig Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException(path, [new ConfigError("", $"cannot read the file: {e.Message}")]);
        }
        return Parse(text, path);
    }

    /// <summary>Reads and validates YAML text; <paramref name="source"/> names it in errors.</summary>
    public static VigilConfig Parse(string text, string source = "config") => Parse(text, source, out _);

    internal static VigilConfig Parse(string text, string source, out IReadOnlySet<string> knownKeys, Func<string, string?>? environment = null)
    {
        var reader = new ConfigReader();
        var config = new VigilConfig();
        knownKeys = reader.KnownKeys;
        YamlNode? root = null;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            if (stream.Documents.Count > 1) reader.Error("", "must hold one YAML document, not several");
            root = stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
        }
        catch (YamlException e)
        {
            throw new ConfigException(source, [new ConfigError("", $"is not valid YAML: {e.Message}", (int)e.Start.Line)]);
        }
        var top = reader.Open(root, "");
        if (top is not null) new Binder(reader, config, environment ?? Environment.GetEnvironmentVariable).Bind(top);
        reader.ReportUnknownKeys();
        if (reader.Errors.Count > 0) throw new ConfigException(source, reader.Errors);
        return config;
    }

    private sealed class Binder(ConfigReader reader, VigilConfig config, Func<string, string?> environment)
    {
        private PipelineOptions P => config.Pipeline;

        public void Bind(ConfigReader.Section top)
        {
            var apiVersion = top.String("apiVersion");
            if (apiVersion is not null && apiVersion != ApiVersion) top.Error("apiVersion", $"\"{apiVersion}\" is not supported (use {ApiVersion})");
            var kind = top.String("kind");
            if (kind is not null && kind != Kind) top.Error("kind", $"\"{kind}\" is not {Kind}");
            Detectors(top.Child("detectors"));
            Filters(top.Child("filters"));
            Correlation(top.Child("correlation"));
            Gatherers(top.Child("gatherers"));
            Redaction(top.Child("redaction"));
            Delivery(top.Child("delivery"));
            Sinks(top.Child("sinks"));
            Operator(top.Child("operator"));
        }

        private void Detectors(ConfigReader.Section? section)
        {
            if (section is null) return;
            section.IsDictionary = true;
            foreach (var (name, node) in section.Entries)
            {
                var path = ConfigReader.Join(section.Path, name);
                if (!DetectorCatalog.Defaults.TryGetValue(name, out var defaults))
                {
                    var near = ConfigReader.Nearest(name, DetectorCatalog.Defaults.Keys);
                    reader.Error(path, $"unknown detector{(near is null ? "" : $" (did you mean {near}?)")}; detectors are {string.Join(", ", DetectorCatalog.Defaults.Keys)}", node);
                    continue;
                }
                if (ConfigReader.IsNull(node)) continue;
                if (node is not YamlMappingNode map)
                {
                    reader.Error(path, "must be a mapping of keys to values", node);
                    continue;
                }
                var d = new ConfigReader.Section(reader, map, path) { SchemaPath = "detectors.<name>" };
                reader.Register(d);
                P.Detectors[name] = defaults with
                {
                    Enabled = d.Bool("enabled") ?? defaults.Enabled,
                    Severity = d.Severity("severity") ?? defaults.Severity,
                    Threshold = d.Duration("threshold") ?? defaults.Threshold,
                    Count = d.Int("count", 0) ?? defaults.Count,
                    Window = d.Duration("window", allowZero: false) ?? defaults.Window,
                    Cooldown = d.Duration("cooldown") ?? defaults.Cooldown,
                };
            }
        }

        private void Filters(ConfigReader.Section? f)
        {
            if (f is null) return;
            foreach (var (pattern, i) in (f.Strings("excludeNamespaces") ?? []).Select((p, i) => (p, i)))
            {
                if (NamespacePattern.Check(pattern) is { } problem) reader.Error($"{f.Path}.excludeNamespaces[{i}]", problem);
                else P.Filters.ExcludedNamespaces.Add(pattern);
            }
            if (f.String("namespaceSelector") is { } selector)
            {
                try
                {
                    P.Filters.NamespaceSelector = LabelSelector.Parse(selector);
                }
                catch (FormatException e)
                {
                    f.Error("namespaceSelector", e.Message);
                }
            }
            foreach (var s in f.Sections("suppressions")) Suppression(s);
        }

        private void Suppression(ConfigReader.Section s)
        {
            var name = s.String("name");
            if (name is null) reader.Error(ConfigReader.Join(s.Path, "name"), "is required");
            var detectors = s.Strings("detectors") ?? [];
            foreach (var (d, i) in detectors.Select((d, i) => (d, i)))
                if (!DetectorCatalog.Defaults.ContainsKey(d))
                    reader.Error($"{s.Path}.detectors[{i}]", $"\"{d}\" is not a detector{(ConfigReader.Nearest(d, DetectorCatalog.Defaults.Keys) is { } near ? $" (did you mean {near}?)" : "")}");
            var namespaces = new List<NamespacePattern>();
            foreach (var (n, i) in (s.Strings("namespaces") ?? []).Select((n, i) => (n, i)))
            {
                if (NamespacePattern.Check(n) is { } problem) reader.Error($"{s.Path}.namespaces[{i}]", problem);
                else namespaces.Add(new NamespacePattern(n));
            }
            var from = s.Time("from");
            var until = s.Time("until");
            if (from is not null && until is not null && until <= from) s.Error("until", "must be later than from");
            TimeOnly? start = null, end = null;
            if (s.String("daily") is { } daily)
            {
                var parts = daily.Split('-', StringSplitOptions.TrimEntries);
                if (parts.Length == 2 && TimeOnly.TryParseExact(parts[0], "HH:mm", out var a) && TimeOnly.TryParseExact(parts[1], "HH:mm", out var b) && a != b)
                    (start, end) = (a, b);
                else s.Error("daily", $"\"{daily}\" is not a daily window (use HH:MM-HH:MM in UTC, e.g. 02:00-03:00)");
            }
            var days = new List<DayOfWeek>();
            foreach (var (d, i) in (s.Strings("days") ?? []).Select((d, i) => (d, i)))
            {
                var day = Enum.GetValues<DayOfWeek>().Where(x => x.ToString().StartsWith(d, StringComparison.OrdinalIgnoreCase) && d.Length >= 3).ToList();
                if (day.Count == 1) days.Add(day[0]);
                else reader.Error($"{s.Path}.days[{i}]", $"\"{d}\" is not a day of the week (Mon, Tue, ... or Monday, Tuesday, ...)");
            }
            if (days.Count > 0 && start is null) s.Error("days", "applies to a daily window: set daily too");
            if (from is null && until is null && start is null && s.Node("daily") is null) reader.Error(s.Path, "needs from/until, a daily window, or both");
            if (name is not null)
                P.Filters.Suppressions.Add(new SuppressionWindow
                {
                    Name = name, Detectors = detectors, Namespaces = namespaces, From = from, Until = until, DailyStart = start, DailyEnd = end, Days = days,
                });
        }

        private void Correlation(ConfigReader.Section? c)
        {
            if (c is null) return;
            var o = P.Correlation;
            o.Window = c.Duration("window") ?? o.Window;
            o.NodeCascadeMinPodSignals = c.Int("nodeCascadeMinPodSignals", 1) ?? o.NodeCascadeMinPodSignals;
            o.NamespaceStormThreshold = c.Int("namespaceStormThreshold", 2) ?? o.NamespaceStormThreshold;
            if (c.Child("rules") is { } rules)
            {
                o.NodeCascade = rules.Bool("nodeCascade") ?? o.NodeCascade;
                o.StorageCascade = rules.Bool("storageCascade") ?? o.StorageCascade;
                o.Owner = rules.Bool("owner") ?? o.Owner;
                o.NamespaceStorm = rules.Bool("namespaceStorm") ?? o.NamespaceStorm;
            }
        }

        private void Gatherers(ConfigReader.Section? g)
        {
            if (g is null) return;
            var o = P.Gather;
            o.Budget = g.Duration("budget", allowZero: false) ?? o.Budget;
            o.LogTailLines = g.Int("logTailLines", 1, 10_000) ?? o.LogTailLines;
            o.NamespaceEventsWindow = g.Duration("namespaceEventsWindow", allowZero: false) ?? o.NamespaceEventsWindow;
            o.MaxPods = g.Int("maxPods", 1, 100) ?? o.MaxPods;
        }

        private void Redaction(ConfigReader.Section? r)
        {
            if (r is null) return;
            foreach (var (pattern, i) in (r.Strings("patterns") ?? []).Select((p, i) => (p, i)))
            {
                try
                {
                    _ = new Redactor([pattern]);
                    P.RedactionPatterns.Add(pattern);
                }
                catch (ArgumentException e)
                {
                    reader.Error($"{r.Path}.patterns[{i}]", e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal));
                }
            }
        }

        private void Delivery(ConfigReader.Section? d)
        {
            if (d is null) return;
            var o = P.Delivery;
            o.QueueCapacity = d.Int("queueSize", 1) ?? o.QueueCapacity;
            o.MaxAttempts = d.Int("maxAttempts", 1, 100) ?? o.MaxAttempts;
            o.InitialBackoff = d.Duration("initialBackoff", allowZero: false) ?? o.InitialBackoff;
            o.MaxBackoff = d.Duration("maxBackoff", allowZero: false) ?? o.MaxBackoff;
            if (o.MaxBackoff < o.InitialBackoff) d.Error("maxBackoff", $"{Durations.Format(o.MaxBackoff)} is shorter than initialBackoff ({Durations.Format(o.InitialBackoff)})");
        }

        private void Sinks(ConfigReader.Section? s)
        {
            if (s is null) return;
            var o = config.Sinks;
            if (s.Child("log") is { } log)
            {
                o.LogEnabled = log.Bool("enabled") ?? o.LogEnabled;
                o.LogMinSeverity = log.Severity("minSeverity") ?? o.LogMinSeverity;
            }
            if (s.Child("kubernetesEvents") is { } events)
            {
                o.KubernetesEventsEnabled = events.Bool("enabled") ?? o.KubernetesEventsEnabled;
                o.KubernetesEventsMinSeverity = events.Severity("minSeverity") ?? o.KubernetesEventsMinSeverity;
                o.KubernetesEventsMaxResources = events.Int("maxResources", 1, 100) ?? o.KubernetesEventsMaxResources;
            }
            var names = new HashSet<string>(StringComparer.Ordinal) { "log", "kubernetes-events" };
            foreach (var w in s.Sections("webhooks"))
            {
                var name = w.String("name");
                var url = w.String("url");
                var policy = new WebhookPolicy
                {
                    AllowHttp = w.Bool("allowHttp") ?? false,
                    AllowPrivateAddresses = w.Bool("allowPrivateAddresses") ?? false,
                    AllowedHosts = w.Strings("allowedHosts") ?? [],
                };
                var severity = w.Severity("minSeverity") ?? WebhookSettings.DefaultMinSeverity;
                var timeout = w.Duration("timeout", allowZero: false) ?? WebhookSettings.DefaultTimeout;
                var headers = w.Map("headers") ?? [];
                foreach (var (k, v) in headers.ToList())
                {
                    // ${NAME} reads a header value (a token) from the environment, so secrets stay out of the file.
                    if (v.StartsWith("${", StringComparison.Ordinal) && v.EndsWith('}'))
                    {
                        var variable = v[2..^1];
                        if (environment(variable) is { } value) headers[k] = value;
                        else reader.Error($"{w.Path}.headers.{k}", $"environment variable {variable} is not set");
                    }
                }
                if (name is null) reader.Error(ConfigReader.Join(w.Path, "name"), "is required");
                else if (!names.Add(name)) w.Error("name", $"\"{name}\" is already the name of another sink");
                if (url is null) reader.Error(ConfigReader.Join(w.Path, "url"), "is required");
                else if (!Uri.TryCreate(url, UriKind.Absolute, out var uri)) w.Error("url", $"\"{url}\" is not an absolute URL");
                else if (policy.Check(uri) is { } refused) w.Error("url", $"\"{url}\" is refused: {refused}");
                else if (name is not null)
                    o.Webhooks.Add(new WebhookSettings { Name = name, Url = uri, MinSeverity = severity, Headers = headers, Timeout = timeout, Policy = policy });
            }
        }

        private void Sharding(ConfigReader.Section? s)
        {
            if (s is null) return;
            var o = config.Operator.Sharding;
            o.Enabled = s.Bool("enabled") ?? o.Enabled;
            o.LeaseDuration = s.Duration("leaseDuration", allowZero: false) ?? o.LeaseDuration;
            o.RenewDeadline = s.Duration("renewDeadline", allowZero: false) ?? o.RenewDeadline;
            o.RetryPeriod = s.Duration("retryPeriod", allowZero: false) ?? o.RetryPeriod;
            // client-go's rule: the leader must give up before anyone else may take over, with room for a retry.
            if (o.LeaseDuration <= o.RenewDeadline) s.Error("leaseDuration", $"{Durations.Format(o.LeaseDuration)} must be longer than renewDeadline ({Durations.Format(o.RenewDeadline)})");
            else if (o.RenewDeadline <= o.RetryPeriod * 1.2) s.Error("renewDeadline", $"{Durations.Format(o.RenewDeadline)} must be longer than 1.2 × retryPeriod ({Durations.Format(o.RetryPeriod)})");
            if (o.LeaseDuration < TimeSpan.FromSeconds(1)) s.Error("leaseDuration", "must be at least 1s (Leases count whole seconds)");
        }

        private void Operator(ConfigReader.Section? s)
        {
            if (s is null) return;
            var o = config.Operator;
            if (s.String("metricsAddress") is { } address)
            {
                if (ListenAddress.TryParse(address, out _, out var error)) o.MetricsAddress = address;
                else s.Error("metricsAddress", error);
            }
            o.ApiProbeInterval = s.Duration("apiProbeInterval", allowZero: false) ?? o.ApiProbeInterval;
            o.ApiStaleAfter = s.Duration("apiStaleAfter", allowZero: false) ?? o.ApiStaleAfter;
            P.DiagnosisConcurrency = s.Int("concurrency", 1, 256) ?? P.DiagnosisConcurrency;
            P.RescanInterval = s.Duration("rescanInterval", allowZero: false) ?? P.RescanInterval;
            P.FlushInterval = s.Duration("flushInterval", allowZero: false) ?? P.FlushInterval;
            P.ShutdownTimeout = s.Duration("shutdownTimeout", allowZero: false) ?? P.ShutdownTimeout;
            P.CustomResources = s.Bool("customResources") ?? P.CustomResources;
            if (s.String("namespace") is { } ns) P.SystemNamespace = ns;
            o.ApiQps = s.Int("apiQps", 1, 10_000) ?? o.ApiQps;
            o.ApiBurst = s.Int("apiBurst", 1, 10_000) ?? o.ApiBurst;
            Sharding(s.Child("sharding"));
            if (o.ApiStaleAfter < o.ApiProbeInterval) s.Error("apiStaleAfter", $"{Durations.Format(o.ApiStaleAfter)} is shorter than apiProbeInterval ({Durations.Format(o.ApiProbeInterval)}): readiness would flap");
        }
    }
}
