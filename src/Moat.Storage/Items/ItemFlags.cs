namespace Moat.Storage.Items;

/// <summary>Bits of an item's first header byte.</summary>
internal static class ItemFlags
{
    /// <summary>A 4-byte expiry follows the lengths (items that never expire do not store one).</summary>
    public const byte HasExpiry = 0x01;

    /// <summary>4-byte client flags follow (zero flags are not stored).</summary>
    public const byte HasClientFlags = 0x02;

    /// <summary>An explicit 8-byte CAS follows: chosen by the client (meta E) or kept when an item was moved.</summary>
    public const byte HasCas = 0x04;

    /// <summary>Invalidated by md I / ms I: served stale until recached.</summary>
    public const byte Stale = 0x08;

    /// <summary>A recache token (mg W) has been handed out for this version.</summary>
    public const byte TokenSent = 0x10;

    /// <summary>
    /// The item's derived CAS has been sent to a client (gets, mg c, binary responses, ...), so a move must keep it
    /// explicitly. An item nobody asked the CAS of gets a new derived CAS when moved: no client can tell, and the
    /// move saves 8 bytes. Set under the key's lock, like <see cref="TokenSent"/>.
    /// </summary>
    public const byte CasRevealed = 0x20;

    /// <summary>Marks the end of the written part of a segment; never a valid first byte of an item.</summary>
    public const byte EndMarker = 0x80;

    /// <summary>Bits that describe the item's state rather than its layout.</summary>
    public const byte StateMask = Stale | TokenSent;

    /// <summary>Every bit an item header may carry.</summary>
    public const byte ValidMask = HasExpiry | HasClientFlags | HasCas | Stale | TokenSent | CasRevealed;
}
