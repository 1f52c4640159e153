using System.IO.Pipelines;

namespace Fastsocket.AspNetCore;

/// <summary>The app's view of a connection: read what the peer sent, write what goes back.</summary>
internal sealed class DuplexPipe : IDuplexPipe
{
    public DuplexPipe(PipeReader input, PipeWriter output)
    {
        Input = input;
        Output = output;
    }

    public PipeReader Input { get; }

    public PipeWriter Output { get; }
}
