namespace Moat.Server.Configuration;

/// <summary>memcached's -B: which protocol connections speak.</summary>
public enum BindingProtocol
{
    /// <summary>Decided per connection from its first byte: 0x80 is binary, anything else text (memcached's default).</summary>
    Auto,

    /// <summary>Text and meta only.</summary>
    Ascii,

    /// <summary>Binary only.</summary>
    Binary,
}
