using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Vigil.Cluster.Api;
using Vigil.Cluster.Registry;
using Vigil.Cluster.Storage;

namespace Vigil.Cluster.Server;

public sealed partial class ApiRequestHandler
{
    /// <summary>
    /// A watch: newline-delimited JSON events, each batch flushed as soon as it is read. Starts from a resourceVersion,
    /// or from "now" with synthetic ADDED events for the current state; turns selector transitions into ADDED/DELETED;
    /// answers a version older than the history with an ERROR 410 event.
    /// </summary>
    private async Task WatchAsync(HttpContext ctx, RequestInfo info)
    {
        var q = ctx.Request.Query;
        var type = info.Type;
        var filter = Filter(info, q["labelSelector"].ToString(), q["fieldSelector"].ToString(), out _);
        var prefix = info.Namespace is null ? null : info.Namespace + "/";
        bool Matches(StoredObject? o) => o is not null && (prefix is null || o.Key.StartsWith(prefix, StringComparison.Ordinal)) && filter(o);

        var bookmarks = Negotiation.ParseBool(q["allowWatchBookmarks"].ToString(), "allowWatchBookmarks") == true;
        var sendInitial = Negotiation.ParseBool(q["sendInitialEvents"].ToString(), "sendInitialEvents");
        var rvText = q["resourceVersion"].ToString();
        var rvMatch = q["resourceVersionMatch"].ToString();
        if (sendInitial is not null)
        {
            if (rvMatch != "NotOlderThan")
                throw ApiException.Invalid("ListOptions", "", [new("FieldValueForbidden", "Forbidden: sendInitialEvents is forbidden for watch unless resourceVersionMatch is set to NotOlderThan", "sendInitialEvents")], "meta.k8s.io");
            if (sendInitial == true && !bookmarks)
                throw ApiException.Invalid("ListOptions", "", [new("FieldValueForbidden", "Forbidden: sendInitialEvents requires setting allowWatchBookmarks to true", "allowWatchBookmarks")], "meta.k8s.io");
        }
        else if (rvMatch.Length > 0)
        {
            throw ApiException.Invalid("ListOptions", "", [new("FieldValueForbidden", "Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided", "resourceVersionMatch")], "meta.k8s.io");
        }
        var timeoutSeconds = ParseInt(q["timeoutSeconds"].ToString(), "timeoutSeconds") ?? Random.Shared.Next(1800, 3600);
        var format = Format(ctx);
        var includeObject = Responses.IncludeObject(ctx);

        var initial = new List<StoredObject>();
        StoreWatch watch;
        var startFromNow = rvText is "" or "0";
        try
        {
            if (sendInitial == true || (sendInitial is null && startFromNow))
            {
                var (items, rv) = _ops.Store.Snapshot(type.StorageKey);
                foreach (var item in items)
                    if (Matches(item)) initial.Add(item);
                watch = _ops.Store.Watch(type.StorageKey, rv);
            }
            else
            {
                watch = _ops.Store.Watch(type.StorageKey, startFromNow ? _ops.Store.CurrentResourceVersion : ParseResourceVersion(rvText));
            }
        }
        catch (HistoryExpiredException e)
        {
            // The real server answers 200 with a single ERROR event, then closes; clients relist.
            ctx.Response.StatusCode = 200;
            ctx.Response.ContentType = "application/json";
            var status = ApiException.Gone(e.Message).ToStatus();
            await ctx.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(new JsonObject { ["type"] = "ERROR", ["object"] = status }.ToJsonString() + "\n"), ctx.RequestAborted);
            return;
        }

        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json";
        ctx.Response.Headers.CacheControl = "no-cache, private";
        // Events are copied into the response pipe and flushed once per batch, after the events that arrived meanwhile
        // (as the real server flushes when its queue is empty), instead of a write-and-flush per event.
        var writer = ctx.Response.BodyWriter;
        await ctx.Response.StartAsync(ctx.RequestAborted);
        var firstTable = true;

        byte[] Render(string eventType, StoredObject obj, WatchEvent? change)
        {
            if (format == OutputFormat.Json && type.View is null && !type.IsCustom)
                return change is not null && eventType == WatchEvent.TypeName(change.Type) ? change.Line : WatchEvent.BuildLine(eventType, obj.Json);
            var view = ResourceOperations.ToView(type, obj.ToNode());
            JsonNode rendered = format switch
            {
                OutputFormat.Table => Responses.Table(type, [view], Responses.ListMeta(Meta.ResourceVersion(view), null, 0), includeObject, Time.GetUtcNow(), firstTable),
                OutputFormat.PartialMetadata => Responses.PartialObjectMetadata(view),
                _ => view,
            };
            firstTable = false;
            return WatchEvent.BuildLine(eventType, JsonSerializer.SerializeToUtf8Bytes(rendered, JsonDefaults.Compact));
        }

        // Lines are gathered and copied into the pipe in blocks of up to 16 KiB, each one HTTP chunk and one pipe segment,
        // so the TLS layer encrypts a batch in full-size records rather than one small record per 4 KiB pool block.
        var pending = new List<byte[]>();
        var pendingBytes = 0;
        long unflushed = 0;
        void Append(byte[] line)
        {
            if (pendingBytes > 0 && pendingBytes + line.Length > BlockBytes) WritePending();
            pending.Add(line);
            pendingBytes += line.Length;
        }

        void WritePending()
        {
            if (pendingBytes == 0) return;
            var span = writer.GetSpan(pendingBytes);
            if (span.Length >= pendingBytes)
            {
                foreach (var line in pending)
                {
                    line.CopyTo(span);
                    span = span[line.Length..];
                }
                writer.Advance(pendingBytes);
            }
            else
            {
                foreach (var line in pending) writer.Write(line);
            }
            unflushed += pendingBytes;
            pending.Clear();
            pendingBytes = 0;
        }

        ValueTask<FlushResult> Flush(CancellationToken cancellationToken)
        {
            WritePending();
            unflushed = 0;
            return writer.FlushAsync(cancellationToken);
        }

        void AppendBatch(IReadOnlyList<WatchEvent> batch)
        {
            foreach (var change in batch)
            {
                var now = Matches(change.Object) && change.Type != WatchEventType.Deleted;
                var before = change.Type != WatchEventType.Added && Matches(change.Previous);
                string? eventType = change.Type switch
                {
                    WatchEventType.Added => now ? "ADDED" : null,
                    WatchEventType.Deleted => before ? "DELETED" : null,
                    _ => (now, before) switch
                    {
                        (true, true) => "MODIFIED",
                        (true, false) => "ADDED",
                        (false, true) => "DELETED",
                        _ => null,
                    },
                };
                if (eventType is not null) Append(Render(eventType, change.Object, change));
            }
        }

        using var expiry = new CancellationTokenSource(TimeSpan.FromSeconds(Math.Max(0, timeoutSeconds)), Time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, expiry.Token);
        var token = timeout.Token;
        try
        {
            foreach (var item in initial)
            {
                token.ThrowIfCancellationRequested();
                Append(Render("ADDED", item, null));
                if (unflushed + pendingBytes >= FlushThreshold) await Flush(token);
            }
            if (sendInitial == true)
                Append(Bookmark(type, watch.LastResourceVersion, initialEventsEnd: true));
            await Flush(token);

            while (!token.IsCancellationRequested)
            {
                IReadOnlyList<WatchEvent> batch;
                if (!bookmarks)
                {
                    batch = await watch.NextAsync(token);
                }
                else
                {
                    using var idleTimer = new CancellationTokenSource(_options.BookmarkInterval, Time);
                    using var idle = CancellationTokenSource.CreateLinkedTokenSource(token, idleTimer.Token);
                    try
                    {
                        batch = await watch.NextAsync(idle.Token);
                    }
                    catch (OperationCanceledException) when (!token.IsCancellationRequested)
                    {
                        Append(Bookmark(type, _ops.Store.CurrentResourceVersion, initialEventsEnd: false));
                        await Flush(token);
                        continue;
                    }
                }
                AppendBatch(batch);
                // Events committed while this batch was written go out with it.
                while (unflushed + pendingBytes < FlushThreshold && watch.TryNext(out var more)) AppendBatch(more);
                await Flush(token);
            }
        }
        catch (HistoryExpiredException e)
        {
            var status = ApiException.Gone(e.Message).ToStatus();
            Append(Encoding.UTF8.GetBytes(new JsonObject { ["type"] = "ERROR", ["object"] = status }.ToJsonString() + "\n"));
            await Flush(ctx.RequestAborted);
        }
        catch (OperationCanceledException) when (!ctx.RequestAborted.IsCancellationRequested)
        {
            // timeoutSeconds elapsed: end the response cleanly; the client re-watches from its last version.
        }
    }

    /// <summary>Bytes of events buffered before a flush while sending initial events or catching up.</summary>
    private const int FlushThreshold = 256 * 1024;

    /// <summary>
    /// Largest block of event lines copied into the response at once (unless one line is larger): one TLS record's worth,
    /// and small enough that the pipe's buffer for it comes from the array pool's 16 KiB bucket, never the large object heap.
    /// </summary>
    private const int BlockBytes = 16 * 1024 - 64;

    private static byte[] Bookmark(ResourceType type, long rv, bool initialEventsEnd)
    {
        var meta = new JsonObject { ["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture) };
        if (initialEventsEnd) meta["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
        var obj = new JsonObject { ["kind"] = type.Kind, ["apiVersion"] = type.ApiVersion, ["metadata"] = meta };
        return WatchEvent.BuildLine("BOOKMARK", Encoding.UTF8.GetBytes(obj.ToJsonString()));
    }
}
