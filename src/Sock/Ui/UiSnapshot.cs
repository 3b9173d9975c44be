using Sock.Cli.Rendering;

namespace Sock.Cli.Ui;

/// <summary>
/// One frame of the dashboard: when, the port pair of the browser's own connection (to mark its row), the sockets, and
/// the byte counters of those that have them (TCP sockets with tcp_info; UDP sockets and TIME-WAIT have none).
/// </summary>
internal sealed record UiSnapshot(DateTimeOffset Time, int ServerPort, int BrowserPort, List<StatJsonRow> Sockets, List<UiSocketBytes> Bytes);

/// <summary>
/// A socket's byte counters since it was opened, keyed by its inode: tcp_info's bytes_acked (sent and acknowledged) and
/// bytes_received. The page turns two frames' counters into bytes per second.
/// </summary>
internal sealed record UiSocketBytes(long Inode, ulong Sent, ulong Received);
