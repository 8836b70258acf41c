#!/usr/bin/env bash
# Refresh the JavaScript/CSS assets that planning.webmap inlines into offline maps.
#   bash scripts/vendor_webmap_assets.sh
#
# Each package is fetched with `npm pack` from the npm registry at a pinned version, its
# integrity checked against the registry's published sha512, and only the files the maps use
# are copied to planning/webmap/vendor/<package>/ (a leading "dist/" is dropped: "dist/" is
# git-ignored in this repository). The package's licence goes to vendor/LICENSES/, and
# vendor/VERSIONS.json records name, version, licence, tarball sha512/sha256 and the sha256 of
# every vendored file (tests check the files against it).
#
# To move to a new version: change the pin below, run the script, run
# `python -m pytest tests/test_webmap.py tests/test_webmap_browser.py`, commit the result.
set -euo pipefail
cd "$(dirname "$0")/.."
here=$(pwd)
vendor="$here/planning/webmap/vendor"

command -v npm >/dev/null 2>&1 || { echo "npm is needed (apt-get install npm)" >&2; exit 1; }

# name  version  licence-file  files...   (paths inside the package)
# leaflet and leaflet.fullscreen are what meeting maps use; the others are the assets every
# plain folium map links (jQuery, Bootstrap, Font Awesome, Leaflet.awesome-markers), so that
# save_map(..., offline=True) works for any folium map. Font Awesome: WOFF2 fonts only.
PACKAGES=(
  "leaflet 1.9.4 LICENSE dist/leaflet.js dist/leaflet.css dist/images/layers.png dist/images/layers-2x.png dist/images/marker-icon.png dist/images/marker-icon-2x.png dist/images/marker-shadow.png"
  "leaflet.fullscreen 3.0.2 LICENSE Control.FullScreen.js Control.FullScreen.css icon-fullscreen.svg"
  "jquery 3.7.1 LICENSE.txt dist/jquery.min.js"
  "bootstrap 5.2.2 LICENSE dist/js/bootstrap.bundle.min.js dist/css/bootstrap.min.css"
  "@fortawesome/fontawesome-free 6.2.0 LICENSE.txt css/all.min.css webfonts/fa-brands-400.woff2 webfonts/fa-regular-400.woff2 webfonts/fa-solid-900.woff2 webfonts/fa-v4compatibility.woff2"
  "leaflet.awesome-markers 2.0.5 LICENSE dist/leaflet.awesome-markers.js dist/leaflet.awesome-markers.css dist/images/markers-soft.png dist/images/markers-soft@2x.png dist/images/markers-shadow.png dist/images/markers-shadow@2x.png"
)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
manifest="$work/manifest.tsv"
: >"$manifest"

for entry in "${PACKAGES[@]}"; do
  read -r name version licence files <<<"$entry"
  echo "== $name@$version"
  pkgdir="$work/$name"
  mkdir -p "$pkgdir"
  tarball=$(cd "$pkgdir" && npm pack --silent "$name@$version" | tail -n 1)
  expected=$(npm view "$name@$version" dist.integrity)
  actual="sha512-$(openssl dgst -sha512 -binary "$pkgdir/$tarball" | base64 -w0)"
  if [ "$expected" != "$actual" ]; then
    echo "integrity mismatch for $name@$version: registry $expected, tarball $actual" >&2
    exit 1
  fi
  spdx=$(npm view "$name@$version" license)
  tar xzf "$pkgdir/$tarball" -C "$pkgdir"
  dir=$(echo "$name" | sed 's/^@//; s|/|-|g')   # @scope/name -> scope-name
  rm -rf "${vendor:?}/$dir"
  mkdir -p "$vendor/$dir" "$vendor/LICENSES"
  cp "$pkgdir/package/$licence" "$vendor/LICENSES/$dir.txt"
  sha=$(sha256sum "$pkgdir/$tarball" | cut -d' ' -f1)
  for f in $files; do
    dest="${f#dist/}"
    mkdir -p "$(dirname "$vendor/$dir/$dest")"
    cp "$pkgdir/package/$f" "$vendor/$dir/$dest"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$version" "$spdx" "$expected" "$sha" \
      "$f" "$dir/$dest" "$dir" >>"$manifest"
  done
done

python3 - "$manifest" "$vendor/VERSIONS.json" <<'PY'
import hashlib, json, pathlib, sys
manifest, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
vendor = out.parent
packages = {}
for line in manifest.read_text().splitlines():
    name, version, spdx, integrity, sha, src, dest, folder = line.split("\t")
    pkg = packages.setdefault(name, {
        "name": name, "version": version, "license": spdx,
        "license_file": f"LICENSES/{folder}.txt",
        "tarball": f"registry.npmjs.org/{name}/-/{name.split('/')[-1]}-{version}.tgz",
        "tarball_sha512": integrity, "tarball_sha256": sha, "files": {},
    })
    data = (vendor / dest).read_bytes()
    pkg["files"][dest] = {"from": src, "sha256": hashlib.sha256(data).hexdigest()}
out.write_text(json.dumps({"packages": list(packages.values())}, indent=2) + "\n")
print(f"wrote {out}")
PY
