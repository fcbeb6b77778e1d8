namespace Moat.Protocol.Meta;

/// <summary>What is wrong with a meta command's flags.</summary>
internal enum MetaFlagError : byte
{
    /// <summary>Every flag is known and appears once.</summary>
    None,

    /// <summary>A letter the command does not accept.</summary>
    Invalid,

    /// <summary>A letter given twice.</summary>
    Duplicate,
}
