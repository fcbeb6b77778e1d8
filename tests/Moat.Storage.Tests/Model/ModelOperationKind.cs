namespace Moat.Storage.Tests.Model;

public enum ModelOperationKind
{
    Set,
    Add,
    Replace,
    Append,
    Prepend,
    Cas,
    Get,
    GetAndTouch,
    Delete,
    Incr,
    Decr,
    Touch,
    AdvanceClock,
    FlushAll,
}
