namespace Fastsocket.Native.Abi;

/// <summary>struct linger.</summary>
internal struct Linger
{
    public int OnOff;
    public int Seconds;
}
