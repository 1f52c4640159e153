using Fastsocket.Wire;

namespace Fastsocket.Tests.Hardening;

public sealed class AddressClassifierTests
{
    [Theory]
    [InlineData("0.0.0.0", AddressClass.ThisNetwork)]
    [InlineData("0.1.2.3", AddressClass.ThisNetwork)]
    [InlineData("0.255.255.255", AddressClass.ThisNetwork)]
    [InlineData("1.0.0.0", AddressClass.Unicast)]
    [InlineData("126.255.255.255", AddressClass.Unicast)]
    [InlineData("127.0.0.0", AddressClass.Loopback)]
    [InlineData("127.0.0.1", AddressClass.Loopback)]
    [InlineData("127.255.255.255", AddressClass.Loopback)]
    [InlineData("128.0.0.0", AddressClass.Unicast)]
    [InlineData("198.18.0.1", AddressClass.Unicast)]
    [InlineData("223.255.255.255", AddressClass.Unicast)]
    [InlineData("224.0.0.0", AddressClass.Multicast)]
    [InlineData("224.0.0.1", AddressClass.Multicast)]
    [InlineData("239.255.255.255", AddressClass.Multicast)]
    [InlineData("240.0.0.0", AddressClass.Reserved)]
    [InlineData("255.255.255.254", AddressClass.Reserved)]
    [InlineData("255.255.255.255", AddressClass.LimitedBroadcast)]
    [InlineData("::", AddressClass.ThisNetwork)]
    [InlineData("::1", AddressClass.Loopback)]
    [InlineData("ff02::1", AddressClass.Multicast)]
    [InlineData("ff00::", AddressClass.Multicast)]
    [InlineData("fe80::1", AddressClass.Unicast)]
    [InlineData("2001:db8::1", AddressClass.Unicast)]
    [InlineData("::2", AddressClass.Unicast)]
    public void ClassifiesBoundariesOfEachClass(string address, AddressClass expected)
    {
        Assert.Equal(expected, AddressClassifier.Classify(IpAddress.Parse(address)));
    }

    [Fact]
    public void EveryIPv4FirstOctetHasTheExpectedClass()
    {
        for (int octet = 0; octet < 256; octet++)
        {
            AddressClass expected = octet switch
            {
                0 => AddressClass.ThisNetwork,
                127 => AddressClass.Loopback,
                >= 224 and <= 239 => AddressClass.Multicast,
                >= 240 => AddressClass.Reserved,
                _ => AddressClass.Unicast,
            };
            Assert.Equal(expected, AddressClassifier.Classify(IpAddress.FromIPv4((byte)octet, 1, 2, 3)));
        }
    }

    [Theory]
    [InlineData("198.18.0.2", false, SourceVerdict.Acceptable)]
    [InlineData("198.18.0.2", true, SourceVerdict.Acceptable)]
    [InlineData("127.0.0.1", true, SourceVerdict.Acceptable)]
    [InlineData("127.0.0.1", false, SourceVerdict.Martian)]
    [InlineData("0.0.0.0", false, SourceVerdict.Martian)]
    [InlineData("0.0.0.0", true, SourceVerdict.Martian)]
    [InlineData("224.0.0.5", false, SourceVerdict.Martian)]
    [InlineData("240.1.1.1", false, SourceVerdict.Martian)]
    [InlineData("255.255.255.255", true, SourceVerdict.Martian)]
    [InlineData("::1", true, SourceVerdict.Acceptable)]
    [InlineData("::1", false, SourceVerdict.Martian)]
    [InlineData("::", false, SourceVerdict.Martian)]
    [InlineData("ff02::1", false, SourceVerdict.Martian)]
    [InlineData("2001:db8::1", false, SourceVerdict.Acceptable)]
    public void ClassifiesSources(string source, bool loopbackDevice, SourceVerdict expected)
    {
        Assert.Equal(expected, AddressClassifier.ClassifySource(IpAddress.Parse(source), loopbackDevice));
    }

    [Fact]
    public void OurOwnAddressAsSourceIsALandAttackOffLoopback()
    {
        IpAddress own = IpAddress.Parse("198.18.0.1");
        Assert.Equal(SourceVerdict.OwnAddress, AddressClassifier.ClassifySource(own, deviceIsLoopback: false, sourceIsLocalAddress: true));
        Assert.Equal(SourceVerdict.Acceptable, AddressClassifier.ClassifySource(own, deviceIsLoopback: true, sourceIsLocalAddress: true));
        Assert.Equal(SourceVerdict.Acceptable, AddressClassifier.ClassifySource(own, deviceIsLoopback: false, sourceIsLocalAddress: false));
        // A martian stays a martian whatever else is true of it.
        Assert.Equal(SourceVerdict.Martian, AddressClassifier.ClassifySource(IpAddress.Parse("0.0.0.0"), false, true));
    }

    [Fact]
    public void MapsVerdictsToDropReasons()
    {
        Assert.Equal(DropReason.None, AddressClassifier.DropReasonFor(SourceVerdict.Acceptable));
        Assert.Equal(DropReason.MartianSource, AddressClassifier.DropReasonFor(SourceVerdict.Martian));
        Assert.Equal(DropReason.LandAttack, AddressClassifier.DropReasonFor(SourceVerdict.OwnAddress));
    }

    [Theory]
    [InlineData("198.18.0.1", true)]
    [InlineData("127.0.0.1", true)]
    [InlineData("::1", true)]
    [InlineData("2001:db8::1", true)]
    [InlineData("0.0.0.0", false)]
    [InlineData("224.0.0.1", false)]
    [InlineData("239.1.2.3", false)]
    [InlineData("240.0.0.1", false)]
    [InlineData("255.255.255.255", false)]
    [InlineData("::", false)]
    [InlineData("ff05::2", false)]
    public void TellsUnicastDestinations(string destination, bool unicast)
    {
        Assert.Equal(unicast, AddressClassifier.IsUnicastDestination(IpAddress.Parse(destination)));
    }

    [Fact]
    public void RecognisesSelfAddressedSegments()
    {
        IpAddress a = IpAddress.Parse("198.18.0.1");
        IpAddress b = IpAddress.Parse("198.18.0.2");
        Assert.True(AddressClassifier.IsSelfAddressed(new FlowKey(a, 80, a, 80)));
        Assert.False(AddressClassifier.IsSelfAddressed(new FlowKey(a, 80, a, 81)));
        Assert.False(AddressClassifier.IsSelfAddressed(new FlowKey(a, 80, b, 80)));
    }
}
