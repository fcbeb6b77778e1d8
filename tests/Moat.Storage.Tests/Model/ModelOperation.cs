namespace Moat.Storage.Tests.Model;

/// <summary>One generated step of a model-based run.</summary>
public sealed record ModelOperation(ModelOperationKind Kind, int Key, string Value, uint Flags, int Exptime, bool RightCas, ulong Delta)
{
    public override string ToString() => $"{Kind}(k{Key}, \"{Value}\", f={Flags}, e={Exptime}, rightCas={RightCas}, d={Delta})";
}
