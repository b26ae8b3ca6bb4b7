"""`lab doctor`: each framework's probe (installed or not, version, devices, threads), typed."""
from __future__ import annotations

from compare.results import DoctorReport


def run(frameworks: list[str], *, device: str, threads: int, timeout: float,
        on_progress=None) -> DoctorReport:
    """The report `lab doctor --json` prints (its to_dict); a missing framework makes it incomplete."""
    from lab.doctor import diagnose
    return diagnose(frameworks, device=device, threads=threads, timeout=timeout, on_progress=on_progress)
