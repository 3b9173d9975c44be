using System.Text;
using Sock.Core.Http;

namespace Sock.Tests.Http;

/// <summary>
/// The load generator's HTTP/1.x response reader on the framings servers use, fed whole and one byte at a time (a
/// response split anywhere across reads must come out the same), and on malformed input, which has a defined outcome.
/// </summary>
public sealed class HttpResponseReaderTests
{
    private static List<int> ReadAll(string wire, int step, bool head = false, bool endOfStream = false)
    {
        var bytes = Encoding.ASCII.GetBytes(wire);
        var reader = new HttpResponseReader { HeadRequest = head };
        var statuses = new List<int>();
        var pending = new List<byte>();
        for (var at = 0; at < bytes.Length; at += step)
        {
            pending.AddRange(bytes.Skip(at).Take(step));
            while (true)
            {
                var result = reader.Read(pending.ToArray(), out var consumed);
                pending.RemoveRange(0, consumed);
                if (result == HttpResponseReader.Step.Malformed) throw new InvalidDataException(reader.Problem);
                if (result == HttpResponseReader.Step.NeedMore) break;
                statuses.Add(reader.Status);
            }
        }
        if (endOfStream && reader.EndOfStream()) statuses.Add(reader.Status);
        Assert.Empty(pending);
        return statuses;
    }

    public static TheoryData<int> Steps => new() { 1, 3, 7, 4096 };

    [Theory]
    [MemberData(nameof(Steps))]
    public void content_length_chunked_and_bodiless_responses_follow_each_other(int step)
    {
        var wire =
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello" +
            "HTTP/1.1 100 Continue\r\n\r\n" +
            "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n5;x=1\r\nhello\r\n0\r\nTrailer: t\r\n\r\n" +
            "HTTP/1.1 204 No Content\r\nContent-Length: 99\r\n\r\n" +
            "HTTP/1.1 304 Not Modified\r\n\r\n" +
            "HTTP/1.1 404 Not Found\r\ncontent-length: 3\r\nConnection: keep-alive\r\n\r\nno!";
        Assert.Equal([200, 201, 204, 304, 404], ReadAll(wire, step));
    }

    [Theory]
    [MemberData(nameof(Steps))]
    public void a_head_response_has_no_body_whatever_its_length_says(int step) =>
        Assert.Equal([200, 200], ReadAll("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", step, head: true));

    [Fact]
    public void a_body_without_length_runs_to_the_close_and_the_connection_is_not_kept()
    {
        var reader = new HttpResponseReader();
        var wire = Encoding.ASCII.GetBytes("HTTP/1.0 200 OK\r\n\r\nsome body that only the close ends");
        Assert.Equal(HttpResponseReader.Step.NeedMore, reader.Read(wire, out var consumed));
        Assert.Equal(wire.Length, consumed);
        Assert.True(reader.EndOfStream());
        Assert.False(reader.KeepAlive);
    }

    [Theory]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false)]
    [InlineData("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n", true)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", true)]
    [InlineData("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", false)]
    public void keep_alive_follows_the_version_and_the_connection_header(string wire, bool keepAlive)
    {
        var reader = new HttpResponseReader();
        Assert.Equal(HttpResponseReader.Step.Response, reader.Read(Encoding.ASCII.GetBytes(wire), out _));
        Assert.Equal(keepAlive, reader.KeepAlive);
    }

    [Theory]
    [InlineData("SSH-2.0-OpenSSH_9.2\r\n\r\n", "the answer does not start with an HTTP/1.x status line")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", "Content-Length is not a number")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "a chunk size is not a hexadecimal number")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY", "a chunk does not end with CRLF")]
    [InlineData("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "a header line has no name")]
    public void malformed_input_says_what_is_wrong(string wire, string problem)
    {
        var reader = new HttpResponseReader();
        Assert.Equal(HttpResponseReader.Step.Malformed, reader.Read(Encoding.ASCII.GetBytes(wire), out _));
        Assert.Equal(problem, reader.Problem);
    }

    [Fact]
    public void a_head_that_never_ends_is_refused_at_64_KiB_not_buffered_for_ever()
    {
        var reader = new HttpResponseReader();
        var wire = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nX: " + new string('a', HttpResponseReader.MaxHead));
        Assert.Equal(HttpResponseReader.Step.Malformed, reader.Read(wire, out _));
    }
}
