using System.CommandLine;
using Fastsocket.Simulation;

namespace Fastsocket.Cli.Commands;

/// <summary>
/// <c>fastsocket transfer</c>: one bulk transfer between two stacks over the simulated link, with
/// optional impairments, reporting throughput and whether the received bytes hash the same as the sent ones.
/// </summary>
internal sealed class TransferCommand : Command
{
    private readonly CliConsole _console;

    private readonly Option<long> _bytes = new Option<long>("--bytes")
    {
        Description = "Number of bytes to transfer (required, > 0).",
        Required = true,
    }.MustBePositive();

    private readonly Option<double> _loss = Probability("--loss", "Probability that the link drops a packet, in [0, 1).");
    private readonly Option<double> _reorder = Probability("--reorder", "Probability that the link delivers a packet out of order, in [0, 1).");
    private readonly Option<double> _duplicate = Probability("--duplicate", "Probability that the link delivers a packet twice, in [0, 1).");
    private readonly Option<double> _corrupt = Probability("--corrupt", "Probability that the link flips a bit in a packet, in [0, 1).");

    private readonly Option<int> _seed = new("--seed")
    {
        Description = "Seed for the link's random impairments; the same seed gives the same run.",
        DefaultValueFactory = _ => new TransferSpec().Seed,
    };

    private readonly Option<string> _pcap = new Option<string>("--pcap")
    {
        Description = "Write every packet on the link to this pcap file.",
        HelpName = "file",
    }.MustBeWritableFilePath();

    private readonly Option<int> _mtu = new Option<int>("--mtu")
    {
        Description = "Link MTU in bytes, 576 (the IPv4 minimum every host must accept) to 65535.",
        DefaultValueFactory = _ => new TransferSpec().Mtu,
    }.MustBeInRange(576, 65535);

    private readonly Option<string> _clock = new Option<string>("--clock")
    {
        Description = "real: wall-clock time; virtual: simulated time on one thread, deterministic for a seed, where " +
                      "retransmission timeouts cost no wall time. Default: virtual when any impairment is set, else real.",
        HelpName = "real|virtual",
    }.MustBeOneOf("real", "virtual");

    private readonly Option<int> _threads = new Option<int>("--threads")
    {
        Description = "With the real clock: 1 runs both stacks on one thread, 2 gives each stack its own thread.",
        DefaultValueFactory = _ => 1,
    }.MustBeInRange(1, 2);

    private readonly Option<bool> _json = new("--json")
    {
        Description = "Print the report as a single JSON object on stdout.",
    };

    public TransferCommand(CliConsole console)
        : base("transfer", "Transfer bytes between two in-memory stacks and verify them by SHA-256.")
    {
        ArgumentNullException.ThrowIfNull(console);
        _console = console;

        Options.Add(_bytes);
        Options.Add(_loss);
        Options.Add(_reorder);
        Options.Add(_duplicate);
        Options.Add(_corrupt);
        Options.Add(_seed);
        Options.Add(_pcap);
        Options.Add(_mtu);
        Options.Add(_clock);
        Options.Add(_threads);
        Options.Add(_json);

        SetAction(Execute);
    }

    private int Execute(ParseResult parseResult)
    {
        var spec = new TransferSpec
        {
            Bytes = parseResult.GetValue(_bytes),
            Loss = parseResult.GetValue(_loss),
            Reorder = parseResult.GetValue(_reorder),
            Duplicate = parseResult.GetValue(_duplicate),
            Corrupt = parseResult.GetValue(_corrupt),
            Seed = parseResult.GetValue(_seed),
            PcapPath = parseResult.GetValue(_pcap),
            Mtu = parseResult.GetValue(_mtu),
            Threads = parseResult.GetValue(_threads),
        };
        string? clock = parseResult.GetValue(_clock);
        bool impaired = spec.Loss > 0 || spec.Reorder > 0 || spec.Duplicate > 0 || spec.Corrupt > 0;
        spec = spec with { VirtualTime = clock is null ? impaired : clock == "virtual" };

        // Progress goes to stderr so that with --json stdout carries nothing but the report.
        var report = TransferRunner.Run(spec, _console.Error);

        if (parseResult.GetValue(_json))
        {
            TransferReportFormatter.WriteJson(report, _console.Out);
        }
        else
        {
            TransferReportFormatter.WriteText(report, _console.Out);
        }

        return report.Sha256Match ? ExitCodes.Success : ExitCodes.Failed;
    }

    private static Option<double> Probability(string name, string description) =>
        new Option<double>(name)
        {
            Description = description,
            HelpName = "p",
        }.MustBeProbability();
}
