using System.Buffers;
using System.Text;
using Moat.Server.Auth;

namespace Moat.Server.Text;

/// <summary>
/// "udptoken" over TCP (docs/udp.md#address-validation-tokens): <c>TOKEN &lt;token&gt; &lt;ttl-seconds&gt;</c> for the
/// connection's peer address, from the UDP listener's token keys, so a client can then send full-service UDP requests
/// (<c>@tok</c>) from that address. With authentication on, the token is bound to the signed-in user
/// (docs/security.md#udp-under-authentication); the auth processor already refuses the command before sign-in. Rare, so
/// it may allocate.
/// </summary>
internal static class UdpTokenCommand
{
    private static ReadOnlySpan<byte> Name => "udptoken"u8;

    private static ReadOnlySpan<byte> UdpDisabled => "CLIENT_ERROR udp disabled\r\n"u8;

    private static ReadOnlySpan<byte> Unauthenticated => Moat.Protocol.Text.TextResponses.Line(Moat.Protocol.Text.TextReply.Unauthenticated);

    /// <summary>Whether <paramref name="line"/> (without its line end) is the command, with nothing after it but spaces.</summary>
    public static bool Matches(ReadOnlySpan<byte> line)
    {
        var trimmed = line.Trim((byte)' ');
        return trimmed.SequenceEqual(Name);
    }

    public static void Execute(MoatServerContext context, PeerSession session, IBufferWriter<byte> output)
    {
        var udp = context.UdpSecurity;
        if (udp is null || session.Address.Length == 0)
        {
            Write(output, UdpDisabled);
            return;
        }

        string token;
        if (context.Auth is { } authenticator)
        {
            if (!session.Authenticated)
            {
                authenticator.RecordUnauthenticatedCommand();
                Write(output, Unauthenticated);
                return;
            }

            token = authenticator.IssueUdpToken(udp.Tokens, session);
        }
        else
        {
            token = udp.Tokens.Issue(session.Address);
        }

        Interlocked.Increment(ref context.UdpTokensIssuedTcp);

        var line = $"TOKEN {token} {(long)udp.Tokens.Ttl.TotalSeconds}\r\n";
        var span = output.GetSpan(line.Length);
        var written = Encoding.ASCII.GetBytes(line, span);
        output.Advance(written);
    }

    private static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(output.GetSpan(bytes.Length));
        output.Advance(bytes.Length);
    }
}
