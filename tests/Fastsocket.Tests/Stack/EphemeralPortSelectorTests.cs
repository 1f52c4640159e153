using Fastsocket.Stack;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Stack;

/// <summary>
/// RFC 6056 algorithm 4 as the engine uses it: connections to one destination take the range in turn, so a port
/// comes back only after every other one was used; different destinations start at unrelated places.
/// </summary>
public sealed class EphemeralPortSelectorTests
{
    private static readonly IpAddress Local = IpAddress.FromIPv4(198, 18, 0, 1);
    private static readonly IpAddress Server = IpAddress.FromIPv4(198, 18, 0, 2);

    [Fact]
    public void ConnectionsToOneDestinationWalkTheWholeRangeBeforeAPortComesBack()
    {
        const int count = 1000;
        var selector = new EphemeralPortSelector(seed: 7);
        var seen = new HashSet<int>();
        int first = -1;
        int previous = -1;
        for (int i = 0; i < count; i++)
        {
            int start = selector.Start(Local, Server, 80, count, out int slot);
            if (previous >= 0)
            {
                Assert.Equal((previous + 1) % count, start);
            }
            Assert.True(seen.Add(start), $"index {start} came back after {i} connections");
            selector.Advance(slot, steps: 0);
            first = first < 0 ? start : first;
            previous = start;
        }
        Assert.Equal(first, selector.Start(Local, Server, 80, count, out _));
    }

    [Fact]
    public void SkippedPortsAreNotTriedFirstNextTime()
    {
        var selector = new EphemeralPortSelector(seed: 7);
        int start = selector.Start(Local, Server, 80, 500, out int slot);
        // The walk found the first free port three candidates past its start.
        selector.Advance(slot, steps: 3);
        Assert.Equal((start + 4) % 500, selector.Start(Local, Server, 80, 500, out _));
    }

    [Fact]
    public void DestinationsStartAtUnrelatedPlacesAndTheKeyIsSecret()
    {
        const int count = 28_000;
        var selector = new EphemeralPortSelector(seed: 7);
        var starts = new HashSet<int>();
        for (ushort port = 1; port <= 50; port++)
        {
            starts.Add(selector.Start(Local, Server, port, count, out _));
        }
        // Fifty destinations over 28,000 places: a collision or two at most, never one shared start.
        Assert.True(starts.Count >= 48, $"{starts.Count} distinct starts for 50 destinations");

        var otherKey = new EphemeralPortSelector(seed: 8);
        Assert.NotEqual(selector.Start(Local, Server, 80, count, out _), otherKey.Start(Local, Server, 80, count, out _));
    }
}
