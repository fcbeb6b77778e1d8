using System.Runtime.InteropServices;

namespace Moat.Defense.Tests.Support;

internal static partial class NativeMethods
{
    [LibraryImport("libc")]
    internal static partial uint geteuid();
}
