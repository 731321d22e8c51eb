using System.Text.Encodings.Web;
using System.Text.Json;

namespace Vigil.Cluster.Storage;

/// <summary>Serializer settings shared by the server: compact output, characters kept as they are (Kubernetes does not escape '&lt;' or '+').</summary>
public static class JsonDefaults
{
    public static readonly JsonSerializerOptions Compact = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = false,
    };

    public static readonly JsonSerializerOptions Indented = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = true,
    };
}
