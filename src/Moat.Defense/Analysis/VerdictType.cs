namespace Moat.Defense.Analysis;

/// <summary>detect's verdicts (docs/defense.md#reading-the-report); the first two are attacks: exit code 1.</summary>
internal enum VerdictType
{
    VictimUnderAttack,
    ReflectorAbused,
    ReflectorGuarded,
    ReflectorTargeted,
}
