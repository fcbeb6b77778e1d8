namespace Moat.Defense.Analysis;

/// <summary>D3 command classes; only <see cref="Stats"/> and <see cref="Retrieval"/> can be reflection events.</summary>
internal enum CommandClass
{
    Other,
    Stats,
    Retrieval,
    Write,
    Flush,
    Version,
}
