using System.Net.Sockets;

namespace Sock.Core.Errors;

/// <summary>
/// A failure a user can cause, typed so that a front end can word it and pick the exit code.
/// The library never words the whole message itself: it carries what failed (<see cref="Operation"/>,
/// <see cref="Target"/>), the operating system's error (<see cref="SocketError"/>) and a short reason.
/// </summary>
public sealed class SockException : Exception
{
    /// <summary>Creates an error: its kind (which a front end turns into an exit code), what failed and on what, and why.</summary>
    public SockException(SockErrorKind kind, string operation, string? target, string reason,
        SocketError? socketError = null, Exception? inner = null)
        : base(Compose(operation, OneLine(target), OneLine(reason)!), inner)
    {
        Kind = kind;
        Operation = operation;
        Target = OneLine(target);
        Reason = OneLine(reason)!;
        SocketError = socketError;
    }

    private SockException(SockErrorKind kind, string operation, string reason, SocketError? socketError, bool said)
        : base($"{OneLine(operation)}: {OneLine(reason)}")
    {
        _ = said;
        Kind = kind;
        Operation = OneLine(operation)!;
        Reason = OneLine(reason)!;
        SocketError = socketError;
    }

    /// <summary>
    /// A network error a peer said in its own words — a proxy refusing a connection — rather than one the system
    /// reported: no target, and the message is "operation: reason" without "failed"
    /// ("SOCKS5 proxy 127.0.0.1:1080 refused the connection to 10.1.2.3:22: connection refused (reply 5)").
    /// </summary>
    internal static SockException Said(string operation, string reason, SocketError? socketError = null) =>
        new(SockErrorKind.Network, operation, reason, socketError, said: true);

    // Targets and reasons often quote what the user typed, and input can hold newlines or other control characters:
    // they are written as escapes (\n, \x00) so the error stays the one line it is meant to be.
    private static string? OneLine(string? text)
    {
        if (text is null || !text.Any(char.IsControl)) return text;
        var sb = new System.Text.StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (!char.IsControl(c)) sb.Append(c);
            else sb.Append(c switch { '\n' => "\\n", '\r' => "\\r", '\t' => "\\t", _ => $"\\x{(int)c:x2}" });
        }
        return sb.ToString();
    }

    /// <summary>Usage or network.</summary>
    public SockErrorKind Kind { get; }

    /// <summary>What was being done: "connect", "bind", "resolve", "parse port"…</summary>
    public string Operation { get; }

    /// <summary>The endpoint, name or input the operation was about, if any.</summary>
    public string? Target { get; }

    /// <summary>Why it failed, in a few words.</summary>
    public string Reason { get; }

    /// <summary>The operating system's socket error, when one caused this.</summary>
    public SocketError? SocketError { get; }

    /// <summary>A usage error about <paramref name="input"/>.</summary>
    internal static SockException Usage(string what, string input, string reason) =>
        new(SockErrorKind.Usage, what, input, reason);

    /// <summary>A network error from a <see cref="SocketException"/>, keeping the OS error.</summary>
    internal static SockException FromSocket(string operation, string? target, SocketException ex) =>
        new(SockErrorKind.Network, operation, target, SocketErrorText.Describe(ex.SocketErrorCode), ex.SocketErrorCode, ex);

    /// <summary>A network error for an operation that ran out of time.</summary>
    internal static SockException TimedOut(string operation, string? target, TimeSpan after) =>
        new(SockErrorKind.Network, operation, target, $"timed out after {Durations.Format(after)}", System.Net.Sockets.SocketError.TimedOut);

    private static string Compose(string operation, string? target, string reason) =>
        target is null ? $"{operation} failed: {reason}" : $"{operation} {target} failed: {reason}";
}
