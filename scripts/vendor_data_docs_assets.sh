#!/usr/bin/env bash
# Vendor the scripts, styles and fonts Great Expectations' Data Docs load from CDNs into
# expectations/data_docs_assets/, from the npm registry (npm pack), each with its licence.
# expectations/data_docs.py rewrites the built site's links to these copies, so the site works
# with no network. Run again (and commit the result) when GX changes the versions it links.
set -euo pipefail
cd "$(dirname "$0")/.."
out=expectations/data_docs_assets
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -rf "$out"/lib
mkdir -p "$out"/lib

fetch() {  # fetch NAME@VERSION DIR: the package unpacked in $tmp/DIR
    (cd "$tmp" && npm pack --silent "$1" > /dev/null && mkdir -p "$2" \
        && tar xzf "$(ls -t ./*.tgz | head -1)" -C "$2" && rm -f ./*.tgz)
}
put() {  # put DIR FILE... : copy files of a package (paths inside it) into lib/DIR
    local dir=$1; shift
    for f in "$@"; do
        mkdir -p "$out/lib/$dir/$(dirname "$f")"
        cp "$tmp/$dir/package/$f" "$out/lib/$dir/$f"
    done
}

fetch jquery@3.7.1 jquery
put jquery dist/jquery.min.js LICENSE.txt
fetch bootstrap@4.3.1 bootstrap
put bootstrap dist/css/bootstrap.min.css dist/js/bootstrap.min.js LICENSE
fetch popper.js@1.12.9 popper.js
put popper.js dist/umd/popper.min.js package.json
fetch bootstrap-table@1.19.1 bootstrap-table
put bootstrap-table dist/bootstrap-table.min.js dist/bootstrap-table.min.css \
    dist/extensions/filter-control/bootstrap-table-filter-control.min.js \
    dist/extensions/filter-control/bootstrap-table-filter-control.css \
    dist/extensions/filter-control/bootstrap-table-filter-control.min.css LICENSE
fetch @fortawesome/fontawesome-free@6.6.0 fontawesome
put fontawesome css/all.min.css LICENSE.txt
mkdir -p "$out/lib/fontawesome/webfonts"
cp "$tmp"/fontawesome/package/webfonts/*.woff2 "$tmp"/fontawesome/package/webfonts/*.ttf \
    "$out/lib/fontawesome/webfonts/"
fetch bootstrap-datepicker@1.9.0 bootstrap-datepicker
put bootstrap-datepicker dist/js/bootstrap-datepicker.min.js \
    dist/css/bootstrap-datepicker.min.css LICENSE
fetch vega@5.33.1 vega
put vega build/vega.min.js package.json
fetch vega-lite@5.23.0 vega-lite
put vega-lite build/vega-lite.min.js LICENSE
fetch vega-embed@6.29.0 vega-embed
put vega-embed build/vega-embed.min.js LICENSE
fetch @forevolve/bootstrap-dark@1.1.0 bootstrap-dark
put bootstrap-dark dist/css/bootstrap-prefers-dark.css LICENSE
# the two packages that ship no licence file: the text of the licence their package.json names
cat > "$out/lib/popper.js/LICENSE" <<'LICENCE'
The MIT License (MIT)

Copyright (c) 2016 Federico Zivolo and contributors

Permission is hereby granted, free of charge, to any person obtaining a copy of this software
and associated documentation files (the "Software"), to deal in the Software without
restriction, including without limitation the rights to use, copy, modify, merge, publish,
distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the
Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING
BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
LICENCE
sed 's/^Copyright (c) 2015, University of Washington Interactive Data Lab./Copyright (c) 2015-2023, University of Washington Interactive Data Lab./' \
    "$out/lib/vega-lite/LICENSE" > "$out/lib/vega/LICENSE"
du -sh "$out"
