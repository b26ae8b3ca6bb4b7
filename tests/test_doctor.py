"""`lab doctor`, on this CPU-only machine and with a framework missing."""

from conftest import invoke
from lab.strict_json import loads_strict
from shadows.make import shadow


def test_doctor_sees_every_framework_on_cpu():
    result = invoke(["doctor", "--json"], env={"LAB_FAKE_NO_GPU": "1"})
    report = loads_strict(result.stdout)
    assert result.exit_code == 0
    assert report["nvidia_gpus"] == []
    rows = {r["framework"]: r for r in report["frameworks"]}
    assert list(rows) == ["tensorflow", "jax", "torch"]
    for row in rows.values():
        assert row["status"] == "ok" and row["version"]
        assert row["device_used"] == "cpu" and row["devices"]
        assert row["threads"]["intra_op"] == 1 and row["install"] is None
    assert rows["torch"]["version"].startswith("2.13.0")
    # The JSON boundary's one pair: the printed report, typed again, prints the same bytes.
    from compare.results import DoctorReport, FrameworkProbe
    from lab.strict_json import dumps
    typed = DoctorReport.from_dict(report)
    assert all(isinstance(f, FrameworkProbe) for f in typed.frameworks)
    assert dumps(typed.to_dict()) + "\n" == result.stdout


def test_doctor_names_the_install_command_for_a_missing_framework(tmp_path):
    env = {"PYTHONPATH": str(shadow(tmp_path, "jax", "missing")), "LAB_FAKE_NO_GPU": "1"}
    result = invoke(["doctor", "--json", "--frameworks", "jax,torch"], env=env)
    report = loads_strict(result.stdout)
    rows = {r["framework"]: r for r in report["frameworks"]}
    assert list(rows) == ["jax", "torch"]
    assert rows["jax"]["status"] == "unavailable"
    assert rows["jax"]["install"] == "pip install 'jax>=0.10,<0.11'"
    assert rows["torch"]["status"] == "ok"
    assert result.exit_code == 3


def test_doctor_table_is_readable():
    result = invoke(["doctor", "--frameworks", "torch"], env={"LAB_FAKE_NO_GPU": "1"})
    assert result.exit_code == 0
    assert "torch" in result.stdout and "2.13.0" in result.stdout
