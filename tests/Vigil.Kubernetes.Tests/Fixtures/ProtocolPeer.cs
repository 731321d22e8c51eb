using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vigil.Kubernetes.Configuration;

namespace Vigil.Kubernetes.Tests.Fixtures;

/// <summary>
/// A minimal HTTP peer on 127.0.0.1:0 that answers with a test-supplied delegate: for protocol details (retries,
/// Retry-After, watch framing, dead connections, TLS) that need exact control over the bytes on the wire.
/// </summary>
internal sealed class ProtocolPeer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ProtocolPeer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<ProtocolPeer> StartAsync(RequestDelegate handler, Action<ListenOptions>? configureListen = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(options => options.Listen(IPAddress.Loopback, 0, listen => configureListen?.Invoke(listen)));
        var app = builder.Build();
        app.Run(handler);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ProtocolPeer(app, new Uri(address));
    }

    public KubernetesClientConfiguration Configuration(double qps = 1000, int burst = 1000) => new()
    {
        Server = Address,
        Qps = qps,
        Burst = burst,
        RequestTimeout = TimeSpan.FromSeconds(10),
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
