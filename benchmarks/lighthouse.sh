#!/usr/bin/env bash
# Lighthouse scores (performance, accessibility, best practices, SEO) for the
# shipped site: home, one claim page and the search page, mobile form factor
# (Lighthouse's default), served by python -m http.server on 127.0.0.1.
#
#   benchmarks/lighthouse.sh [OUT_DIR]        # default OUT_DIR: /tmp/lighthouse-run
#
# Needs: node + npm, Chromium (CHROME_PATH, default /usr/bin/chromium).
# Lighthouse is installed once into $LH_PREFIX (default /tmp/lh), outside the repo.
# Writes OUT_DIR/<page>.report.json and .report.html and prints a Markdown table.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-/tmp/lighthouse-run}"
SITE="$OUT/site"
PORT="${PORT:-8765}"
LH_PREFIX="${LH_PREFIX:-/tmp/lh}"
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"
CHROME_FLAGS="--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run"
CLAIM="${CLAIM:-/claims/putin-kim-mutual-assistance-agreement/}"
PYTHON="${PYTHON:-python3}"

mkdir -p "$OUT"
if [ ! -x "$LH_PREFIX/node_modules/.bin/lighthouse" ]; then
  npm install --prefix "$LH_PREFIX" lighthouse
fi
LIGHTHOUSE="$LH_PREFIX/node_modules/.bin/lighthouse"

(cd "$REPO" && "$PYTHON" -m site_builder build --content content --out "$SITE" --no-cache)

"$PYTHON" -m http.server "$PORT" --bind 127.0.0.1 --directory "$SITE" >"$OUT/http.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  curl -fs -o /dev/null "http://127.0.0.1:$PORT/" 2>/dev/null && break
  sleep 0.1
done

echo "Lighthouse $("$LIGHTHOUSE" --version), $("$CHROME_PATH" --version 2>/dev/null), $(date -u +%Y-%m-%d)"
echo
echo "| page | performance | accessibility | best practices | SEO |"
echo "|---|---|---|---|---|"
for pair in "home /" "claim $CLAIM" "search /search/"; do
  name="${pair%% *}"
  path="${pair#* }"
  "$LIGHTHOUSE" "http://127.0.0.1:$PORT$path" \
    --chrome-flags="$CHROME_FLAGS" \
    --only-categories=performance,accessibility,best-practices,seo \
    --output=json --output=html --output-path="$OUT/$name" --quiet
  "$PYTHON" - "$OUT/$name.report.json" "$name" "$path" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
cats = report["categories"]
score = lambda k: "n/a" if cats[k]["score"] is None else round(cats[k]["score"] * 100)
print(f"| {sys.argv[2]} `{sys.argv[3]}` | {score('performance')} | {score('accessibility')} "
      f"| {score('best-practices')} | {score('seo')} |")
EOF
done
echo
# Every audit that did not pass, per page (score < 1, not informative/manual/n/a).
for name in home claim search; do
  "$PYTHON" - "$OUT/$name.report.json" "$name" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
for cat in report["categories"].values():
    for ref in cat["auditRefs"]:
        audit = report["audits"][ref["id"]]
        if audit["scoreDisplayMode"] in ("binary", "numeric", "metricSavings") \
                and audit["score"] is not None and audit["score"] < 1 and ref.get("weight", 0) > 0:
            print(f"{sys.argv[2]}: {cat['id']}: {audit['id']} ({audit['score']}): {audit['title']}")
EOF
done
