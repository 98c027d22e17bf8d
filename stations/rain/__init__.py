"""Rain gauges and the Decision 18/2021 landslide and flash-flood risk level (issue 17).

Pure domain code: differencing of cumulative feeds, rain QC, rolling accumulations, the JMA
three-tank soil-water index, the thresholds table, gauge-to-place interpolation, level decisions
with hysteresis, and verification scores. No clock, no settings, no web code.
"""

PARAMETER = "Rain"  # catalogue code: mm in the reporting interval
