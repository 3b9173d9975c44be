namespace Sock.Core.Serving;

/// <summary>
/// Serves one stream connection: read <see cref="ServerConnection.Input"/>, write and flush
/// <see cref="ServerConnection.Output"/>, return when done. Returning closes the connection after what was written is sent.
/// </summary>
public delegate ValueTask ConnectionHandler(ServerConnection connection);
