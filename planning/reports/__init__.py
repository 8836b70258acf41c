"""What a bureau prints and hands in.

- :func:`meeting_pack` — everything the 10-day working meeting needs, written into one
  folder: the offline meeting map, the conflict ledger (Excel and GeoPackage), the briefing,
  the assessment table and chart, and the list of the workspace's layers (what
  ``planning demo`` writes from the Taiqian sample);
- :func:`print_map` / :func:`print_atlas` — thematic maps (专题图) to PDF, PNG or JPEG with
  the furniture of a printed map (title, legend, north arrow, scales, neatline, CRS
  statement, compiling unit and date), one sheet or one per township / project;
- :func:`review_report` / :func:`review_reports` — a project's review report (审查意见书) in
  Word or PDF: facts, location map, area breakdown, control lines, verdict, opinion boxes.
"""

from __future__ import annotations

from planning.reports.maps import MapSheet, print_atlas, print_map
from planning.reports.pack import MeetingPack, meeting_pack
from planning.reports.review import review_document, review_report, review_reports

__all__ = ["MapSheet", "MeetingPack", "meeting_pack", "print_atlas", "print_map",
           "review_document", "review_report", "review_reports"]
