"""The machine a benchmark ran on, in one line and as JSON.

This development machine is a VM whose host changes: one session ran the model 2.4–3.2 times
slower than others while Python slowed 1.5–1.8 times (bench/RESULTS.md). The CPU's model and
its vector extensions, which LiteRT's kernels pick from, are printed with every figure so that
runs on different hosts are not compared as if they were one.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path

# The vector extensions that decide which kernels LiteRT (XNNPACK) runs.
SIMD_FLAGS = ("sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512_vnni",
              "avx_vnni", "amx_tile")


def describe(cpuinfo: Path = Path("/proc/cpuinfo")) -> dict[str, object]:
    """CPU model, core count and which of ``SIMD_FLAGS`` it has; the model from ``platform``
    where there is no /proc/cpuinfo."""
    model, flags = platform.processor() or platform.machine(), set()
    if cpuinfo.exists():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and value.strip():
                model = value.strip()
            elif key.strip() == "flags":
                flags = set(value.split())
                break
    return {"cpu": model, "cores": os.cpu_count() or 1,
            "simd": [flag for flag in SIMD_FLAGS if flag in flags]}


def describe_line(machine: dict[str, object]) -> str:
    simd = " ".join(machine["simd"]) or "none listed"
    return f"machine: {machine['cpu']}, {machine['cores']} cores, SIMD {simd}"
