"""`lab verify --junit-xml`: the verify report as JUnit XML, for CI."""
from __future__ import annotations

from xml.sax.saxutils import quoteattr

from compare.results import VerifyReport

FAILED = ("fail", "drift", "crashed")
NOT_RUN = ("unavailable", "timeout", "interrupted")


def junit_xml(report: VerifyReport) -> str:
    """One <testsuite> per scenario, one <testcase> per result row."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<testsuites name=\"lab verify\">"]
    for name in report.scenarios:
        rows = report.rows(name)
        failures = sum(r.status in FAILED for r in rows)
        skipped = sum(r.status in NOT_RUN for r in rows)
        lines.append(f"  <testsuite name={quoteattr(name)} tests=\"{len(rows)}\" failures=\"{failures}\" "
                     f"errors=\"0\" skipped=\"{skipped}\">")
        for r in rows:
            case = f"{r.system} {r.variant} {r.quantity}"
            lines.append(f"    <testcase classname={quoteattr('lab.verify.' + name)} name={quoteattr(case)}>")
            message = r.detail or ""
            if r.max_abs_err is not None and r.tolerance:
                message += (f" (max abs err {r.max_abs_err:.3g}; rtol {r.tolerance['rtol']:g}, "
                            f"atol {r.tolerance['atol']:g})")
            if r.status in FAILED:
                kind = "lesson drift" if r.status == "drift" else "numeric mismatch"
                lines.append(f"      <failure message={quoteattr(message)} type={quoteattr(kind)}/>")
            elif r.status in NOT_RUN:
                lines.append(f"      <skipped message={quoteattr(message)}/>")
            else:
                lines.append(f"      <system-out>{quoteattr(r.status + ': ' + message)[1:-1]}</system-out>")
            lines.append("    </testcase>")
        lines.append("  </testsuite>")
    lines.append("</testsuites>")
    return "\n".join(lines) + "\n"
