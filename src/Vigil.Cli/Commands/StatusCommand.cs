using System.CommandLine;
using System.Globalization;
using System.Security.Authentication;
using Spectre.Console;
using Spectre.Console.Rendering;
using Vigil.Kubernetes;
using Vigil.Kubernetes.Configuration;
using Vigil.Kubernetes.Http;
using Vigil.Kubernetes.Models;
using Vigil.Operator.Sharding;

namespace Vigil.Cli.Commands;

/// <summary>
/// <c>vigil status</c>: the runbook's first command. Reads what the replicas publish in the operator's namespace (member
/// Leases, the leader Lease, the shard map) and says who leads, which replicas are live and synced, how far behind
/// their queues are, where the namespaces are, what they diagnosed last, and what needs attention.
/// </summary>
internal static class StatusCommand
{
    private const int IncidentsShown = 10;

    public static Command Create()
    {
        var ns = new Option<string>("--namespace", "-n") { Description = "The operator's namespace (operator.namespace), where the replicas' Leases and the shard map are.", DefaultValueFactory = _ => "vigil-system" };
        var connection = new KubeconfigOptions();
        var output = new Option<string>("--output", "-o") { Description = "table (for people) or json (one object with the same facts).", DefaultValueFactory = _ => "table" };
        output.AcceptOnlyFromAmong("table", "json");
        var command = new Command("status", """
            Show the state of the running operator: the leader and for how long, whether sharding is on and the shard map
            epoch, every replica (live or stale, namespaces, epoch applied, informers synced, queue depths, open incidents),
            pending namespace hand-overs, and the latest diagnoses of all replicas, newest first. Lists what needs attention.
            Exit codes: 0 healthy, 1 something needs attention (the problems are listed), 2 usage, kubeconfig or API error.
            """)
        {
            ns, connection.Kubeconfig, connection.Context, output,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var operatorNamespace = result.GetValue(ns)!;
            if (connection.Load(result, out var error) is not { } configuration) return await Fail(error!);
            // A one-shot command answers quickly: a few retries, not the operator's patient back-off.
            using var client = new KubernetesClient(configuration with { MaxRetries = 2, RequestTimeout = TimeSpan.FromSeconds(15) });
            ClusterStatus status;
            try
            {
                status = await ClusterStatus.ReadAsync(client, operatorNamespace, TimeProvider.System, cancellationToken);
                if (status.Members.Count == 0 && status.Shards is null && status.Leader is null
                    && await NamespaceMissingAsync(client, operatorNamespace, cancellationToken))
                {
                    return await Fail($"namespace {operatorNamespace} not found on {Describe(configuration)} (--namespace names the operator's namespace, operator.namespace)");
                }
            }
            catch (UnauthorizedException e)
            {
                return await Fail($"{Describe(configuration)} rejected the kubeconfig's credentials: {e.Message}");
            }
            catch (ForbiddenException e)
            {
                return await Fail($"forbidden: vigil status needs list on leases and get on configmaps in namespace {operatorNamespace}: {e.Message}");
            }
            catch (KubernetesApiException e)
            {
                return await Fail($"{Describe(configuration)} answered: {e.Message}");
            }
            catch (Exception e) when (e is HttpRequestException or TimeoutException or AuthenticationException)
            {
                return await Fail($"cannot reach {Describe(configuration)}: {e.Message}");
            }

            if (result.GetValue(output) == "json")
                Console.WriteLine(status.ToJson());
            else
                Render(status, CreateConsole());
            return status.Healthy ? 0 : 1;
        });
        return command;
    }

    /// <summary>Listing in a namespace that does not exist answers an empty list; only the namespace itself says it is missing.</summary>
    private static async Task<bool> NamespaceMissingAsync(KubernetesClient client, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await client.Resource<Namespace>().TryGetAsync(name, cancellationToken: cancellationToken) is null;
        }
        catch (ForbiddenException)
        {
            return false; // may list Leases there but not read Namespaces: report what we saw
        }
    }

    private static string Describe(KubernetesClientConfiguration configuration) =>
        configuration.ContextName is { } context ? $"the API server {configuration.Server} (context {context})" : $"the API server {configuration.Server}";

    private static async Task<int> Fail(string message)
    {
        await Console.Error.WriteLineAsync($"error: {message}");
        return 2;
    }

    /// <summary>Colour on a terminal only; piped or redirected output is plain text, wide enough not to wrap the tables.</summary>
    private static IAnsiConsole CreateConsole()
    {
        var terminal = !Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(Console.Out),
        });
        if (!terminal) console.Profile.Width = 200;
        return console;
    }

    internal static void Render(ClusterStatus status, IAnsiConsole console)
    {
        var now = status.ReadAt;
        console.Write(new Text($"Vigil in namespace {status.Namespace} at {Format(now)}\n", new Style(decoration: Decoration.Bold)));
        console.Write(new Text($"Leader:   {Leader(status)}\n"));
        console.Write(new Text(status.Sharded
            ? $"Sharding: on, shard map epoch {(status.Epoch is { } e ? e.ToString(CultureInfo.InvariantCulture) : "none published")}\n"
            : "Sharding: off (each replica watches every namespace)\n"));
        console.WriteLine();

        if (status.Members.Count == 0)
        {
            console.Write(new Text("Members:  none (no member Lease labelled " + ShardProtocol.MemberLabel + ")\n"));
        }
        else
        {
            var members = new Table { Border = TableBorder.Simple };
            foreach (var header in new[] { "MEMBER", "STATE", "NAMESPACES", "EPOCH", "SYNCED", "WORK QUEUE", "DIAGNOSING", "SINK QUEUE", "OPEN INCIDENTS" })
                members.AddColumn(new TableColumn(header));
            foreach (var m in status.Members)
            {
                members.AddRow(
                    Cell(m.Identity + (m.Leader && m.Live ? " (leader)" : "")),
                    m.Live ? Cell("live", Color.Green) : Cell($"stale {Since(now, m.ExpiresAt)}", Color.Red),
                    Cell(Namespaces(m)),
                    Cell(Epochs(m, status.Epoch), status.Epoch is { } published && (m.EpochApplied ?? m.EpochRunning) < published && m.Live ? Color.Yellow : null),
                    !m.StatusPublished ? Cell("?") : m.Unsynced.Count == 0 ? Cell("yes") : Cell("no: " + string.Join(", ", m.Unsynced), Color.Yellow),
                    Cell(Number(m.WorkQueue)),
                    Cell(Number(m.DiagnosesInFlight)),
                    Cell(Number(m.SinkQueue)),
                    Cell(Number(m.IncidentsOpen)));
            }
            console.Write(members);
        }

        if (status.Shards is { } shards)
        {
            var split = string.Join(", ", shards.PerMember.Select(p => $"{p.Key}: {p.Value}"));
            console.Write(new Text($"Shards:   {shards.NamespacesAssigned} namespaces assigned{(split.Length > 0 ? $" ({split})" : "")}, epoch {shards.Epoch} published by {shards.Leader} at {Format(shards.UpdatedAt)}\n"));
            console.Write(new Text(shards.Pending.Count == 0
                ? "Pending hand-overs: none\n"
                : $"Pending hand-overs: {string.Join(", ", shards.Pending.Select(p => $"{p.Namespace} -> {p.To}"))}\n"));
            console.Write(new Text(shards.MembersNotLive.Count == 0
                ? "Members in the map not live: none\n"
                : $"Members in the map not live: {string.Join(", ", shards.MembersNotLive)}\n"));
        }

        console.WriteLine();
        if (status.RecentIncidents.Count == 0)
        {
            console.Write(new Text("Recent incidents: none\n"));
        }
        else
        {
            console.Write(new Text($"Recent incidents (newest first{(status.RecentIncidents.Count > IncidentsShown ? $", {IncidentsShown} of {status.RecentIncidents.Count}" : "")}):\n"));
            var incidents = new Table { Border = TableBorder.Simple };
            foreach (var header in new[] { "TIME", "MEMBER", "SEVERITY", "RESOURCE", "CATEGORY", "SUMMARY" })
                incidents.AddColumn(new TableColumn(header));
            foreach (var i in status.RecentIncidents.Take(IncidentsShown))
                incidents.AddRow(Cell(Format(i.At)), Cell(i.Member), Cell(i.Severity, i.Severity == "critical" ? Color.Red : null), Cell(i.Resource), Cell(i.Category), Cell(i.Summary));
            console.Write(incidents);
        }

        console.WriteLine();
        if (status.Healthy)
        {
            console.Write(new Text("Healthy: nothing needs attention.\n", new Style(Color.Green)));
        }
        else
        {
            console.Write(new Text($"Needs attention ({status.Problems.Count}):\n", new Style(Color.Red, decoration: Decoration.Bold)));
            foreach (var problem in status.Problems) console.Write(new Text($"  - {problem}\n"));
        }
    }

    private static string Leader(ClusterStatus status) => status.Leader switch
    {
        null => status.Sharded ? "none (no replica holds the leader Lease)" : status.Members.Count(m => m.Live) > 1 ? "none (several replicas, sharding off)" : "none",
        { Live: false } l => $"{l.Identity}, but its lease expired {(l.ExpiresAt is { } at ? Duration(status.ReadAt - at) + " ago" : "(never renewed)")}",
        var l => l.Identity + (l.Since is { } since ? $" for {Duration(status.ReadAt - since)}" : "") + (status.Sharded ? "" : " (the only replica)"),
    };

    private static string Namespaces(MemberSummary m) => (m.Namespaces, m.NamespacesAssigned) switch
    {
        (null, null) => "?",
        ({ } watching, null) => Number(watching),
        (null, { } assigned) => $"? ({assigned} in map)",
        ({ } watching, { } assigned) => $"{watching} ({assigned} in map)",
    };

    private static string Epochs(MemberSummary m, long? published) => published is null && !m.Sharded
        ? "-"
        : $"{(m.EpochApplied ?? m.EpochRunning)?.ToString(CultureInfo.InvariantCulture) ?? "?"}/{published?.ToString(CultureInfo.InvariantCulture) ?? "?"}";

    private static IRenderable Cell(string text, Color? colour = null) => new Text(text, colour is { } c ? new Style(c) : Style.Plain);

    private static string Number(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "?";

    private static string Since(DateTimeOffset now, DateTimeOffset? at) => at is { } t ? $"(expired {Duration(now - t)} ago)" : "(never renewed)";

    private static string Format(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'Z'", CultureInfo.InvariantCulture);

    private static string Duration(TimeSpan span) => ClusterStatus.Duration(span);
}
