namespace Appliance.Protocols;

/// <summary>
/// The outcome of a wire-format read. Readers return a status instead of throwing on the hot path
/// (the pattern of Kestrel's TlsListener and YARP's TlsFrameHelper) and only advance on <see cref="Ok"/>.
/// </summary>
public enum ParseStatus : byte
{
    /// <summary>The item was read and the reader advanced past it.</summary>
    Ok = 0,

    /// <summary>The input ends before the item does; a stream transport may supply more bytes.</summary>
    NeedMoreData = 1,

    /// <summary>The bytes are not this protocol at all (for sniffing readers).</summary>
    NotThisProtocol = 2,

    /// <summary>The bytes claim to be this protocol but break one of its rules or one of our limits.</summary>
    Malformed = 3,
}
