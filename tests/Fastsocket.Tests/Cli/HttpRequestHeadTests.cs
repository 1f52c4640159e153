using System.Text;
using Fastsocket.Cli;
using Fastsocket.Cli.Serve;

namespace Fastsocket.Tests.Cli;

/// <summary>The static server's request parsing: persistence by version and Connection, bodies, malformed heads.</summary>
public sealed class HttpRequestHeadTests
{
    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n\r\n", true)]
    [InlineData("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", false)]
    [InlineData("GET / HTTP/1.1\r\nconnection: Keep-Alive, CLOSE\r\n\r\n", false)]
    [InlineData("GET / HTTP/1.0\r\n\r\n", false)]
    [InlineData("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true)]
    public void PersistenceFollowsVersionAndConnection(string request, bool keepAlive)
    {
        Assert.Equal(HttpParseStatus.Complete, HttpRequestHead.TryParse(Encoding.ASCII.GetBytes(request), out HttpRequestHead head));
        Assert.Equal(keepAlive, head.KeepAlive);
        Assert.Equal(request.Length, head.HeadLength);
    }

    [Fact]
    public void ContentLengthIsReportedAndHeadIsRecognised()
    {
        byte[] request = Encoding.ASCII.GetBytes("POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello");
        Assert.Equal(HttpParseStatus.Complete, HttpRequestHead.TryParse(request, out HttpRequestHead head));
        Assert.Equal(5, head.ContentLength);
        Assert.False(head.IsHead);
        Assert.Equal(HttpParseStatus.Complete, HttpRequestHead.TryParse("HEAD / HTTP/1.1\r\n\r\n"u8, out head));
        Assert.True(head.IsHead);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n")]
    [InlineData("GET / HT")]
    [InlineData("")]
    public void IncompleteHeadAsksForMore(string request) =>
        Assert.Equal(HttpParseStatus.Incomplete, HttpRequestHead.TryParse(Encoding.ASCII.GetBytes(request), out _));

    [Theory]
    [InlineData("GET /\r\n\r\n")]
    [InlineData("GET / HTTP/2.0\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost : a\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")]
    public void MalformedHeadIsBad(string request) =>
        Assert.Equal(HttpParseStatus.Bad, HttpRequestHead.TryParse(Encoding.ASCII.GetBytes(request), out _));

    [Theory]
    [InlineData("serve", "--tun", "t0", "--address", "198.18.0.2", "--host-address", "198.18.0.1")]
    [InlineData("serve", "--tun", "t0", "--address", "198.18.0.2/24", "--host-address", "198.18.1.1")]
    [InlineData("serve", "--tun", "t0", "--address", "198.18.0.2/24", "--host-address", "198.18.0.1", "--http", "--echo")]
    [InlineData("load", "http://198.18.0.1/", "--tun", "t0", "--address", "198.18.0.2/24", "--host-address", "198.18.0.1")]
    [InlineData("load", "http://example.com/", "--tun", "t0", "--address", "198.18.0.2/24", "--host-address", "198.18.0.1", "--requests", "1")]
    public void TunCommandUsageErrorsExit2(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.Equal(2, Program.Run(args, stdout, stderr));
        Assert.Contains("fastsocket:", stderr.ToString(), StringComparison.Ordinal);
    }
}
