using System.Text;
using Fastsocket.Bench;

namespace Fastsocket.Tests.Cli.Bench.KernelEpoll;

/// <summary>The one response check every row's client makes: exact bytes, exact length, checked as pieces arrive.</summary>
public sealed class ResponseCheckTests
{
    private static readonly byte[] Expected = BenchMessages.BuildResponse(64);

    [Fact]
    public void The_exact_response_passes_whole_and_in_pieces()
    {
        var check = new ResponseCheck(Expected);
        Assert.True(check.Matches(Expected));
        int received = 0;
        foreach (int size in new[] { 1, 7, 30, Expected.Length })
        {
            int take = Math.Min(size, Expected.Length - received);
            Assert.True(check.Continues(received, Expected.AsSpan(received, take)));
            received += take;
        }

        Assert.True(check.IsComplete(received));
    }

    [Fact]
    public void A_wrong_status_line_of_the_same_length_fails()
    {
        byte[] wrong = (byte[])Expected.Clone();
        "HTTP/1.1 500"u8.CopyTo(wrong);
        Assert.Equal(Expected.Length, wrong.Length);
        Assert.False(new ResponseCheck(Expected).Matches(wrong));
    }

    [Fact]
    public void One_wrong_body_byte_fails_even_in_a_later_piece()
    {
        byte[] wrong = (byte[])Expected.Clone();
        wrong[^1] ^= 0x20;
        var check = new ResponseCheck(Expected);
        int half = wrong.Length / 2;
        Assert.True(check.Continues(0, wrong.AsSpan(0, half)));
        Assert.False(check.Continues(half, wrong.AsSpan(half)));
    }

    [Fact]
    public void A_short_or_long_response_fails()
    {
        var check = new ResponseCheck(Expected);
        Assert.False(check.Matches(Expected.AsSpan(0, Expected.Length - 1)));
        Assert.False(check.IsComplete(Expected.Length - 1));
        Assert.False(check.Matches([.. Expected, (byte)'a']));
        Assert.False(check.Continues(Expected.Length, "a"u8));
    }

    [Fact]
    public void An_open_range_accepts_any_bytes_there_and_nowhere_else()
    {
        byte[] dated = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nDate: Mon, 30 Nov 2026 16:48:49 GMT\r\n\r\nbody");
        int from = "HTTP/1.1 200 OK\r\nDate: ".Length;
        var check = new ResponseCheck(dated, from, 29);
        byte[] later = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nDate: Tue, 01 Dec 2026 00:00:01 GMT\r\n\r\nbody");
        Assert.True(check.Matches(later));
        // Split inside the open range: each piece is still checked in place.
        Assert.True(check.Continues(0, later.AsSpan(0, from + 5)) && check.Continues(from + 5, later.AsSpan(from + 5)));
        byte[] wrongBody = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nDate: Tue, 01 Dec 2026 00:00:01 GMT\r\n\r\nbodz");
        Assert.False(check.Matches(wrongBody));
        byte[] wrongStatus = Encoding.ASCII.GetBytes("HTTP/1.1 404 OK\r\nDate: Mon, 30 Nov 2026 16:48:49 GMT\r\n\r\nbody");
        Assert.False(check.Matches(wrongStatus));
    }
}
