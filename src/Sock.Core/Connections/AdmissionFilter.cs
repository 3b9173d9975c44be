using System.Net;

namespace Sock.Core.Connections;

/// <summary>
/// Decides, at accept and before any byte is read, whether a peer may connect: null admits it, a reason refuses it (the
/// connection is closed at once and counted as rejected with that reason).
/// </summary>
public delegate string? AdmissionFilter(EndPoint? remote);
