using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Vigil.Cluster.Server;
using Vigil.Cluster.Tests.Support;

namespace Vigil.Cluster.Tests.Server;

public sealed class WatchTests(ClusterFixture fx) : IClassFixture<ClusterFixture>
{
    private readonly HttpClient _http = fx.Http;

    private async Task<string> NewNamespace()
    {
        var name = "w-" + Guid.NewGuid().ToString("N")[..10];
        (await _http.Post("/api/v1/namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = name } })).Status.ShouldBe(201);
        return name;
    }

    private static JsonObject Cm(string name, string value = "0", string? app = null) => new()
    {
        ["metadata"] = app is null ? new JsonObject { ["name"] = name } : new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["app"] = app } },
        ["data"] = new JsonObject { ["v"] = value },
    };

    [Fact]
    public async Task A_watch_from_a_list_version_sees_each_later_change_once_in_order()
    {
        var ns = await NewNamespace();
        await _http.Post($"/api/v1/namespaces/{ns}/configmaps", Cm("before"));
        var (_, list) = await _http.Get($"/api/v1/namespaces/{ns}/configmaps");
        var rv = list!["metadata"]!["resourceVersion"]!.GetValue<string>();
        await using var watch = await WatchStream.Open(_http, $"/api/v1/namespaces/{ns}/configmaps?watch=true&resourceVersion={rv}");
        watch.StatusCode.ShouldBe(200);
        await _http.Post($"/api/v1/namespaces/{ns}/configmaps", Cm("a"));
        await _http.Patch($"/api/v1/namespaces/{ns}/configmaps/a", """{"data":{"v":"1"}}""", "application/merge-patch+json");
        await _http.Delete($"/api/v1/namespaces/{ns}/configmaps/a");
        var events = await watch.Take(3);
        events.Select(e => e.Type()).ShouldBe(["ADDED", "MODIFIED", "DELETED"]);
        events.ShouldAllBe(e => e.Name() == "a");
        events.Select(e => e.Rv()).ShouldBeInOrder(SortDirection.Ascending);
        events[1]["object"]!["data"]!["v"]!.GetValue<string>().ShouldBe("1");
    }

    [Fact]
    public async Task A_watch_without_a_version_starts_with_synthetic_ADDED_events()
    {
        var ns = await NewNamespace();
        await _http.Post($"/api/v1/namespaces/{ns}/configmaps", Cm("one"));
        await _http.Post($"/api/v1/namespaces/{ns}/configmaps", Cm("two"));
        await using var watch = await WatchStream.Open(_http, $"/api/v1/namespaces/{ns}/configmaps?watch=1");
        var initial = await watch.Take(2);
        initial.Select(e => (e.Type(), e.Name())).ShouldBe([("ADDED", "one"), ("ADDED", "two")]);
        await _http.Post($"/api/v1/namespaces/{ns}/configmaps", Cm("three"));
        (await watch.Take(1))[0].Name().ShouldBe("three");
    }

    [Fact]
    public async Task A_single_object_watch_by_name_field_selector_sees_only_that_object()
    {
        var ns = await NewNamespace();
        await using var watch = await WatchStream.Open(_http, $"/api/v1/namespaces/{ns}/configmaps?watch=true&fieldSelector=metadata.name%3Dme");
        await _http.Post($"/api/v1/namespaces/{ns}/configmaps", Cm("other"));
        await _http.Post($"/api/v1/namespaces/{ns}/configmaps", Cm("me"));
        var e = (await watch.Take(1))[0];
        e.Name().ShouldBe("me");
    }

    [Fact]
    public async Task Bookmarks_carry_only_a_resourceVersion_and_timeoutSeconds_ends_the_watch()
    {
        var ns = await NewNamespace();
        await using var watch = await WatchStream.Open(_http, $"/api/v1/namespaces/{ns}/configmaps?watch=true&timeoutSeconds=1&allowWatchBookmarks=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan");
        var bookmark = (await watch.Next())!;
        bookmark!.Type().ShouldBe("BOOKMARK");
        bookmark["object"]!["kind"]!.GetValue<string>().ShouldBe("ConfigMap");
        bookmark["object"]!["metadata"]!["annotations"]!["k8s.io/initial-events-end"]!.GetValue<string>().ShouldBe("true");
        bookmark["object"]!["data"].ShouldBeNull();
        JsonNode? next;
        do next = await watch.Next(TimeSpan.FromSeconds(10));
        while (next is not null && next.Type() == "BOOKMARK");
        next.ShouldBeNull();
    }

    [Fact]
    public async Task SendInitialEvents_without_NotOlderThan_is_rejected_so_clients_fall_back()
    {
        var (status, body) = await _http.Get("/api/v1/configmaps?watch=true&sendInitialEvents=true");
        status.ShouldBe(422);
        body!["reason"]!.GetValue<string>().ShouldBe("Invalid");
    }

    [Fact]
    public async Task Many_watchers_each_see_every_change_exactly_once_in_order_while_many_writers_conflict()
    {
        var ns = await NewNamespace();
        await _http.Post($"/api/v1/namespaces/{ns}/configmaps", Cm("counter", "0"));
        var (_, list) = await _http.Get($"/api/v1/namespaces/{ns}/configmaps");
        var rv = list!["metadata"]!["resourceVersion"]!.GetValue<string>();
        var watchers = new List<WatchStream>();
        for (var i = 0; i < 10; i++) watchers.Add(await WatchStream.Open(_http, $"/api/v1/namespaces/{ns}/configmaps?watch=true&resourceVersion={rv}"));

        // 8 writers increment one counter with optimistic concurrency; every success is one committed change.
        var conflicts = 0;
        var successes = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            for (var done = 0; done < 25;)
            {
                var (_, current) = await _http.Get($"/api/v1/namespaces/{ns}/configmaps/counter");
                var value = int.Parse(current!["data"]!["v"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
                current["data"]!["v"] = (value + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
                var (status, _) = await _http.Put($"/api/v1/namespaces/{ns}/configmaps/counter", current);
                if (status == 409) Interlocked.Increment(ref conflicts);
                else { status.ShouldBe(200); Interlocked.Increment(ref successes); done++; }
            }
        }));
        successes.ShouldBe(200);
        var (_, final) = await _http.Get($"/api/v1/namespaces/{ns}/configmaps/counter");
        final!["data"]!["v"]!.GetValue<string>().ShouldBe("200");

        foreach (var w in watchers)
        {
            var events = await w.Take(200);
            events.ShouldAllBe(e => e.Type() == "MODIFIED");
            events.Select(e => e.Rv()).ShouldBeInOrder(SortDirection.Ascending);
            events.Select(e => e.Rv()).Distinct().Count().ShouldBe(200);
            events.Select(e => int.Parse(e["object"]!["data"]!["v"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)).ShouldBe(Enumerable.Range(1, 200));
            await w.DisposeAsync();
        }
    }
}

/// <summary>A cluster with a short watch history, to provoke 410 Expired.</summary>
public sealed class ShortHistoryFixture : ClusterFixture
{
    protected override ClusterOptions Options => new() { HistoryPerResource = 5, Simulate = false };
}

public sealed class ExpiryTests(ShortHistoryFixture fx) : IClassFixture<ShortHistoryFixture>
{
    private readonly HttpClient _http = fx.Http;

    [Fact]
    public async Task A_watch_from_a_version_older_than_the_history_gets_an_ERROR_410_event()
    {
        var (_, list) = await _http.Get("/api/v1/namespaces/default/secrets");
        var rv = list!["metadata"]!["resourceVersion"]!.GetValue<string>();
        for (var i = 0; i < 10; i++)
            await _http.Post("/api/v1/namespaces/default/secrets", new JsonObject { ["metadata"] = new JsonObject { ["name"] = $"s{i}" } });
        await using var watch = await WatchStream.Open(_http, $"/api/v1/namespaces/default/secrets?watch=true&resourceVersion={rv}");
        watch.StatusCode.ShouldBe(200);
        var e = (await watch.Next())!;
        e!.Type().ShouldBe("ERROR");
        e["object"]!["code"]!.GetValue<int>().ShouldBe(410);
        e["object"]!["reason"]!.GetValue<string>().ShouldBe("Expired");
        e["object"]!["message"]!.GetValue<string>().ShouldStartWith("too old resource version:");
        (await watch.Next()).ShouldBeNull();
    }

    [Fact]
    public async Task A_continue_token_older_than_the_history_is_Expired()
    {
        for (var i = 0; i < 4; i++)
            await _http.Post("/api/v1/namespaces/default/serviceaccounts", new JsonObject { ["metadata"] = new JsonObject { ["name"] = $"sa{i}" } });
        var (_, page) = await _http.Get("/api/v1/namespaces/default/serviceaccounts?limit=2");
        var token = page!["metadata"]!["continue"]!.GetValue<string>();
        for (var i = 0; i < 10; i++)
            await _http.Post("/api/v1/namespaces/default/serviceaccounts", new JsonObject { ["metadata"] = new JsonObject { ["name"] = $"later{i}" } });
        var (status, error) = await _http.Get($"/api/v1/namespaces/default/serviceaccounts?limit=2&continue={token}");
        status.ShouldBe(410);
        error!["reason"]!.GetValue<string>().ShouldBe("Expired");
    }
}

/// <summary>A cluster with a small request budget, to provoke 429.</summary>
public sealed class BudgetFixture : ClusterFixture
{
    protected override ClusterOptions Options => new() { RequestsPerSecond = 1, RequestBurst = 5, Simulate = false };
}

public sealed class RequestBudgetTests(BudgetFixture fx) : IClassFixture<BudgetFixture>
{
    [Fact]
    public async Task Past_the_request_budget_the_server_answers_429_with_Retry_After()
    {
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 20 && refused is null; i++)
        {
            var response = await fx.Http.GetAsync("/api/v1/namespaces");
            if ((int)response.StatusCode == 429) refused = response;
            else response.Dispose();
        }
        refused.ShouldNotBeNull();
        refused.Headers.RetryAfter.ShouldNotBeNull();
        var body = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!;
        body["reason"]!.GetValue<string>().ShouldBe("TooManyRequests");
        refused.Dispose();
        (await fx.Http.GetAsync("/healthz")).IsSuccessStatusCode.ShouldBeTrue();
    }
}
