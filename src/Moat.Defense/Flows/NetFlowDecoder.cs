using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Moat.Defense.Decoding;

namespace Moat.Defense.Flows;

/// <summary>
/// Decodes NetFlow v5, NetFlow v9 (RFC 3954) and IPFIX (RFC 7011) export messages into <see cref="FlowRecord"/>s.
/// Templates, sampling rates and the system start time are kept per exporter (address and port) and
/// observation domain (v9 source id), within fixed limits so a hostile sender cannot grow memory without
/// bound. Anything malformed is counted in <see cref="Statistics"/> and skipped; nothing throws.
/// </summary>
internal sealed class NetFlowDecoder
{
    public const int MaxDomains = 1024;
    public const int MaxTemplates = 8192;
    public const int MaxTemplateFields = 512;
    public const int MaxSamplersPerDomain = 256;

    private const int V5HeaderLength = 24;
    private const int V5RecordLength = 48;
    private const int V9HeaderLength = 20;
    private const int IpfixHeaderLength = 16;
    private const int V9TemplateSet = 0;
    private const int V9OptionsTemplateSet = 1;
    private const int IpfixTemplateSet = 2;
    private const int IpfixOptionsTemplateSet = 3;
    private const int FirstDataSet = 256;
    private const long NanosPerMilli = 1_000_000;
    private const long NanosPerSecond = 1_000_000_000;

    /// <summary>Seconds from the NTP epoch (1900) to the Unix epoch, for IPFIX micro- and nanosecond times.</summary>
    private const long NtpToUnixSeconds = 2_208_988_800;

    private readonly Dictionary<DomainKey, DomainState> _domains = [];
    private int _templateCount;

    public NetFlowDecoder(FlowStatistics statistics, ulong defaultSamplingRate = 1)
    {
        Statistics = statistics;
        DefaultSamplingRate = Math.Max(1, defaultSamplingRate);
    }

    /// <summary>Where counts and warnings go; replaced per input while templates carry over between inputs.</summary>
    public FlowStatistics Statistics { get; set; }

    /// <summary>Rate applied when an exporter reports none (<c>--flow-sampling</c>).</summary>
    public ulong DefaultSamplingRate { get; }

    /// <summary>Version 5, 9 or 10 in the first two bytes: worth decoding as an export message.</summary>
    public static bool LooksLikeExport(ReadOnlySpan<byte> payload) =>
        payload.Length >= 2 && BinaryPrimitives.ReadUInt16BigEndian(payload) is 5 or 9 or 10;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Decode(ReadOnlySpan<byte> message, IpKey exporter, int exporterPort, IFlowSink sink)
    {
        Statistics.Datagrams++;
        if (message.Length < 4)
        {
            Statistics.RejectDatagram("flow_truncated_header", $"export datagrams too short for any header were skipped (first: {message.Length} bytes from {exporter})");
            return;
        }

        var version = BinaryPrimitives.ReadUInt16BigEndian(message);
        switch (version)
        {
            case 5:
                Statistics.V5Datagrams++;
                DecodeV5(message, exporter, exporterPort, sink);
                break;
            case 9:
                Statistics.V9Datagrams++;
                DecodeV9(message, exporter, exporterPort, sink);
                break;
            case 10:
                Statistics.IpfixDatagrams++;
                DecodeIpfix(message, exporter, exporterPort, sink);
                break;
            default:
                Statistics.RejectDatagram("flow_version", $"export datagrams of an unsupported version were skipped (first: version {version} from {exporter}; supported: 5, 9, 10)");
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DecodeV5(ReadOnlySpan<byte> message, IpKey exporter, int exporterPort, IFlowSink sink)
    {
        if (message.Length < V5HeaderLength)
        {
            Statistics.RejectDatagram("flow_truncated_header", $"export datagrams too short for their header were skipped (first: v5, {message.Length} bytes from {exporter})");
            return;
        }

        int count = BinaryPrimitives.ReadUInt16BigEndian(message[2..]);
        var uptime = BinaryPrimitives.ReadUInt32BigEndian(message[4..]);
        var seconds = BinaryPrimitives.ReadUInt32BigEndian(message[8..]);
        var nanos = BinaryPrimitives.ReadUInt32BigEndian(message[12..]);
        var sequence = BinaryPrimitives.ReadUInt32BigEndian(message[16..]);
        var engine = BinaryPrimitives.ReadUInt16BigEndian(message[20..]);
        var sampling = BinaryPrimitives.ReadUInt16BigEndian(message[22..]);
        var fit = (message.Length - V5HeaderLength) / V5RecordLength;
        if (count > fit)
        {
            Statistics.Warnings.Add("flow_truncated", $"export datagrams shorter than their record count were read up to the last whole record (first: v5 from {exporter}, {count} records announced, {fit} present)");
            Statistics.RejectedRecords += count - fit;
            count = fit;
        }

        if (Domain(exporter, exporterPort, 5, engine) is { } domain)
        {
            TrackRecordSequence(domain, sequence, (uint)count, exporter);
        }

        // Sampling mode in the top two bits, "1 out of N" in the other fourteen.
        var interval = (ulong)(sampling & 0x3FFF);
        var rate = interval > 1 ? interval : DefaultSamplingRate;
        var exportMs = (seconds * 1000L) + (nanos / NanosPerMilli);
        var records = message[V5HeaderLength..];
        for (var i = 0; i < count; i++)
        {
            var record = records.Slice(i * V5RecordLength, V5RecordLength);
            var first = BinaryPrimitives.ReadUInt32BigEndian(record[24..]);
            var last = BinaryPrimitives.ReadUInt32BigEndian(record[28..]);
            var flow = new FlowRecord
            {
                Source = IpKey.FromV4(record),
                Destination = IpKey.FromV4(record[4..]),
                SourcePort = BinaryPrimitives.ReadUInt16BigEndian(record[32..]),
                DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(record[34..]),
                Protocol = record[38],

                // First/Last are the exporter's uptime in ms; the distance back from the header's uptime survives a wrap.
                StartNs = (exportMs - (uint)(uptime - first)) * NanosPerMilli,
                EndNs = (exportMs - (uint)(uptime - last)) * NanosPerMilli,
            };
            var packets = BinaryPrimitives.ReadUInt32BigEndian(record[16..]);
            var octets = BinaryPrimitives.ReadUInt32BigEndian(record[20..]);
            if (FlowSanity.TryFinish(ref flow, packets, octets, rate, Statistics))
            {
                sink.Accept(flow);
            }
        }
    }

    private void DecodeV9(ReadOnlySpan<byte> message, IpKey exporter, int exporterPort, IFlowSink sink)
    {
        if (message.Length < V9HeaderLength)
        {
            Statistics.RejectDatagram("flow_truncated_header", $"export datagrams too short for their header were skipped (first: v9, {message.Length} bytes from {exporter})");
            return;
        }

        var context = new MessageContext
        {
            Version = 9,
            UptimeMs = BinaryPrimitives.ReadUInt32BigEndian(message[4..]),
            ExportSeconds = BinaryPrimitives.ReadUInt32BigEndian(message[8..]),
        };
        var sequence = BinaryPrimitives.ReadUInt32BigEndian(message[12..]);
        var sourceId = BinaryPrimitives.ReadUInt32BigEndian(message[16..]);
        if (Domain(exporter, exporterPort, 9, sourceId) is not { } domain)
        {
            return;
        }

        TrackPacketSequence(domain, sequence, exporter);
        DecodeSets(message[V9HeaderLength..], domain, context, exporter, sink);
    }

    private void DecodeIpfix(ReadOnlySpan<byte> message, IpKey exporter, int exporterPort, IFlowSink sink)
    {
        if (message.Length < IpfixHeaderLength)
        {
            Statistics.RejectDatagram("flow_truncated_header", $"export datagrams too short for their header were skipped (first: IPFIX, {message.Length} bytes from {exporter})");
            return;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(message[2..]);
        if (length < IpfixHeaderLength || length > message.Length)
        {
            Statistics.RejectDatagram("flow_truncated", $"IPFIX messages whose length field disagrees with the datagram were skipped (first: {length} announced, {message.Length} received from {exporter})");
            return;
        }

        var context = new MessageContext
        {
            Version = 10,
            ExportSeconds = BinaryPrimitives.ReadUInt32BigEndian(message[4..]),
        };
        var domainId = BinaryPrimitives.ReadUInt32BigEndian(message[12..]);
        if (Domain(exporter, exporterPort, 10, domainId) is not { } domain)
        {
            return;
        }

        // IPFIX sequence numbers count data records, but exporters disagree on whether the current message is
        // included (softflowd includes it), so gaps are not inferred from them.
        DecodeSets(message[IpfixHeaderLength..length], domain, context, exporter, sink);
    }

    private void DecodeSets(ReadOnlySpan<byte> sets, DomainState domain, MessageContext context, IpKey exporter, IFlowSink sink)
    {
        while (sets.Length >= 4)
        {
            int setId = BinaryPrimitives.ReadUInt16BigEndian(sets);
            int setLength = BinaryPrimitives.ReadUInt16BigEndian(sets[2..]);
            if (setLength < 4 || setLength > sets.Length)
            {
                Statistics.RejectDatagram("flow_truncated_set", $"export datagrams with a set running past their end were read up to that set (first: set {setId} of {setLength} bytes, {sets.Length} left, from {exporter})");
                return;
            }

            var body = sets[4..setLength];
            sets = sets[setLength..];
            switch (setId)
            {
                case V9TemplateSet when context.Version == 9:
                case IpfixTemplateSet when context.Version == 10:
                    ReadTemplates(body, domain, context.Version, exporter);
                    break;
                case V9OptionsTemplateSet when context.Version == 9:
                    ReadV9OptionsTemplates(body, domain, exporter);
                    break;
                case IpfixOptionsTemplateSet when context.Version == 10:
                    ReadIpfixOptionsTemplates(body, domain, exporter);
                    break;
                case >= FirstDataSet:
                    DecodeDataSet(body, (ushort)setId, domain, context, exporter, sink);
                    break;
                default:
                    Statistics.Warnings.Add("flow_reserved_set", $"sets with a reserved id were skipped (first: set {setId} in a v{context.Version} message from {exporter})");
                    break;
            }
        }
    }

    private void ReadTemplates(ReadOnlySpan<byte> body, DomainState domain, int version, IpKey exporter)
    {
        // Each template: id, field count, then (type, length[, enterprise]) per field. A shorter rest is padding.
        while (body.Length >= 4)
        {
            var templateId = BinaryPrimitives.ReadUInt16BigEndian(body);
            int fieldCount = BinaryPrimitives.ReadUInt16BigEndian(body[2..]);
            body = body[4..];
            if (templateId < FirstDataSet)
            {
                if (version == 10 && fieldCount == 0 && templateId == IpfixTemplateSet)
                {
                    // RFC 7011 8.1: a withdrawal of template id 2 withdraws every template of the domain.
                    WithdrawAll(domain, options: false);
                    continue;
                }

                if (templateId == 0 && fieldCount == 0)
                {
                    return;
                }

                Statistics.Warnings.Add("flow_bad_template", $"templates with an id below 256 were skipped (first: id {templateId} from {exporter})");
                return;
            }

            if (version == 10 && fieldCount == 0)
            {
                Withdraw(domain, templateId);
                continue;
            }

            if (!TryReadFields(ref body, fieldCount, scopeCount: 0, version, exporter, out var fields))
            {
                return;
            }

            Store(domain, new FlowTemplate(templateId, fields, isOptions: false), exporter);
        }
    }

    private void ReadV9OptionsTemplates(ReadOnlySpan<byte> body, DomainState domain, IpKey exporter)
    {
        // RFC 3954 6.1: id, scope length and option length in bytes, scope fields (their own type space), option fields.
        while (body.Length >= 6)
        {
            var templateId = BinaryPrimitives.ReadUInt16BigEndian(body);
            int scopeLength = BinaryPrimitives.ReadUInt16BigEndian(body[2..]);
            int optionLength = BinaryPrimitives.ReadUInt16BigEndian(body[4..]);
            if (templateId == 0 && scopeLength == 0 && optionLength == 0)
            {
                return;
            }

            body = body[6..];
            if (templateId < FirstDataSet || scopeLength % 4 != 0 || optionLength % 4 != 0)
            {
                Statistics.Warnings.Add("flow_bad_template", $"malformed options templates were skipped (first: id {templateId}, scope {scopeLength} B, options {optionLength} B from {exporter})");
                return;
            }

            if (!TryReadFields(ref body, (scopeLength + optionLength) / 4, scopeLength / 4, 9, exporter, out var fields))
            {
                return;
            }

            Store(domain, new FlowTemplate(templateId, fields, isOptions: true), exporter);

            // Padding to a 4-byte boundary follows the template (the set length says how much).
            if (body.Length < 6)
            {
                return;
            }
        }
    }

    private void ReadIpfixOptionsTemplates(ReadOnlySpan<byte> body, DomainState domain, IpKey exporter)
    {
        // RFC 7011 3.4.2.2: id, field count, scope field count, then the fields with the scope fields first.
        while (body.Length >= 4)
        {
            var templateId = BinaryPrimitives.ReadUInt16BigEndian(body);
            int fieldCount = BinaryPrimitives.ReadUInt16BigEndian(body[2..]);
            if (fieldCount == 0)
            {
                body = body[4..];
                if (templateId == IpfixOptionsTemplateSet)
                {
                    WithdrawAll(domain, options: true);
                }
                else if (templateId >= FirstDataSet)
                {
                    Withdraw(domain, templateId);
                }

                continue;
            }

            if (body.Length < 6)
            {
                return;
            }

            int scopeCount = BinaryPrimitives.ReadUInt16BigEndian(body[4..]);
            body = body[6..];
            if (templateId < FirstDataSet || scopeCount == 0 || scopeCount > fieldCount)
            {
                Statistics.Warnings.Add("flow_bad_template", $"malformed options templates were skipped (first: id {templateId}, {fieldCount} fields, {scopeCount} scope fields from {exporter})");
                return;
            }

            if (!TryReadFields(ref body, fieldCount, scopeCount: 0, 10, exporter, out var fields))
            {
                return;
            }

            Store(domain, new FlowTemplate(templateId, fields, isOptions: true), exporter);
        }
    }

    private bool TryReadFields(ref ReadOnlySpan<byte> body, int fieldCount, int scopeCount, int version, IpKey exporter, out TemplateField[] fields)
    {
        fields = [];
        if (fieldCount > MaxTemplateFields)
        {
            Statistics.Warnings.Add("flow_template_limit", $"templates with more than {MaxTemplateFields} fields were skipped (first: {fieldCount} fields from {exporter})");
            return false;
        }

        var read = new TemplateField[fieldCount];
        for (var i = 0; i < fieldCount; i++)
        {
            if (body.Length < 4)
            {
                Statistics.Warnings.Add("flow_bad_template", $"templates running past their set were skipped (first: from {exporter})");
                return false;
            }

            int type = BinaryPrimitives.ReadUInt16BigEndian(body);
            var length = BinaryPrimitives.ReadUInt16BigEndian(body[2..]);
            body = body[4..];
            FieldRole role;
            if (version == 10 && (type & 0x8000) != 0)
            {
                if (body.Length < 4)
                {
                    Statistics.Warnings.Add("flow_bad_template", $"templates running past their set were skipped (first: from {exporter})");
                    return false;
                }

                var enterprise = BinaryPrimitives.ReadUInt32BigEndian(body);
                body = body[4..];
                role = InformationElements.EnterpriseRoleOf(enterprise, type & 0x7FFF, length);
            }
            else
            {
                // v9 scope fields number System/Interface/... in a space of their own: never data.
                role = i < scopeCount ? FieldRole.Ignored : InformationElements.RoleOf(type, length);
            }

            read[i] = new TemplateField(role, length);
        }

        fields = read;
        return true;
    }

    private void Store(DomainState domain, FlowTemplate template, IpKey exporter)
    {
        if (template.MinimumLength == 0)
        {
            Statistics.Warnings.Add("flow_bad_template", $"templates describing empty records were skipped (first: id {template.Id} from {exporter})");
            return;
        }

        if (!domain.Templates.ContainsKey(template.Id))
        {
            if (_templateCount >= MaxTemplates)
            {
                Statistics.Warnings.Add("flow_template_limit", $"more than {MaxTemplates} templates: new ones were not kept (first: id {template.Id} from {exporter})");
                return;
            }

            _templateCount++;
        }

        domain.Templates[template.Id] = template;
    }

    private void Withdraw(DomainState domain, ushort templateId)
    {
        if (domain.Templates.Remove(templateId))
        {
            _templateCount--;
        }
    }

    private void WithdrawAll(DomainState domain, bool options)
    {
        foreach (var (id, template) in domain.Templates)
        {
            if (template.IsOptions == options)
            {
                domain.Templates.Remove(id);
                _templateCount--;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DecodeDataSet(ReadOnlySpan<byte> body, ushort setId, DomainState domain, MessageContext context, IpKey exporter, IFlowSink sink)
    {
        if (!domain.Templates.TryGetValue(setId, out var template))
        {
            // Templates arrive periodically: data before the first template (or after a restart) cannot be read.
            Statistics.Reject("flow_unknown_template", $"data sets for a template not (yet) received were skipped (first: template {setId}, v{context.Version}, from {exporter})");
            return;
        }

        while (body.Length >= template.MinimumLength)
        {
            var values = default(RecordValues);
            if (!TryReadRecord(template, body, ref values, out var consumed))
            {
                Statistics.Reject("flow_truncated_record", $"records with variable-length fields running past their set were skipped (first: template {setId} from {exporter})");
                return;
            }

            body = body[consumed..];
            if (template.IsOptions)
            {
                ApplyOptions(domain, values);
            }
            else
            {
                EmitFlows(template, domain, context, values, exporter, sink);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TryReadRecord(FlowTemplate template, ReadOnlySpan<byte> data, ref RecordValues values, out int consumed)
    {
        consumed = 0;
        var offset = 0;
        foreach (var field in template.Fields)
        {
            int length = field.Length;
            if (length == FlowTemplate.VariableLength)
            {
                // RFC 7011 7: one length byte, or 255 and a two-byte length.
                if (offset >= data.Length)
                {
                    return false;
                }

                length = data[offset++];
                if (length == 255)
                {
                    if (offset + 2 > data.Length)
                    {
                        return false;
                    }

                    length = BinaryPrimitives.ReadUInt16BigEndian(data[offset..]);
                    offset += 2;
                }
            }

            if (offset + length > data.Length)
            {
                return false;
            }

            if (field.Role != FieldRole.Ignored)
            {
                values.Store(field.Role, data.Slice(offset, length));
            }

            offset += length;
        }

        consumed = offset;
        return true;
    }

    private static void ApplyOptions(DomainState domain, in RecordValues values)
    {
        if (values.Has(FieldRole.SystemInitMilliseconds))
        {
            domain.SystemInitMs = (long)Math.Min(values.SystemInitMs, long.MaxValue / NanosPerMilli);
        }

        var rate = values.SamplingRate();
        if (rate == 0)
        {
            return;
        }

        if (values.Has(FieldRole.SamplerId))
        {
            if (domain.SamplerRates.Count < MaxSamplersPerDomain || domain.SamplerRates.ContainsKey(values.SamplerId))
            {
                domain.SamplerRates[values.SamplerId] = rate;
            }
        }
        else
        {
            domain.SamplingRate = rate;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void EmitFlows(FlowTemplate template, DomainState domain, MessageContext context, in RecordValues values, IpKey exporter, IFlowSink sink)
    {
        var v4 = values.Has(FieldRole.SourceV4) && values.Has(FieldRole.DestinationV4);
        var v6 = values.Has(FieldRole.SourceV6) && values.Has(FieldRole.DestinationV6);
        if (!v4 && !v6)
        {
            Statistics.Reject("flow_no_address", $"flow records without source and destination IP addresses were skipped (first: template {template.Id} from {exporter})");
            return;
        }

        if (!values.Has(FieldRole.Protocol))
        {
            Statistics.Reject("flow_no_protocol", $"flow records without an IP protocol were skipped (first: template {template.Id} from {exporter})");
            return;
        }

        ulong octets;
        ulong packets;
        if (template.HasDeltaCounters)
        {
            octets = values.Octets;
            packets = values.Packets;
        }
        else
        {
            octets = values.TotalOctets;
            packets = values.TotalPackets;
        }

        if (!TryFlowTimes(domain, context, values, exporter, out var start, out var end))
        {
            return;
        }

        var rate = values.SamplingRate();
        if (rate == 0)
        {
            rate = values.Has(FieldRole.SamplerId) && domain.SamplerRates.TryGetValue(values.SamplerId, out var samplerRate) ? samplerRate
                : domain.SamplingRate > 0 ? domain.SamplingRate
                : DefaultSamplingRate;
        }

        var flow = new FlowRecord
        {
            Source = v4 ? values.SourceV4 : values.SourceV6,
            Destination = v4 ? values.DestinationV4 : values.DestinationV6,
            IsV6 = !v4,
            SourcePort = values.SourcePort,
            DestinationPort = values.DestinationPort,
            Protocol = values.Protocol,
            StartNs = start,
            EndNs = end,
        };
        var biflow = values.Has(FieldRole.ReversePackets);
        if ((packets > 0 || !biflow) && FlowSanity.TryFinish(ref flow, packets, octets, rate, Statistics))
        {
            sink.Accept(flow);
        }

        if (biflow && values.ReversePackets > 0)
        {
            // RFC 5103 biflow: the reverse counters describe destination -> source.
            var reverse = flow.Reversed(start, end);
            if (FlowSanity.TryFinish(ref reverse, values.ReversePackets, values.ReverseOctets, rate, Statistics))
            {
                sink.Accept(reverse);
            }
        }
    }

    private bool TryFlowTimes(DomainState domain, MessageContext context, in RecordValues values, IpKey exporter, out long start, out long end)
    {
        var exportNs = context.ExportSeconds * NanosPerSecond;
        start = end = exportNs;
        if (values.HasAbsoluteStart || values.HasAbsoluteEnd)
        {
            if (values.AbsoluteTimeInvalid)
            {
                Statistics.Reject("flow_absurd_time", $"flow records with timestamps out of range were skipped (first: from {exporter})");
                return false;
            }

            start = values.HasAbsoluteStart ? values.StartNs : values.EndNs;
            end = values.HasAbsoluteEnd ? values.EndNs : values.StartNs;
            return true;
        }

        if (values.Has(FieldRole.StartDeltaMicroseconds) || values.Has(FieldRole.EndDeltaMicroseconds))
        {
            var startDelta = values.Has(FieldRole.StartDeltaMicroseconds) ? values.StartDeltaUs : values.EndDeltaUs;
            var endDelta = values.Has(FieldRole.EndDeltaMicroseconds) ? values.EndDeltaUs : values.StartDeltaUs;
            start = exportNs - (startDelta * 1000L);
            end = exportNs - (endDelta * 1000L);
            return true;
        }

        if (values.Has(FieldRole.StartSysUpTime) || values.Has(FieldRole.EndSysUpTime))
        {
            var startUp = values.Has(FieldRole.StartSysUpTime) ? values.StartUpMs : values.EndUpMs;
            var endUp = values.Has(FieldRole.EndSysUpTime) ? values.EndUpMs : values.StartUpMs;
            if (context.Version == 9)
            {
                // Relative to the header's uptime; the unsigned distance survives a 49-day wrap of the counter.
                var exportMs = context.ExportSeconds * 1000L;
                start = (exportMs - (uint)(context.UptimeMs - startUp)) * NanosPerMilli;
                end = (exportMs - (uint)(context.UptimeMs - endUp)) * NanosPerMilli;
                return true;
            }

            var init = values.Has(FieldRole.SystemInitMilliseconds) ? (long)Math.Min(values.SystemInitMs, long.MaxValue / NanosPerMilli) : domain.SystemInitMs;
            if (init >= 0 && init < (long.MaxValue / NanosPerMilli) - (2L * uint.MaxValue))
            {
                var exportMs = context.ExportSeconds * 1000L;
                start = NearestUptimeWrap(init + startUp, exportMs) * NanosPerMilli;
                end = NearestUptimeWrap(init + endUp, exportMs) * NanosPerMilli;
                return true;
            }

            Statistics.Warnings.Add("flow_time_unknown", $"IPFIX records with uptime-relative times arrived before the exporter's systemInitTimeMilliseconds: the message's export time was used (first: from {exporter})");
            return true;
        }

        Statistics.Warnings.Add("flow_time_from_export", $"flow records without start/end times were placed at their message's export time (first: from {exporter})");
        return true;
    }

    /// <summary>
    /// The 32-bit millisecond uptime wraps every 49.7 days, and an exporter reading a capture (softflowd -r) reports
    /// flows from before its own start as negative uptimes: of the times init + uptime + k x 2^32 ms, the one
    /// nearest the message's export time is the flow's.
    /// </summary>
    private static long NearestUptimeWrap(long milliseconds, long exportMs)
    {
        const long Wrap = 1L << 32;
        var wraps = (exportMs - milliseconds + (Wrap / 2)) >> 32;
        return milliseconds + (wraps * Wrap);
    }

    private DomainState? Domain(IpKey exporter, int exporterPort, int version, uint domainId)
    {
        var key = new DomainKey(exporter, exporterPort, version, domainId);
        if (_domains.TryGetValue(key, out var domain))
        {
            return domain;
        }

        if (_domains.Count >= MaxDomains)
        {
            Statistics.RejectDatagram("flow_domain_limit", $"export datagrams from more than {MaxDomains} exporters/observation domains were skipped (first: {exporter} port {exporterPort} domain {domainId})");
            return null;
        }

        domain = new DomainState();
        _domains[key] = domain;
        return domain;
    }

    /// <summary>v5: the header's sequence is the number of flows the exporter sent before this datagram.</summary>
    private void TrackRecordSequence(DomainState domain, uint sequence, uint count, IpKey exporter)
    {
        if (domain.HasSequence && sequence != domain.NextSequence)
        {
            var gap = sequence - domain.NextSequence;
            if (gap < 1u << 30)
            {
                Statistics.MissingRecords += gap;
                Statistics.Warnings.Add("flow_sequence_gap", $"flow sequence numbers skipped ahead: export datagrams were lost on the way (first: {gap} v5 records from {exporter})");
            }
        }

        domain.HasSequence = true;
        domain.NextSequence = sequence + count;
    }

    /// <summary>v9: the header's sequence counts export datagrams.</summary>
    private void TrackPacketSequence(DomainState domain, uint sequence, IpKey exporter)
    {
        if (domain.HasSequence && sequence != domain.NextSequence)
        {
            var gap = sequence - domain.NextSequence;
            if (gap < 1u << 30)
            {
                Statistics.MissingDatagrams += gap;
                Statistics.Warnings.Add("flow_sequence_gap", $"flow sequence numbers skipped ahead: export datagrams were lost on the way (first: {gap} v9 datagrams from {exporter})");
            }
        }

        domain.HasSequence = true;
        domain.NextSequence = sequence + 1;
    }

    private readonly record struct DomainKey(IpKey Exporter, int Port, int Version, uint Domain);

    private struct MessageContext
    {
        public int Version;
        public uint UptimeMs;
        public long ExportSeconds;
    }

    /// <summary>Per exporter and observation domain: templates, sampling and the start time of the exporter.</summary>
    private sealed class DomainState
    {
        public Dictionary<ushort, FlowTemplate> Templates { get; } = [];

        /// <summary>Rate from an options record without a sampler id; 0 while none was reported.</summary>
        public ulong SamplingRate { get; set; }

        public Dictionary<ulong, ulong> SamplerRates { get; } = [];

        /// <summary>systemInitTimeMilliseconds from an options record, or -1.</summary>
        public long SystemInitMs { get; set; } = -1;

        public bool HasSequence { get; set; }

        public uint NextSequence { get; set; }
    }

    /// <summary>The fields of one data or options record that detect uses.</summary>
    private struct RecordValues
    {
        public ulong Present;
        public IpKey SourceV4;
        public IpKey DestinationV4;
        public IpKey SourceV6;
        public IpKey DestinationV6;
        public int SourcePort;
        public int DestinationPort;
        public int Protocol;
        public ulong Octets;
        public ulong Packets;
        public ulong TotalOctets;
        public ulong TotalPackets;
        public ulong ReverseOctets;
        public ulong ReversePackets;
        public uint StartUpMs;
        public uint EndUpMs;
        public uint StartDeltaUs;
        public uint EndDeltaUs;
        public long StartNs;
        public long EndNs;
        public bool HasAbsoluteStart;
        public bool HasAbsoluteEnd;
        public bool AbsoluteTimeInvalid;
        public ulong SystemInitMs;
        public ulong Interval;
        public ulong RandomInterval;
        public ulong PacketInterval;
        public ulong PacketSpace;
        public ulong SamplerId;

        public readonly bool Has(FieldRole role) => (Present & (1UL << (int)role)) != 0;

        /// <summary>The "1 out of N" the record reports, or 0 when it reports none.</summary>
        public readonly ulong SamplingRate()
        {
            if (Has(FieldRole.SamplingInterval))
            {
                return Interval;
            }

            if (Has(FieldRole.SamplerRandomInterval))
            {
                return RandomInterval;
            }

            if (Has(FieldRole.SamplingPacketInterval) || Has(FieldRole.SamplingPacketSpace))
            {
                // PSAMP (RFC 5476): select Interval packets, skip Space: one in (Interval + Space) / Interval.
                var interval = Has(FieldRole.SamplingPacketInterval) ? PacketInterval : 1;
                return interval == 0 ? 0 : (interval + PacketSpace + (interval / 2)) / interval;
            }

            return 0;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Store(FieldRole role, ReadOnlySpan<byte> value)
        {
            Present |= 1UL << (int)role;
            switch (role)
            {
                case FieldRole.SourceV4:
                    SourceV4 = IpKey.FromV4(value);
                    break;
                case FieldRole.DestinationV4:
                    DestinationV4 = IpKey.FromV4(value);
                    break;
                case FieldRole.SourceV6:
                    SourceV6 = IpKey.FromV6(value);
                    break;
                case FieldRole.DestinationV6:
                    DestinationV6 = IpKey.FromV6(value);
                    break;
                case FieldRole.SourcePort:
                    SourcePort = BinaryPrimitives.ReadUInt16BigEndian(value);
                    break;
                case FieldRole.DestinationPort:
                    DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(value);
                    break;
                case FieldRole.Protocol:
                    Protocol = value[0];
                    break;
                case FieldRole.Octets:
                    Octets = Unsigned(value);
                    break;
                case FieldRole.Packets:
                    Packets = Unsigned(value);
                    break;
                case FieldRole.TotalOctets:
                    TotalOctets = Unsigned(value);
                    break;
                case FieldRole.TotalPackets:
                    TotalPackets = Unsigned(value);
                    break;
                case FieldRole.ReverseOctets:
                    ReverseOctets = Unsigned(value);
                    break;
                case FieldRole.ReversePackets:
                    ReversePackets = Unsigned(value);
                    break;
                case FieldRole.StartSysUpTime:
                    StartUpMs = BinaryPrimitives.ReadUInt32BigEndian(value);
                    break;
                case FieldRole.EndSysUpTime:
                    EndUpMs = BinaryPrimitives.ReadUInt32BigEndian(value);
                    break;
                case FieldRole.StartDeltaMicroseconds:
                    StartDeltaUs = BinaryPrimitives.ReadUInt32BigEndian(value);
                    break;
                case FieldRole.EndDeltaMicroseconds:
                    EndDeltaUs = BinaryPrimitives.ReadUInt32BigEndian(value);
                    break;
                case FieldRole.StartSeconds:
                    SetStart(BinaryPrimitives.ReadUInt32BigEndian(value) * NanosPerSecond);
                    break;
                case FieldRole.EndSeconds:
                    SetEnd(BinaryPrimitives.ReadUInt32BigEndian(value) * NanosPerSecond);
                    break;
                case FieldRole.StartMilliseconds:
                    SetStart(MillisecondsToNs(BinaryPrimitives.ReadUInt64BigEndian(value)));
                    break;
                case FieldRole.EndMilliseconds:
                    SetEnd(MillisecondsToNs(BinaryPrimitives.ReadUInt64BigEndian(value)));
                    break;
                case FieldRole.StartMicroseconds:
                case FieldRole.StartNanoseconds:
                    SetStart(NtpToNs(value));
                    break;
                case FieldRole.EndMicroseconds:
                case FieldRole.EndNanoseconds:
                    SetEnd(NtpToNs(value));
                    break;
                case FieldRole.SystemInitMilliseconds:
                    SystemInitMs = BinaryPrimitives.ReadUInt64BigEndian(value);
                    break;
                case FieldRole.SamplingInterval:
                    Interval = Unsigned(value);
                    break;
                case FieldRole.SamplerRandomInterval:
                    RandomInterval = Unsigned(value);
                    break;
                case FieldRole.SamplingPacketInterval:
                    PacketInterval = Unsigned(value);
                    break;
                case FieldRole.SamplingPacketSpace:
                    PacketSpace = Unsigned(value);
                    break;
                case FieldRole.SamplerId:
                    SamplerId = Unsigned(value);
                    break;
                default:
                    break;
            }
        }

        private void SetStart(long nanoseconds)
        {
            HasAbsoluteStart = true;
            StartNs = nanoseconds;
            AbsoluteTimeInvalid |= nanoseconds < 0;
        }

        private void SetEnd(long nanoseconds)
        {
            HasAbsoluteEnd = true;
            EndNs = nanoseconds;
            AbsoluteTimeInvalid |= nanoseconds < 0;
        }

        /// <summary>Big-endian unsigned of 1-8 bytes (IPFIX reduced-size encoding, RFC 7011 6.2).</summary>
        private static ulong Unsigned(ReadOnlySpan<byte> value)
        {
            ulong result = 0;
            foreach (var b in value)
            {
                result = (result << 8) | b;
            }

            return result;
        }

        /// <summary>-1 (invalid) when the value does not fit in nanoseconds since 1970.</summary>
        private static long MillisecondsToNs(ulong milliseconds) =>
            milliseconds > long.MaxValue / NanosPerMilli ? -1 : (long)milliseconds * NanosPerMilli;

        /// <summary>RFC 7011 6.1.9/6.1.10: NTP format, seconds since 1900 and a 2^-32 s fraction; -1 before 1970.</summary>
        private static long NtpToNs(ReadOnlySpan<byte> value)
        {
            long seconds = BinaryPrimitives.ReadUInt32BigEndian(value);
            ulong fraction = BinaryPrimitives.ReadUInt32BigEndian(value[4..]);
            var unixSeconds = seconds - NtpToUnixSeconds;
            return unixSeconds < 0 ? -1 : (unixSeconds * NanosPerSecond) + (long)((fraction * NanosPerSecond) >> 32);
        }
    }
}
