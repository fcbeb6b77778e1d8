using System.Buffers;
using System.Text;
using Moat.Protocol.Binary;
using Moat.Server.Auth;
using Moat.Server.Text;

namespace Moat.Server.Binary;

/// <summary>
/// -S: SASL PLAIN (RFC 4616) over the binary protocol, answered as memcached 1.6.18 with Cyrus SASL answers:
/// LIST_MECHS → "PLAIN"; AUTH → "Authenticated" or status 0x20 "Auth failure." (the connection stays open); STEP →
/// 0x20 (no multi-step mechanism); before authentication every other opcode but VERSION → 0x20 and the connection
/// is closed.
/// </summary>
internal sealed partial class BinaryCommandProcessor
{
    /// <summary>memcached's MAX_SASL_MECH_LEN.</summary>
    private const int MaxMechanismLength = 32;

    /// <summary>Largest AUTH payload read (the ASCII token limit); a longer one fails unread.</summary>
    private const int MaxSaslPayload = AsciiAuthProcessor.MaxTokenLength;

    private static ReadOnlySpan<byte> PlainMechanism => "PLAIN"u8;

    private static ReadOnlySpan<byte> AuthenticatedText => "Authenticated"u8;

    /// <summary>
    /// Handles SASL opcodes and the pre-authentication gate; false when the frame is an ordinary command the
    /// connection may run. <paramref name="outcome"/> is what <see cref="Execute"/> returns for handled frames.
    /// </summary>
    private bool TryExecuteSasl(Authenticator auth, BinaryOpcode opcode, in BinaryHeader header, ref ReadOnlySequence<byte> buffer, IBufferWriter<byte> output, out ProcessOutcome? outcome)
    {
        outcome = null;
        if (Session is not { } session)
        {
            // Not a TCP connection (UDP reuses this processor): UDP admits only token holders under authentication (A12).
            return false;
        }

        switch (opcode)
        {
            case BinaryOpcode.SaslListMechs:
                buffer = buffer.Slice(BinaryHeader.Size);
                if (header.ExtrasLength != 0 || header.KeyLength != 0 || header.BodyLength != 0)
                {
                    WriteError(output, in header, BinaryStatus.InvalidArguments);
                    outcome = ProcessOutcome.Close;
                    return true;
                }

                BinaryResponseWriter.WriteHeader(output, header.Opcode, BinaryStatus.Success, 0, 0, PlainMechanism.Length, header.Opaque, 0);
                BinaryResponseWriter.Write(output, PlainMechanism);
                return true;
            case BinaryOpcode.SaslAuth or BinaryOpcode.SaslStep:
                outcome = ExecuteSaslAuth(auth, session, opcode, in header, ref buffer, output);
                return true;
            case BinaryOpcode.Version:
                return false;
            default:
                if (session.Authenticated)
                {
                    return false;
                }

                auth.RecordUnauthenticatedCommand();
                buffer = buffer.Slice(BinaryHeader.Size);
                WriteError(output, in header, BinaryStatus.AuthError);
                outcome = ProcessOutcome.Close;
                return true;
        }
    }

    private ProcessOutcome? ExecuteSaslAuth(Authenticator auth, PeerSession session, BinaryOpcode opcode, in BinaryHeader header, ref ReadOnlySequence<byte> buffer, IBufferWriter<byte> output)
    {
        if (header.ExtrasLength != 0 || header.KeyLength == 0)
        {
            buffer = buffer.Slice(BinaryHeader.Size);
            WriteError(output, in header, BinaryStatus.InvalidArguments);
            return ProcessOutcome.Close;
        }

        var valueLength = header.ValueLength;
        var headLength = BinaryHeader.Size + header.KeyLength;
        if (header.KeyLength > MaxMechanismLength || valueLength > MaxSaslPayload)
        {
            // Refused unread: the mechanism name or the payload is longer than any PLAIN exchange needs.
            if (buffer.Length < headLength)
            {
                return ProcessOutcome.NeedMoreData;
            }

            buffer = buffer.Slice(headLength);
            _batch.BeginSkip(headLength, valueLength);
            if (header.KeyLength > MaxMechanismLength)
            {
                WriteError(output, in header, BinaryStatus.InvalidArguments);
                return null;
            }

            session.SignOut();
            auth.RecordMalformedAttempt(session, countAsCheck: true);
            WriteError(output, in header, BinaryStatus.AuthError);
            return null;
        }

        if (buffer.Length < headLength + valueLength)
        {
            return ProcessOutcome.NeedMoreData;
        }

        Span<byte> frame = stackalloc byte[MaxMechanismLength + MaxSaslPayload];
        var body = buffer.Slice(BinaryHeader.Size, header.KeyLength + valueLength);
        body.CopyTo(frame);
        buffer = buffer.Slice(headLength + valueLength);
        var mechanism = frame[..header.KeyLength];
        var payload = frame.Slice(header.KeyLength, (int)valueLength);

        // Every AUTH starts over, so a failed attempt leaves the connection unauthenticated (memcached does the same).
        session.SignOut();
        if (opcode == BinaryOpcode.SaslStep || !Ascii.EqualsIgnoreCase(mechanism, PlainMechanism) || !TrySplitPlain(payload, out var user, out var password))
        {
            auth.RecordMalformedAttempt(session, countAsCheck: true);
            WriteError(output, in header, BinaryStatus.AuthError);
            return null;
        }

        if (auth.Authenticate(user, password, session) != AuthOutcome.Success)
        {
            WriteError(output, in header, BinaryStatus.AuthError);
            return null;
        }

        BinaryResponseWriter.WriteHeader(output, header.Opcode, BinaryStatus.Success, 0, 0, AuthenticatedText.Length, header.Opaque, 0);
        BinaryResponseWriter.Write(output, AuthenticatedText);
        return null;
    }

    /// <summary>
    /// RFC 4616: [authzid] NUL authcid NUL passwd. An authorization identity other than the authentication identity
    /// would be a proxy login, which is refused (Cyrus SASL's default without an authorization policy).
    /// </summary>
    private static bool TrySplitPlain(ReadOnlySpan<byte> payload, out ReadOnlySpan<byte> user, out ReadOnlySpan<byte> password)
    {
        user = default;
        password = default;
        var first = payload.IndexOf((byte)0);
        if (first < 0)
        {
            return false;
        }

        var authorization = payload[..first];
        var rest = payload[(first + 1)..];
        var second = rest.IndexOf((byte)0);
        if (second <= 0)
        {
            return false;
        }

        user = rest[..second];
        password = rest[(second + 1)..];
        return password.IndexOf((byte)0) < 0 && (authorization.IsEmpty || authorization.SequenceEqual(user));
    }
}
