using System.Globalization;
using System.Net;

namespace Vigil.Operator.Hosting;

/// <summary>Where the metrics and health endpoints listen: <c>host:port</c>, the host an IP address or <c>localhost</c>.</summary>
public static class ListenAddress
{
    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="error"/> says what is wrong.</summary>
    public static bool TryParse(string? text, out IPEndPoint endpoint, out string error)
    {
        endpoint = new IPEndPoint(IPAddress.Loopback, 0);
        error = "";
        var colon = text?.LastIndexOf(':') ?? -1;
        if (string.IsNullOrWhiteSpace(text) || colon <= 0)
        {
            error = $"\"{text}\" is not a listen address (use host:port, e.g. 127.0.0.1:9090 or 0.0.0.0:9090)";
            return false;
        }
        var host = text[..colon].Trim('[', ']');
        if (!int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            error = $"\"{text}\" has no valid port (0 to 65535)";
            return false;
        }
        IPAddress? ip = host == "localhost" ? IPAddress.Loopback : IPAddress.TryParse(host, out var parsed) ? parsed : null;
        if (ip is null)
        {
            error = $"\"{host}\" in \"{text}\" is not an IP address or localhost";
            return false;
        }
        endpoint = new IPEndPoint(ip, port);
        return true;
    }
}
