using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Vigil.Cluster.Api;
using Vigil.Cluster.Registry;
using Vigil.Cluster.Serialization;
using Vigil.Cluster.Storage;
using Vigil.Cluster.Tables;

namespace Vigil.Cluster.Server;

/// <summary>Writes objects, lists, Tables and Status errors in the form a client asked for.</summary>
public static class Responses
{
    public static async Task WriteNode(HttpContext ctx, int status, JsonNode node, OutputFormat format = OutputFormat.Json)
    {
        ctx.Response.StatusCode = status;
        if (format == OutputFormat.Yaml)
        {
            ctx.Response.ContentType = "application/yaml";
            await ctx.Response.WriteAsync(YamlJson.ToYaml(node), ctx.RequestAborted);
            return;
        }
        ctx.Response.ContentType = "application/json";
        var bytes = JsonSerializer.SerializeToUtf8Bytes(node, Pretty(ctx) ? JsonDefaults.Indented : JsonDefaults.Compact);
        ctx.Response.ContentLength = bytes.Length;
        await ctx.Response.Body.WriteAsync(bytes, ctx.RequestAborted);
    }

    public static Task WriteError(HttpContext ctx, ApiException e)
    {
        if (e.RetryAfterSeconds is { } retry) ctx.Response.Headers.RetryAfter = retry.ToString(CultureInfo.InvariantCulture);
        return WriteNode(ctx, e.Code, e.ToStatus());
    }

    public static Task WriteText(HttpContext ctx, int status, string text)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "text/plain; charset=utf-8";
        return ctx.Response.WriteAsync(text, ctx.RequestAborted);
    }

    /// <summary>A single object in the requested format.</summary>
    public static Task WriteObject(HttpContext ctx, int status, ResourceType type, JsonObject obj, OutputFormat format, TimeProvider time) => format switch
    {
        OutputFormat.Table => WriteNode(ctx, status, Table(type, [obj], ListMeta(Meta.ResourceVersion(obj), null, 0), IncludeObject(ctx), time.GetUtcNow(), true)),
        OutputFormat.PartialMetadata => WriteNode(ctx, status, PartialObjectMetadata(obj)),
        _ => WriteNode(ctx, status, obj, format),
    };

    /// <summary>A list page. Plain JSON copies the stored bytes; other forms parse each item.</summary>
    public static async Task WriteList(HttpContext ctx, ResourceType type, ListPage page, string? continueToken, OutputFormat format, TimeProvider time)
    {
        var listMeta = ListMeta(page.ResourceVersion.ToString(CultureInfo.InvariantCulture), continueToken, page.NextKey is null ? 0 : page.RemainingItemCount);
        if (format == OutputFormat.Table)
        {
            var objects = page.Items.Select(i => ResourceOperations.ToView(type, i.ToNode())).ToList();
            await WriteNode(ctx, 200, Table(type, objects, listMeta, IncludeObject(ctx), time.GetUtcNow(), true));
            return;
        }
        if (format == OutputFormat.PartialMetadata)
        {
            var items = new JsonArray();
            foreach (var i in page.Items) items.Add(PartialObjectMetadata(i.ToNode()));
            await WriteNode(ctx, 200, new JsonObject
            {
                ["kind"] = "PartialObjectMetadataList",
                ["apiVersion"] = "meta.k8s.io/v1",
                ["metadata"] = listMeta,
                ["items"] = items,
            });
            return;
        }
        if (format == OutputFormat.Yaml || type.View is not null || type.IsCustom)
        {
            var items = new JsonArray();
            foreach (var i in page.Items) items.Add(ResourceOperations.ToView(type, i.ToNode()));
            await WriteNode(ctx, 200, new JsonObject { ["kind"] = type.ListKind, ["apiVersion"] = type.ApiVersion, ["metadata"] = listMeta, ["items"] = items }, format);
            return;
        }

        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json";
        var writer = ctx.Response.BodyWriter;
        var head = $"{{\"kind\":\"{type.ListKind}\",\"apiVersion\":\"{type.ApiVersion}\",\"metadata\":{listMeta.ToJsonString()},\"items\":[";
        Write(writer, Encoding.UTF8.GetBytes(head));
        // Items are copied in blocks of up to 16 KiB (unless one item is larger), each one HTTP chunk and one pipe segment,
        // so TLS encrypts each in one full-size record; a flush every 64 KiB or so.
        var stored = page.Items;
        var unflushed = 0;
        for (var i = 0; i < stored.Count;)
        {
            var end = i;
            var size = 0;
            while (end < stored.Count && (end == i || size + stored[end].Json.Length + 1 <= ListBlockBytes))
            {
                size += stored[end].Json.Length + (end > 0 ? 1 : 0);
                end++;
            }
            var span = writer.GetSpan(size);
            if (span.Length >= size)
            {
                for (var k = i; k < end; k++)
                {
                    if (k > 0)
                    {
                        span[0] = (byte)',';
                        span = span[1..];
                    }
                    var json = stored[k].Json;
                    json.CopyTo(span);
                    span = span[json.Length..];
                }
                writer.Advance(size);
            }
            else
            {
                for (var k = i; k < end; k++)
                {
                    if (k > 0) Write(writer, ","u8);
                    Write(writer, stored[k].Json);
                }
            }
            i = end;
            unflushed += size;
            if (unflushed >= 4 * ListBlockBytes)
            {
                await writer.FlushAsync(ctx.RequestAborted);
                unflushed = 0;
            }
        }
        Write(writer, "]}"u8);
        await writer.FlushAsync(ctx.RequestAborted);
    }

    /// <summary>A TLS record's worth, so the pipe's buffer comes from the array pool's 16 KiB bucket.</summary>
    private const int ListBlockBytes = 16 * 1024 - 64;

    private static void Write(IBufferWriter<byte> writer, ReadOnlySpan<byte> bytes)
    {
        var span = writer.GetSpan(bytes.Length);
        bytes.CopyTo(span);
        writer.Advance(bytes.Length);
    }

    public static JsonObject ListMeta(string? resourceVersion, string? continueToken, long remaining)
    {
        var meta = new JsonObject { ["resourceVersion"] = resourceVersion ?? "" };
        if (!string.IsNullOrEmpty(continueToken))
        {
            meta["continue"] = continueToken;
            if (remaining > 0) meta["remainingItemCount"] = remaining;
        }
        return meta;
    }

    public static JsonObject PartialObjectMetadata(JsonObject obj) => new()
    {
        ["kind"] = "PartialObjectMetadata",
        ["apiVersion"] = "meta.k8s.io/v1",
        ["metadata"] = obj["metadata"]?.DeepClone() ?? new JsonObject(),
    };

    /// <summary>A meta.k8s.io/v1 Table of the objects, with the columns kubectl shows for the resource.</summary>
    public static JsonObject Table(ResourceType type, IReadOnlyList<JsonObject> objects, JsonObject listMeta, string includeObject, DateTimeOffset now, bool withColumns)
    {
        var rows = new JsonArray();
        foreach (var obj in objects)
        {
            var row = new JsonObject { ["cells"] = TableConverter.Cells(type, obj, now) };
            switch (includeObject)
            {
                case "Object": row["object"] = obj.DeepClone(); break;
                case "None": break;
                default: row["object"] = PartialObjectMetadata(obj); break;
            }
            rows.Add(row);
        }
        var table = new JsonObject { ["kind"] = "Table", ["apiVersion"] = "meta.k8s.io/v1", ["metadata"] = listMeta };
        if (withColumns)
        {
            var columns = new JsonArray();
            foreach (var c in TableConverter.Columns(type))
                columns.Add(new JsonObject { ["name"] = c.Name, ["type"] = c.Type, ["format"] = c.Format, ["description"] = c.Description, ["priority"] = c.Priority });
            table["columnDefinitions"] = columns;
        }
        table["rows"] = rows;
        return table;
    }

    public static string IncludeObject(HttpContext ctx) => ctx.Request.Query["includeObject"].ToString() switch
    {
        "Object" => "Object",
        "None" => "None",
        _ => "Metadata",
    };

    private static bool Pretty(HttpContext ctx) => Negotiation.ParseBool(ctx.Request.Query["pretty"].ToString(), "pretty") == true;
}
