using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Xml;

namespace Appliance.Radius.Certificates;

/// <summary>The inner method of EAP-TTLS an Apple device uses (Apple's TTLSInnerAuthentication values).</summary>
public enum TtlsInnerAuthentication
{
    MSCHAPv2,
    PAP,
}

/// <summary>What goes into the profile.</summary>
/// <param name="Ssid">The network name (SSID_STR).</param>
/// <param name="ServerName">The RADIUS server's certificate name (TLSTrustedServerNames).</param>
/// <param name="Authority">The root to anchor trust to (com.apple.security.root); null for a publicly trusted certificate.</param>
/// <param name="Organization">Shown as the profile's organisation, e.g. the school's name.</param>
/// <param name="Wpa3">WPA3-Enterprise rather than WPA2-Enterprise.</param>
/// <param name="TtlsInner">The inner method when the device picks EAP-TTLS.</param>
public sealed record AppleWifiProfileOptions(string Ssid, string ServerName, X509Certificate2? Authority, string Organization,
    bool Wpa3 = false, TtlsInnerAuthentication TtlsInner = TtlsInnerAuthentication.MSCHAPv2);

/// <summary>
/// An Apple configuration profile (.mobileconfig, an XML property list) that joins the school's WPA2/3-Enterprise
/// network without a trust prompt: a com.apple.security.root payload with the CA's DER, and a com.apple.wifi.managed
/// payload whose EAP settings trust only that CA (PayloadCertificateAnchorUUID) for only the server's name
/// (TLSTrustedServerNames). Apple's "Configure certificate trust for 802.1X" note asks for both, so that a rogue AP
/// with some other certificate gets no prompt a user could click through.
/// <para>
/// Every PayloadUUID and PayloadIdentifier is derived from the CA's fingerprint and the SSID, so that downloading the
/// profile again replaces the installed one instead of adding a second. Unsigned: signing needs a certificate Apple
/// devices already trust, which a school's own CA is not; the device shows it as "Unverified".
/// </para>
/// </summary>
public static class AppleWifiProfile
{
    public const string ContentType = "application/x-apple-aspen-config";

    /// <summary>EAP types (IANA): PEAP and EAP-TTLS, the methods our server offers for user name + password.</summary>
    private static readonly int[] AcceptEapTypes = [25, 21];

    public static byte[] Create(AppleWifiProfileOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var seed = options.Authority?.GetCertHash(HashAlgorithmName.SHA256) ?? Encoding.UTF8.GetBytes(options.ServerName);
        var profileUuid = StableUuid(seed, options.Ssid, "profile");
        var rootUuid = StableUuid(seed, options.Ssid, "root");
        var wifiUuid = StableUuid(seed, options.Ssid, "wifi");
        var prefix = string.Join('.', options.ServerName.Split('.').Reverse());

        using var stream = new MemoryStream();
        var settings = new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false), NewLineChars = "\n" };
        using (var xml = XmlWriter.Create(stream, settings))
        {
            xml.WriteStartDocument();
            xml.WriteDocType("plist", "-//Apple//DTD PLIST 1.0//EN", "http://www.apple.com/DTDs/PropertyList-1.0.dtd", null);
            xml.WriteStartElement("plist");
            xml.WriteAttributeString("version", "1.0");
            xml.WriteStartElement("dict");
            Key(xml, "PayloadContent");
            xml.WriteStartElement("array");
            if (options.Authority is { } authority)
            {
                xml.WriteStartElement("dict");
                PayloadHeader(xml, "com.apple.security.root", $"{prefix}.ca.{rootUuid}", rootUuid, authority.GetNameInfo(X509NameType.SimpleName, false));
                String(xml, "PayloadCertificateFileName", "ca.cer");
                Key(xml, "PayloadContent");
                xml.WriteElementString("data", Convert.ToBase64String(authority.RawData));
                xml.WriteEndElement();
            }

            xml.WriteStartElement("dict");
            PayloadHeader(xml, "com.apple.wifi.managed", $"{prefix}.wifi.{wifiUuid}", wifiUuid, $"Wi-Fi {options.Ssid}");
            String(xml, "SSID_STR", options.Ssid);
            Bool(xml, "HIDDEN_NETWORK", false);
            Bool(xml, "AutoJoin", true);
            String(xml, "EncryptionType", options.Wpa3 ? "WPA3" : "WPA2");
            Key(xml, "EAPClientConfiguration");
            xml.WriteStartElement("dict");
            Key(xml, "AcceptEAPTypes");
            xml.WriteStartElement("array");
            foreach (var type in AcceptEapTypes)
            {
                xml.WriteElementString("integer", type.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            xml.WriteEndElement();
            String(xml, "TTLSInnerAuthentication", options.TtlsInner.ToString());
            StringArray(xml, "TLSTrustedServerNames", options.ServerName);
            if (options.Authority is not null)
            {
                StringArray(xml, "PayloadCertificateAnchorUUID", rootUuid);
            }

            xml.WriteEndElement();   // EAPClientConfiguration
            xml.WriteEndElement();   // the Wi-Fi payload
            xml.WriteEndElement();   // PayloadContent
            PayloadHeader(xml, "Configuration", $"{prefix}.profile.{profileUuid}", profileUuid, $"{options.Organization} Wi-Fi ({options.Ssid})");
            String(xml, "PayloadOrganization", options.Organization);
            String(xml, "PayloadDescription", $"Joins \"{options.Ssid}\" and trusts only {options.ServerName}'s certificate from the school's CA.");
            Bool(xml, "PayloadRemovalDisallowed", false);
            xml.WriteEndElement();
            xml.WriteEndElement();
            xml.WriteEndDocument();
        }

        return stream.ToArray();
    }

    /// <summary>
    /// A UUID that depends only on its inputs: SHA-256 over them, as an RFC 9562 §5.8 version 8 ("custom") UUID, upper
    /// case as Apple's tools write them.
    /// </summary>
    public static string StableUuid(ReadOnlySpan<byte> seed, string ssid, string purpose)
    {
        var input = new byte[seed.Length + Encoding.UTF8.GetMaxByteCount(ssid.Length + purpose.Length) + 2];
        seed.CopyTo(input);
        var at = seed.Length;
        at += Encoding.UTF8.GetBytes(ssid, input.AsSpan(at));
        input[at++] = 0;   // "ab"+"c" and "a"+"bc" must not collide
        at += Encoding.UTF8.GetBytes(purpose, input.AsSpan(at));
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(input.AsSpan(0, at), hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);   // version 8
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);   // variant 10 (RFC 9562 §4.1)
        return new Guid(hash[..16], bigEndian: true).ToString("D").ToUpperInvariant();
    }

    /// <summary>The keys every payload, and the profile itself, carries (Apple's "Configuration Profile Reference").</summary>
    private static void PayloadHeader(XmlWriter xml, string type, string identifier, string uuid, string displayName)
    {
        String(xml, "PayloadType", type);
        Integer(xml, "PayloadVersion", 1);
        String(xml, "PayloadIdentifier", identifier);
        String(xml, "PayloadUUID", uuid);
        String(xml, "PayloadDisplayName", displayName);
    }

    private static void Key(XmlWriter xml, string key) => xml.WriteElementString("key", key);

    private static void String(XmlWriter xml, string key, string value)
    {
        Key(xml, key);
        xml.WriteElementString("string", value);
    }

    private static void Integer(XmlWriter xml, string key, int value)
    {
        Key(xml, key);
        xml.WriteElementString("integer", value.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static void Bool(XmlWriter xml, string key, bool value)
    {
        Key(xml, key);
        xml.WriteStartElement(value ? "true" : "false");
        xml.WriteEndElement();
    }

    private static void StringArray(XmlWriter xml, string key, string value)
    {
        Key(xml, key);
        xml.WriteStartElement("array");
        xml.WriteElementString("string", value);
        xml.WriteEndElement();
    }
}
