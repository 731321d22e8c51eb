using Vigil.Cluster.Api;

namespace Vigil.Cluster.Server;

/// <summary>What a response is rendered as, chosen from the request's Accept header.</summary>
public enum OutputFormat
{
    Json,
    Yaml,
    /// <summary><c>as=Table</c>: kubectl's server-side printing.</summary>
    Table,
    /// <summary><c>as=PartialObjectMetadata(List)</c>: metadata only.</summary>
    PartialMetadata,
}

/// <summary>Content negotiation as kube-apiserver does it: the first acceptable media range wins.</summary>
public static class Negotiation
{
    public static OutputFormat Choose(string? accept)
    {
        if (string.IsNullOrWhiteSpace(accept)) return OutputFormat.Json;
        foreach (var range in accept.Split(','))
        {
            var parts = range.Split(';');
            var mediaType = parts[0].Trim().ToLowerInvariant();
            string? @as = null, group = null;
            foreach (var p in parts.Skip(1))
            {
                var kv = p.Split('=', 2);
                if (kv.Length != 2) continue;
                switch (kv[0].Trim())
                {
                    case "as": @as = kv[1].Trim(); break;
                    case "g": group = kv[1].Trim(); break;
                }
            }
            if (mediaType is not ("application/json" or "application/yaml" or "*/*" or "application/*")) continue;
            if (@as is null) return mediaType == "application/yaml" ? OutputFormat.Yaml : OutputFormat.Json;
            if (group != "meta.k8s.io") continue;
            if (@as == "Table") return OutputFormat.Table;
            if (@as is "PartialObjectMetadata" or "PartialObjectMetadataList") return OutputFormat.PartialMetadata;
        }
        throw new ApiException(406, "NotAcceptable", $"only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf");
    }

    /// <summary>Go's strconv.ParseBool, which clients rely on (the Python client sends <c>True</c>).</summary>
    public static bool? ParseBool(string? value, string name) => value switch
    {
        null or "" => null,
        "1" or "t" or "T" or "true" or "TRUE" or "True" => true,
        "0" or "f" or "F" or "false" or "FALSE" or "False" => false,
        _ => throw ApiException.BadRequest($"invalid value for {name}: strconv.ParseBool: parsing \"{value}\": invalid syntax"),
    };
}
