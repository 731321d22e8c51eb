using System.Net;
using System.Net.Sockets;

namespace Vigil.Kubernetes.Tests.Fixtures;

/// <summary>
/// A TCP proxy on 127.0.0.1 in front of the simulated API server (TLS passes through untouched) that can cut every
/// open connection and refuse new ones: forced disconnects for watch and informer tests.
/// </summary>
internal sealed class ChaosProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Uri _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly List<(TcpClient Client, TcpClient Upstream)> _connections = [];
    private readonly Task _acceptLoop;
    private volatile bool _refusing;

    public ChaosProxy(Uri target)
    {
        _target = target;
        _listener.Start();
        Address = new Uri($"https://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        _acceptLoop = AcceptLoopAsync();
    }

    public Uri Address { get; }

    /// <summary>Connections accepted so far.</summary>
    public int Accepted { get; private set; }

    /// <summary>Closes every open connection; with <paramref name="refuseNew"/> new ones are closed at once until <see cref="Heal"/>.</summary>
    public void Cut(bool refuseNew = false)
    {
        _refusing = refuseNew;
        List<(TcpClient Client, TcpClient Upstream)> open;
        lock (_gate)
        {
            open = [.. _connections];
            _connections.Clear();
        }

        foreach (var (client, upstream) in open)
        {
            Abort(client);
            upstream.Dispose();
        }
    }

    public void Heal() => _refusing = false;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Cut();
        try
        {
            await _acceptLoop;
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Accepted++;
            if (_refusing)
            {
                Abort(client);
                continue;
            }

            var upstream = new TcpClient();
            try
            {
                await upstream.ConnectAsync(_target.Host, _target.Port, _stop.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException)
            {
                client.Dispose();
                upstream.Dispose();
                continue;
            }

            lock (_gate)
            {
                _connections.Add((client, upstream));
            }

            _ = PumpAsync(client, upstream);
        }
    }

    /// <summary>Closes with a reset, as a dead peer or a dropped NAT entry would look.</summary>
    private static void Abort(TcpClient client)
    {
        try
        {
            if (client.Client is { } socket)
            {
                socket.LingerState = new LingerOption(true, 0);
            }
        }
        catch (Exception exception) when (exception is ObjectDisposedException or SocketException)
        {
        }

        client.Dispose();
    }

    private static async Task PumpAsync(TcpClient client, TcpClient upstream)
    {
        try
        {
            var a = client.GetStream();
            var b = upstream.GetStream();
            await Task.WhenAny(a.CopyToAsync(b), b.CopyToAsync(a));
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException or SocketException or InvalidOperationException)
        {
        }
        finally
        {
            client.Dispose();
            upstream.Dispose();
        }
    }
}
