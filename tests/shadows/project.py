"""A copy of the lab in a temporary folder, with scenarios whose torch forward is broken: the
faults a user's own code can bring (a hang, a segfault, os._exit, megabytes of printing).

Each fault scenario is control-flow under another name, so the healthy frameworks run real code
and their results can be checked."""
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc")

# The first statement of torch's forward (dynamic_impl/torch/<scenario>.py), per fault.
FAULTS = {
    "hang": "while True:  # spins at 100% CPU, as a runaway loop does\n        pass",
    "segv": "import os, signal\n    os.kill(os.getpid(), signal.SIGSEGV)",
    "exit": "import os\n    os._exit(3)",
    "printer": "print('x' * 1_000_000, flush=True)  # 1 MB per call",
}


def project(tmp: Path, *faults: str) -> Path:
    """The lab's code and control-flow, plus one scenario `fault-<name>` per fault named."""
    tree = tmp / "project"
    if not tree.exists():
        for folder in ("compare", "lab"):
            shutil.copytree(ROOT / folder, tree / folder, ignore=IGNORE)
        for folder in ("scenarios", "static_impl", "dynamic_impl"):
            shutil.copytree(ROOT / folder, tree / folder, ignore=IGNORE)
    for order, fault in enumerate(faults, start=50):
        module = f"fault_{fault}"
        spec = (ROOT / "scenarios" / "control_flow.py").read_text()
        spec = spec.replace('NAME = "control-flow"', f'NAME = "fault-{fault}"')
        spec = spec.replace("ORDER = 1\n", f"ORDER = {order}\n")
        (tree / "scenarios" / f"{module}.py").write_text(spec)
        for source in ROOT.glob("*_impl/*/control_flow.py"):
            target = tree / source.relative_to(ROOT).parent / f"{module}.py"
            text = source.read_text()
            if source.parent.name == "torch" and source.parent.parent.name == "dynamic_impl":
                text = text.replace("def forward(x):\n", f"def forward(x):\n    {FAULTS[fault]}\n", 1)
            target.write_text(text)
    return tree
