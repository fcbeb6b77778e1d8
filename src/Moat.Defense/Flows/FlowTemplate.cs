namespace Moat.Defense.Flows;

/// <summary>A NetFlow v9 or IPFIX (options) template, reduced to what decoding a record needs.</summary>
internal sealed class FlowTemplate
{
    /// <summary>Length value of an IPFIX variable-length field (RFC 7011 section 7).</summary>
    public const int VariableLength = 65535;

    public FlowTemplate(ushort id, TemplateField[] fields, bool isOptions)
    {
        Id = id;
        Fields = fields;
        IsOptions = isOptions;
        var variable = false;
        foreach (var field in fields)
        {
            if (field.Length == VariableLength)
            {
                variable = true;
                MinimumLength += 1;
            }
            else
            {
                MinimumLength += field.Length;
            }

            HasDeltaCounters |= field.Role is FieldRole.Octets or FieldRole.Packets;
        }

        FixedLength = variable ? -1 : MinimumLength;
    }

    public ushort Id { get; }

    public TemplateField[] Fields { get; }

    public bool IsOptions { get; }

    /// <summary>Record length when every field has a fixed length, else -1.</summary>
    public int FixedLength { get; }

    /// <summary>The shortest record the template allows (a variable-length field takes at least its length byte).</summary>
    public int MinimumLength { get; }

    /// <summary>Delta counters present: total counters are then ignored.</summary>
    public bool HasDeltaCounters { get; }
}

/// <summary>One field of a template: its role for detect and its encoded length.</summary>
internal readonly record struct TemplateField(FieldRole Role, ushort Length);
