using System.Text.RegularExpressions;

namespace Vigil.Diagnosis.Logs;

/// <summary>A known failure signature in container output.</summary>
/// <param name="Name">Stable identifier, e.g. <c>jvm-heap-exhausted</c>.</param>
/// <param name="Runtime">What writes it: jvm, dotnet, go, python, node, or any.</param>
/// <param name="Category">The kind of root cause it points to.</param>
/// <param name="Explanation">What it means, in a sentence a person can act on.</param>
/// <param name="Step">What to do about it.</param>
public sealed record LogPattern(string Name, string Runtime, Category Category, string Explanation, string Step, Regex Regex);

/// <summary>A line of output that matched a pattern.</summary>
public sealed record LogFinding(LogPattern Pattern, string Line);

/// <summary>
/// The failure signatures of common runtimes and of the failures every service meets (connection refused, DNS, TLS,
/// permissions, a full disk), matched against container logs to explain a crash.
/// </summary>
public static class LogPatterns
{
    private static LogPattern P(string name, string runtime, Category category, string pattern, string explanation, string step) =>
        new(name, runtime, category, explanation, step, new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking, TimeSpan.FromMilliseconds(100)));

    /// <summary>Most specific first: the first pattern that matches a line explains it.</summary>
    public static IReadOnlyList<LogPattern> All { get; } =
    [
        P("jvm-heap-exhausted", "jvm", Category.Resources, @"java\.lang\.OutOfMemoryError", "The JVM ran out of heap.", "Raise the memory limit or lower -Xmx/MaxRAMPercentage so the heap fits inside the container's limit."),
        P("node-heap-exhausted", "node", Category.Resources, @"JavaScript heap out of memory|FATAL ERROR: .*Allocation failed", "Node.js ran out of heap.", "Raise --max-old-space-size together with the container's memory limit."),
        P("dotnet-out-of-memory", "dotnet", Category.Resources, @"System\.OutOfMemoryException", "The .NET runtime ran out of memory.", "Raise the memory limit or reduce the working set (GCHeapHardLimit follows the container limit)."),
        P("go-out-of-memory", "go", Category.Resources, @"fatal error: runtime: out of memory", "The Go runtime could not allocate memory.", "Raise the memory limit or set GOMEMLIMIT below it."),
        P("python-memory-error", "python", Category.Resources, @"^MemoryError|\bMemoryError\b", "Python ran out of memory.", "Raise the memory limit or reduce the data held in memory."),
        P("disk-full", "any", Category.Storage, @"[Nn]o space left on device|ENOSPC", "A volume or the container's filesystem is full.", "Free space or grow the volume; check emptyDir sizeLimit and ephemeral-storage limits."),
        P("permission-denied", "any", Category.Configuration, @"[Pp]ermission denied|EACCES|[Oo]peration not permitted", "The process was refused access to a file or operation.", "Check the securityContext (runAsUser, fsGroup, readOnlyRootFilesystem) and the volume's permissions."),
        P("tls-failure", "any", Category.Networking, @"x509: certificate|certificate verify failed|SSL(_| )?[Hh]andshake|CERT_HAS_EXPIRED|unable to get local issuer certificate|PKIX path building failed", "A TLS connection failed certificate verification.", "Check the peer's certificate (expiry, hostname, issuer) and the CA bundle the container trusts."),
        P("dns-failure", "any", Category.Networking, @"no such host|Name or service not known|Temporary failure in name resolution|ENOTFOUND|getaddrinfo|UnknownHostException|Could not resolve host", "A host name did not resolve.", "Check the service name and namespace in the address, and that the Service exists (kubectl get svc -A)."),
        P("connection-refused", "any", Category.Networking, @"[Cc]onnection refused|ECONNREFUSED|ConnectException", "A dependency refused the connection: nothing listens at that address.", "Check that the dependency is running and ready and that its Service selects ready pods (kubectl get endpoints)."),
        P("connection-timeout", "any", Category.Networking, @"i/o timeout|ETIMEDOUT|[Cc]onnection timed out|context deadline exceeded", "A dependency did not answer in time.", "Check the dependency's health and NetworkPolicies between the two."),
        P("missing-configuration", "any", Category.Configuration, @"(environment variable|env var|config(uration)? (key|value|setting)).*(not set|missing|required|undefined)|(missing|required) (environment variable|config)", "The application is missing required configuration.", "Set the variable or key in the Deployment's env, or in the ConfigMap/Secret it reads."),
        P("port-in-use", "any", Category.Configuration, @"address already in use|EADDRINUSE|Failed to bind to address", "The process could not listen: the port is already taken.", "Check the container's port settings and sidecars listening on the same port."),
        P("jvm-class-missing", "jvm", Category.Application, @"ClassNotFoundException|NoClassDefFoundError", "A class the JVM needed was missing from the image.", "Check the image's build and its classpath."),
        P("jvm-exception", "jvm", Category.Application, @"Exception in thread ""main""|^\s+at [\w$.]+\([\w]+\.java:\d+\)", "The JVM application threw an exception it did not handle.", "Read the stack trace in the previous container's log (kubectl logs --previous)."),
        P("dotnet-unhandled", "dotnet", Category.Application, @"Unhandled exception\. System\.|Unhandled exception: System\.", "The .NET application threw an exception it did not handle.", "Read the exception and stack trace in the previous container's log (kubectl logs --previous)."),
        P("go-panic", "go", Category.Application, @"^panic: |goroutine \d+ \[running\]", "The Go program panicked.", "Read the panic message and goroutine trace in the previous container's log (kubectl logs --previous)."),
        P("python-module-missing", "python", Category.Application, @"ModuleNotFoundError|ImportError", "A Python module was missing from the image.", "Check the image's dependencies (requirements) and build."),
        P("python-traceback", "python", Category.Application, @"Traceback \(most recent call last\)", "The Python program raised an exception it did not handle.", "Read the traceback in the previous container's log (kubectl logs --previous)."),
        P("node-module-missing", "node", Category.Application, @"Cannot find module|ERR_MODULE_NOT_FOUND", "A Node.js module was missing from the image.", "Check the image's node_modules and build."),
        P("node-unhandled", "node", Category.Application, @"UnhandledPromiseRejection|Uncaught (Type|Reference|Range)?Error", "The Node.js program threw an error it did not handle.", "Read the error in the previous container's log (kubectl logs --previous)."),
    ];

    /// <summary>Every line that matches a pattern, with the first (most specific) pattern it matches.</summary>
    public static IReadOnlyList<LogFinding> Match(IEnumerable<string> lines)
    {
        var findings = new List<LogFinding>();
        foreach (var line in lines)
        {
            if (line.Length > 4096) continue;
            foreach (var pattern in All)
            {
                try
                {
                    if (!pattern.Regex.IsMatch(line)) continue;
                }
                catch (RegexMatchTimeoutException)
                {
                    continue;
                }
                findings.Add(new LogFinding(pattern, line));
                break;
            }
        }
        return findings;
    }

    /// <summary>The finding that best explains the output: the most specific pattern found, its last occurrence.</summary>
    public static LogFinding? Explain(IEnumerable<string> lines)
    {
        var findings = Match(lines);
        if (findings.Count == 0) return null;
        var rank = All.Select((p, i) => (p, i)).ToDictionary(x => x.p.Name, x => x.i);
        return findings.Select((f, position) => (f, position))
            .OrderBy(x => rank[x.f.Pattern.Name]).ThenByDescending(x => x.position).First().f;
    }
}
