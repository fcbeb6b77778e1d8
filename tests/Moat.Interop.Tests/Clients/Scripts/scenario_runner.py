"""What the *_scenarios.py scripts share: a registry of named scenarios and the command line that runs them.

A script makes its registry with ``SCENARIOS, scenario = registry()``, marks each scenario function with
``@scenario`` and ends with ``sys.exit(run(SCENARIOS, __doc__))``.
"""
import sys
import traceback


def registry():
    """An empty scenario table (name -> function, in definition order) and the decorator that fills it."""
    scenarios = {}

    def scenario(fn):
        scenarios[fn.__name__] = fn
        return fn

    return scenarios, scenario


def run(scenarios, usage):
    """PORT SCENARIO [SCENARIO...]: "PASS <name>" per scenario, stops at the first failure (exit 1); "list" prints the names."""
    if len(sys.argv) >= 2 and sys.argv[1] == "list":
        print("\n".join(scenarios))
        return 0
    if len(sys.argv) < 3:
        print(usage, file=sys.stderr)
        return 2
    port = int(sys.argv[1])
    for name in sys.argv[2:]:
        try:
            scenarios[name](port)
        except Exception:  # report which scenario broke and why, then stop
            print("FAIL %s" % name)
            traceback.print_exc(file=sys.stdout)
            return 1
        print("PASS %s" % name)
    return 0
