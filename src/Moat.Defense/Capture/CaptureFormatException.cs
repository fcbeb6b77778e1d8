namespace Moat.Defense.Capture;

/// <summary>The input is not a capture this reader understands (unknown magic, unsupported variant).</summary>
public sealed class CaptureFormatException : Exception
{
    public CaptureFormatException()
    {
    }

    public CaptureFormatException(string message)
        : base(message)
    {
    }

    public CaptureFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
