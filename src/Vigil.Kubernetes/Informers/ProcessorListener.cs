using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Vigil.Kubernetes.Models;

namespace Vigil.Kubernetes.Informers;

/// <summary>A registered handler of a shared informer.</summary>
public interface IInformerRegistration
{
    /// <summary>True once the informer has synced and this handler has been given every object of the initial list.</summary>
    bool HasSynced { get; }
}

/// <summary>
/// One handler's mailbox: notifications are buffered without bound (client-go starts at 1024 and grows) and delivered
/// by the listener's own task, in order, so a slow handler never blocks the informer or other handlers.
/// </summary>
internal sealed partial class ProcessorListener<T> : IInformerRegistration
    where T : class, IKubernetesObject
{
    private readonly Channel<Notification<T>> _channel = Channel.CreateUnbounded<Notification<T>>(new UnboundedChannelOptions { SingleReader = true });
    private readonly IResourceEventHandler<T> _handler;
    private readonly Func<bool> _informerSynced;
    private readonly ILogger _logger;
    private long _pendingInitial;
    private Task? _run;

    public ProcessorListener(IResourceEventHandler<T> handler, TimeSpan resyncPeriod, Func<bool> informerSynced, TimeProvider time, ILogger logger)
    {
        _handler = handler;
        ResyncPeriod = resyncPeriod;
        _informerSynced = informerSynced;
        _logger = logger;
        NextResync = resyncPeriod > TimeSpan.Zero ? time.GetUtcNow() + resyncPeriod : DateTimeOffset.MaxValue;
    }

    public TimeSpan ResyncPeriod { get; }

    public DateTimeOffset NextResync { get; set; }

    /// <summary>Set while this listener is due for the resync being delivered.</summary>
    public bool Syncing { get; set; }

    public bool HasSynced => _informerSynced() && Interlocked.Read(ref _pendingInitial) == 0;

    public void Start() => _run ??= Task.Run(RunAsync);

    public void Add(Notification<T> notification)
    {
        if (notification.Kind == NotificationKind.Add && notification.IsInInitialList)
        {
            Interlocked.Increment(ref _pendingInitial);
        }

        _channel.Writer.TryWrite(notification);
    }

    public async Task StopAsync()
    {
        _channel.Writer.TryComplete();
        if (_run is not null)
        {
            await _run;
        }
    }

    private async Task RunAsync()
    {
        await foreach (var notification in _channel.Reader.ReadAllAsync())
        {
            try
            {
                switch (notification.Kind)
                {
                    case NotificationKind.Add:
                        _handler.OnAdd(notification.New, notification.IsInInitialList);
                        break;
                    case NotificationKind.Update:
                        _handler.OnUpdate(notification.Old!, notification.New);
                        break;
                    case NotificationKind.Delete:
                        _handler.OnDelete(notification.New, notification.IsTombstone);
                        break;
                }
            }
            catch (Exception exception)
            {
                LogHandlerFailed(_logger, notification.Kind, ObjectKeys.For(notification.New), exception);
            }
            finally
            {
                if (notification.Kind == NotificationKind.Add && notification.IsInInitialList)
                {
                    Interlocked.Decrement(ref _pendingInitial);
                }
            }
        }

    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Error, Message = "Event handler failed on {Kind} of {Key}")]
    private static partial void LogHandlerFailed(ILogger logger, NotificationKind kind, string key, Exception exception);
}

internal enum NotificationKind
{
    Add,
    Update,
    Delete,
}

internal sealed record Notification<T>(NotificationKind Kind, T New, T? Old = null, bool IsInInitialList = false, bool IsTombstone = false)
    where T : class;
