using System.Net;

namespace Sock.Cli.Rendering;

/// <summary>The datagrams one peer exchanged with a service since its last log line (over <paramref name="Seconds"/>; 0 for a first one).</summary>
internal readonly record struct DatagramBatch(string Service, string Protocol, EndPoint? Remote, int DatagramsIn, long BytesIn,
    int RepliesOut, long BytesOut, double Seconds);
