namespace Fastsocket.Bench;

/// <summary>Per-thread pool of request buffers: each engine core reuses its own, so serving a connection allocates none.</summary>
internal static class RequestBuffer
{
    private const int Size = 4096;

    [ThreadStatic]
    private static Stack<byte[]>? t_pool;

    public static byte[] Rent()
    {
        Stack<byte[]> pool = t_pool ??= new Stack<byte[]>();
        return pool.TryPop(out byte[]? buffer) ? buffer : new byte[Size];
    }

    public static void Return(byte[] buffer)
    {
        Stack<byte[]> pool = t_pool ??= new Stack<byte[]>();
        if (pool.Count < 4096)
        {
            pool.Push(buffer);
        }
    }
}
