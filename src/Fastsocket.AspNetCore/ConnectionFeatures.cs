using System.Collections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Fastsocket.AspNetCore;

/// <summary>
/// The feature collection of a <see cref="FastsocketConnectionContext"/>: the six features the context implements
/// itself are answered by a type test, and what Kestrel or the app sets (Kestrel sets four on every connection) goes to a
/// short array searched in order, which also wins over the context's own, so they can be replaced or removed. A
/// FeatureCollection's dictionary per connection was a tenth of the transport's allocation per connection.
/// </summary>
internal sealed class ConnectionFeatures : IFeatureCollection
{
    private static readonly Type[] OwnTypes =
    [
        typeof(IConnectionIdFeature),
        typeof(IConnectionTransportFeature),
        typeof(IConnectionItemsFeature),
        typeof(IConnectionLifetimeFeature),
        typeof(IConnectionEndPointFeature),
        typeof(IMemoryPoolFeature),
    ];

    private readonly object _owner;
    private KeyValuePair<Type, object?>[]? _set;
    private int _setCount;
    private int _replacedOwn;
    private int _revision;

    /// <param name="owner">What implements the six features: the connection context.</param>
    public ConnectionFeatures(object owner)
    {
        _owner = owner;
    }

    public bool IsReadOnly => false;

    public int Revision => _revision;

    public object? this[Type key]
    {
        get
        {
            ArgumentNullException.ThrowIfNull(key);
            int own = Array.IndexOf(OwnTypes, key);
            if (own >= 0 && (_replacedOwn & (1 << own)) == 0)
            {
                return _owner;
            }
            for (int i = 0; i < _setCount; i++)
            {
                if (_set![i].Key == key)
                {
                    return _set[i].Value;
                }
            }
            return null;
        }
        set
        {
            ArgumentNullException.ThrowIfNull(key);
            int own = Array.IndexOf(OwnTypes, key);
            if (own >= 0)
            {
                _replacedOwn |= 1 << own;
            }
            _revision++;
            for (int i = 0; i < _setCount; i++)
            {
                if (_set![i].Key == key)
                {
                    _set[i] = new KeyValuePair<Type, object?>(key, value);
                    return;
                }
            }
            _set ??= new KeyValuePair<Type, object?>[4];
            if (_setCount == _set.Length)
            {
                Array.Resize(ref _set, _set.Length * 2);
            }
            _set[_setCount++] = new KeyValuePair<Type, object?>(key, value);
        }
    }

    public TFeature? Get<TFeature>() => (TFeature?)this[typeof(TFeature)];

    public void Set<TFeature>(TFeature? instance) => this[typeof(TFeature)] = instance;

    public IEnumerator<KeyValuePair<Type, object>> GetEnumerator()
    {
        for (int i = 0; i < OwnTypes.Length; i++)
        {
            if ((_replacedOwn & (1 << i)) == 0)
            {
                yield return new KeyValuePair<Type, object>(OwnTypes[i], _owner);
            }
        }
        for (int i = 0; i < _setCount; i++)
        {
            if (_set![i].Value is { } value)
            {
                yield return new KeyValuePair<Type, object>(_set[i].Key, value);
            }
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
