using System.Buffers;
using System.Text;
using Moat.Protocol.Binary;
using Moat.Server.Auth;
using Moat.Server.Processing;

namespace Moat.Server.Binary;

/// <summary>
/// -S: SASL over the binary protocol, answered as memcached 1.6.18 with Cyrus SASL answers. LIST_MECHS →
/// "CRAM-MD5 PLAIN". PLAIN (RFC 4616): AUTH → "Authenticated" or status 0x20 "Auth failure." (the connection stays
/// open). CRAM-MD5 (RFC 2195): AUTH with an empty payload → status 0x21 and a challenge
/// <c>&lt;random.time@host&gt;</c>; STEP with "user hex(HMAC-MD5(password, challenge))" → "Authenticated" or 0x20.
/// Any other STEP → 0x20. Before authentication every other opcode but VERSION → 0x20 and the connection is closed.
/// </summary>
internal sealed partial class BinaryCommandProcessor
{
    /// <summary>memcached's MAX_SASL_MECH_LEN.</summary>
    private const int MaxMechanismLength = 32;

    /// <summary>Largest AUTH payload read (the ASCII token limit); a longer one fails unread.</summary>
    private const int MaxSaslPayload = Authenticator.MaxTokenLength;

    private static ReadOnlySpan<byte> PlainMechanism => "PLAIN"u8;

    private static ReadOnlySpan<byte> CramMd5Mechanism => "CRAM-MD5"u8;

    /// <summary>What LIST_MECHS answers, strongest first as Cyrus SASL lists them.</summary>
    private static ReadOnlySpan<byte> MechanismList => "CRAM-MD5 PLAIN"u8;

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
            // Not a TCP connection (UDP reuses this processor): UDP admits only token holders under authentication.
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

                BinaryResponseWriter.WriteHeader(output, header.Opcode, BinaryStatus.Success, 0, 0, MechanismList.Length, header.Opaque, 0);
                BinaryResponseWriter.Write(output, MechanismList);
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

        // Every AUTH or STEP starts over or ends an exchange, so a failed attempt leaves the connection
        // unauthenticated (memcached does the same), and a challenge answers one STEP only.
        session.SignOut();
        var challenge = _challenge;
        _challenge = null;
        if (Ascii.EqualsIgnoreCase(mechanism, CramMd5Mechanism))
        {
            return opcode == BinaryOpcode.SaslAuth
                ? IssueCramMd5Challenge(auth, session, in header, payload, output)
                : CheckCramMd5Response(auth, session, in header, challenge, payload, output);
        }

        if (opcode == BinaryOpcode.SaslStep || !Ascii.EqualsIgnoreCase(mechanism, PlainMechanism) || !TrySplitPlain(payload, out var user, out var password))
        {
            return RefuseMalformed(auth, session, in header, output);
        }

        return Conclude(auth.Authenticate(user, password, session), in header, output);
    }

    /// <summary>CRAM-MD5's first step: the server speaks first, so a payload here is refused as Cyrus refuses it.</summary>
    private ProcessOutcome? IssueCramMd5Challenge(Authenticator auth, PeerSession session, in BinaryHeader header, ReadOnlySpan<byte> payload, IBufferWriter<byte> output)
    {
        if (!payload.IsEmpty)
        {
            return RefuseMalformed(auth, session, in header, output);
        }

        // RFC 2195's form, as Cyrus makes it: unique per exchange, never reused (one STEP consumes it).
        var random = System.Security.Cryptography.RandomNumberGenerator.GetInt32(int.MaxValue);
        var challenge = Encoding.ASCII.GetBytes(string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"<{random}.{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}@{Environment.MachineName}>"));
        _challenge = challenge;
        auth.RecordChallengeIssued();
        BinaryResponseWriter.WriteHeader(output, header.Opcode, BinaryStatus.AuthContinue, 0, 0, challenge.Length, header.Opaque, 0);
        BinaryResponseWriter.Write(output, challenge);
        return null;
    }

    /// <summary>CRAM-MD5's second step: "user SP hex-digest" (the user name may itself hold spaces; the last one separates).</summary>
    private static ProcessOutcome? CheckCramMd5Response(Authenticator auth, PeerSession session, in BinaryHeader header, byte[]? challenge, ReadOnlySpan<byte> payload, IBufferWriter<byte> output)
    {
        var separator = payload.LastIndexOf((byte)' ');
        if (challenge is null || separator <= 0)
        {
            return RefuseMalformed(auth, session, in header, output);
        }

        return Conclude(auth.AuthenticateChallengeResponse(payload[..separator], challenge, payload[(separator + 1)..], session), in header, output);
    }

    private static ProcessOutcome? RefuseMalformed(Authenticator auth, PeerSession session, in BinaryHeader header, IBufferWriter<byte> output)
    {
        auth.RecordMalformedAttempt(session, countAsCheck: true);
        WriteError(output, in header, BinaryStatus.AuthError);
        return null;
    }

    private static ProcessOutcome? Conclude(AuthOutcome outcome, in BinaryHeader header, IBufferWriter<byte> output)
    {
        if (outcome != AuthOutcome.Success)
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
