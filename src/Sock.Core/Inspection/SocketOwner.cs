namespace Sock.Core.Inspection;

/// <summary>A process holding a socket open through one of its file descriptors.</summary>
/// <param name="Pid">The process id.</param>
/// <param name="Command">The process's command name (comm).</param>
/// <param name="Fd">The file descriptor number in that process.</param>
public sealed record SocketOwner(int Pid, string Command, int Fd);
