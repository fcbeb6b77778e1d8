namespace Moat.Client.Operations;

/// <summary>Single-key commands whose answer is found / not found.</summary>
internal enum KeyCommand
{
    Delete,
    Touch,
    Invalidate,
}
