"""Parity of the simulator's FBP model (fbp32: C2F-W's float steps) with the double-precision
reference (fbp: the textbook-checked equations) over every fuel type, wind, moisture and slope.

The two differ only by where C2F-W rounds to 32-bit floats (1e-7..2e-6 relative per step), so
they must agree to 1e-5 (measured: at most 2.2e-6, M1-M4 and C4); a wrong coefficient or a dropped term in either shows up
as a difference of percent or more.
"""

import itertools

import numpy as np
import pytest

from latentga.simulator.fbp import C2F_DEFAULTS, FUEL_TYPES, fbp_rates
from latentga.simulator.fbp32 import fuel_kind, head_flank

F32 = lambda x: float(np.float32(x))  # noqa: E731  (what C2F-W holds in a float)

# ws km/h, wd degrees, ffmc, bui, slope %, aspect degrees: calm to gale (wsv past 40 km/h),
# dry to damp, BUI either side of D2's 80, flat to past the 70 % slope cap
WEATHER = list(itertools.product((0.0, 7.5, 21.0, 38.0, 55.0), (0, 135, 270), (72.0, 88.5, 94.0),
                                 (25.0, 79.0, 120.0)))
TERRAIN = [(0.0, 0.0), (12.0, 90.0), (48.0, 200.0), (85.0, 315.0)]


def _pair(fuel, ws, wd, ffmc, bui, ps, saz):
    """(reference hros, fros), (fbp32 hros, fros) for the same C2F-W inputs."""
    ws, ffmc, bui, ps, saz = (F32(v) for v in (ws, ffmc, bui, ps, saz))
    ref = fbp_rates(fuel, ws, float(wd), ffmc, bui, ps, saz)
    kind, green = fuel_kind(fuel)
    p1, p2, p3, q, bui0, cbh, green = (F32(v) for v in (fuel.a, fuel.b, fuel.c, fuel.q, fuel.bui0,
                                                         getattr(fuel, "cbh", 0.0), green))
    got = head_flank(kind, p1, p2, p3, q, bui0, cbh, green, F32(C2F_DEFAULTS.cur), int(C2F_DEFAULTS.pc),
                     int(C2F_DEFAULTS.pdf), 0.0, ps, saz, ws, int(wd), ffmc, bui)
    return (float(ref.hros), float(ref.fros)), got


@pytest.mark.parametrize("code", sorted(FUEL_TYPES))
def test_fbp32_matches_the_double_precision_reference(code):
    fuel = FUEL_TYPES[code]
    worst, spread = 0.0, 0
    for (ws, wd, ffmc, bui), (ps, saz) in itertools.product(WEATHER, TERRAIN):
        (ref_h, ref_f), (h, f) = _pair(fuel, ws, wd, ffmc, bui, ps, saz)
        for a, b in ((ref_h, h), (ref_f, f)):
            assert np.isfinite(b), (code, ws, wd, ffmc, bui, ps, saz)
            if abs(a) < 1e-9:
                assert abs(b) < 1e-6, (code, ws, wd, ffmc, bui, ps, saz, a, b)
                continue
            worst = max(worst, abs(b - a) / abs(a))
            spread += 1
    assert worst < 1e-5, f"{code}: fbp32 and the reference differ by {worst:.2e} (relative)"  # measured <= 2.2e-6
    assert spread >= 360  # every type spreads in many of these conditions (D2 only from BUI 80)


def test_the_parity_test_would_see_a_wrong_coefficient():
    """A 1 % change of one coefficient is far outside the parity tolerance."""
    import dataclasses

    fuel = FUEL_TYPES["C2"]
    (ref_h, _), (h, _) = _pair(dataclasses.replace(fuel, a=fuel.a * 1.01), 21.0, 135, 88.5, 79.0, 12.0, 90.0)
    (_, _), (h0, _) = _pair(fuel, 21.0, 135, 88.5, 79.0, 12.0, 90.0)
    assert abs(ref_h - h0) / ref_h > 5e-3
