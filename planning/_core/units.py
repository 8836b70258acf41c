"""Area units of Chinese planning figures: square metres, mu (亩) and hectares (公顷).

1 mu = 10000/15 m² (about 666.67 m²); 1 ha = 10,000 m² = 15 mu. Columns say their unit in
their name (``area_m2``, ``area_mu``, ``area_ha``).

Examples
--------
>>> round(10_000 * MU_PER_M2, 6), 10_000 * HA_PER_M2
(15.0, 1.0)
"""

from __future__ import annotations

#: mu per square metre (1 mu = 10000/15 m²)
MU_PER_M2 = 15 / 10_000
#: hectares per square metre
HA_PER_M2 = 1 / 10_000
#: square metres per mu
M2_PER_MU = 10_000 / 15
