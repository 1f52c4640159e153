using System.Net;
using System.Net.Sockets;
using Fastsocket.Bench.KernelEpoll;

namespace Fastsocket.Bench;

/// <summary>
/// <c>nginx-kernel</c>: the C reference beside the C# kernel rows. nginx with one worker per server core, each with its
/// own SO_REUSEPORT listener and pinned to its CPU (<see cref="NginxServer"/>), serves the bench's body over loopback,
/// loaded by the very client <c>kernel-epoll</c> uses (one pinned epoll loop per client core), so the gap between the
/// two rows is the gap between the C# server and nginx. nginx adds its own headers, Date among them, so the response
/// is learnt from a first connection and every later one must match it byte for byte except the Date value.
/// </summary>
public sealed class NginxBenchTarget : IBenchTarget
{
    /// <summary>The design name.</summary>
    public const string DesignName = "nginx-kernel";

    // "Sun, 06 Nov 1994 08:49:37 GMT": the fixed-width IMF-fixdate of RFC 9110, section 5.6.7.
    private const int DateLength = 29;

    /// <summary>Whether nginx is installed here; the row is registered only then (see <see cref="UnavailableReason"/>).</summary>
    public static bool IsAvailable => NginxServer.UnavailableReason() is null;

    /// <summary>Why the row cannot run on this machine, or null when it can.</summary>
    public static string? UnavailableReason => NginxServer.UnavailableReason();

    /// <inheritdoc/>
    public string Design => DesignName;

    /// <inheritdoc/>
    public BenchResult Run(BenchRunSpec spec, BenchProgress progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(progress);
        ReadOnlySpan<byte> body = spec.Response.Span[^spec.ResponseBytes..];
        // Enough connections per worker that every client loop may land on one worker, as the stack server's workers.
        int workerConnections = Math.Clamp(2 * spec.ClientLoops, 1024, 65536);
        long? dropsBefore = KernelTcpCounters.ReadListenDrops();
        BenchLoadOutcome outcome;
        using (NginxServer nginx = NginxServer.Start(spec.ServerCores, body, workerConnections))
        {
            ResponseCheck check = LearnResponse(nginx.Port, spec);
            EpollBenchTarget.Prime(nginx.Port, spec, check, "nginx");
            outcome = EpollBenchTarget.Load(nginx.Port, spec, progress, firstCpu: spec.ServerCores, cancellationToken, check);
        }

        long? dropsAfter = KernelTcpCounters.ReadListenDrops();
        long? drops = dropsBefore is { } before && dropsAfter is { } after ? Math.Max(0, after - before) : null;
        return outcome.ToResult(Design, spec, packetsPerConnection: null, drops: drops);
    }

    /// <summary>
    /// One connection's whole response, checked to be a 200 with the bench's body and a Date header; the check built
    /// from it leaves only the Date value open.
    /// </summary>
    internal static ResponseCheck LearnResponse(int port, BenchRunSpec spec)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 10_000, SendTimeout = 10_000 };
        socket.Connect(new IPEndPoint(IPAddress.Loopback, port));
        socket.Send(spec.Request.Span);
        using var response = new MemoryStream();
        var buffer = new byte[4096];
        int n;
        while ((n = socket.Receive(buffer)) > 0)
        {
            response.Write(buffer, 0, n);
        }

        return CheckFor(response.ToArray(), spec);
    }

    /// <summary>The check for responses like <paramref name="response"/>, after making sure it is the answer the bench asked for.</summary>
    internal static ResponseCheck CheckFor(byte[] response, BenchRunSpec spec)
    {
        ReadOnlySpan<byte> text = response;
        ReadOnlySpan<byte> body = spec.Response.Span[^spec.ResponseBytes..];
        int headerEnd = text.IndexOf(BenchMessages.HeaderEnd);
        if (!text.StartsWith("HTTP/1.1 200 OK\r\n"u8) || headerEnd < 0 || !text[(headerEnd + 4)..].SequenceEqual(body))
        {
            throw new InvalidDataException($"nginx answered something other than a 200 with the bench's {spec.ResponseBytes}-byte body.");
        }

        int date = text[..headerEnd].IndexOf("\r\nDate: "u8);
        if (date < 0)
        {
            return new ResponseCheck(response);
        }

        int valueFrom = date + "\r\nDate: "u8.Length;
        if (valueFrom + DateLength + 2 > headerEnd + 2 || !text.Slice(valueFrom + DateLength, 2).SequenceEqual("\r\n"u8))
        {
            throw new InvalidDataException("nginx's Date header is not a fixed-width IMF-fixdate.");
        }

        return new ResponseCheck(response, valueFrom, DateLength);
    }
}
