using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Vigil.Detection.Filtering;
using Vigil.Kubernetes;
using Vigil.Kubernetes.Informers;
using Vigil.Kubernetes.Models;

namespace Vigil.Operator.Extensions;

/// <summary>
/// <c>Policy</c> resources (vigil.io/v1alpha1) as <see cref="SignalPolicy"/> rules the signal filter consults. Besides
/// the schema, a generation is checked for: a schedule only on Suppress, an end after its start, a daily window of two
/// valid times, owner globs that can match names, and a namespace selector only in the system namespace. Matches are
/// counted into the status every 10 seconds; <c>status.active</c> says whether the schedule is open.
/// </summary>
public sealed class PolicyResources(KubernetesClient client, SharedInformerFactory informers, string systemNamespace, TimeProvider time, ILogger logger)
    : ResourceReconciler<SignalPolicy>(client, informers, ResourceType, time, logger)
{
    public static readonly ResourceType ResourceType = new("vigil.io", "v1alpha1", "policies", "Policy", Namespaced: true);

    private readonly ConcurrentDictionary<string, Matches> _matches = new(StringComparer.Ordinal);

    private sealed class Matches
    {
        public long Total;
        public DateTimeOffset? Last;
        public bool Dirty;
        public bool? ActiveWritten;
    }

    /// <summary>A policy dropped a signal (wire to <see cref="SignalFilter.PolicyMatched"/>).</summary>
    public void RecordMatched(SignalPolicy policy, DateTimeOffset at)
    {
        var m = _matches.GetOrAdd(policy.Key, _ => new Matches());
        lock (m)
        {
            m.Total++;
            m.Last = at;
            m.Dirty = true;
        }
    }

    protected override Task<SignalPolicy> CompileAsync(UnstructuredObject resource, CancellationToken cancellationToken) => Task.FromResult(Compile(resource));

    private SignalPolicy Compile(UnstructuredObject resource)
    {
        var spec = resource["spec"] as JsonObject ?? throw new InvalidResourceException("spec", "is required");
        var ns = resource.Metadata.Namespace ?? "";
        var action = Text(spec, "action") switch
        {
            "Exclude" => PolicyAction.Exclude,
            "Suppress" => PolicyAction.Suppress,
            var other => throw new InvalidResourceException("spec.action", $"\"{other}\" is not Exclude or Suppress"),
        };
        var nsSelector = spec["namespaceSelector"] is JsonObject n ? DetectorResources.Selector(n) : null;
        if (nsSelector is not null && ns != systemNamespace)
            throw new InvalidResourceException("spec.namespaceSelector", $"is only allowed in {systemNamespace}; elsewhere a Policy applies to its own namespace");
        var owners = Strings(spec["match"]?["ownerNames"]);
        for (var i = 0; i < owners.Count; i++)
            if (NamespacePattern.Check(owners[i]) is { } problem) throw new InvalidResourceException($"spec.match.ownerNames[{i}]", problem.Replace("a namespace name", "a name", StringComparison.Ordinal));
        return new SignalPolicy(ns, resource.Metadata.Name ?? "", action)
        {
            Detectors = Strings(spec["detectors"]),
            NamespaceSelector = nsSelector,
            ResourceSelector = spec["match"]?["resourceSelector"] is JsonObject r ? DetectorResources.Selector(r) : null,
            OwnerNames = [.. owners.Select(o => new NamespacePattern(o))],
            Schedule = spec["schedule"] is JsonObject schedule ? Schedule(resource.Metadata.Name ?? "", action, schedule) : null,
            OnlyNamespace = ns == systemNamespace ? null : ns,
        };
    }

    private static SuppressionWindow Schedule(string name, PolicyAction action, JsonObject schedule)
    {
        if (action != PolicyAction.Suppress) throw new InvalidResourceException("spec.schedule", "is only allowed with action Suppress (Exclude is permanent)");
        DateTimeOffset? start = Text(schedule, "start") is { } s ? ParseTime("spec.schedule.start", s) : null;
        DateTimeOffset? end = Text(schedule, "end") is { } e ? ParseTime("spec.schedule.end", e) : null;
        if (start is { } from && end is { } until && until <= from) throw new InvalidResourceException("spec.schedule.end", "must be after spec.schedule.start");
        TimeOnly? dailyStart = null, dailyEnd = null;
        if (Text(schedule, "daily") is { } daily)
        {
            var parts = daily.Split('-');
            if (parts.Length != 2 || !TimeOnly.TryParseExact(parts[0], "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var a)
                || !TimeOnly.TryParseExact(parts[1], "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var b))
                throw new InvalidResourceException("spec.schedule.daily", $"\"{daily}\" is not a daily window like 02:00-03:00 (UTC)");
            if (a == b) throw new InvalidResourceException("spec.schedule.daily", "start and end are the same time");
            (dailyStart, dailyEnd) = (a, b);
        }
        if (start is null && end is null && dailyStart is null) throw new InvalidResourceException("spec.schedule", "needs start, end or daily");
        return new SuppressionWindow { Name = name, From = start, Until = end, DailyStart = dailyStart, DailyEnd = dailyEnd };
    }

    private static DateTimeOffset ParseTime(string field, string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t
            : throw new InvalidResourceException(field, $"\"{text}\" is not an RFC 3339 time");

    protected override string Describe(SignalPolicy compiled) =>
        compiled.Action == PolicyAction.Exclude ? "excluding matching signals" : "suppressing matching signals while its schedule is open";

    protected override void AddStatus(UnstructuredObject resource, SignalPolicy? running, JsonObject status)
    {
        if (running is not null) status["active"] = running.IsActive(Time.GetUtcNow());
    }

    protected override JsonObject? PeriodicStatus(string key, SignalPolicy running)
    {
        var m = _matches.GetOrAdd(key, _ => new Matches());
        var active = running.IsActive(Time.GetUtcNow());
        lock (m)
        {
            if (!m.Dirty && m.ActiveWritten == active) return null;
            m.Dirty = false;
            m.ActiveWritten = active;
            var status = new JsonObject { ["matchedSignalsTotal"] = m.Total, ["active"] = active };
            if (m.Last is { } at) status["lastMatched"] = Timestamp(at);
            return status;
        }
    }
}
