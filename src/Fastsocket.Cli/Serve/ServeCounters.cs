namespace Fastsocket.Cli.Serve;

/// <summary>What the server did, across all cores (updated with atomics: off the packet path, once per request).</summary>
internal sealed class ServeCounters
{
    public long Connections;
    public long Requests;
    public long BadRequests;
    public long EchoedBytes;
    public long ConnectionErrors;
}
