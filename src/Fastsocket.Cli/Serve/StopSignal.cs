using System.Runtime.InteropServices;

namespace Fastsocket.Cli.Serve;

/// <summary>
/// Turns Ctrl-C and SIGTERM into a cancellation, so serve and load stop through their normal path: statistics are
/// printed and the TUN device is closed (and so removed) instead of the process dying with the device half set up.
/// A second signal, while the command is still winding down, ends the process at once, for a user who will not wait.
/// </summary>
internal sealed class StopSignal : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration[] _registrations;

    /// <summary>Listens for SIGINT and SIGTERM until disposed; with <paramref name="limit"/>, also stops by itself after it.</summary>
    public StopSignal(TimeSpan? limit = null)
    {
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
        ];
        if (limit is TimeSpan after)
        {
            _source.CancelAfter(after);
        }
    }

    /// <summary>Cancelled by the first signal, or when the limit passes.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>The signal that stopped us, if one did.</summary>
    public PosixSignal? Received { get; private set; }

    private void OnSignal(PosixSignalContext context)
    {
        if (Received is not null)
        {
            // The second signal: leave its default action (termination) alone.
            return;
        }

        // Cancel the default action (termination): the command winds down and exits on its own.
        context.Cancel = true;
        Received = context.Signal;
        _source.Cancel();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (PosixSignalRegistration registration in _registrations)
        {
            registration.Dispose();
        }
        _source.Dispose();
    }
}
