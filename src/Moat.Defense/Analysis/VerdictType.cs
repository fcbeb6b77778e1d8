namespace Moat.Defense.Analysis;

/// <summary>D6 verdicts; the first two are attacks and decide exit code 1.</summary>
internal enum VerdictType
{
    VictimUnderAttack,
    ReflectorAbused,
    ReflectorGuarded,
    ReflectorTargeted,
}
