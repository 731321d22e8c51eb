namespace Vigil.Operator.Extensions;

/// <summary>A Vigil resource that cannot be used: <see cref="Field"/> says where, the message why.</summary>
public sealed class InvalidResourceException : Exception
{
    public InvalidResourceException(string field, string problem) : base($"{field}: {problem}") => Field = field;

    public InvalidResourceException() { }

    public InvalidResourceException(string message) : base(message) { }

    public InvalidResourceException(string message, Exception inner) : base(message, inner) { }

    public string Field { get; } = "";
}
