using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace Vigil.Cli.Tests.Support;

/// <summary>
/// A real Prometheus (the Debian package's /usr/bin/prometheus) in a temporary directory, listening on a free loopback
/// port, scraping the targets and loading the rule files it is given every second. Killed on dispose.
/// </summary>
internal sealed class PrometheusServer : IDisposable
{
    public const string Binary = "/usr/bin/prometheus";

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly string _dir;

    private PrometheusServer(string dir, Process process, Uri address)
    {
        _dir = dir;
        _process = process;
        Address = address;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
    }

    public Uri Address { get; }

    public HttpClient Http { get; }

    public string Output => string.Join("\n", _output);

    /// <summary>Starts Prometheus scraping <paramref name="target"/> (host:port) as job <paramref name="job"/>, and waits until it is ready.</summary>
    public static async Task<PrometheusServer> StartAsync(string job, string target, IEnumerable<string>? ruleFiles = null)
    {
        if (!File.Exists(Binary)) throw new FileNotFoundException($"{Binary} is missing: install the Debian package prometheus (test.sh does)", Binary);
        var dir = Path.Combine(Path.GetTempPath(), "vigil-prometheus-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var config = Path.Combine(dir, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            rule_files: [{string.Join(", ", (ruleFiles ?? []).Select(f => $"'{f}'"))}]
            scrape_configs:
            - job_name: {job}
              static_configs:
              - targets: ['{target}']
            """);
        var port = FreePort();
        var psi = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = dir };
        foreach (var a in new[] { $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(dir, "data")}", $"--web.listen-address=127.0.0.1:{port}", "--log.level=warn" })
            psi.ArgumentList.Add(a);
        var process = new Process { StartInfo = psi };
        var server = new PrometheusServer(dir, process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) server._output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) server._output.Enqueue(e.Data); };
        try
        {
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            await server.UntilAsync(async () => (await server.TryGetAsync("/-/ready"))?.StatusCode == HttpStatusCode.OK, "Prometheus to be ready");
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>An instant query through /api/v1/query: the result vector's samples (labels, value).</summary>
    public async Task<IReadOnlyList<(JsonObject Labels, double Value)>> QueryAsync(string promql)
    {
        var body = await Http.GetStringAsync(new Uri("/api/v1/query?query=" + Uri.EscapeDataString(promql), UriKind.Relative));
        var json = JsonNode.Parse(body)!.AsObject();
        if ((string?)json["status"] != "success") throw new InvalidOperationException($"query {promql} failed: {body}");
        if ((string?)json["data"]!["resultType"] != "vector") throw new InvalidOperationException($"query {promql} is not a vector: {body}");
        return json["data"]!["result"]!.AsArray()
            .Select(r => (r!["metric"]!.AsObject(), double.Parse(r["value"]![1]!.GetValue<string>(), CultureInfo.InvariantCulture)))
            .ToList();
    }

    /// <summary>The loaded rules from /api/v1/rules, each as its JSON object (name, health, lastError, state, lastEvaluation...).</summary>
    public async Task<IReadOnlyList<JsonObject>> RulesAsync()
    {
        var json = JsonNode.Parse(await Http.GetStringAsync(new Uri("/api/v1/rules", UriKind.Relative)))!;
        return json["data"]!["groups"]!.AsArray().SelectMany(g => g!["rules"]!.AsArray()).Select(r => r!.AsObject()).ToList();
    }

    /// <summary>Polls <paramref name="probe"/> until it holds; fails with Prometheus's output if it exits or the time runs out.</summary>
    public async Task UntilAsync(Func<Task<bool>> probe, string what, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await probe())
        {
            if (_process.HasExited) throw new InvalidOperationException($"prometheus exited ({_process.ExitCode}) while waiting for {what}:\n{Output}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what}:\n{Output}");
            await Task.Delay(200);
        }
    }

    private async Task<HttpResponseMessage?> TryGetAsync(string path)
    {
        try
        {
            return await Http.GetAsync(new Uri(path, UriKind.Relative));
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // never started
        }
        _process.Dispose();
        Http.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
