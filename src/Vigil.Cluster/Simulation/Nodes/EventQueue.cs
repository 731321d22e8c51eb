using System.Threading.Channels;
using System.Text.Json.Nodes;

namespace Vigil.Cluster.Simulation.Nodes;

/// <summary>
/// Records Events off the caller's path, as client-go's event broadcaster does: the kubelets and the scheduler hand their
/// events over and go on; one writer records them in order. When the writer falls far behind, new events are dropped
/// (client-go drops them when its queue is full) rather than slowing the components that raise them.
/// </summary>
internal sealed class EventQueue : IAsyncDisposable
{
    private const int Capacity = 200_000;
    private readonly Channel<Item> _channel = Channel.CreateBounded<Item>(new BoundedChannelOptions(Capacity)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });
    private readonly Task _writer;
    private readonly CancellationTokenSource _stop = new();

    private readonly record struct Item(EventRecorder Recorder, JsonObject Object, string Type, string Reason, string Message, string? FieldPath, string? Host);

    public EventQueue() => _writer = Task.Run(WriteAsync);

    public void Record(EventRecorder recorder, JsonObject obj, string type, string reason, string message, string? fieldPath = null, string? host = null) =>
        _channel.Writer.TryWrite(new Item(recorder, obj, type, reason, message, fieldPath, host));

    /// <summary>Events waiting to be written.</summary>
    public int Backlog => _channel.Reader.Count;

    private async Task WriteAsync()
    {
        await foreach (var item in _channel.Reader.ReadAllAsync(_stop.Token).WithCancellation(_stop.Token).ConfigureAwait(false))
        {
            try
            {
                item.Recorder.Record(item.Object, item.Type, item.Reason, item.Message, item.FieldPath, item.Host);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // An event that cannot be written is dropped, as client-go does.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        await _stop.CancelAsync();
        try
        {
            await _writer;
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }
}
