"""bench/machine.py reads the CPU's model and vector extensions that every benchmark prints."""

from __future__ import annotations

from bench.machine import describe, describe_line

CPUINFO = """processor\t: 0
vendor_id\t: AuthenticAMD
model name\t: AMD EPYC 7B13
flags\t\t: fpu sse sse2 sse4_1 sse4_2 avx f16c avx2 fma avx512f bmi2
processor\t: 1
model name\t: AMD EPYC 7B13
flags\t\t: fpu sse sse2 sse4_1 sse4_2 avx f16c avx2 fma avx512f bmi2
"""


def test_the_cpu_model_and_its_vector_extensions_are_read(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(CPUINFO)
    machine = describe(cpuinfo)
    assert machine["cpu"] == "AMD EPYC 7B13"
    assert machine["simd"] == ["sse4_2", "avx", "avx2", "fma", "f16c", "avx512f"]
    assert describe_line(machine).startswith("machine: AMD EPYC 7B13, ")
    assert describe_line(machine).endswith("SIMD sse4_2 avx avx2 fma f16c avx512f")


def test_without_proc_cpuinfo_the_platform_is_named(tmp_path):
    machine = describe(tmp_path / "missing")
    assert machine["cpu"] and machine["simd"] == []
    assert describe_line(machine).endswith("SIMD none listed")
