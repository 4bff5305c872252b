using Appliance.Protocols.Radius;

namespace Appliance.Radius.Tests.Eap;

/// <summary>EAP-Responses as a supplicant sends them, for tests that drive the EAP server by hand.</summary>
internal static class EapPackets
{
    public static byte[] Response(byte id, byte type, byte[] data)
    {
        var packet = new byte[5 + data.Length];
        EapPacketReader.TryWrite(packet, EapCode.Response, id, type, data, out _);
        return packet;
    }

    public static byte[] Identity(byte id, string name) => Response(id, EapType.Identity, System.Text.Encoding.UTF8.GetBytes(name));
}
