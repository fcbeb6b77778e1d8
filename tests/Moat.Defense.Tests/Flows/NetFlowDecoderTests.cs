using Moat.Defense.Flows;
using static Moat.Defense.Tests.Support.FlowExports;

namespace Moat.Defense.Tests.Flows;

/// <summary>
/// The NetFlow v5/v9/IPFIX decoder on hand-built export messages: fields, times, sampling, templates per exporter
/// and observation domain, and every kind of bad input counted instead of thrown.
/// </summary>
public sealed class NetFlowDecoderTests
{
    private const long Ms = 1_000_000;
    private const long ExportMs = ExportSeconds * 1000L;
    private static readonly Moat.Defense.Decoding.IpKey Router = Ip("192.0.2.1");
    private static readonly Moat.Defense.Decoding.IpKey OtherRouter = Ip("192.0.2.2");

    [Fact]
    public void V5_records_carry_addresses_ports_counters_and_times_relative_to_the_exporters_uptime()
    {
        var (decoder, statistics, sink) = NewDecoder();
        var message = V5(
            ExportSeconds,
            uptimeMs: 100_000,
            sequence: 0,
            sampling: 0,
            new V5Flow("203.0.113.5", 5555, "10.0.0.1", 11211, 3, 3 * 43, 90_000, 95_000),
            new V5Flow("10.0.0.1", 11211, "203.0.113.5", 5555, 90, 90 * 1428, 90_001, 99_000));

        decoder.Decode(message, Router, 2055, sink);

        Assert.Equal(2, sink.Records.Count);
        var request = sink.Records[0];
        Assert.Equal(Ip("203.0.113.5"), request.Source);
        Assert.Equal(Ip("10.0.0.1"), request.Destination);
        Assert.Equal((5555, 11211, 17), (request.SourcePort, request.DestinationPort, request.Protocol));
        Assert.Equal((3L, 129L), (request.Packets, request.Bytes));
        Assert.Equal((ExportMs - 10_000) * Ms, request.StartNs);
        Assert.Equal((ExportMs - 5_000) * Ms, request.EndNs);
        Assert.Equal(90 * 1428L, sink.Records[1].Bytes);
        Assert.Equal((1L, 1L, 2L, 0L), (statistics.Datagrams, statistics.V5Datagrams, statistics.Records, statistics.RejectedRecords));
    }

    [Fact]
    public void V5_uptime_that_wrapped_since_the_flow_started_still_gives_the_right_time()
    {
        var (decoder, _, sink) = NewDecoder();

        // The exporter's 32-bit millisecond uptime wrapped 1 s ago; the flow started 3 s ago, before the wrap.
        decoder.Decode(V5(ExportSeconds, 1_000, 0, 0, new V5Flow("203.0.113.5", 1, "10.0.0.1", 11211, 1, 40, uint.MaxValue - 1_999, 500)), Router, 2055, sink);

        Assert.Equal((ExportMs - 3_000) * Ms, sink.Records.Single().StartNs);
        Assert.Equal((ExportMs - 500) * Ms, sink.Records.Single().EndNs);
    }

    [Fact]
    public void V5_sampling_interval_in_the_header_multiplies_packets_and_bytes()
    {
        var (decoder, statistics, sink) = NewDecoder();

        // Mode 01 (deterministic) in the top two bits, one out of 100 in the other fourteen.
        decoder.Decode(V5(ExportSeconds, 10_000, 0, 0x4000 | 100, new V5Flow("203.0.113.5", 1, "10.0.0.1", 11211, 2, 100, 9_000, 9_000)), Router, 2055, sink);

        Assert.Equal((200L, 10_000L), (sink.Records.Single().Packets, sink.Records.Single().Bytes));
        Assert.Equal(1, statistics.SampledRecords);
    }

    [Fact]
    public void Default_sampling_rate_applies_only_when_the_exporter_reports_none()
    {
        var (decoder, _, sink) = NewDecoder(defaultSampling: 8);
        var flow = new V5Flow("203.0.113.5", 1, "10.0.0.1", 11211, 1, 50, 9_000, 9_000);

        decoder.Decode(V5(ExportSeconds, 10_000, 0, 0, flow), Router, 2055, sink);
        decoder.Decode(V5(ExportSeconds, 10_000, 1, 0x4000 | 3, flow), Router, 2055, sink);

        Assert.Equal([8L, 3L], sink.Records.Select(r => r.Packets));
    }

    [Fact]
    public void V5_datagram_shorter_than_its_record_count_is_read_up_to_the_last_whole_record()
    {
        var (decoder, statistics, sink) = NewDecoder();
        var flow = new V5Flow("203.0.113.5", 1, "10.0.0.1", 11211, 1, 50, 9_000, 9_000);
        var message = V5(ExportSeconds, 10_000, 0, 0, flow, flow, flow);

        decoder.Decode(message.AsSpan(0, message.Length - 20), Router, 2055, sink);

        Assert.Equal(2, sink.Records.Count);
        Assert.Equal(1, statistics.RejectedRecords);
        Assert.True(statistics.Warnings.Contains("flow_truncated"));
    }

    [Fact]
    public void V5_sequence_gap_counts_the_records_lost_on_the_way()
    {
        var (decoder, statistics, sink) = NewDecoder();
        var flow = new V5Flow("203.0.113.5", 1, "10.0.0.1", 11211, 1, 50, 9_000, 9_000);

        decoder.Decode(V5(ExportSeconds, 10_000, 100, 0, flow, flow), Router, 2055, sink);
        decoder.Decode(V5(ExportSeconds, 10_000, 102, 0, flow), Router, 2055, sink);
        decoder.Decode(V5(ExportSeconds, 10_000, 110, 0, flow), Router, 2055, sink);

        Assert.Equal(7, statistics.MissingRecords);
        Assert.True(statistics.Warnings.Contains("flow_sequence_gap"));
        Assert.Equal(4, sink.Records.Count);
    }

    [Fact]
    public void V9_data_before_its_template_is_counted_then_decoded_once_the_template_arrived()
    {
        var (decoder, statistics, sink) = NewDecoder();
        var record = V9Record("203.0.113.5", 5555, "10.0.0.1", 11211, 4, 4 * 45, 50_000, 59_000);

        decoder.Decode(new Message(9, domain: 7, sequence: 0, uptimeMs: 60_000).Data(300, record).Build(), Router, 2055, sink);
        Assert.Empty(sink.Records);
        Assert.Equal(1, statistics.RejectedRecords);
        Assert.True(statistics.Warnings.Contains("flow_unknown_template"));

        decoder.Decode(new Message(9, domain: 7, sequence: 1, uptimeMs: 60_000).Template(300, V9Fields).Data(300, record, record).Build(), Router, 2055, sink);

        Assert.Equal(2, sink.Records.Count);
        var flow = sink.Records[0];
        Assert.Equal((Ip("203.0.113.5"), 5555, Ip("10.0.0.1"), 11211), (flow.Source, flow.SourcePort, flow.Destination, flow.DestinationPort));
        Assert.Equal((4L, 180L), (flow.Packets, flow.Bytes));
        Assert.Equal((ExportMs - 10_000) * Ms, flow.StartNs);
        Assert.Equal((ExportMs - 1_000) * Ms, flow.EndNs);
        Assert.Equal(2, statistics.V9Datagrams);
    }

    [Fact]
    public void Templates_are_kept_per_exporter_and_observation_domain()
    {
        var (decoder, statistics, sink) = NewDecoder();

        // The same template id means a different layout in domain 1 and domain 2 of one exporter.
        (ushort, ushort)[] reordered = [(12, 4), (8, 4), (11, 2), (7, 2), (4, 1), (1, 4), (2, 4), (22, 4), (21, 4)];
        decoder.Decode(new Message(9, domain: 1).Template(256, V9Fields).Build(), Router, 2055, sink);
        decoder.Decode(new Message(9, domain: 2).Template(256, reordered).Build(), Router, 2055, sink);
        var record = V9Record("203.0.113.5", 5555, "10.0.0.1", 11211, 1, 50, 0, 0);

        decoder.Decode(new Message(9, domain: 1, sequence: 1).Data(256, record).Build(), Router, 2055, sink);
        decoder.Decode(new Message(9, domain: 2, sequence: 1).Data(256, record).Build(), Router, 2055, sink);

        // Another exporter, and the same exporter from another source port, have no template 256.
        decoder.Decode(new Message(9, domain: 1).Data(256, record).Build(), OtherRouter, 2055, sink);
        decoder.Decode(new Message(9, domain: 1).Data(256, record).Build(), Router, 2056, sink);

        Assert.Equal(2, sink.Records.Count);
        Assert.Equal((Ip("203.0.113.5"), 5555), (sink.Records[0].Source, sink.Records[0].SourcePort));
        Assert.Equal((Ip("10.0.0.1"), 11211), (sink.Records[1].Source, sink.Records[1].SourcePort));
        Assert.Equal(2, statistics.RejectedRecords);
        Assert.Equal(2, statistics.Warnings.CountOf("flow_unknown_template"));
    }

    [Fact]
    public void V9_options_record_with_a_sampling_interval_applies_to_the_domains_data_records()
    {
        var (decoder, statistics, sink) = NewDecoder();
        var record = V9Record("203.0.113.5", 5555, "10.0.0.1", 11211, 1, 50, 0, 0);

        // Scope: system (type 1, 4 bytes); options: SAMPLING_INTERVAL (34) and FLOW_SAMPLER_MODE (49).
        var options = new Message(9, domain: 3)
            .OptionsTemplate(400, [(1, 4)], [(34, 4), (49, 1)])
            .Template(256, V9Fields)
            .Data(400, [.. U32(0), .. U32(64), 2, 0, 0, 0])
            .Data(256, record)
            .Build();
        decoder.Decode(options, Router, 2055, sink);

        // Another domain of the same exporter is not sampled.
        decoder.Decode(new Message(9, domain: 4).Template(256, V9Fields).Data(256, record).Build(), Router, 2055, sink);

        Assert.Equal([64L, 1L], sink.Records.Select(r => r.Packets));
        Assert.Equal(64L * 50, sink.Records[0].Bytes);
        Assert.Equal(1, statistics.SampledRecords);
    }

    [Fact]
    public void Sampler_ids_map_data_records_to_their_own_sampling_rates()
    {
        var (decoder, _, sink) = NewDecoder();

        // Options: FLOW_SAMPLER_ID (48, 1 byte) and FLOW_SAMPLER_RANDOM_INTERVAL (50, 4 bytes); data records name their sampler.
        (ushort, ushort)[] withSampler = [.. V9Fields, (48, 1)];
        var message = new Message(9, domain: 0)
            .OptionsTemplate(500, [(1, 4)], [(48, 1), (50, 4)])
            .Template(260, withSampler)
            .Data(500, [.. U32(0), 1, .. U32(10), .. U32(0), 2, .. U32(1000), 0, 0])
            .Data(
                260,
                [.. V9Record("203.0.113.5", 1, "10.0.0.1", 11211, 1, 50, 0, 0), 1],
                [.. V9Record("203.0.113.6", 1, "10.0.0.1", 11211, 1, 50, 0, 0), 2],
                [.. V9Record("203.0.113.7", 1, "10.0.0.1", 11211, 1, 50, 0, 0), 3])
            .Build();

        decoder.Decode(message, Router, 2055, sink);

        Assert.Equal([10L, 1000L, 1L], sink.Records.Select(r => r.Packets));
    }

    [Fact]
    public void Ipfix_options_record_with_packet_interval_and_space_gives_one_in_n()
    {
        var (decoder, _, sink) = NewDecoder();

        // PSAMP systematic count-based sampling: select 1 packet, skip 99 -> 1 in 100.
        var message = new Message(10, domain: 9)
            .OptionsTemplate(300, [(149, 4)], [(305, 4), (306, 4)])
            .Data(300, [.. U32(9), .. U32(1), .. U32(99)])
            .Template(256, IpfixFields)
            .Data(256, IpfixRecord("203.0.113.5", 1, "10.0.0.1", 11211, 2, 80, ExportMs - 5_000, ExportMs - 4_000))
            .Build();

        decoder.Decode(message, Router, 4739, sink);

        var flow = sink.Records.Single();
        Assert.Equal((200L, 8_000L), (flow.Packets, flow.Bytes));
        Assert.Equal(((ExportMs - 5_000) * Ms, (ExportMs - 4_000) * Ms), (flow.StartNs, flow.EndNs));
    }

    [Theory]
    [InlineData(1_000, -1_500, -500)]
    [InlineData(-60L * 86_400_000, (60L * 86_400_000) - 10_000, (60L * 86_400_000) - 2_000)]
    public void Ipfix_uptime_times_count_from_the_exporters_system_init_time_across_the_32_bit_wrap(long initFromExport, long startUptime, long endUptime)
    {
        // First row: softflowd -r started after the capture it reads, so its flows have negative uptimes. Second: a
        // router up for 60 days, whose 32-bit millisecond uptime has wrapped once.
        var (decoder, statistics, sink) = NewDecoder();
        (ushort, ushort)[] uptimeFields = [.. IpfixFields[..7], (22, 4), (21, 4)];
        var message = new Message(10)
            .OptionsTemplate(300, [(149, 4)], [(160, 8)])
            .Data(300, [.. U32(0), .. U64((ulong)(ExportMs + initFromExport))])
            .Template(256, uptimeFields)
            .Data(256, [.. IpfixRecord("203.0.113.5", 1, "10.0.0.1", 11211, 1, 40, 0, 0)[..29], .. U32(unchecked((uint)startUptime)), .. U32(unchecked((uint)endUptime))])
            .Build();

        decoder.Decode(message, Router, 4739, sink);

        var flow = sink.Records.Single();
        Assert.Equal((ExportMs + initFromExport + startUptime) * Ms, flow.StartNs);
        Assert.Equal((ExportMs + initFromExport + endUptime) * Ms, flow.EndNs);
        Assert.False(statistics.Warnings.Contains("flow_time_unknown"));
    }

    [Fact]
    public void Ipfix_template_withdrawal_and_refresh_change_how_later_data_is_read()
    {
        var (decoder, statistics, sink) = NewDecoder();
        var record = IpfixRecord("203.0.113.5", 5555, "10.0.0.1", 11211, 1, 50, ExportMs, ExportMs);

        decoder.Decode(new Message(10).Template(256, IpfixFields).Data(256, record).Build(), Router, 4739, sink);
        decoder.Decode(new Message(10, sequence: 1).Withdraw(256).Data(256, record).Build(), Router, 4739, sink);
        Assert.Single(sink.Records);
        Assert.Equal(1, statistics.Warnings.CountOf("flow_unknown_template"));

        // Refreshed with the addresses swapped: the same bytes now read the other way round.
        (ushort, ushort)[] swapped = [(12, 4), (8, 4), (11, 2), (7, 2), .. IpfixFields[4..]];
        decoder.Decode(new Message(10, sequence: 2).Template(256, swapped).Data(256, record).Build(), Router, 4739, sink);

        Assert.Equal(2, sink.Records.Count);
        Assert.Equal((Ip("10.0.0.1"), 11211), (sink.Records[1].Source, sink.Records[1].SourcePort));

        // Withdrawing template id 2 withdraws every template of the domain.
        decoder.Decode(new Message(10, sequence: 3).Withdraw(2).Data(256, record).Build(), Router, 4739, sink);
        Assert.Equal(2, sink.Records.Count);
        Assert.Equal(2, statistics.Warnings.CountOf("flow_unknown_template"));
    }

    [Fact]
    public void Ipfix_biflow_reverse_counters_become_a_record_in_the_other_direction()
    {
        var (decoder, _, sink) = NewDecoder();
        var message = new Message(10)
            .TemplateWithEnterprise(256, IpfixFields, [(1, 8, 29305), (2, 8, 29305)])
            .Data(256, [.. IpfixRecord("203.0.113.5", 5555, "10.0.0.1", 11211, 3, 129, ExportMs, ExportMs), .. U64(300 * 1428), .. U64(300)])
            .Build();

        decoder.Decode(message, Router, 4739, sink);

        Assert.Equal(2, sink.Records.Count);
        var reply = sink.Records[1];
        Assert.Equal((Ip("10.0.0.1"), 11211, Ip("203.0.113.5"), 5555), (reply.Source, reply.SourcePort, reply.Destination, reply.DestinationPort));
        Assert.Equal((300L, 300L * 1428), (reply.Packets, reply.Bytes));
    }

    [Fact]
    public void Absurd_counters_are_refused_one_by_one_and_the_good_records_beside_them_kept()
    {
        var (decoder, statistics, sink) = NewDecoder();
        var message = new Message(10)
            .Template(256, IpfixFields)
            .Data(
                256,
                IpfixRecord("203.0.113.1", 1, "10.0.0.1", 11211, 0, 0, ExportMs, ExportMs),
                IpfixRecord("203.0.113.2", 1, "10.0.0.1", 11211, 10, 100, ExportMs, ExportMs),
                IpfixRecord("203.0.113.3", 1, "10.0.0.1", 11211, 1, 70_000, ExportMs, ExportMs),
                IpfixRecord("203.0.113.4", 1, "10.0.0.1", 11211, 1UL << 40, 1UL << 52, ExportMs, ExportMs),
                IpfixRecord("203.0.113.5", 1, "10.0.0.1", 11211, 1, 40, ExportMs, ExportMs + (2 * 86_400_000L)),
                IpfixRecord("203.0.113.6", 1, "10.0.0.1", 11211, 1, 40, ExportMs, ExportMs))
            .Build();

        decoder.Decode(message, Router, 4739, sink);

        Assert.Equal(Ip("203.0.113.6"), sink.Records.Single().Source);
        Assert.Equal(5, statistics.RejectedRecords);
        Assert.Equal(1, statistics.Records);
        foreach (var code in new[] { "flow_absurd_packets", "flow_absurd_size", "flow_absurd_bytes", "flow_absurd_time" })
        {
            Assert.True(statistics.Warnings.Contains(code), code);
        }
    }

    [Fact]
    public void Sampling_that_would_overflow_the_byte_count_is_refused()
    {
        var (decoder, statistics, sink) = NewDecoder();

        // 2^37 bytes x 2^14 - 1 is over the petabyte limit.
        var message = new Message(9)
            .OptionsTemplate(400, [(1, 4)], [(34, 4)])
            .Template(256, [.. V9Fields[..5], (1, 8), (2, 8), .. V9Fields[7..]])
            .Data(400, [.. U32(0), .. U32(16_383)])
            .Data(256, [.. V9Record("203.0.113.5", 1, "10.0.0.1", 11211, 0, 0, 0, 0)[..13], .. U64(1UL << 37), .. U64(1UL << 24), .. U32(0), .. U32(0)])
            .Build();

        decoder.Decode(message, Router, 2055, sink);

        Assert.Empty(sink.Records);
        Assert.True(statistics.Warnings.Contains("flow_absurd_bytes"));
    }

    [Theory]
    [InlineData(new byte[] { 0, 5 }, "flow_truncated_header")]
    [InlineData(new byte[] { 0, 5, 0, 1, 0, 0, 0, 0, 0, 0 }, "flow_truncated_header")]
    [InlineData(new byte[] { 0, 9, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0 }, "flow_truncated_header")]
    [InlineData(new byte[] { 0, 10, 0, 16, 0, 0, 0, 0 }, "flow_truncated_header")]
    [InlineData(new byte[] { 0, 10, 0, 200, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, "flow_truncated")]
    [InlineData(new byte[] { 0, 7, 0, 1, 0, 0, 0, 0 }, "flow_version")]
    public void Truncated_or_foreign_datagrams_are_counted_as_refused(byte[] datagram, string code)
    {
        var (decoder, statistics, sink) = NewDecoder();

        decoder.Decode(datagram, Router, 2055, sink);

        Assert.Empty(sink.Records);
        Assert.Equal((1L, 1L), (statistics.Datagrams, statistics.RejectedDatagrams));
        Assert.True(statistics.Warnings.Contains(code), string.Join("; ", statistics.Warnings.Lines()));
    }

    [Fact]
    public void A_set_running_past_the_datagram_stops_decoding_there_and_keeps_what_came_before()
    {
        var (decoder, statistics, sink) = NewDecoder();
        var record = V9Record("203.0.113.5", 1, "10.0.0.1", 11211, 1, 50, 0, 0);
        var message = new Message(9).Template(256, V9Fields).Data(256, record).Data(256, record, record).Build();

        decoder.Decode(message.AsSpan(0, message.Length - 10), Router, 2055, sink);

        Assert.Single(sink.Records);
        Assert.Equal(1, statistics.RejectedDatagrams);
        Assert.True(statistics.Warnings.Contains("flow_truncated_set"));
    }

    [Fact]
    public void Exporters_beyond_the_domain_limit_are_refused_and_state_stays_bounded()
    {
        var (decoder, statistics, sink) = NewDecoder();
        var message = new Message(10).Template(256, IpfixFields).Data(256, IpfixRecord("203.0.113.5", 1, "10.0.0.1", 11211, 1, 40, ExportMs, ExportMs)).Build();

        for (var port = 1; port <= NetFlowDecoder.MaxDomains + 10; port++)
        {
            decoder.Decode(message, Router, port, sink);
        }

        Assert.Equal(NetFlowDecoder.MaxDomains, sink.Records.Count);
        Assert.Equal(10, statistics.RejectedDatagrams);
        Assert.Equal(10, statistics.Warnings.CountOf("flow_domain_limit"));
    }

    [Fact]
    public void Templates_with_absurd_field_counts_or_ids_below_256_are_skipped_with_a_warning()
    {
        var (decoder, statistics, sink) = NewDecoder();
        var many = Enumerable.Repeat(((ushort)1, (ushort)1), NetFlowDecoder.MaxTemplateFields + 1).ToArray();

        decoder.Decode(new Message(10).Template(256, many).Build(), Router, 4739, sink);
        decoder.Decode(new Message(10).Template(100, IpfixFields).Build(), Router, 4739, sink);

        // A template claiming more fields than its set holds.
        decoder.Decode(new Message(10).Set(2, [.. U16(257), .. U16(20), .. U16(8), .. U16(4)]).Build(), Router, 4739, sink);
        decoder.Decode(new Message(10).Data(256, new byte[4]).Data(257, new byte[4]).Build(), Router, 4739, sink);

        Assert.True(statistics.Warnings.Contains("flow_template_limit"));
        Assert.True(statistics.Warnings.Contains("flow_bad_template"));
        Assert.Equal(2, statistics.Warnings.CountOf("flow_unknown_template"));
        Assert.Empty(sink.Records);
    }

    /// <summary>
    /// Fuzz: valid v5, v9 and IPFIX messages (templates, options, data) with random bytes flipped, cut short,
    /// lengthened or overwritten with extreme values, fed to one decoder that keeps its templates: nothing throws,
    /// every emitted record passed the sanity limits, and the counters add up.
    /// </summary>
    [Fact]
    public void Random_mutations_of_valid_messages_never_throw_and_every_emitted_record_is_sane()
    {
        var random = new Random(20260227);
        var seeds = new List<byte[]>
        {
            V5(ExportSeconds, 100_000, 0, 0x4000 | 10, new V5Flow("203.0.113.5", 5555, "10.0.0.1", 11211, 3, 129, 90_000, 95_000), new V5Flow("10.0.0.1", 11211, "203.0.113.5", 5555, 90, 90 * 1428, 90_000, 99_000)),
            new Message(9, domain: 1, uptimeMs: 60_000).OptionsTemplate(400, [(1, 4)], [(34, 4), (48, 1)]).Template(256, V9Fields).Data(400, [.. U32(0), .. U32(64), 1, 0, 0, 0]).Data(256, V9Record("203.0.113.5", 1, "10.0.0.1", 11211, 4, 180, 50_000, 59_000)).Build(),
            new Message(10, domain: 2).OptionsTemplate(300, [(149, 4)], [(305, 4), (306, 4), (160, 8)]).Template(256, IpfixFields).Data(300, [.. U32(2), .. U32(1), .. U32(9), .. U64((ulong)(ExportMs - 3_600_000))]).Data(256, IpfixRecord("203.0.113.5", 1, "10.0.0.1", 11211, 2, 80, ExportMs - 5_000, ExportMs)).Build(),
            new Message(10, domain: 3).Template(258, [(8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (1, 8), (2, 8), (22, 4), (21, 4), (82, 65535)]).Data(258, [.. IpfixRecord("203.0.113.5", 1, "10.0.0.1", 11211, 2, 80, 0, 0)[..29], .. U32(1000), .. U32(2000), 3, (byte)'e', (byte)'t', (byte)'h']).Build(),
        };
        var (decoder, statistics, sink) = NewDecoder();
        foreach (var seed in seeds)
        {
            decoder.Decode(seed, Router, 2055, sink);
        }

        var validRecords = sink.Records.Count;
        Assert.True(validRecords >= 5, $"the seeds themselves decode ({validRecords} records)");
        for (var round = 0; round < 20_000; round++)
        {
            var mutated = Mutate(seeds[random.Next(seeds.Count)], random);
            decoder.Decode(mutated, random.Next(4) == 0 ? OtherRouter : Router, 2055 + random.Next(3), sink);
        }

        Assert.Equal(20_000 + seeds.Count, statistics.Datagrams);
        Assert.Equal(statistics.Records, sink.Records.Count);
        foreach (var flow in sink.Records)
        {
            Assert.InRange(flow.Packets, 1, FlowSanity.MaxBytesPerFlow);
            Assert.InRange(flow.Bytes, flow.Packets * 20, FlowSanity.MaxBytesPerFlow);
            Assert.InRange(flow.EndNs - flow.StartNs, 0, FlowSanity.MaxDurationNs);
            Assert.True(flow.StartNs >= 0);
        }
    }

    private static byte[] Mutate(byte[] seed, Random random)
    {
        var bytes = (byte[])seed.Clone();
        switch (random.Next(5))
        {
            case 0:
                for (var i = random.Next(1, 4); i > 0; i--)
                {
                    bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                }

                return bytes;
            case 1:
                return bytes[..random.Next(bytes.Length)];
            case 2:
                var tail = new byte[random.Next(1, 64)];
                random.NextBytes(tail);
                return [.. bytes, .. tail];
            case 3:
                // Extreme values (0, all ones) over a length, count or counter field.
                var at = random.Next(2, bytes.Length - 1);
                var fill = random.Next(2) == 0 ? (byte)0 : (byte)0xFF;
                for (var i = at; i < Math.Min(bytes.Length, at + random.Next(1, 9)); i++)
                {
                    bytes[i] = fill;
                }

                return bytes;
            default:
                var noise = new byte[random.Next(0, bytes.Length)];
                random.NextBytes(noise);
                noise.AsSpan(0, Math.Min(4, noise.Length)).Clear();
                if (noise.Length >= 2)
                {
                    noise[1] = bytes[1];
                }

                return noise;
        }
    }
}
