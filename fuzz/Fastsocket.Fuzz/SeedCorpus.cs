using System.Buffers.Binary;
using Fastsocket.Devices;
using Fastsocket.Stack;
using Fastsocket.Tcp;
using Fastsocket.Tests.Hardening;
using Fastsocket.Time;
using Fastsocket.Wire;

namespace Fastsocket.Fuzz;

/// <summary>
/// Builds the seed corpus from a real exchange: two engines over an in-memory link, the client side recorded by a
/// <see cref="PcapTap"/>; the client's packets are read back from the pcap and written as fuzz records, raw (they
/// reach the listener as new flows) and as segments put on the scenario's live flows with SEQ/ACK patched.
/// </summary>
internal static class SeedCorpus
{
    private static readonly IpAddress Client = FuzzScenario.PeerAddress;
    private static readonly IpAddress Server = FuzzScenario.LocalAddress;

    /// <summary>Writes the seeds into <paramref name="directory"/>; returns how many.</summary>
    public static int Write(string directory)
    {
        Directory.CreateDirectory(directory);
        List<byte[]> clientPackets = CaptureExchange();
        int count = 0;
        void Save(string name, IEnumerable<byte[]> records)
        {
            File.WriteAllBytes(Path.Combine(directory, name), records.SelectMany(r => r).ToArray());
            count++;
        }

        const byte Step = 0x13; // 3 << 1 ms: enough for delayed ACKs to fire now and then
        Save("exchange-raw", clientPackets.Select(p => FuzzScenario.Record(FuzzMode.RawPacket, 0, 0, Step, p)));
        for (int flow = 0; flow < 4; flow++)
        {
            // SEQ, ACK and timestamps patched: the captured conversation replayed on a live flow.
            Save($"exchange-flow{flow}", clientPackets.Select(p =>
                FuzzScenario.Record(FuzzMode.FlowSegment, flow, 0b0111, Step, p.AsSpan(IPv4Header.Length))));
        }
        // Each distinct captured segment alone on flow 0, unpatched and patched.
        for (int i = 0; i < clientPackets.Count; i++)
        {
            Save($"segment{i:D2}-patched", [FuzzScenario.Record(FuzzMode.FlowSegment, 0, 0b0111, 0, clientPackets[i].AsSpan(IPv4Header.Length))]);
        }
        Save("segment00-checksums-fixed", [FuzzScenario.Record(FuzzMode.RawPacketFixedChecksums, 0, 0, 0, clientPackets[0])]);

        // The application side: write, read, shut down, close, abort, connect, listener toggle, options.
        byte[] data = new byte[1200];
        Save("app-write-read-close", [
            FuzzScenario.Record(FuzzMode.ApplicationCall, 0, 0, 0, data),
            FuzzScenario.Record(FuzzMode.FlowSegment, 0, 0b0111, 0x23, clientPackets[^3].AsSpan(IPv4Header.Length)),
            FuzzScenario.Record(FuzzMode.ApplicationCall, 0, 1, 0, new byte[100]),
            FuzzScenario.Record(FuzzMode.ApplicationCall, 1, 2, 0, []),
            FuzzScenario.Record(FuzzMode.ApplicationCall, 2, 3, 0x50, []),
            FuzzScenario.Record(FuzzMode.ApplicationCall, 0, 4, 0, []),
        ]);
        Save("app-connect-listen-options", [
            FuzzScenario.Record(FuzzMode.ApplicationCall, 0, 5, 0, []),
            FuzzScenario.Record(FuzzMode.ApplicationCall, 0, 6, 0, []),
            FuzzScenario.Record(FuzzMode.ApplicationCall, 1, 7, 0, []),
            FuzzScenario.Record(FuzzMode.ApplicationCall, 1, 15, 0x7F, []),
            FuzzScenario.Record(FuzzMode.ApplicationCall, 0, 6, 0, []),
        ]);
        return count;
    }

    /// <summary>Runs a request/response exchange between two engines and returns the client's packets from the capture.</summary>
    private static List<byte[]> CaptureExchange()
    {
        var clock = new VirtualClock();
        var link = new InMemoryLink(1500, clock);
        using var capture = new MemoryStream();
        using (var writer = new PcapWriter(capture, leaveOpen: true))
        {
            var config = new TcpConfig { SendBufferSize = FuzzScenario.BufferSize, ReceiveBufferSize = FuzzScenario.BufferSize };
            var client = new NetworkEngine(new EngineOptions
            {
                LocalAddress = Client, Device = new PcapTap(link.A, writer, clock), Clock = clock, Tcp = config, RandomSeed = 2, IsnKey = new byte[16],
            });
            var server = new NetworkEngine(new EngineOptions
            {
                LocalAddress = Server, Device = link.B, Clock = clock, Tcp = config, RandomSeed = 3, IsnKey = new byte[16],
            });
            Listener listener = server.Listen(FuzzScenario.ListenPort, 8);
            TcpConnection connection = client.Connect(Server, FuzzScenario.ListenPort, null);
            TcpConnection? accepted = null;
            byte[] request = new byte[3000];
            request.AsSpan().Fill((byte)'q');
            byte[] buffer = new byte[8192];
            bool requestSent = false, responded = false, clientClosed = false;
            for (int round = 0; round < 200; round++)
            {
                client.Poll();
                server.Poll();
                clock.Advance(1_000);
                if (accepted is null && listener.TryAccept(out accepted))
                {
                    continue;
                }
                if (!requestSent && connection.IsConnected)
                {
                    requestSent = connection.Write(request) == request.Length;
                    client.FlushPending();
                }
                if (accepted is not null && !responded && accepted.Read(buffer) > 0 && accepted.Readable == 0)
                {
                    accepted.Write(buffer.AsSpan(0, 500));
                    accepted.Close();
                    server.FlushPending();
                    responded = true;
                }
                if (responded && !clientClosed)
                {
                    connection.Read(buffer);
                }
                if (responded && !clientClosed && connection.ReceiveCompleted)
                {
                    connection.Close();
                    client.FlushPending();
                    clientClosed = true;
                }
            }
            if (!clientClosed)
            {
                throw new InvalidOperationException("the seed exchange did not complete");
            }
        }
        return ReadTransmitted(capture.ToArray());
    }

    /// <summary>The packets in a pcap (raw IP link type) whose source is the client.</summary>
    private static List<byte[]> ReadTransmitted(byte[] pcap)
    {
        var packets = new List<byte[]>();
        int offset = PcapWriter.FileHeaderLength;
        while (offset + PcapWriter.RecordHeaderLength <= pcap.Length)
        {
            int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(pcap.AsSpan(offset + 8));
            byte[] packet = pcap.AsSpan(offset + PcapWriter.RecordHeaderLength, length).ToArray();
            offset += PcapWriter.RecordHeaderLength + length;
            if (packet.Length >= IPv4Header.Length && IpAddress.FromIPv4Bytes(packet.AsSpan(12, 4)) == Client)
            {
                packets.Add(packet);
            }
        }
        return packets;
    }
}
