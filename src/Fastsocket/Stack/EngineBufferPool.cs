using System.Buffers;

namespace Fastsocket.Stack;

/// <summary>
/// Connection buffers of one engine: a plain stack of arrays per size, touched only by the engine's thread, so
/// renting and returning neither lock nor allocate once the pool holds as many buffers as connections have had
/// data in flight at once. Shared pools (ArrayPool.Shared) keep only a few arrays per core and trim them on
/// their own schedule, which would make allocation on the packet path depend on timing.
/// </summary>
public sealed class EngineBufferPool : ArrayPool<byte>
{
    private const int MaxRetainedPerSize = 65536;

    private readonly Dictionary<int, Stack<byte[]>> _bySize = new();

    /// <summary>Arrays created because the pool was empty (for tests and statistics).</summary>
    public long Created { get; private set; }

    /// <summary>Bytes of the arrays in <see cref="Created"/>: growth of the pool, not per-packet allocation.</summary>
    public long CreatedBytes { get; private set; }

    /// <inheritdoc/>
    public override byte[] Rent(int minimumLength)
    {
        int size = RoundUp(minimumLength);
        if (_bySize.TryGetValue(size, out Stack<byte[]>? stack) && stack.TryPop(out byte[]? array))
        {
            return array;
        }
        Created++;
        CreatedBytes += size;
        return GC.AllocateUninitializedArray<byte>(size);
    }

    /// <inheritdoc/>
    public override void Return(byte[] array, bool clearArray = false)
    {
        ArgumentNullException.ThrowIfNull(array);
        if (!_bySize.TryGetValue(array.Length, out Stack<byte[]>? stack))
        {
            stack = new Stack<byte[]>(1024);
            _bySize.Add(array.Length, stack);
        }
        if (stack.Count < MaxRetainedPerSize)
        {
            if (clearArray)
            {
                Array.Clear(array);
            }
            stack.Push(array);
        }
    }

    private static int RoundUp(int length)
    {
        int size = 4096;
        while (size < length)
        {
            size <<= 1;
        }
        return size;
    }
}
