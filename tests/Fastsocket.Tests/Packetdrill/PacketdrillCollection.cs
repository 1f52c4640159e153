namespace Fastsocket.Tests.Packetdrill;

/// <summary>The packetdrill script tests share one build of packetdrill and of libfastsocket.so.</summary>
[CollectionDefinition(Name)]
public sealed class PacketdrillCollection : ICollectionFixture<PacketdrillFixture>
{
    public const string Name = "Packetdrill";
}
