"""What a bureau prints and hands in.

- :func:`meeting_pack` — everything the 10-day working meeting needs, written into one
  folder: the offline meeting map, the conflict ledger (Excel and GeoPackage), the briefing,
  the assessment table and chart, and the list of the workspace's layers (what
  ``planning demo`` writes from the Taiqian sample).
"""

from __future__ import annotations

from planning.reports.pack import MeetingPack, meeting_pack

__all__ = ["MeetingPack", "meeting_pack"]
