namespace Moat.Defense.Analysis;

/// <summary>Fragments seen for one (source, destination, id) while waiting for or after the first fragment.</summary>
internal sealed class FragmentState
{
    public bool FirstSeen { get; set; }

    public long LastSeen { get; set; }

    public long PendingBytes { get; set; }

    public int PendingFragments { get; set; }
}
