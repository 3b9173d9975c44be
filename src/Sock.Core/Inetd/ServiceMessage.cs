using System.Net;
using Sock.Core.Serving;

namespace Sock.Core.Inetd;

/// <summary>A message a service received and reports (the hello service prints what clients say).</summary>
/// <param name="Service">The service's name.</param>
/// <param name="Remote">Who sent it.</param>
/// <param name="Text">What was said, decoded as UTF-8, the line ending removed.</param>
public sealed record ServiceMessage(string Service, EndPoint? Remote, string Text);
