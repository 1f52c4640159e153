using System.CommandLine;
using System.Globalization;
using System.Net;
using Fastsocket.Cli.Serve;
using Fastsocket.Diagnostics;
using Fastsocket.Sockets;
using Fastsocket.Stack;

namespace Fastsocket.Cli.Commands;

/// <summary>
/// <c>fastsocket serve</c>: the stack on a TUN device, serving a static HTTP/1.1 page or echo to the kernel's side,
/// with one accept loop per engine core. Runs until Ctrl-C, SIGTERM or <c>--duration</c>, then prints the engine
/// statistics and removes the device.
/// </summary>
internal sealed class ServeCommand : Command
{
    /// <summary>Printed (with details after it) once the device is up and every core accepts; tests wait for it.</summary>
    public const string ReadyMarker = "fastsocket: ready";

    private readonly CliConsole _console;
    private readonly TunOptionSet _tun = new();

    private readonly Option<int> _port = new Option<int>("--port")
    {
        Description = "TCP port to listen on (default 80 for --http, 7 for --echo).",
    }.MustBeInRange(1, 32767);

    private readonly Option<bool> _http = new("--http")
    {
        Description = "Serve a small static page over HTTP/1.1 (the default).",
    };

    private readonly Option<bool> _echo = new("--echo")
    {
        Description = "Echo every byte back; half-close when the peer does.",
    };

    private readonly Option<int> _duration = new Option<int>("--duration")
    {
        Description = "Stop by itself after this many seconds (default: run until Ctrl-C or SIGTERM).",
        HelpName = "s",
    }.MustBeInRange(1, 86400);

    public ServeCommand(CliConsole console)
        : base("serve", "Serve HTTP or echo on the stack over a Linux TUN device, to the kernel's side of it.")
    {
        ArgumentNullException.ThrowIfNull(console);
        _console = console;
        _tun.AddTo(this);
        Options.Add(_port);
        Options.Add(_http);
        Options.Add(_echo);
        Options.Add(_duration);
        SetAction(Execute);
    }

    private int Execute(ParseResult parseResult)
    {
        if (!_tun.TryRead(parseResult, out TunSettings settings, out string error))
        {
            return Usage(error);
        }
        bool echo = parseResult.GetValue(_echo);
        if (echo && parseResult.GetValue(_http))
        {
            return Usage("Options '--http' and '--echo' cannot be used together.");
        }
        int port = parseResult.GetResult(_port) is null ? (echo ? 7 : 80) : parseResult.GetValue(_port);
        TimeSpan? limit = parseResult.GetResult(_duration) is null ? null : TimeSpan.FromSeconds(parseResult.GetValue(_duration));

        if (SingleCpuJitTiering.Advice(Environment.ProcessorCount, Environment.GetEnvironmentVariable) is { } advice)
        {
            _console.Error.WriteLine($"fastsocket: serve: note: {advice}");
        }
        using var stop = new StopSignal(limit);
        if (!TunStack.TryStart(settings, "serve", out TunStack? started, out string? failure))
        {
            _console.Error.WriteLine($"fastsocket: serve: {failure}");
            return ExitCodes.Unexpected;
        }
        using TunStack tun = started;
        var counters = new ServeCounters();
        var listener = new FastSocket(tun.Stack);
        listener.Bind(new IPEndPoint(IPAddress.Any, port));
        listener.Listen(4096);
        foreach (EngineCore core in tun.Stack.Cores)
        {
            // Posted, so each AcceptAsync runs on its core and opens that core's local listen table.
            core.Post(_ => _ = AcceptLoop(listener, echo, counters, stop.Token), null);
        }
        _console.Out.WriteLine($"{ReadyMarker}: serving {(echo ? "echo" : "http")} on {settings.Address}:{port} over {tun.Device.Name} " +
            $"(kernel {settings.HostAddress}/{settings.Prefix}), {settings.Cores} core(s)");
        _console.Out.Flush();

        stop.Token.WaitHandle.WaitOne();
        listener.Dispose();
        _console.Out.WriteLine($"fastsocket: stopping ({(stop.Received is { } signal ? signal.ToString() : "duration reached")})");
        _console.Out.WriteLine($"serve: connections {Interlocked.Read(ref counters.Connections)}, requests {Interlocked.Read(ref counters.Requests)}, " +
            $"bad requests {Interlocked.Read(ref counters.BadRequests)}, echoed bytes {Interlocked.Read(ref counters.EchoedBytes)}, " +
            $"connection errors {Interlocked.Read(ref counters.ConnectionErrors)}");
        // Managed allocation over the whole run (start-up included), so a change that allocates per connection shows.
        long allocated = GC.GetTotalAllocatedBytes(precise: false);
        long connections = Interlocked.Read(ref counters.Connections);
        _console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"serve: managed bytes allocated {allocated}{(connections > 0 ? $" ({allocated / connections} per connection)" : "")}, gen0 collections {GC.CollectionCount(0)}"));
        tun.WriteStatistics(_console.Out);
        _console.Out.Flush();
        return ExitCodes.Success;
    }

    private static async Task AcceptLoop(FastSocket listener, bool echo, ServeCounters counters, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            FastSocket connection;
            try
            {
                connection = await listener.AcceptAsync(stop);
            }
            catch (Exception)
            {
                // Cancelled, or the listener closed: this core stops accepting.
                return;
            }
            // No NoDelay here: TunStack's TcpConfig turns Nagle off for every connection, and setting the option on
            // an accepted socket costs a closure per connection.
            _ = echo
                ? EchoConnectionLoop.RunAsync(connection, counters, stop)
                : HttpConnectionLoop.RunAsync(connection, counters, stop);
        }
    }

    private int Usage(string message)
    {
        _console.Error.WriteLine($"fastsocket: {message}");
        _console.Error.WriteLine("Run 'fastsocket serve --help' for usage.");
        return ExitCodes.Usage;
    }
}
