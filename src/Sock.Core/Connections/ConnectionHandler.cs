namespace Sock.Core.Connections;

/// <summary>
/// Serves one stream connection: read <see cref="Connection.Input"/>, write and flush
/// <see cref="Connection.Output"/>, return when done. Returning closes the connection after what was written is sent.
/// </summary>
public delegate ValueTask ConnectionHandler(Connection connection);
