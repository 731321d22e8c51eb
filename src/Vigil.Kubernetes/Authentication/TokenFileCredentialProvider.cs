namespace Vigil.Kubernetes.Authentication;

/// <summary>
/// A bearer token read from a file (kubeconfig <c>tokenFile</c>, the in-cluster service-account token).
/// The file is re-read when its modification time or size changes, and at least every <see cref="MaxAge"/>
/// (client-go re-reads every minute) so projected tokens that rotate are picked up.
/// </summary>
public sealed class TokenFileCredentialProvider : ICredentialProvider
{
    private readonly string _path;
    private readonly TimeProvider _timeProvider;
    private readonly Lock _gate = new();
    private Credential? _current;
    private DateTime _stampWriteTime;
    private long _stampLength;
    private DateTimeOffset _readAt;

    public TokenFileCredentialProvider(string path, TimeProvider timeProvider)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        _path = path;
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
    }

    public static TimeSpan MaxAge { get; } = TimeSpan.FromMinutes(1);

    public Credential? Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    public ValueTask<Credential> GetCredentialAsync(CancellationToken cancellationToken)
    {
        var info = new FileInfo(_path);
        lock (_gate)
        {
            var now = _timeProvider.GetUtcNow();
            if (_current is not null && info.Exists && info.LastWriteTimeUtc == _stampWriteTime && info.Length == _stampLength && now - _readAt < MaxAge)
            {
                return ValueTask.FromResult(_current);
            }

            string token;
            try
            {
                token = File.ReadAllText(_path).Trim();
            }
            catch (IOException exception) when (_current is not null)
            {
                // Keep the last good token if the file is briefly unreadable (atomic replacement in progress).
                _ = exception;
                return ValueTask.FromResult(_current);
            }
            catch (IOException exception)
            {
                throw new InvalidOperationException($"Cannot read token file '{_path}': {exception.Message}", exception);
            }

            _current = new Credential(BearerToken: token);
            _stampWriteTime = info.Exists ? info.LastWriteTimeUtc : default;
            _stampLength = info.Exists ? info.Length : 0;
            _readAt = now;
            return ValueTask.FromResult(_current);
        }
    }

    public void Invalidate()
    {
        lock (_gate)
        {
            _current = null;
        }
    }
}
