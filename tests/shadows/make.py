"""Build a folder of stand-in modules that make one framework misbehave in its worker."""
import os
from pathlib import Path

FAULTS = {
    "missing": "raise ModuleNotFoundError('No module named ' + repr({name!r}), name={name!r})\n",
    "segfault": "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n",
    "hang": "import sys, time\nprint('stand-in {name}: sleeping', flush=True)\ntime.sleep(600)\n",
    # Noise on both streams, then the real framework, so the run must still succeed.
    "noise": (
        "import importlib, os, sys\n"
        "print('{{\"not\": \"the protocol\"}} noisy stdout from {name}', flush=True)\n"
        "sys.stderr.write('W0000 00:00:00 noisy stderr from {name}\\n')\n"
        "os.write(1, b'raw fd-1 noise\\n')\n"
        "here = os.path.dirname(os.path.abspath(__file__))\n"
        "sys.path[:] = [p for p in sys.path if os.path.abspath(p or '.') != here]\n"
        "del sys.modules[{name!r}]\n"
        "sys.modules[{name!r}] = importlib.import_module({name!r})\n"
    ),
}


def shadow(tmp: Path, name: str, fault: str) -> Path:
    folder = tmp / f"shadow-{name}-{fault}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.py").write_text(FAULTS[fault].format(name=name))
    return folder


def tagged(tag: str) -> list[int]:
    """Processes (a lab and its workers) whose environment carries LAB_TEST_TAG=tag."""
    pids = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/environ", "rb") as fh:
                    if f"LAB_TEST_TAG={tag}".encode() in fh.read():
                        pids.append(int(pid))
            except OSError:
                pass
    return pids
