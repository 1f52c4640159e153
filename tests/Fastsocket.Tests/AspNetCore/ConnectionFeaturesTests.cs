using Fastsocket.AspNetCore;
using Microsoft.AspNetCore.Connections.Features;

namespace Fastsocket.Tests.AspNetCore;

/// <summary>The transport's feature collection: its own features without a dictionary, and whatever Kestrel adds.</summary>
public class ConnectionFeaturesTests
{
    private static readonly Type[] Own =
    [
        typeof(IConnectionIdFeature), typeof(IConnectionTransportFeature), typeof(IConnectionItemsFeature),
        typeof(IConnectionLifetimeFeature), typeof(IConnectionEndPointFeature), typeof(IMemoryPoolFeature),
    ];

    [Fact]
    public void OwnFeaturesAreTheOwner()
    {
        var owner = new object();
        var features = new ConnectionFeatures(owner);
        foreach (Type type in Own)
        {
            Assert.Same(owner, features[type]);
        }
        Assert.Null(features[typeof(IConnectionHeartbeatFeature)]);
        Assert.Equal(0, features.Revision);
        Assert.Equal(Own, features.Select(f => f.Key));
    }

    [Fact]
    public void SetFeaturesAreFoundReplacedAndEnumerated()
    {
        var features = new ConnectionFeatures(new object());
        // More than the first array holds (four), as Kestrel sets four on every connection and apps may add more.
        Type[] added = [typeof(IConnectionHeartbeatFeature), typeof(IConnectionCompleteFeature), typeof(IConnectionLifetimeNotificationFeature),
            typeof(IConnectionSocketFeature), typeof(ITlsHandshakeFeature)];
        var values = added.Select(_ => new object()).ToArray();
        for (int i = 0; i < added.Length; i++)
        {
            features[added[i]] = values[i];
        }
        for (int i = 0; i < added.Length; i++)
        {
            Assert.Same(values[i], features[added[i]]);
        }
        Assert.Equal(added.Length, features.Revision);
        var replacement = new object();
        features[added[1]] = replacement;
        Assert.Same(replacement, features[added[1]]);
        Assert.Equal(added.Length + 1, features.Revision);
        Assert.Equal(Own.Length + added.Length, features.Count());
        features[added[0]] = null;
        Assert.Null(features[added[0]]);
        Assert.DoesNotContain(features, f => f.Key == added[0]);
    }

    [Fact]
    public void OwnFeatureCanBeReplacedOrRemoved()
    {
        var owner = new object();
        var features = new ConnectionFeatures(owner);
        var items = new object();
        features[typeof(IConnectionItemsFeature)] = items;
        Assert.Same(items, features[typeof(IConnectionItemsFeature)]);
        features[typeof(IConnectionIdFeature)] = null;
        Assert.Null(features[typeof(IConnectionIdFeature)]);
        Assert.DoesNotContain(features, f => f.Key == typeof(IConnectionIdFeature));
        Assert.Contains(features, f => f.Key == typeof(IConnectionItemsFeature) && ReferenceEquals(f.Value, items));
        Assert.Same(owner, features[typeof(IMemoryPoolFeature)]);
    }
}
