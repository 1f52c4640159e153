using System.Text;
using Fastsocket.Bench;

namespace Fastsocket.Tests.Cli.Bench;

public sealed class BenchMessagesTests
{
    [Theory]
    [InlineData(50)]
    [InlineData(51)]
    [InlineData(58)]
    [InlineData(59)]
    [InlineData(64)]
    [InlineData(1000)]
    public void Request_has_exactly_the_asked_size_and_one_header_end(int size)
    {
        var request = BenchMessages.BuildRequest(size);
        var text = Encoding.ASCII.GetString(request);

        Assert.Equal(size, request.Length);
        Assert.StartsWith("GET /", text, StringComparison.Ordinal);
        Assert.Contains("Connection: close\r\n", text, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\n", text, StringComparison.Ordinal);
        Assert.Equal(text.Length - 4, text.IndexOf("\r\n\r\n", StringComparison.Ordinal));
    }

    [Fact]
    public void Response_declares_its_body_length_and_closes()
    {
        var response = Encoding.ASCII.GetString(BenchMessages.BuildResponse(64));

        Assert.StartsWith("HTTP/1.1 200 OK\r\nContent-Length: 64\r\nConnection: close\r\n\r\n", response, StringComparison.Ordinal);
        Assert.Equal(64, response.Length - response.IndexOf("\r\n\r\n", StringComparison.Ordinal) - 4);
    }
}
